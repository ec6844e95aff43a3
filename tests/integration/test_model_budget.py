"""One question, one model budget (ANSWERLOOP_LLM_ANSWER_BUDGET_S): a model that hangs or rate-limits with a long
Retry-After gives the asker the honest "I don't know" within the budget, not after minutes of per-call timeouts,
SDK retries and waits (Slack clears the assistant's status after 2 minutes without a message).

The real Pipeline and instructor against the scripted OpenAI-compatible server (tests/support/fake_openai.py), real
Postgres, the real PII guard and the local embedder. Each question runs in a thread and is given the budget plus a
generous slack: a bound on behaviour, not a benchmark.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from guardrails.dont_know import REASONS
from guardrails.followup import ThreadContext, Turn
from tests.support import model_fixtures
from tests.support.fake_openai import ChatRequest, HttpError, judgement, model_answer
from tests.support.model_fixtures import (
    HANDBOOK,
    HOTEL_FACT,
    HOTEL_QUESTION,
    fresh_kb,
    model_settings,
    pipeline_factory,
    within,
)
from workers.pipeline import AnswerResult, Pipeline

BUDGET_S = 2.0
SLACK_S = 5.0  # the pipeline's own work (guard, embedding, retrieval, grounding) on a busy 2-core machine


# tests/support/model_fixtures.py's: the scripted model, reset for each test.
fake, _fresh_script = model_fixtures.fake, model_fixtures.fresh_script


@pytest.fixture()
def release() -> Iterator[threading.Event]:
    """Set at teardown so hanging replies end (and their server threads with them)."""
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture(scope="module")
def kb(database_url, local_embedder) -> str:
    return fresh_kb(database_url, local_embedder, HANDBOOK)


@pytest.fixture(scope="module")
def warm(kb, local_embedder, pii_guard, fake) -> None:
    """One question answered first, so the bounds below measure the model's time, not loading the embedding model
    and the PII recognizers on a cold start (several seconds on a busy machine)."""
    settings = model_settings(kb, fake)
    fake.reset()
    fake.script(cited)
    Pipeline(settings, guard=pii_guard, embedder=local_embedder, database_url=kb).ask(
        HOTEL_QUESTION, ["handbook"], record=False
    )
    fake.reset()


@pytest.fixture()
def make_pipeline(kb, warm, local_embedder, pii_guard, fake):
    return pipeline_factory(kb, fake, pii_guard, local_embedder)


def hang(release: threading.Event):
    """A scripted reply that never comes (until the test ends)."""

    def reply(request: ChatRequest) -> dict:
        release.wait(600)
        return model_answer(False, "")

    return reply


def cited(request: ChatRequest) -> dict:
    chunk_id, sentence = request.sentence_with(HOTEL_FACT)
    return model_answer(True, sentence, [(chunk_id, sentence)])


def ask_within(
    pipeline: Pipeline, limit: float, question: str = HOTEL_QUESTION, **kwargs
) -> tuple[AnswerResult, float]:
    """The answer and how long it took; fails (without waiting for it) when it takes longer than `limit`."""
    result, elapsed = within(limit, lambda: pipeline.ask(question, ["handbook"], record=False, **kwargs))
    if isinstance(result, BaseException):
        raise result
    assert isinstance(result, AnswerResult)
    return result, elapsed


def assert_honest_model_error(r: AnswerResult) -> None:
    assert r.status == "dont_know" and r.reason == "model_error", (r.status, r.reason, r.answer)
    assert REASONS["model_error"] in r.answer
    assert HOTEL_FACT not in r.answer


def test_a_hanging_model_gets_the_honest_answer_within_the_budget(make_pipeline, fake, release):
    # Before the budget: 60 s per request, the SDK's 2 retries → about 3 minutes of nothing.
    fake.script(*[hang(release)] * 12)
    pipeline = make_pipeline(llm_answer_budget_s=BUDGET_S, llm_timeout_s=60, llm_max_retries=2)

    r, elapsed = ask_within(pipeline, BUDGET_S + SLACK_S)

    assert_honest_model_error(r)
    assert elapsed < BUDGET_S + SLACK_S
    assert 1 <= len(fake.chat_exchanges) <= 3


def test_a_429_asking_for_a_longer_wait_than_the_budget_is_not_waited_for(make_pipeline, fake):
    # Before: the SDK honours a Retry-After of up to 2 minutes, twice.
    limited = HttpError(429, "rate limited", "rate_limit_error", {"retry-after": "120"})
    fake.script(*[limited] * 12)
    pipeline = make_pipeline(llm_answer_budget_s=BUDGET_S, llm_max_retries=2)

    r, elapsed = ask_within(pipeline, BUDGET_S + SLACK_S)

    assert_honest_model_error(r)
    assert elapsed < BUDGET_S + SLACK_S
    assert len(fake.chat_exchanges) == 1  # asked once; the 120 s wait was not worth making


def test_a_429_asking_for_a_short_wait_is_retried_within_the_budget(make_pipeline, fake):
    limited = HttpError(429, "rate limited", "rate_limit_error", {"retry-after": "0.2"})
    fake.script(limited, cited)
    pipeline = make_pipeline(llm_answer_budget_s=10, llm_max_retries=2)

    r, _ = ask_within(pipeline, 10 + SLACK_S)

    assert r.status == "answered", (r.reason, r.answer)
    assert HOTEL_FACT in r.answer
    assert [e.status for e in fake.chat_exchanges] == [429, 200]


def test_a_slow_answer_leaves_the_judge_only_what_is_left(make_pipeline, fake, release):
    """The answer arrives after most of the budget; the judge hangs and gets only the rest, not a fresh 60 s."""

    def slow(request: ChatRequest) -> dict:
        time.sleep(BUDGET_S * 0.6)
        return cited(request)

    fake.script(slow, hang(release), hang(release), hang(release))
    pipeline = make_pipeline(llm_answer_budget_s=BUDGET_S, llm_timeout_s=60, grounding_judge=True)

    r, elapsed = ask_within(pipeline, BUDGET_S + SLACK_S)

    assert elapsed < BUDGET_S + SLACK_S
    assert len(fake.chat_exchanges) >= 2 and fake.chat_requests[1].tool_name == "GroundingJudgement"
    assert r.status in {"answered", "dont_know"}  # the judge failing is what a judge failure has always been


def test_a_hanging_condenser_spends_the_same_budget_as_the_answer(make_pipeline, fake, release):
    """A follow-up: condensing hangs, so the answer itself has nothing left — one budget for the whole question."""
    fake.script(*[hang(release)] * 12)
    pipeline = make_pipeline(llm_answer_budget_s=BUDGET_S, llm_timeout_s=60)
    thread = ThreadContext(
        thread_ts="1700000000.000100",
        parent_interaction_id=None,
        turns=(Turn(question="What is the hotel cost cap per night in Paris?", answer="200 euros per night."),),
    )

    r, elapsed = ask_within(pipeline, BUDGET_S + SLACK_S, question="And in London?", thread=thread)

    assert_honest_model_error(r)
    assert elapsed < BUDGET_S + SLACK_S


def test_each_question_gets_a_fresh_budget(make_pipeline, fake):
    pipeline = make_pipeline(llm_answer_budget_s=BUDGET_S)
    for _ in range(2):
        fake.script(cited, judgement(True))
        r, _ = ask_within(pipeline, BUDGET_S + SLACK_S)
        assert r.status == "answered", (r.reason, r.answer)
    time.sleep(BUDGET_S)  # longer than one budget since the first question started
    fake.script(cited)
    r, _ = ask_within(pipeline, BUDGET_S + SLACK_S)
    assert r.status == "answered", (r.reason, r.answer)
