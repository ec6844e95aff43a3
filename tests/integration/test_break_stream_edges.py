"""A streamed answer at the edges: Slack rate-limiting the stream half-way (`ratelimited`, HTTP 429 + Retry-After),
an answer that is nothing but its citations, an answer of emoji, combining marks and right-to-left text cut into
pieces, and the channel archived while the answer was being made. Each ends with one message that says the whole
answer, or says plainly why not. The delivery code of workers/tasks.py against the Slack stand-in and a real
Postgres."""

from __future__ import annotations

from core.settings import get_settings
from slack_standin import GENERAL
from tests.integration import test_break_delivery_placeholder as placeholder_tests
from tests.integration.test_break_delivery_placeholder import _claimed, _result, _row
from workers.slack.blocks import STREAM_PIECE, streamed_answer
from workers.slack.live import open_live_stream
from workers.tasks import _deliver

# That module's fixture: the stand-in, with the worker's settings pointed at it and the test database.
slack = placeholder_tests.slack


def _bot_replies(slack, request) -> list:
    return [m for m in slack.thread(GENERAL, request.thread_ts)[1:] if m.user == slack.bot_user_id]


def test_a_stream_rate_limited_half_way_waits_and_finishes_the_one_message(slack):
    request = _claimed(slack, "stream")
    live = open_live_stream(slack.web_client(), request.key, user_id=request.user_id, collections=1)
    assert live is not None
    answer = "The hotel cap is **180 EUR** per night. " * 150  # several pieces
    stream = streamed_answer(_result(answer), pii={}, expert=None, collections=1)
    assert len(stream.pieces) > 2
    slack.inject_rate_limit("chat.appendStream", count=1, retry_after=1)

    _deliver(get_settings(), request, stream.text, stream.blocks, status="delivered", stream=stream, opened=True)

    row = _row(request.key)
    assert (row["status"], row["delivery"]) == ("delivered", "stream"), row
    [msg] = _bot_replies(slack, request)
    assert msg.ts == live.ts and msg.text.count("180 EUR") == 150


def test_an_answer_of_citations_only_is_delivered_with_its_sources(slack):
    request = _claimed(slack, "stream")
    stream = streamed_answer(_result("[1] [2]"), pii={}, expert=None, collections=1)

    _deliver(get_settings(), request, stream.text, stream.blocks, status="delivered", stream=stream)

    assert _row(request.key)["status"] == "delivered"
    [msg] = _bot_replies(slack, request)
    assert "Travel policy › Hotels" in str(msg.blocks)


def test_an_answer_of_emoji_combining_marks_and_rtl_text_streams_whole(slack):
    request = _claimed(slack, "stream")
    answer = ("👩🏽‍💻 café ñ e\u0301 שלום עולם 🇨🇭 " * 200).strip()
    stream = streamed_answer(_result(answer), pii={}, expert=None, collections=1)
    assert len(stream.pieces) > 1 and all(len(p) <= STREAM_PIECE for p in stream.pieces)

    _deliver(get_settings(), request, stream.text, stream.blocks, status="delivered", stream=stream)

    [msg] = _bot_replies(slack, request)
    assert msg.text == answer and _row(request.key)["delivery"] == "stream"


def test_a_channel_archived_while_the_answer_was_made_ends_the_request_saying_why(slack):
    request = _claimed(slack, "stream")
    live = open_live_stream(slack.web_client(), request.key, user_id=request.user_id, collections=1)
    assert live is not None
    slack.channel(GENERAL).is_archived = True  # archived while the model worked
    stream = streamed_answer(_result(), pii={}, expert=None, collections=1)

    _deliver(get_settings(), request, stream.text, stream.blocks, status="delivered", stream=stream, opened=True)

    assert [c.error for c in slack.calls("chat.appendStream")] == ["is_archived"]
    row = _row(request.key)  # the stream's message says the answer (chat.update), or the request says why not
    assert (row["status"], row["delivery_note"]) == ("delivered", "stream is_archived: chat.update"), row
    [msg] = _bot_replies(slack, request)
    assert msg.ts == live.ts and "180 EUR" in msg.text


def test_a_rate_limited_stream_start_waits_and_streams_once(slack):
    request = _claimed(slack, "stream")
    slack.inject_rate_limit("chat.startStream", count=1, retry_after=1)
    stream = streamed_answer(_result(), pii={}, expert=None, collections=1)

    _deliver(get_settings(), request, stream.text, stream.blocks, status="delivered", stream=stream)

    [msg] = _bot_replies(slack, request)
    row = _row(request.key)
    assert (row["status"], row["delivery"], row["placeholder_ts"]) == ("delivered", "stream", msg.ts), row
    assert "180 EUR" in msg.text and [c.error for c in slack.calls("chat.startStream")][-1] is None
