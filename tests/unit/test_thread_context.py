"""A thread's conversation as the context of a follow-up: bounded turns, and which standalone question is used
(the model's rewrite, else the offline one), always passed through the redaction it is given."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from guardrails.followup import ThreadContext, Turn, bounded_turns
from workers.answerers.condense import Condensed, StandaloneQuestion, add_usage, standalone_question

TURNS = (Turn("What is the nightly hotel cap in London?", "250 euros per night in London."),)
THREAD = ThreadContext("1.000100", None, TURNS)


class Rewrites:
    """A condenser that returns a fixed rewrite (None: the model failed) and keeps what it was given."""

    def __init__(self, rewrite: str | None) -> None:
        self.rewrite = rewrite
        self.seen: list[tuple[str, tuple[Turn, ...]]] = []

    def condense(self, followup, turns):
        self.seen.append((followup, tuple(turns)))
        return None if self.rewrite is None else Condensed(self.rewrite, {"prompt_tokens": 40, "total_tokens": 45})


def test_turns_are_the_last_few_each_cut_short():
    turns = [Turn(f"question {i} " + "word " * 200, "answer " * 400) for i in range(6)]
    kept = bounded_turns(turns, max_turns=3, max_question_chars=50, max_answer_chars=80)
    assert [t.question.split()[1] for t in kept] == ["3", "4", "5"]
    assert all(len(t.question) <= 50 and len(t.answer) <= 80 and t.answer.endswith("…") for t in kept)
    assert bounded_turns(turns, max_turns=0) == ()


def test_the_models_rewrite_is_used_and_redacted_once_more():
    condenser = Rewrites("What is the nightly hotel cap in Zurich for bob@example.com?")
    asked = standalone_question(
        "and in Zurich?", THREAD, condenser, redact=lambda t: t.replace("bob@example.com", "<E>")
    )
    assert (asked.question, asked.by) == ("What is the nightly hotel cap in Zurich for <E>?", "model")
    assert condenser.seen == [("and in Zurich?", TURNS)] and asked.turns == TURNS
    assert add_usage({"prompt_tokens": 100, "total_tokens": 120, "attempts": 1}, asked.usage) == {
        "prompt_tokens": 140, "total_tokens": 165, "attempts": 1
    }  # fmt: skip


def test_a_failed_model_call_or_no_model_takes_the_offline_path():
    for condenser in (Rewrites(None), Rewrites(""), None):
        asked = standalone_question("and in Zurich?", THREAD, condenser)
        assert asked.by == "terms" and asked.question.startswith("and in Zurich? (") and "hotel" in asked.question


def test_nothing_before_or_a_question_that_stands_alone_is_asked_as_written():
    assert standalone_question("and in Zurich?", None, Rewrites("x")).by is None
    assert standalone_question("and in Zurich?", ThreadContext("1.0", None, ()), Rewrites("x")).question == (
        "and in Zurich?"
    )
    alone = "How long before an unacknowledged page escalates?"
    assert standalone_question(alone, THREAD, None).by is None
    assert standalone_question(alone, THREAD, Rewrites(alone)).by is None


def test_the_earlier_turns_are_redacted_again_before_any_use():
    condenser = Rewrites(None)
    leaky = ThreadContext("1.0", None, (Turn("mail ann@example.com the cap?", "ann@example.com: 250"),))
    standalone_question("and in Zurich?", leaky, condenser, redact=lambda t: t.replace("ann@example.com", "<E>"))
    [(_, [turn])] = condenser.seen
    assert "ann@example.com" not in turn.question + turn.answer


def test_the_models_standalone_question_must_be_a_bounded_non_empty_question():
    assert StandaloneQuestion.model_validate({"question": "  the  cap? "}).question == "the cap?"
    with pytest.raises(ValidationError, match="empty"):
        StandaloneQuestion.model_validate({"question": "   "})
    with pytest.raises(ValidationError, match="keep it under 10"):
        StandaloneQuestion.model_validate({"question": "x" * 11}, context={"max_chars": 10})
