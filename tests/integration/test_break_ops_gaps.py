"""Trying to break the coverage-gaps report: questions in scripts the term matcher does not read, the same question
asked again and again, and questions that are nothing but a redacted value (real pipeline, real Postgres, the CLI
with no embedding model — the offline default, where questions are grouped by their words)."""

from __future__ import annotations

import json

from tests.integration.test_gaps import _ask_from_slack
from tests.support.cli_runner import run_cli

TEAM = "T0GAPS0001"  # test_gaps' helper asks in this workspace
JAPANESE = "有給休暇は何日もらえますか？"
RUSSIAN = "Сколько дней отпуска положено новым сотрудникам?"
GREEK = "Πόσες μέρες άδεια μητρότητας δίνει η εταιρεία;"


def _gaps(url: str) -> dict:
    out = run_cli(url, "gaps", "--format", "json", "--team", TEAM)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_the_same_question_in_another_script_is_one_gap_with_its_askers(pipeline):
    """Without embeddings, questions were grouped by English-alphabet words only: a question in Japanese, Russian
    or Greek had none, so the same question asked by three people was three gaps of one asker each."""
    asked = [(JAPANESE, 3), (RUSSIAN, 2), (GREEK, 1)]
    n = 0
    for question, times in asked:
        for _ in range(times):
            _ask_from_slack(pipeline, question, f"U0ASKER{n:03d}", "C0GENERAL1", f"1700000200.{n:06d}")
            n += 1
    report = _gaps(pipeline.database_url)
    assert report["questions"] == 6
    by_name = {g["name"]: g for g in report["gaps"]}
    assert set(by_name) == {JAPANESE, RUSSIAN, GREEK}, list(by_name)
    assert [(by_name[q]["count"], by_name[q]["askers"]) for q, _ in asked] == [(3, 3), (2, 2), (1, 1)]
    assert by_name[JAPANESE]["examples"] == [JAPANESE]  # the same wording asked thrice is one example
    assert report["gaps"][0]["name"] == JAPANESE  # the most asked first


def test_near_identical_questions_in_another_script_are_one_gap(pipeline):
    wordings = [
        "Сколько дней отпуска положено новым сотрудникам?",
        "Сколько дней отпуска положено новым сотрудникам в первый год?",
        "Сколько дней отпуска положено сотрудникам?",
    ]
    for i, question in enumerate(wordings):
        _ask_from_slack(pipeline, question, f"U0ASKER{i:03d}", "C0GENERAL1", f"1700000300.{i:06d}")
    (gap,) = _gaps(pipeline.database_url)["gaps"]
    assert gap["count"] == 3 and gap["askers"] == 3
    assert gap["name"] == wordings[0]  # the wording closest to both others names the topic


def test_questions_that_are_only_a_redacted_value_are_one_gap_and_never_quote_it(pipeline):
    for i in range(3):
        _ask_from_slack(pipeline, "<EMAIL_ADDRESS>", f"U0ASKER{i:03d}", "C0GENERAL1", f"1700000400.{i:06d}")
    _ask_from_slack(pipeline, "Where can I park my car at the office?", "U0ASKER009", "C0GENERAL1", "1700000400.9")
    report = _gaps(pipeline.database_url)
    counts = sorted((g["name"], g["count"]) for g in report["gaps"])
    assert counts == [("<EMAIL_ADDRESS>", 3), ("Where can I park my car at the office?", 1)], counts
