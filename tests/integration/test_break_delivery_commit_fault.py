"""Slack takes the answer (chat.postMessage answers ok) and then Postgres fails the commit that records its ts: the
attempt ends with DatabaseUnavailable and Celery retries the task. The retry must not post the answer a second time:
every answer the worker posts as a new message carries metadata naming its request, and an attempt after an earlier
one (attempts > 1) that finds no recorded ts looks in the thread (conversations.replies, include_all_metadata) for
that message and updates it instead. The commit is failed by the real Postgres: a deferred constraint trigger ends
the worker's own session (pg_terminate_backend) at the commit that records the first ts, once. The delivery code of
workers/tasks.py against the Slack stand-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core import db
from core.errors import DatabaseUnavailable
from core.settings import get_settings
from slack_standin import GENERAL
from tests.integration import test_break_delivery_placeholder as placeholder_tests
from tests.integration.test_break_delivery_placeholder import _answers, _claimed, _new_request, _result, _row
from tests.support.standin_fixtures import api_error
from workers.slack import store as slack_store
from workers.slack.blocks import answer_message, streamed_answer
from workers.slack.live import open_live_stream
from workers.slack.store import RequestKey
from workers.tasks import _deliver, tell_asker_failed

# That module's fixture: the stand-in, with the worker's settings pointed at it and the test database.
slack = placeholder_tests.slack


@pytest.fixture()
def commit_fault(slack) -> Iterator[None]:
    """The first commit that records a request's message ts (placeholder_ts NULL → set) loses its connection:
    Postgres ends the session as the commit runs the deferred trigger, so nothing of that transaction is kept."""
    with db.connection() as conn:
        conn.execute("CREATE SEQUENCE IF NOT EXISTS test_commit_fault_seq")
        conn.execute(
            """
            CREATE OR REPLACE FUNCTION test_commit_fault() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF nextval('test_commit_fault_seq') = 1 THEN  -- a sequence: not rolled back with the transaction
                    PERFORM pg_terminate_backend(pg_backend_pid());
                END IF;
                RETURN NULL;
            END $$
            """
        )
        conn.execute(
            "CREATE CONSTRAINT TRIGGER test_commit_fault AFTER UPDATE ON slack_requests "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "WHEN (OLD.placeholder_ts IS NULL AND NEW.placeholder_ts IS NOT NULL) EXECUTE FUNCTION test_commit_fault()"
        )
    try:
        yield
    finally:
        with db.connection() as conn:
            conn.execute("DROP TRIGGER IF EXISTS test_commit_fault ON slack_requests")
            conn.execute("DROP FUNCTION IF EXISTS test_commit_fault()")
            conn.execute("DROP SEQUENCE IF EXISTS test_commit_fault_seq")


def _retry(request):
    """What Celery's retry does before delivering again: the task claims the request anew (attempts + 1)."""
    with db.connection() as conn:
        again = slack_store.claim_request(conn, request.key)
    assert again is not None
    return again


def test_an_answer_posted_before_its_commit_failed_is_not_posted_again(slack, commit_fault):
    request = _claimed(slack, "update")  # no placeholder: the answer is posted in the thread
    text, blocks = answer_message(_result(), pii={}, expert=None)

    with pytest.raises(DatabaseUnavailable):
        _deliver(get_settings(), request, text, blocks, status="delivered")
    [posted] = _answers(slack, request)  # Slack has it; Postgres does not
    assert _row(request.key)["placeholder_ts"] is None

    _deliver(get_settings(), _retry(request), text, blocks, status="delivered")

    [answer] = _answers(slack, request)
    assert answer.ts == posted.ts
    row = _row(request.key)
    assert (row["status"], row["placeholder_ts"]) == ("delivered", posted.ts), row["error"]


