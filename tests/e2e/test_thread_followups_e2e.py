"""Conversations in threads through the Slack stand-in (real Bolt, Redis, Celery worker, Postgres): once the bot
has answered in a thread, a reply there is a question without a mention — unless the channel turned thread
follow-ups off — and the follow-up's interaction links to its thread and to the turn it follows."""

from __future__ import annotations

import pytest

from core import db
from slack_standin import BOT_USER_ID, GENERAL
from tests.support import services
from tests.support.fake_openai import ChatRequest, FakeOpenAI, model_answer
from tests.support.slack_stack import ask, final, handbook_and_hr, rows, worker_env
from workers.slack import store as slack_store

HR_DOC = "# Leave\n\n## Parental leave\n\nParental leave is 16 weeks at full pay.\n"


@pytest.fixture(scope="module")
def kb_db(database_url, local_embedder, tmp_path_factory):
    return handbook_and_hr(database_url, local_embedder, tmp_path_factory.mktemp("hr"), "leave.md", HR_DOC)


def set_followups(settings, on: bool) -> None:
    with db.connect(settings.database_url) as conn:
        slack_store.set_channel(
            conn, "T0STANDIN1", GENERAL, collections=None, expert=None, reply_mode=None, actor="test",
            thread_followups=on,
        )  # fmt: skip
        conn.commit()


def follow_up_row(settings, slack, ts: str) -> dict:
    [row] = slack.wait_for(
        lambda: rows(
            settings.database_url,
            "SELECT r.kind, r.status, i.thread_ts, i.parent_interaction_id, i.question_redacted, i.asked_redacted, "
            "i.standalone_by FROM slack_requests r JOIN interactions i ON i.id = r.interaction_id "
            "WHERE r.message_ts = %s AND r.status = 'delivered'",
            ts,
        ),
        timeout=20,
    )
    return row


def interaction_of(settings, ts: str):
    [row] = rows(settings.database_url, "SELECT interaction_id FROM slack_requests WHERE message_ts = %s", ts)
    return row["interaction_id"]


def test_a_follow_up_without_a_mention_is_answered_and_linked_to_its_thread(slack, bot, settings):
    set_followups(settings, True)
    msg, first = ask(slack, "What is the nightly hotel cap in London?")
    follow = slack.post_message(GENERAL, "and in Zurich?", thread_ts=msg.ts)  # no mention
    reply = slack.wait_for_bot_reply(GENERAL, msg.ts, timeout=120, predicate=lambda m: m.ts != first.ts and final(m))
    assert "250" in reply.text
    row = follow_up_row(settings, slack, follow.ts)
    assert row["kind"] == "thread" and row["thread_ts"] == msg.ts
    assert row["parent_interaction_id"] == interaction_of(settings, msg.ts)
    assert (row["asked_redacted"], row["standalone_by"]) == ("and in Zurich?", "terms")
    assert row["question_redacted"].startswith("and in Zurich? (") and "hotel" in row["question_redacted"]
    # the thread's first question is linked to no thread: it started it
    [first_row] = rows(
        settings.database_url,
        "SELECT i.thread_ts, i.parent_interaction_id FROM interactions i WHERE i.id = %s",
        interaction_of(settings, msg.ts),
    )
    assert first_row == {"thread_ts": None, "parent_interaction_id": None}


def test_with_thread_follow_ups_off_a_reply_needs_a_mention(slack, bot, settings):
    set_followups(settings, False)
    try:
        msg, first = ask(slack, "What is the nightly hotel cap in London?")
        ignored = slack.post_message(GENERAL, "and in Zurich?", thread_ts=msg.ts)
        mentioned = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> and in Zurich?", thread_ts=msg.ts)
        reply = slack.wait_for_bot_reply(
            GENERAL, msg.ts, timeout=120, predicate=lambda m: m.ts != first.ts and final(m)
        )
        assert "250" in reply.text
        row = follow_up_row(settings, slack, mentioned.ts)
        assert row["kind"] == "mention" and row["thread_ts"] == msg.ts, "a mention is still a thread follow-up"
        assert row["parent_interaction_id"] == interaction_of(settings, msg.ts)
    finally:
        set_followups(settings, True)
    # the reply without a mention, sent before the mention that is answered by now, was never taken
    assert rows(settings.database_url, "SELECT 1 FROM slack_requests WHERE message_ts = %s", ignored.ts) == []
    assert [m.ts for m in slack.bot_replies(GENERAL, msg.ts)] == [first.ts, reply.ts]


def test_with_a_model_the_worker_condenses_the_follow_up_and_no_raw_pii_reaches_the_model(slack, bot, settings, worker):
    email = "jane.doe@example.com"
    standalone = "What is the nightly hotel cap in Zurich?"

    def reply(request: ChatRequest) -> dict:
        if request.tool_name == "StandaloneQuestion":
            return {"question": standalone}
        chunk_id, sentence = request.sentence_with("250 euros per night")
        return model_answer(True, sentence, [(chunk_id, sentence)])

    with FakeOpenAI() as fake:
        fake.script(*[reply] * 10)
        worker.stop()  # a model worker answers this test's questions
        env = worker_env(
            settings,
            ANSWERLOOP_LLM="openai/gpt-4o-mini",
            ANSWERLOOP_LLM_BASE_URL=fake.base_url,
            ANSWERLOOP_LLM_API_KEY="test",
        )
        model_worker = services.Worker(env)
        try:
            model_worker.start()
            msg, first = ask(slack, f"What is the nightly hotel cap in London? I'm {email}")
            follow = slack.post_message(GENERAL, "and in Zurich?", thread_ts=msg.ts)
            answer = slack.wait_for_bot_reply(
                GENERAL, msg.ts, timeout=120, predicate=lambda m: m.ts != first.ts and final(m)
            )
            row = follow_up_row(settings, slack, follow.ts)
        finally:
            model_worker.stop()
            worker.start()
    assert "250" in answer.text
    assert (row["question_redacted"], row["standalone_by"], row["asked_redacted"]) == (
        standalone, "model", "and in Zurich?"
    )  # fmt: skip
    assert row["parent_interaction_id"] == interaction_of(settings, msg.ts)
    [condensing] = [r for r in fake.chat_requests if r.tool_name == "StandaloneQuestion"]
    assert "<EMAIL_ADDRESS>" in condensing.text() and "Latest question: and in Zurich?" in condensing.text()
    answering = [r for r in fake.chat_requests if r.tool_name == "ModelAnswer"][-1]
    assert answering.question_message.endswith(f"Question: {standalone}")
    assert "Earlier question in this thread" in answering.text()
    assert email not in "\n".join(e.text() for e in fake.exchanges)
