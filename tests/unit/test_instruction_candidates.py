"""Which train failures the instruction proposer reads, and which of its rewrites become retune candidates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feedback.examples import Example
from feedback.instruction_candidates import MAX_INSTRUCTIONS, feedback_cases, propose_candidates
from feedback.prompt_versions import AnsweringParams, FewShot, PromptVersion

pytestmark = pytest.mark.unit

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def example(i: int, expect: str, reference: str | None = None, **kw) -> Example:
    return Example(
        f"i{i}", f"question {i}?", ["kb"], expect, reference, "train", asked_at=T0 + timedelta(hours=i), **kw
    )  # type: ignore[arg-type]


ACTIVE = PromptVersion(id=3, instructions="Answer from the passages.", params=AnsweringParams(), author="seed",
                       created_at=T0)  # fmt: skip
DEMOS = [FewShot(question="q", answer="a")]


def test_the_proposer_reads_rejections_refusals_and_corrections_newest_first_never_agreements():
    train = [
        example(1, "answer", "the bot's own answer, liked"),  # nothing went wrong
        example(2, "not_this", "a wrong answer", reasons=["wrong", "outdated"]),
        example(3, "should_answer"),
        example(4, "answer", "the approved correction", own_documents=[41]),
        example(5, "dont_know"),  # saying so was right
    ]
    cases = feedback_cases(train, shared={"kb"})
    assert [c.question for c in cases] == ["question 4?", "question 3?", "question 2?"]
    assert cases[0].correction == "the approved correction" and cases[0].answer_given is None
    assert cases[2].answer_given == "a wrong answer" and cases[2].reasons == ("wrong", "outdated")
    assert len(feedback_cases([example(i, "should_answer") for i in range(40)], shared={"kb"}, limit=5)) == 5


def test_offline_or_without_failures_the_path_is_skipped_and_says_why():
    offline = propose_candidates(
        ACTIVE, [example(2, "not_this", "x")], None, n=2, few_shot=DEMOS, params=ACTIVE.params, shared={"kb"}
    )
    assert offline.candidates == [] and "no model configured" in (offline.skipped or "")
    calls = []
    nothing_wrong = propose_candidates(
        ACTIVE, [example(1, "answer", "fine")], lambda *a: calls.append(a) or ["x"], n=2, few_shot=DEMOS,
        params=ACTIVE.params, shared={"kb"},
    )  # fmt: skip
    assert nothing_wrong.candidates == [] and calls == [], "the model is not asked when nothing went wrong"
    assert "no failure" in (nothing_wrong.skipped or "")
    failed = propose_candidates(ACTIVE, [example(2, "not_this", "x")], lambda *a: [], n=2, few_shot=DEMOS,
                                params=ACTIVE.params, shared={"kb"})  # fmt: skip
    assert failed.candidates == [] and "proposed no rewrite" in (failed.skipped or "")


def test_rewrites_become_unsaved_candidates_and_repeats_or_oversized_ones_are_refused():
    seen = {}

    def propose(instructions, cases, n):
        seen.update(instructions=instructions, cases=len(cases), n=n)
        return [
            "Answer only from the passages; refuse questions about other products.",
            "  Answer from the passages.  ",  # the active instructions again
            "Answer only from the passages; refuse questions about other products.",  # a repeat
            "x" * (MAX_INSTRUCTIONS + 1),
            "   ",
            "Quote the passage; say you don't know when unsure.",
        ]

    params = AnsweringParams(top_k=5)
    out = propose_candidates(ACTIVE, [example(2, "not_this", "x")], propose, n=3, few_shot=DEMOS, params=params,
                             shared={"kb"})  # fmt: skip
    assert seen == {"instructions": "Answer from the passages.", "cases": 1, "n": 3}
    assert [name for name, _ in out.candidates] == ["instructions-1", "instructions-2"]
    first = out.candidates[0][1]
    assert first.id == 0 and first.instructions.startswith("Answer only from the passages; refuse")
    assert first.few_shot == DEMOS and first.params.top_k == 5, "with the retune's demos and searched parameters"
    assert len(out.refused) == 4 and out.as_dict()["candidates"] == ["instructions-1", "instructions-2"]


def test_failures_in_a_restricted_collection_never_reach_the_proposer():
    """The rewritten instructions answer everyone's questions: what HR's readers corrected must not leak into them."""
    hr = Example("i9", "what is the salary band for L5?", ["hr"], "not_this", "band 5: 120k", "train",
                 asked_at=T0 + timedelta(hours=9))  # type: ignore[arg-type]  # fmt: skip
    both = Example("i8", "parental leave and salary?", ["kb", "hr"], "should_answer", None, "train",
                   asked_at=T0 + timedelta(hours=8))  # type: ignore[arg-type]  # fmt: skip
    train = [example(1, "not_this", "a wrong answer"), hr, both]
    assert [c.question for c in feedback_cases(train, shared={"kb"})] == ["question 1?"]
    assert {c.question for c in feedback_cases(train, shared={"kb", "hr"})} == {
        "question 1?", "what is the salary band for L5?", "parental leave and salary?"
    }  # fmt: skip
    seen: list = []
    only_hr = propose_candidates(ACTIVE, [hr], lambda *a: seen.append(a) or ["x"], n=1, few_shot=DEMOS,
                                 params=ACTIVE.params, shared={"kb"})  # fmt: skip
    assert seen == [] and only_hr.candidates == [] and "everyone may read" in (only_hr.skipped or "")
    unchecked = propose_candidates(ACTIVE, train, lambda *a: seen.append(a) or ["x"], n=1, few_shot=DEMOS,
                                   params=ACTIVE.params, shared=None)  # fmt: skip
    assert seen == [] and "no access check" in (unchecked.skipped or "")
