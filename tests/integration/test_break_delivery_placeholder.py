"""The message an answer was to replace is gone before the answer arrives (someone deleted the placeholder, or the
stream's message, while the model was still working): Slack answers chat.update / chat.appendStream with
`message_not_found`. Nothing is lost: the checked answer is posted once in the question's thread instead, and the
request is `delivered`. The delivery code of workers/tasks.py against the Slack stand-in and a real Postgres."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from core import db
from core.settings import get_settings, reset_settings_cache
from slack_standin import GENERAL, SlackStandin
from workers.pipeline import AnswerResult, CitationOut
from workers.slack import store as slack_store
from workers.slack.blocks import answer_message, streamed_answer
from workers.slack.live import open_live_stream
from workers.slack.store import ClaimedRequest, RequestKey
from workers.tasks import _deliver, tell_asker_failed

DOCS = "https://docs.example.com"
ANSWER = "The hotel cap is **180 EUR** per night [1]."


def _result(answer: str = ANSWER, citations: list[CitationOut] | None = None) -> AnswerResult:
    return AnswerResult(
        interaction_id="00000000-0000-0000-0000-0000000000d1",
        status="answered",
        answer=answer,
        reason="",
        question_redacted="What is the hotel cap?",
        citations=citations
        or [CitationOut(1, "Travel policy", "Hotels", "https://docs.example.com/travel#hotels", "q")],
        confidence="high",
    )


@pytest.fixture()
def slack(clean_db, monkeypatch) -> Iterator[SlackStandin]:
    with SlackStandin() as standin:
        monkeypatch.setenv("DATABASE_URL", clean_db)
        monkeypatch.setenv("SLACK_BOT_TOKEN", standin.bot_token)
        monkeypatch.setenv("ANSWERLOOP_SLACK_API_URL", standin.web_api_url)
        reset_settings_cache()
        try:
            yield standin
        finally:
            monkeypatch.undo()  # the settings of later tests are read from their own environment
            reset_settings_cache()


def _new_request(
    conn, key: RequestKey, thread_ts: str, user_id: str, kind: str = "mention", question: str = ""
) -> None:
    slack_store.create_request(
        conn, key, thread_ts=thread_ts, user_id=user_id, kind=kind,
        question_redacted=question or "What is the hotel cap?", pii={}, reply_mode="in_channel",
    )  # fmt: skip


def _claimed(slack: SlackStandin, delivery: str) -> ClaimedRequest:
    question = slack.post_message(GENERAL, "What is the hotel cap?")
    key = RequestKey(slack.team_id, slack.channel(GENERAL).id, question.ts)
    with db.connection() as conn:
        _new_request(conn, key, question.ts, question.user)
        slack_store.set_delivery(conn, key, delivery)
        request = slack_store.claim_request(conn, key)
    assert request is not None
    return request


def _placeholder(slack: SlackStandin, request: ClaimedRequest) -> str:
    """The intake's "Looking…" placeholder in the question's thread, recorded with the request; its ts."""
    ts = slack.web_client().chat_postMessage(channel=GENERAL, thread_ts=request.thread_ts, text="Looking…")["ts"]
    with db.connection() as conn:
        slack_store.set_placeholder(conn, request.key, ts)
    return ts


def _row(key: RequestKey) -> dict:
    with db.connection() as conn:
        return conn.execute(
            "SELECT * FROM slack_requests WHERE team_id = %s AND channel_id = %s AND message_ts = %s", key.as_args()
        ).fetchone()


def _answers(slack: SlackStandin, request: ClaimedRequest) -> list:
    return [m for m in slack.thread(GENERAL, request.thread_ts)[1:] if "180 EUR" in (m.text or "")]


def test_a_deleted_placeholder_gets_the_answer_posted_in_the_thread_once(slack):
    request = _claimed(slack, "update")
    client = slack.web_client()
    placeholder = _placeholder(slack, request)
    client.chat_delete(channel=GENERAL, ts=placeholder)  # gone before the answer arrives

    text, blocks = answer_message(_result(), pii={}, expert=None)
    _deliver(get_settings(), request, text, blocks, status="delivered")

    [answer] = _answers(slack, request)
    assert "<https://docs.example.com/travel#hotels|Travel policy › Hotels>" in str(answer.blocks)
    row = _row(request.key)
    assert (row["status"], row["placeholder_ts"]) == ("delivered", answer.ts), row["error"]
    _deliver(get_settings(), request, text, blocks, status="delivered")  # a redelivered task: nothing more
    assert len(_answers(slack, request)) == 1


def test_a_deleted_live_stream_gets_the_answer_posted_in_the_thread_once(slack):
    request = _claimed(slack, "stream")
    client = slack.web_client()
    live = open_live_stream(client, request.key, user_id=request.user_id, collections=1)
    assert live is not None
    client.chat_delete(channel=GENERAL, ts=live.ts)  # the thinking steps deleted while the model works

    stream = streamed_answer(_result(), pii={}, expert=None, collections=1)
    _deliver(get_settings(), request, stream.text, stream.blocks, status="delivered", stream=stream, opened=True)

    [answer] = _answers(slack, request)
    assert answer.ts != live.ts and "docs.example.com/travel#hotels" in str(answer.blocks)
    row = _row(request.key)
    assert (row["status"], row["placeholder_ts"]) == ("delivered", answer.ts), row["error"]
    _deliver(get_settings(), request, stream.text, stream.blocks, status="delivered", stream=stream)
    assert len(_answers(slack, request)) == 1


def _failure_shown(slack: SlackStandin, request: ClaimedRequest) -> list:
    return [m for m in slack.thread(GENERAL, request.thread_ts)[1:] if "couldn't produce an answer" in (m.text or "")]


def test_an_answer_slack_refuses_leaves_no_placeholder_saying_it_is_still_working(slack):
    request = _claimed(slack, "update")
    placeholder = _placeholder(slack, request)
    text, blocks = answer_message(_result(), pii={}, expert=None)

    _deliver(get_settings(), request, text + "x" * 40_001, blocks, status="delivered")  # Slack: msg_too_long

    row = _row(request.key)
    assert (row["status"], row["error"]) == ("failed", "msg_too_long")
    shown = slack.message(GENERAL, placeholder)
    assert shown is not None and "couldn't produce an answer" in shown.text and "msg_too_long" in shown.text
    assert len(_failure_shown(slack, request)) == 1


def test_a_stream_slack_refuses_to_finish_says_so_in_its_message(slack):
    request = _claimed(slack, "stream")
    live = open_live_stream(slack.web_client(), request.key, user_id=request.user_id, collections=1)
    assert live is not None
    stream = streamed_answer(_result(), pii={}, expert=None, collections=1)
    broken = replace(stream, final_blocks=[{"type": "section"}], blocks=[{"type": "section"}])  # invalid_blocks

    _deliver(get_settings(), request, broken.text, broken.blocks, status="delivered", stream=broken, opened=True)

    row = _row(request.key)
    assert (row["status"], row["error"]) == ("failed", "invalid_blocks")
    [shown] = _failure_shown(slack, request)
    assert shown.ts == live.ts and not slack.is_streaming(GENERAL, live.ts)


def test_a_rate_limited_final_update_waits_and_delivers_once(slack):
    request = _claimed(slack, "update")
    placeholder = _placeholder(slack, request)
    slack.inject_rate_limit("chat.update", count=2, retry_after=1)
    text, blocks = answer_message(_result(), pii={}, expert=None)

    _deliver(get_settings(), request, text, blocks, status="delivered")

    [answer] = _answers(slack, request)
    assert answer.ts == placeholder and _row(request.key)["status"] == "delivered"
    assert [c.error for c in slack.calls("chat.update")][-1] is None


def test_a_failure_whose_placeholder_was_deleted_is_said_in_the_thread(slack):
    request = _claimed(slack, "update")
    client = slack.web_client()
    placeholder = _placeholder(slack, request)
    client.chat_delete(channel=GENERAL, ts=placeholder)

    with db.connection() as conn:
        row = slack_store.lock_undelivered(conn, request.key)
        assert tell_asker_failed(get_settings(), conn, request.key, row, "Slack kept refusing the reply")

    [said] = _failure_shown(slack, request)
    assert said.ts != placeholder and "Slack kept refusing the reply" in said.text