def test_an_answer_posted_for_a_refused_stream_before_its_commit_failed_is_not_posted_again(slack, commit_fault):
    request = _claimed(slack, "stream")
    with db.connection() as conn:  # an asker not in the channel: startStream answers user_not_in_channel
        conn.execute("UPDATE slack_requests SET user_id = 'U0NOTHERE1' WHERE message_ts = %s", [request.key.message_ts])
    stream = streamed_answer(_result(), pii={}, expert=None, collections=1)

    with pytest.raises(DatabaseUnavailable):
        _deliver(get_settings(), request, stream.text, stream.blocks, status="delivered", stream=stream)
    [posted] = _answers(slack, request)

    _deliver(get_settings(), _retry(request), stream.text, stream.blocks, status="delivered", stream=stream)

    [answer] = _answers(slack, request)
    assert answer.ts == posted.ts and _row(request.key)["status"] == "delivered"


def test_the_standin_shows_a_messages_metadata_only_when_asked(slack):
    client = slack.web_client()
    question = slack.post_message(GENERAL, "Is metadata shown?")
    meta = {"event_type": "answerloop_answer", "event_payload": {"message_ts": question.ts}}
    client.chat_postMessage(channel=GENERAL, thread_ts=question.ts, text="Yes", metadata=meta)

    plain = client.conversations_replies(channel=GENERAL, ts=question.ts)["messages"]
    full = client.conversations_replies(channel=GENERAL, ts=question.ts, include_all_metadata=True)["messages"]
    assert [m.get("metadata") for m in plain] == [None, None]
    assert [m.get("metadata") for m in full] == [None, meta]
    assert api_error(lambda: client.conversations_replies(channel=GENERAL, ts="1.000001")) == "thread_not_found"


def test_an_ask_answer_posted_outside_any_thread_before_its_commit_failed_is_not_posted_again(slack, commit_fault):
    """/ask has no message of its own (its key is the command's trigger) and no thread: the answer is a message of
    the channel, looked for in the channel's history instead."""
    asker = slack.post_message(GENERAL, "(someone in the channel)").user
    key = RequestKey(slack.team_id, slack.channel(GENERAL).id, "cmd-13345224609.8534564800.abc")
    with db.connection() as conn:
        slack_store.create_request(
            conn, key, thread_ts="", user_id=asker, kind="command",
            question_redacted="What is the hotel cap?", pii={}, reply_mode="in_channel",
        )  # fmt: skip
        slack_store.set_delivery(conn, key, "update")
        request = slack_store.claim_request(conn, key)
    assert request is not None
    text, blocks = answer_message(_result(), pii={}, expert=None)

    def posted() -> list:
        return [m for m in slack.messages(GENERAL) if "180 EUR" in (m.text or "")]

    with pytest.raises(DatabaseUnavailable):
        _deliver(get_settings(), request, text, blocks, status="delivered")
    [first] = posted()

    _deliver(get_settings(), _retry(request), text, blocks, status="delivered")

    assert [m.ts for m in posted()] == [first.ts]
    assert _row(key)["status"] == "delivered"


def _bot_replies(slack, request) -> list:
    return [m for m in slack.thread(GENERAL, request.thread_ts)[1:] if m.bot_id]


def test_a_stream_started_before_its_commit_failed_is_finished_not_started_again(slack, commit_fault):
    """chat.startStream takes the stream and the worker's commit of its ts is lost (the worker killed, Postgres gone):
    the stream's message carries no metadata (startStream takes none), so the retry knows it as the bot's reply in
    the thread after the question that no request claims — it is finished with the answer, never a second one."""
    request = _claimed(slack, "stream")
    stream = streamed_answer(_result(), pii={}, expert=None, collections=1)

    with pytest.raises(DatabaseUnavailable):
        _deliver(get_settings(), request, stream.text, stream.blocks, status="delivered", stream=stream)
    [orphan] = _bot_replies(slack, request)
    assert slack.is_streaming(GENERAL, orphan.ts) and _row(request.key)["placeholder_ts"] is None

    _deliver(get_settings(), _retry(request), stream.text, stream.blocks, status="delivered", stream=stream)

    [answer] = _bot_replies(slack, request)
    assert answer.ts == orphan.ts and "180 EUR" in answer.text and not slack.is_streaming(GENERAL, answer.ts)
    row = _row(request.key)
    assert (row["status"], row["placeholder_ts"]) == ("delivered", orphan.ts), row["error"]


