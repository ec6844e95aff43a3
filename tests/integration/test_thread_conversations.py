"""Conversations in Slack threads through the real Pipeline: the thread's earlier turns come from Postgres
(slack_store.thread_context), a model condenses the follow-up through instructor against the scripted OpenAI
server, retrieval uses the standalone question, the answerer sees the conversation, and the interaction links to
its thread. A PII value seeded in an earlier turn and in the follow-up never reaches the model nor Postgres."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from core import db
from tests.conftest import SAMPLE_KB, make_settings, reset_database
from tests.support.fake_openai import ChatRequest, FakeOpenAI, http_error, model_answer, serve
from tests.support.pii_scan import all_text
from workers.kb.ingest import ingest_folder
from workers.pipeline import Pipeline
from workers.slack import store as slack_store
from workers.slack.store import RequestKey

MODEL = "openai/gpt-4o-mini"
HOTEL_FACT = "250 euros per night"
FIRST_EMAIL = "jane.doe@example.com"  # in the thread's first question
FOLLOW_EMAIL = "max.muster@example.ch"  # in the follow-up
FIRST = f"What is the nightly hotel cap in London? Reply to {FIRST_EMAIL} please"
FOLLOW_UP = f"and in Zurich? cc {FOLLOW_EMAIL}"
STANDALONE = "What is the nightly hotel cap in Zurich?"
THREAD = "1700000000.000100"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    yield from serve()


@pytest.fixture(scope="module")
def kb(database_url, local_embedder) -> str:
    with psycopg.connect(database_url, autocommit=True) as conn:
        reset_database(conn)
    with db.connect(database_url) as conn:
        report = ingest_folder(
            conn, SAMPLE_KB / "handbook", "handbook", embedder=local_embedder, settings=make_settings(database_url)
        )
    assert report.failed == []
    return database_url


@pytest.fixture()
def thread(kb, fake) -> Iterator[str]:
    """A fresh thread id per test (its own channel), the fake server's script and records reset."""
    fake.reset()
    yield kb
    assert fake.script_errors == []
    with psycopg.connect(kb, autocommit=True) as conn:
        conn.execute("TRUNCATE slack_requests, interactions CASCADE")


def model_pipeline(kb: str, fake: FakeOpenAI, local_embedder, pii_guard) -> Pipeline:
    settings = make_settings(kb, llm=MODEL, llm_base_url=fake.base_url, llm_api_key="test", llm_max_retries=1)
    return Pipeline(settings, guard=pii_guard, embedder=local_embedder, database_url=kb)


def offline_pipeline(kb: str, local_embedder, pii_guard) -> Pipeline:
    return Pipeline(make_settings(kb), guard=pii_guard, embedder=local_embedder, database_url=kb)


def received(kb: str, pii_guard, ts: str, text: str) -> RequestKey:
    """What the intake does: the question recorded redacted, keyed like the task."""
    key = RequestKey("T0THREADS1", "C0THREADS1", ts)
    with db.connect(kb) as conn:
        assert slack_store.create_request(
            conn,
            key,
            thread_ts=THREAD,
            user_id="U0ALICE001",
            kind="mention" if ts == THREAD else "thread",
            question_redacted=pii_guard.redact(text).text,
            pii={},
            reply_mode="in_channel",
        )
        conn.commit()
    return key


def answered_first_turn(pipeline: Pipeline, kb: str, pii_guard, fake: FakeOpenAI) -> RequestKey:
    key = received(kb, pii_guard, THREAD, FIRST)
    fake.script(cite(HOTEL_FACT))
    with db.connect(kb) as conn:
        question = conn.execute(
            "SELECT question_redacted FROM slack_requests WHERE message_ts = %s", (THREAD,)
        ).fetchone()["question_redacted"]
    first = pipeline.ask(question, ["handbook"], interaction_id=key.interaction_id(), source="slack")
    assert first.status == "answered", (first.reason, first.guard)
    return key


def follow_up_context(kb: str, pii_guard):
    key = received(kb, pii_guard, "1700000000.000200", FOLLOW_UP)
    with db.connect(kb) as conn:
        return key, slack_store.thread_context(conn, key, THREAD)


def cite(needle: str):
    def reply(request: ChatRequest) -> dict:
        assert request.tool_name == "ModelAnswer"
        chunk_id, sentence = request.sentence_with(needle)
        return model_answer(True, sentence, [(chunk_id, sentence)])

    return reply


def interaction(kb: str, key: RequestKey) -> dict:
    with db.connect(kb) as conn:
        return conn.execute("SELECT * FROM interactions WHERE id = %s", (key.interaction_id(),)).fetchone()


