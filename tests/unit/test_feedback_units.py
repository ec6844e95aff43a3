"""The flywheel's pure parts: reaction polarity, the held-out split, expectations from labels, scoring, the
promotion rule, the local parameter search, pairwise judging and demo selection."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feedback.demos import most_similar
from feedback.examples import Example, _expectation
from feedback.labels import normalize_reaction, polarity, split_for
from feedback.prompt_versions import AnsweringParams, FewShot, PromptVersion, diff
from feedback.retune import Evaluator, pairwise, search_params
from feedback.retune_search import _window
from feedback.scoring import (
    AGREE,
    JudgeTally,
    Metrics,
    Outcome,
    agreement,
    credit,
    decide,
    evidence,
    score,
    sign_test,
)
from guardrails.text import question_similarity
from workers.celery_app import beat_schedule, retune_crontab

POS, NEG = ["+1", "thumbsup", "white_check_mark"], ["-1", "thumbsdown", "x"]


def example(expect: str, reference: str | None = None, question: str = "q", split: str = "heldout") -> Example:
    return Example("i", question, ["kb"], expect, reference, split)  # type: ignore[arg-type]


def version(**params) -> PromptVersion:
    return PromptVersion(
        id=1, instructions="be brief", params=AnsweringParams(**params), author="seed", created_at=datetime.now(UTC)
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("+1", "up"),
        (":+1:", "up"),
        ("+1::skin-tone-4", "up"),
        ("white_check_mark", "up"),
        ("-1", "down"),
        ("x", "down"),
        ("tada", None),
        ("", None),
    ],
)
def test_reaction_polarity(name, expected):
    assert polarity(name, POS, NEG) == expected
    assert normalize_reaction("thumbsup::skin-tone-2") == "thumbsup"


def test_split_is_stable_per_question_and_near_the_configured_share():
    assert split_for("How do I deploy?", 30) == split_for("how do I   deploy", 30)  # case, spacing, punctuation
    splits = [split_for(f"question number {i} about deploys", 30) for i in range(2000)]
    assert 0.25 < splits.count("heldout") / len(splits) < 0.35


def _rows(*kinds: str, status: str = "answered", correction: str | None = None) -> list[dict]:
    return [{"kind": k, "answer_status": status, "answer": "the answer", "correction": correction} for k in kinds]


def test_expectations_from_labels():
    assert _expectation(_rows("up", "up", "down")) == ("answer", "the answer")
    assert _expectation(_rows("up", status="dont_know")) == ("dont_know", None)
    assert _expectation(_rows("down")) == ("not_this", "the answer")
    assert _expectation(_rows("down", status="dont_know")) == ("should_answer", None)
    assert _expectation(_rows("up", "down")) is None, "a split team is no evidence"
    assert _expectation([*_rows("down"), *_rows("correction", correction="the fix")]) == ("answer", "the fix")


def test_agreement_and_credit():
    ref = "Pages escalate to the secondary after 10 minutes."
    assert agreement(ref, "After 10 minutes the page escalates to the secondary on call.") >= AGREE
    assert agreement(ref, "The hotel cap in London is 250 euros.") < AGREE
    said = Outcome("answered", "After 10 minutes pages escalate to the secondary.")
    idk = Outcome("dont_know", "")
    other = Outcome("answered", "Hotels in London are capped at 250 euros a night.")
    assert credit(example("answer", ref), said) == 1 and credit(example("answer", ref), idk) == 0
    assert credit(example("dont_know"), idk) == 1 and credit(example("dont_know"), said) == 0
    assert credit(example("not_this", ref), idk) == 1
    assert credit(example("not_this", ref), said) == 0 and credit(example("not_this", ref), other) == 0.5
    assert credit(example("should_answer"), other) == 1 and credit(example("should_answer"), idk) == 0


def test_metrics():
    exs = [example("answer", "alpha beta gamma"), example("dont_know"), example("not_this", "delta epsilon")]
    outs = [
        Outcome("answered", "alpha beta gamma", grounding="grounded"),
        Outcome("answered", "zeta eta", grounding="grounded"),
        Outcome("dont_know", "", grounding="ungrounded", pii_out=True),
    ]
    m = score(exs, outs)
    assert m.n == 3 and m.score == pytest.approx(2 / 3)
    assert m.agreement == 1 and m.idk_correct == pytest.approx(2 / 3) and m.answered == pytest.approx(2 / 3)
    assert m.grounding_pass == pytest.approx(2 / 3) and m.pii_leaks == 1
    assert m.by_expectation["dont_know"] == {"n": 1, "score": 0.0}


def _m(**kw) -> Metrics:
    base = {"n": 40, "score": 0.7, "agreement": 0.8, "idk_correct": 0.7, "grounding_pass": 1.0, "pii_leaks": 0}
    return Metrics(**{**base, **kw})


def test_decide_needs_the_margin_and_no_regressions():
    assert decide(_m(), _m(score=0.75), margin=0.02, min_examples=10).promote
    assert not decide(_m(), _m(score=0.71), margin=0.02, min_examples=10).promote
    regress = [
        _m(score=0.8, grounding_pass=0.95),
        _m(score=0.8, pii_leaks=1),
        _m(score=0.8, agreement=0.65),
        _m(score=0.8, idk_correct=0.55),
        _m(score=0.8, n=5),
    ]
    for cand in regress:
        verdict = decide(_m(), cand, margin=0.02, min_examples=10, max_drop=0.1)
        assert not verdict.promote and verdict.reasons, cand
    judged = decide(_m(), _m(score=0.8), margin=0.02, min_examples=10, judge=JudgeTally(wins=1, losses=3))
    assert not judged.promote and "judge" in judged.reasons[0]


def test_sign_test_is_the_binomial_tail():
    assert sign_test(0, 0) == 1.0
    assert sign_test(2, 0) == 0.25  # two labels both ways the candidate's: a coin does that one time in four
    assert sign_test(4, 0) == 0.0625
    assert sign_test(3, 3) == pytest.approx(42 / 64)
    assert sign_test(0, 5) == 1.0
    assert sign_test(9, 1) == pytest.approx(11 / 1024)


def test_evidence_counts_labels_whose_credit_differs_both_ways():
    right = Outcome("answered", "the cap is 200 GBP a night")
    idk = Outcome("dont_know", "")
    examples = [
        example("answer", "the cap is 200 GBP a night"),  # candidate right, baseline refused: a win
        example("dont_know"),  # candidate answered an unanswerable one: a loss
        example("dont_know"),  # both refused: a tie
        example("not_this", "something else entirely"),  # both ½ (answered, disagreeing): a tie
    ]
    baseline = [idk, idk, idk, Outcome("answered", "the cap is 200 GBP a night")]
    candidate = [right, right, idk, Outcome("answered", "the cap is 200 GBP a night")]
    proof = evidence(examples, baseline, candidate)
    assert (proof.wins, proof.losses) == (1, 1)
    assert proof.p == 0.75
    assert proof.as_dict() == {"wins": 1, "losses": 1, "p": 0.75}


def test_search_stays_near_the_active_version_and_moves_only_on_evidence():
    assert _window([0.2, 0.3, 0.4, 0.5, 0.6], 0.4, 1) == [0.3, 0.5]
    assert _window([0.1, 0.2, 0.3, 0.4], 0.35, 2) == [0.2, 0.3, 0.4] and _window([0.2, 0.3], 0.1, 3) == [0.2, 0.3]
    train = [example("dont_know", question=f"q{i}", split="train") for i in range(10)]
    calls = []

    def answer(question, collections, v, hidden):  # answers unless the gate is at least 0.5
        calls.append(v.params.abstain_threshold)
        return Outcome("dont_know" if v.params.abstain_threshold >= 0.5 else "answered", "x")

    grid = {"abstain_threshold": [0.2, 0.3, 0.4, 0.5, 0.6, 0.7], "max_answer_sentences": [2, 3, 4]}
    params, trace = search_params(version(abstain_threshold=0.3), train, Evaluator(answer), grid, radius=3)
    assert params.abstain_threshold == 0.5, "the closest of the equally good values (0.5, 0.6)"
    assert params.max_answer_sentences == 3, "no evidence, no change"
    assert max(calls) <= 0.6, "never beyond 3 grid steps from the active version's value"
    assert [t["value"] for t in trace if t["kept"] and t["param"]] == [0.5]


def test_pairwise_judging_needs_both_orders():
    exs = [example("answer", "ref", question=f"q{i}") for i in range(3)]
    base = [Outcome("answered", f"base {i}") for i in range(3)]
    cand = [Outcome("answered", f"cand {i}") for i in range(3)]

    def prefers_candidate(question, reference, a, b):
        return "A" if a.startswith("cand") else "B"

    def position_biased(question, reference, a, b):
        return "A"

    assert pairwise(prefers_candidate, exs, base, cand) == JudgeTally(wins=3)
    assert pairwise(position_biased, exs, base, cand) == JudgeTally(ties=3)


def test_demo_similarity_and_dynamic_selection():
    assert question_similarity("How do I deploy to prod?", "how to deploy in production") > 0.3
    demos = [FewShot(question=q, answer="a") for q in ("hotel cap London", "deploy on Friday", "page escalation time")]
    assert [d.question for d in most_similar("Can I deploy on a Friday?", demos, 1)] == ["deploy on Friday"]


def test_prompt_diff():
    a = version()
    b = a.model_copy(
        update={
            "id": 2,
            "instructions": "be brief\nand kind",
            "params": a.params.model_copy(update={"abstain_threshold": 0.4}),
            "few_shot": [FewShot(question="q", answer="a")],
        }
    )
    d = diff(a, b)
    assert d["params"] == {"abstain_threshold": (0.34, 0.4)}
    assert "+and kind" in d["instructions"] and d["few_shot_added"] == [{"question": "q", "answer": "a"}]


def test_retune_schedule_is_a_crontab_from_settings():
    from core.errors import ConfigError
    from core.settings import Settings

    sched = beat_schedule(Settings(retune_schedule="30 4 * * 0"))["retune"]
    assert sched["task"] == "workers.tasks.retune" and sched["options"]["queue"] == "retune"
    assert sched["schedule"].hour == {4} and sched["schedule"].minute == {30}
    off = beat_schedule(Settings(retune_enabled=False))
    assert "retune" not in off and off, "retune off: no retune entry; the other periodic tasks stay"
    for bad in ("every monday", "0 3 * *", "61 3 * * 1"):
        with pytest.raises(ConfigError):
            retune_crontab(bad)