def test_a_live_stream_opened_before_its_commit_failed_is_taken_up_by_the_retry(slack, commit_fault):
    """The same loss when the stream opens before the pipeline runs (workers/slack/live.py): the retried task does
    not open a second stream; its delivery finishes the first one."""
    request = _claimed(slack, "stream")
    client = slack.web_client()
    with pytest.raises(DatabaseUnavailable):
        open_live_stream(client, request.key, user_id=request.user_id, collections=1)
    [orphan] = _bot_replies(slack, request)

    again = _retry(request)
    assert open_live_stream(client, again.key, user_id=again.user_id, collections=1) is None
    assert _row(request.key)["placeholder_ts"] == orphan.ts
    stream = streamed_answer(_result(), pii={}, expert=None, collections=1)
    _deliver(get_settings(), again, stream.text, stream.blocks, status="delivered", stream=stream)

    [answer] = _bot_replies(slack, request)
    assert answer.ts == orphan.ts and "180 EUR" in answer.text and not slack.is_streaming(GENERAL, answer.ts)
    assert _row(request.key)["status"] == "delivered"


def test_a_retry_does_not_take_up_the_bots_reply_to_another_question_of_the_thread(slack):
    """The bot's other replies in the thread are not this request's lost stream: a follow-up's answer (its ts
    recorded with its own request) and a finished stream (stopStream names its request in metadata) stay as they
    are, and the retry starts its own stream."""
    request = _claimed(slack, "stream")
    client = slack.web_client()

    def stream(text: str) -> str:
        return client.chat_startStream(
            channel=GENERAL, thread_ts=request.thread_ts, recipient_user_id=request.user_id,
            recipient_team_id=slack.team_id, markdown_text=text,
        )["ts"]  # fmt: skip

    other = stream("Another answer")
    follow_up = RequestKey(request.key.team_id, request.key.channel_id, "1999999999.000001")
    with db.connection() as conn:
        _new_request(conn, follow_up, request.thread_ts, request.user_id, "thread", "And in Zurich?")
        slack_store.set_placeholder(conn, follow_up, other)
    finished = stream("A third answer")
    client.chat_stopStream(channel=GENERAL, ts=finished, metadata=follow_up.message_metadata())
    stream = streamed_answer(_result(), pii={}, expert=None, collections=1)

    _deliver(get_settings(), _retry(request), stream.text, stream.blocks, status="delivered", stream=stream)

    replies = _bot_replies(slack, request)
    assert [m.ts for m in replies[:2]] == [other, finished] and len(replies) == 3
    assert "180 EUR" not in replies[0].text + replies[1].text and "180 EUR" in replies[2].text


def test_a_notice_of_the_bots_in_the_thread_is_not_taken_for_a_lost_stream(slack):
    """The bot's notices in a thread (here: a follow-up's failure, told in the thread) carry metadata of their own,
    so a retry never finishes one of them with its answer: it starts its own stream."""
    request = _claimed(slack, "stream")
    follow_up = RequestKey(request.key.team_id, request.key.channel_id, "1999999999.000002")
    with db.connection() as conn:
        _new_request(conn, follow_up, request.thread_ts, request.user_id, "thread", "And in Zurich?")
        row = slack_store.lock_undelivered(conn, follow_up)
        assert tell_asker_failed(get_settings(), conn, follow_up, row, "Slack kept refusing the reply")
    [notice] = _bot_replies(slack, request)
    stream = streamed_answer(_result(), pii={}, expert=None, collections=1)

    _deliver(get_settings(), _retry(request), stream.text, stream.blocks, status="delivered", stream=stream)

    told, answer = _bot_replies(slack, request)
    assert told.ts == notice.ts and "Slack kept refusing the reply" in told.text and "180 EUR" not in told.text
    assert "180 EUR" in answer.text