def test_the_model_condenses_the_follow_up_retrieval_uses_it_and_the_answerer_sees_the_redacted_thread(
    thread, fake, local_embedder, pii_guard
):
    kb = thread
    pipeline = model_pipeline(kb, fake, local_embedder, pii_guard)
    first_key = answered_first_turn(pipeline, kb, pii_guard, fake)
    key, context = follow_up_context(kb, pii_guard)
    assert context is not None and context.parent_interaction_id == first_key.interaction_id()
    [turn] = context.turns
    assert "<EMAIL_ADDRESS>" in turn.question and HOTEL_FACT in turn.answer

    def condense(request: ChatRequest) -> dict:
        assert request.tool_name == "StandaloneQuestion"
        return {"question": STANDALONE}

    fake.reset()
    fake.script(condense, cite(HOTEL_FACT))
    result = pipeline.ask(
        pii_guard.redact(FOLLOW_UP).text,
        ["handbook"],
        interaction_id=key.interaction_id(),
        source="slack",
        thread=context,
    )
    assert result.status == "answered" and HOTEL_FACT in result.answer
    condensing, answering = fake.chat_requests
    # The condenser was sent the earlier turn and the follow-up, redacted.
    sent = [(m["role"], m["content"]) for m in condensing.messages]
    assert sent[1] == ("user", f"Earlier question in this thread: {turn.question}")
    assert sent[2] == ("assistant", turn.answer)
    assert sent[-1] == ("user", "Latest question: and in Zurich? cc <EMAIL_ADDRESS>")
    # The answerer saw the conversation before the passages, and answers the standalone question.
    roles = [m["role"] for m in answering.messages]
    assert roles == ["system", "user", "assistant", "user"]
    assert answering.messages[1]["content"] == f"Earlier question in this thread: {turn.question}"
    assert answering.question_message.endswith(f"Question: {STANDALONE}")
    # Retrieval used the standalone question: the same passages as asking it directly, not the follow-up's.
    direct = offline_pipeline(kb, local_embedder, pii_guard).ask(STANDALONE, ["handbook"], record=False)
    as_written = offline_pipeline(kb, local_embedder, pii_guard).ask("and in Zurich?", ["handbook"], record=False)
    assert result.scores["top"] == direct.scores["top"] != as_written.scores["top"]
    # The interaction links to its thread and records the standalone question, redacted.
    row = interaction(kb, key)
    assert row["question_redacted"] == STANDALONE and row["standalone_by"] == "model"
    assert row["asked_redacted"] == "and in Zurich? cc <EMAIL_ADDRESS>"
    assert (row["thread_ts"], row["parent_interaction_id"]) == (THREAD, first_key.interaction_id())
    assert "condense" in row["timings_ms"]
    # Both calls' tokens are counted: the condensing one with the answer's.
    sent = sum(e.response["usage"]["total_tokens"] for e in fake.chat_exchanges)
    assert result.scores["usage"]["total_tokens"] == row["scores"]["usage"]["total_tokens"] == sent
    # No raw PII reached the model server or Postgres.
    traffic = "\n".join(e.text() for e in fake.exchanges)
    assert FIRST_EMAIL not in traffic and FOLLOW_EMAIL not in traffic and "<EMAIL_ADDRESS>" in traffic
    stored = all_text(kb)
    assert FIRST_EMAIL not in stored and FOLLOW_EMAIL not in stored


def test_a_failing_model_call_falls_back_to_the_offline_thread_context(thread, fake, local_embedder, pii_guard):
    kb = thread
    pipeline = model_pipeline(kb, fake, local_embedder, pii_guard)
    first_key = answered_first_turn(pipeline, kb, pii_guard, fake)
    key, context = follow_up_context(kb, pii_guard)

    def down_for_condensing(request: ChatRequest):
        if request.tool_name == "StandaloneQuestion":
            return http_error(500, x_should_retry="false")
        return cite(HOTEL_FACT)(request)

    fake.reset()
    fake.script(*[down_for_condensing] * 6)
    result = pipeline.ask(
        pii_guard.redact(FOLLOW_UP).text, ["handbook"], interaction_id=key.interaction_id(), thread=context
    )
    assert [r.tool_name for r in fake.chat_requests][-1] == "ModelAnswer"
    assert any(r.tool_name == "StandaloneQuestion" for r in fake.chat_requests), "the model was asked first"
    assert result.status == "answered" and HOTEL_FACT in result.answer
    row = interaction(kb, key)
    assert row["standalone_by"] == "terms" and row["parent_interaction_id"] == first_key.interaction_id()
    assert (
        row["question_redacted"].startswith("and in Zurich? cc <EMAIL_ADDRESS>") and "hotel" in row["question_redacted"]
    )
    # the answerer still saw the earlier turn
    assert fake.chat_requests[-1].messages[1]["content"].startswith("Earlier question in this thread: ")


def test_without_a_model_the_offline_path_and_a_question_that_stands_alone_is_asked_as_written(
    thread, fake, local_embedder, pii_guard
):
    kb = thread
    pipeline = offline_pipeline(kb, local_embedder, pii_guard)
    first = received(kb, pii_guard, THREAD, FIRST)
    assert pipeline.ask(FIRST, ["handbook"], interaction_id=first.interaction_id()).status == "answered"
    key, context = follow_up_context(kb, pii_guard)
    result = pipeline.ask(
        pii_guard.redact(FOLLOW_UP).text, ["handbook"], interaction_id=key.interaction_id(), thread=context
    )
    assert result.status == "answered" and "250" in result.answer
    row = interaction(kb, key)
    assert row["standalone_by"] == "terms" and "hotel" in row["question_redacted"]
    alone = received(kb, pii_guard, "1700000000.000300", "How long before an unacknowledged page escalates?")
    with db.connect(kb) as conn:
        context = slack_store.thread_context(conn, alone, THREAD)
    assert context is not None and len(context.turns) == 2
    pipeline.ask(
        "How long before an unacknowledged page escalates?",
        ["handbook"],
        interaction_id=alone.interaction_id(),
        thread=context,
    )
    row = interaction(kb, alone)
    assert row["question_redacted"] == "How long before an unacknowledged page escalates?"
    assert row["standalone_by"] is None and row["asked_redacted"] is None
    assert (row["thread_ts"], row["parent_interaction_id"]) == (THREAD, key.interaction_id())
    assert fake.chat_requests == [], "no model configured: nothing sent"
