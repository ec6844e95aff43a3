"""Coverage gaps: unanswered and 👎 questions grouped into named topics (real pipeline, real Postgres, the CLI)."""

from __future__ import annotations

import json

import numpy as np

from core import db
from feedback import labels
from feedback.gaps import cluster, find_gaps, load_evidence, typical_order
from tests.support.cli_runner import run_cli
from workers.slack.store import RequestKey, create_request, withdraw_request

TEAM = "T0GAPS0001"
PARENTAL = [
    "How many weeks of parental leave do new fathers get?",
    "What is our paternity leave policy for new dads?",
    "How long is parental leave when you have a baby?",
]
VISA = [
    "Does the company sponsor work visas for new hires?",
    "Can I get visa sponsorship if I move here from abroad?",
]
PARKING = ["Where can I park my car at the office?"]


def _ask_from_slack(pipeline, question: str, user: str, channel: str, ts: str) -> str:
    """Ask as the worker does for a Slack question: the interaction id comes from the request key."""
    key = RequestKey(TEAM, channel, ts)
    with db.connect(pipeline.database_url) as conn:
        create_request(conn, key, thread_ts=ts, user_id=user, kind="mention", question_redacted=question, pii={},
                       reply_mode="in_channel")  # fmt: skip
        conn.commit()
    result = pipeline.ask(question, ["handbook"], source="slack", interaction_id=key.interaction_id(), team_id=TEAM)
    return result.interaction_id


def test_unanswered_questions_become_a_few_named_gaps(pipeline, local_embedder):
    asked = []
    for i, q in enumerate(PARENTAL + VISA + PARKING):
        user = ["U0ALICE001", "U0BOB00001", "U0CAROL001"][i % 3]
        asked.append(_ask_from_slack(pipeline, q, user, "C0GENERAL1" if i % 2 else "C0RANDOM01", f"1700000000.{i:06d}"))
    answered = pipeline.ask("How long before an unacknowledged page escalates?", ["handbook"], team_id=TEAM)
    assert answered.status == "answered"
    with db.connect(pipeline.database_url) as conn:
        labels.record_vote(conn, answered.interaction_id, kind="down", reaction="-1", user_id="U0BOB00001",
                           team_id=TEAM)  # fmt: skip
        conn.commit()
        evidence = load_evidence(conn, since=_long_ago(), team=TEAM)
    assert {e.interaction_id for e in evidence} == {*asked, answered.interaction_id}  # dont_know + the 👎 answer

    def embed(texts):
        return np.asarray(local_embedder.embed(texts), dtype=float)

    gaps = find_gaps(evidence, embed)
    by_name = {g.name: g for g in gaps}
    parental = next(g for g in gaps if g.name in PARENTAL)
    assert parental.count == 3 and sorted(parental.questions) == sorted(PARENTAL)
    assert parental.askers == 3 and parental.channels == ["C0GENERAL1", "C0RANDOM01"]
    assert parental.dont_know == 3 and parental.closest_documents  # the closest handbook pages are named
    visa = next(g for g in gaps if g.name in VISA)
    assert sorted(visa.questions) == sorted(VISA)
    assert gaps[0] is parental  # the most asked first
    down = next(g for g in gaps if g.voted_down)
    assert down.name == answered.question_redacted and down.dont_know == 0
    assert len(gaps) == 4 and set(by_name) >= {"Where can I park my car at the office?"}


def test_the_cli_reports_gaps_as_json_and_csv_within_one_workspace(pipeline):
    for i, q in enumerate(PARENTAL):
        _ask_from_slack(pipeline, q, f"U0USER{i:04d}", "C0GENERAL1", f"1700000100.{i:06d}")
    pipeline.ask("How do I renew a visa for my partner?", ["handbook"], team_id="T0OTHER001")  # another workspace
    out = run_cli(pipeline.database_url, "gaps", "--format", "json", "--team", TEAM, embeddings="local")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["questions"] == 3
    (gap,) = report["gaps"]
    assert gap["count"] == 3 and gap["askers"] == 3 and gap["name"] in PARENTAL
    assert not any("partner" in q for g in report["gaps"] for q in g["examples"])  # workspace B's question
    csv_out = run_cli(pipeline.database_url, "gaps", "--format", "csv", "--team", TEAM)  # no embeddings: terms
    assert csv_out.returncode == 0, csv_out.stderr
    header, *rows = csv_out.stdout.strip().splitlines()
    assert header.startswith("topic,questions,dont_know") and rows
    bad = run_cli(pipeline.database_url, "gaps", "--collection", "nope")
    assert bad.returncode == 2 and "Unknown collection" in bad.stderr


def test_average_linkage_does_not_chain_topics_through_one_ambiguous_question():
    # a ~ b, b ~ c, but a and c are unrelated: single linkage would make one group of three.
    sims = np.array([[1.0, 0.7, 0.0], [0.7, 1.0, 0.7], [0.0, 0.7, 1.0]])
    groups = cluster(sims, threshold=0.5)
    assert len(groups) == 2 and sorted(map(len, groups)) == [1, 2]
    assert typical_order([0, 1, 2], sims)[0] == 1  # the question closest to all the others names the group


def _long_ago():
    from datetime import UTC, datetime

    return datetime(2000, 1, 1, tzinfo=UTC)


def test_a_question_its_asker_deleted_is_no_gap(pipeline):
    """Deleted in Slack (the request withdrawn), an unanswered question leaves the coverage gaps."""
    kept = _ask_from_slack(pipeline, VISA[0], "U0ALICE001", "C0GENERAL1", "1700000100.000001")
    deleted = _ask_from_slack(pipeline, VISA[1], "U0BOB00001", "C0GENERAL1", "1700000100.000002")
    with db.connect(pipeline.database_url) as conn:
        assert withdraw_request(conn, RequestKey(TEAM, "C0GENERAL1", "1700000100.000002")) is not None
        conn.commit()
        evidence = load_evidence(conn, since=_long_ago(), team=TEAM)
    ids = {e.interaction_id for e in evidence}
    assert kept in ids and deleted not in ids
