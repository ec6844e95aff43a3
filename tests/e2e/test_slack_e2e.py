"""End to end through the Slack stand-in: real Bolt (Socket Mode), real Redis, real Celery workers, real Postgres."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
import time

import pytest
import redis

from bot.app import build_app
from bot.intake import Requeuer
from bot.runner import enqueue_answer
from core import db
from slack_standin import ALICE, BOT_USER_ID, GENERAL, PRIVATE
from tests.support import services
from tests.support.slack_stack import PLACEHOLDER_MARK, ask, final, handbook_and_hr, rows, worker_env

HR_DOC = """# Salary bands 2027

## Band L5

The L5 salary band for Platform engineers is 142,000 to 171,000 EUR, reviewed every March.
"""


@pytest.fixture(scope="module")
def kb_db(database_url, local_embedder, tmp_path_factory):
    return handbook_and_hr(database_url, local_embedder, tmp_path_factory.mktemp("hr"), "salary-bands.md", HR_DOC)


@contextlib.contextmanager
def refused(slack, method: str, error: str):
    """This workspace answers `method` with `error` for the duration (e.g. streaming not allowed here)."""
    slack.refuse_method(method, error)
    try:
        yield
    finally:
        slack.allow_method(method)


def delivery_of(settings, msg_ts: str) -> dict:
    [row] = _delivery_rows(settings, msg_ts)
    return row


def _delivery_rows(settings, msg_ts: str) -> list[dict]:
    return rows(
        settings.database_url,
        "SELECT status, kind, delivery, delivery_note FROM slack_requests WHERE message_ts = %s",
        msg_ts,
    )


def delivered(settings, msg_ts: str) -> bool:
    """A wait predicate: "not yet" while the bot has not written the request's row (it does so after the ack)."""
    return any(row["status"] == "delivered" for row in _delivery_rows(settings, msg_ts))


def test_mention_shows_a_status_then_streams_the_checked_answer_with_sources_and_buttons(slack, bot, settings):
    msg, reply = ask(slack, "How long before an unacknowledged page escalates to the secondary?")
    # While it worked, the thread showed Slack's status with rotating loading messages (intake, then worker).
    shown = slack.statuses(GENERAL, msg.ts)
    assert shown and all(s["status"] and 0 < len(s["loading_messages"]) <= 10 for s in shown)
    assert any("collection" in m for s in shown for m in s["loading_messages"])
    assert slack.thread_status(GENERAL, msg.ts) is None, "the answer cleared the status"
    # One message, streamed: thinking steps first, then the checked answer, then the final blocks.
    assert slack.bot_replies(GENERAL, msg.ts) == [reply] and not slack.is_streaming(GENERAL, reply.ts)
    kinds = [c["type"] for c in reply.chunks]
    assert kinds[0] == "plan_update" and "task_update" in kinds and kinds[-1] == "markdown_text"
    assert kinds.index("markdown_text") > max(i for i, k in enumerate(kinds) if k == "task_update")
    steps = " ".join(c.get("title", "") for c in reply.chunks if c["type"] != "markdown_text")
    assert "Searched 1 collection" in steps and "Checked the answer against" in steps
    assert PLACEHOLDER_MARK not in json.dumps(reply.versions), "no placeholder on the streaming path"
    assert "10 minutes" in reply.text
    blob = json.dumps(reply.blocks, ensure_ascii=False)
    assert "on-call.md#paging-and-escalation" in blob and "Click 👍 or 👎 below" in blob
    assert reply.blocks[-1]["type"] == "context_actions"
    [start] = [c for c in slack.calls("chat.startStream") if c.args.get("thread_ts") == msg.ts]
    assert (start.args["recipient_user_id"], start.args["recipient_team_id"]) == (ALICE, slack.team_id)
    assert all(len(c.args.get("markdown_text", "")) <= 12_000 for c in slack.calls("chat.appendStream"))
    # every Socket Mode envelope was acked within Slack's 3 s (past it Slack retries the event); the speed of the
    # ack is measured in bench/, not here
    assert max(slack.ack_latencies("events_api")) < 3.0
    slack.wait_for(lambda: delivered(settings, msg.ts), timeout=10)
    assert delivery_of(settings, msg.ts) == {
        "status": "delivered", "kind": "mention", "delivery": "stream", "delivery_note": ""
    }  # fmt: skip


def test_thinking_steps_arrive_live_and_the_answer_only_once_checked(slack, bot, settings):
    """The stream opens before the pipeline runs: the search task is in progress, then complete with what was
    found, then the grounding check is in progress — all before a word of the answer, which comes once checked."""
    msg, reply = ask(slack, "How long before an unacknowledged page escalates to the secondary?")
    [start] = [c for c in slack.calls("chat.startStream") if c.args.get("thread_ts") == msg.ts]
    opening = json.loads(start.args["chunks"]) if isinstance(start.args["chunks"], str) else start.args["chunks"]
    assert [c["type"] for c in opening] == ["plan_update", "task_update"], "no answer text when the stream opens"
    assert opening[1]["status"] == "in_progress" and opening[1]["title"] == "Searching 1 collection"
    updates = [c for c in reply.chunks if c["type"] == "task_update"]
    seen = [(c["id"], c["status"]) for c in updates]
    assert seen.index(("search", "in_progress")) < seen.index(("search", "complete"))
    assert seen.index(("search", "complete")) < seen.index(("check", "in_progress")) < seen.index(("check", "complete"))
    found = next(c["title"] for c in updates if c["id"] == "search" and "found" in c["title"])
    assert re.fullmatch(r"Searched 1 collection: \d+ passages? found", found), found
    first_text = next(i for i, c in enumerate(reply.chunks) if c["type"] == "markdown_text")
    assert first_text > max(i for i, c in enumerate(reply.chunks) if c["type"] == "task_update"), (
        "the answer's text only after every step, the grounding check's included"
    )
    assert "10 minutes" in reply.text and slack.bot_replies(GENERAL, msg.ts) == [reply]
    slack.wait_for(lambda: delivered(settings, msg.ts), timeout=10)
    assert delivery_of(settings, msg.ts)["delivery"] == "stream"


def test_a_workspace_without_the_status_gets_the_placeholder_and_chat_update(slack, bot, settings):
    with refused(slack, "assistant.threads.setStatus", "not_allowed"):
        msg, reply = ask(slack, "How long before an unacknowledged page escalates to the secondary?")
    replies = slack.bot_replies(GENERAL, msg.ts)
    assert len(replies) == 1, "the placeholder is updated in place, never a second message"
    assert PLACEHOLDER_MARK in reply.history[0]["text"]  # it started as the placeholder
    assert "10 minutes" in reply.text and reply.blocks[-1]["type"] == "context_actions"
    assert not [c for c in slack.calls("chat.startStream") if c.args.get("thread_ts") == msg.ts]
    slack.wait_for(lambda: delivered(settings, msg.ts), timeout=10)
    assert delivery_of(settings, msg.ts) == {
        "status": "delivered", "kind": "mention", "delivery": "update", "delivery_note": "setStatus: not_allowed"
    }  # fmt: skip


def test_streaming_refused_posts_the_answer_once_and_says_why(slack, bot, settings):
    with refused(slack, "chat.startStream", "method_not_supported"):
        msg, reply = ask(slack, "What is the nightly hotel cap in London?")
        slack.wait_for(lambda: delivered(settings, msg.ts), timeout=10)
    assert "250" in reply.text and slack.bot_replies(GENERAL, msg.ts) == [reply]
    assert reply.blocks[-1]["type"] == "context_actions" and reply.stream_state is None
    row = delivery_of(settings, msg.ts)
    assert (row["delivery"], row["delivery_note"]) == ("post", "startStream: method_not_supported")


def test_an_expired_stream_gets_the_answer_by_chat_update_in_the_same_message(slack, bot, settings):
    slack.stream_ttl = 0.0  # Slack ends a stream ~5 minutes after it started; here, at once
    try:
        msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> What is the nightly hotel cap in London?")
        slack.wait_for(lambda: delivered(settings, msg.ts), timeout=120)
    finally:
        slack.stream_ttl = 300.0
    [reply] = slack.bot_replies(GENERAL, msg.ts)
    assert "250" in reply.text and reply.blocks[-1]["type"] == "context_actions"
    assert reply.stream_state == "stopped" and reply.edited, "the stream's own message, rewritten"
    row = delivery_of(settings, msg.ts)
    assert (row["delivery"], row["delivery_note"]) == ("update", "stream message_not_in_streaming_state: chat.update")


def test_a_retried_delivery_finishes_its_stream_never_a_second_one(slack, bot, settings, worker):
    """The attempt that started the stream fails half-way (Slack 503 on appendStream, retries used up): the task's
    retry finds the stream's message recorded and rewrites it; it never opens a second stream or message."""
    worker.stop()
    impatient = services.Worker(worker_env(settings, ANSWERLOOP_SLACK_MAX_RETRIES="1"))
    try:
        impatient.start()
        # 1: the first live step (live steps stop quietly); 2 and 3: the final append and its one retry
        slack.inject_server_error("chat.appendStream", count=3, status=503)
        msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> What is the nightly hotel cap in London?")
        slack.wait_for(lambda: delivered(settings, msg.ts), timeout=120)
    finally:
        slack.clear_faults()
        impatient.stop()
        worker.start()
    [reply] = slack.bot_replies(GENERAL, msg.ts)
    assert "250" in reply.text and reply.blocks[-1]["type"] == "context_actions"
    assert len([c for c in slack.calls("chat.startStream") if c.args.get("thread_ts") == msg.ts]) == 1
    row = delivery_of(settings, msg.ts)
    assert (row["delivery"], row["delivery_note"]) == ("update", "resumed after an interrupted attempt: chat.update")


def test_small_talk_gets_a_friendly_word_and_real_questions_still_go_through(slack, bot, settings):
    hi = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> hi!")
    reply = slack.wait_for_bot_reply(GENERAL, hi.ts, timeout=20)
    assert "documents" in reply.text and "/ask" in reply.text and "I don't know" not in reply.text
    dm = slack.send_dm("thanks so much :pray:")
    assert "welcome" in slack.wait_for_bot_reply(dm.channel, dm.ts, timeout=20).text
    who = slack.send_dm("who are you?")
    assert "I'm Answerloop" in slack.wait_for_bot_reply(who.channel, who.ts, timeout=20).text
    for ts in (hi.ts, dm.ts, who.ts):  # decided before the pipeline: nothing recorded, nothing queued
        assert rows(settings.database_url, "SELECT 1 FROM slack_requests WHERE message_ts = %s", ts) == []
    msg, answer = ask(slack, "hi, what is the nightly hotel cap in London?")
    assert "250" in answer.text
    assert rows(settings.database_url, "SELECT kind FROM slack_requests WHERE message_ts = %s", msg.ts) == [
        {"kind": "mention"}
    ]


def test_the_agent_dm_gets_a_fixed_helpful_set_of_prompts_until_answers_are_liked(slack, bot):
    dm = slack.open_dm(ALICE)
    slack.open_home(user=ALICE, tab="messages")
    [call] = slack.wait_for(lambda: slack.suggested_prompts(dm) or None, timeout=10)
    assert call["title"] == "Try asking" and 1 <= len(call["prompts"]) <= 4 and call["thread_ts"] is None
    assert all(p["title"] and p["message"] for p in call["prompts"])


def test_an_elliptical_follow_up_in_the_thread_is_searched_with_the_earlier_question(slack, bot, settings):
    msg, first = ask(slack, "What is the nightly hotel cap in London?")
    follow = slack.post_message(GENERAL, "and in Zurich?", thread_ts=msg.ts)  # no mention: a thread it answered
    reply = slack.wait_for_bot_reply(GENERAL, msg.ts, timeout=120, predicate=lambda m: m.ts != first.ts and final(m))
    assert "250" in reply.text and "Zurich" in reply.text
    [row] = slack.wait_for(
        lambda: rows(
            settings.database_url,
            "SELECT i.question_redacted AS q FROM slack_requests r JOIN interactions i ON i.id = r.interaction_id "
            "WHERE r.message_ts = %s",
            follow.ts,
        ),
        timeout=10,
    )
    assert row["q"].startswith("and in Zurich?") and "hotel" in row["q"], "the standalone question is recorded"


def test_direct_message(slack, bot):
    msg = slack.send_dm("What is the nightly hotel cap in London?")
    reply = slack.wait_for_bot_reply(msg.channel, msg.ts, timeout=60, predicate=final)
    assert "250" in reply.text


def test_thread_follow_up_is_answered(slack, bot):
    msg, _ = ask(slack, "How long before an unacknowledged page escalates to the secondary?")
    follow = slack.post_message(GENERAL, "And who gets paged after 20 minutes?", thread_ts=msg.ts)
    reply = slack.wait_for_bot_reply(GENERAL, msg.ts, timeout=60, predicate=lambda m: final(m) and m.ts > follow.ts)
    assert "manager" in reply.text.lower()


def test_unrelated_channel_chatter_is_ignored(slack, bot):
    msg = slack.post_message(GENERAL, "lunch at noon?")
    time.sleep(1.5)
    assert slack.bot_replies(GENERAL, msg.ts) == []


def test_bot_messages_never_trigger_answers(slack, bot):
    client = slack.web_client(token=slack.bot_token)
    own = client.chat_postMessage(channel=GENERAL, text=f"<@{BOT_USER_ID}> how long before a page escalates?")
    time.sleep(2)
    assert slack.bot_replies(GENERAL, own["ts"]) == []


def test_slash_command_in_channel(slack, bot):
    slack.slash_command("/ask", "How long before an unacknowledged page escalates to the secondary?")

    def slash_answers():
        return [
            m
            for m in slack.messages(GENERAL)
            if m.is_bot and m.history and "asked:" in m.history[0]["text"] and final(m)
        ]

    [answer] = slack.wait_for(slash_answers, timeout=60)
    assert answer.thread_ts is None, "a slash command's answer is a new message in the channel"
    assert "10 minutes" in answer.text


def test_redelivered_event_gives_exactly_one_answer(slack, bot, settings):
    msg, _ = ask(slack, "What is the nightly hotel cap in London?")
    original = slack.deliveries(event_type="app_mention", ts=msg.ts)[0]
    slack.send_event(original.event)  # Slack retrying the same event
    time.sleep(3)
    assert len(slack.bot_replies(GENERAL, msg.ts)) == 1
    assert len(rows(settings.database_url, "SELECT 1 FROM slack_requests WHERE message_ts = %s", msg.ts)) == 1
    interactions = rows(
        settings.database_url,
        "SELECT count(*) AS n FROM interactions i JOIN slack_requests r "
        "ON r.interaction_id = i.id WHERE r.message_ts = %s",
        msg.ts,
    )
    assert interactions[0]["n"] == 1


@pytest.mark.parametrize("method", ["chat.update", "chat.appendStream"])
def test_rate_limit_storm_still_delivers(slack, bot, settings, method):
    """429s with Retry-After on the placeholder's chat.update (status refused) or on the stream's appends."""
    placeholder_path = refused(slack, "assistant.threads.setStatus", "not_allowed")
    with placeholder_path if method == "chat.update" else contextlib.nullcontext():
        slack.inject_rate_limit(method, count=4, retry_after=1)
        msg, reply = ask(slack, "How do MFA codes rotate on the VPN?")
    assert final(reply) and slack.bot_replies(GENERAL, msg.ts) == [reply]
    statuses = [c for c in slack.calls(method) if c.args.get("ts") == reply.ts]
    assert len(statuses) >= 5  # four 429s, then the call that landed
    slack.wait_for(lambda: delivered(settings, msg.ts), timeout=10)
    assert delivery_of(settings, msg.ts)["delivery"] == ("update" if method == "chat.update" else "stream")


def test_channel_collection_isolation(slack, bot):
    _, general = ask(slack, "What is the L5 salary band for Platform engineers?", channel=GENERAL)
    assert "142,000" not in general.text and "I don't know" in general.text
    assert "<@U0BOB00001>" in general.text  # the channel's expert is named
    _, private = ask(slack, "What is the L5 salary band for Platform engineers?", channel=PRIVATE)
    assert "142,000" in private.text


def test_pii_question_gets_a_notice_and_nothing_raw_is_stored(slack, bot, settings, worker, caplog):
    email, key = "maria.lopez@northwind-customer.com", "AKIAZ7QX4KJ2M9TBW3PL"
    caplog.set_level(logging.INFO)  # the bot's own loggers and Bolt's/slack_sdk's, at a production level
    _, reply = ask(slack, f"I'm {email}, my key {key} leaked: how long before a page escalates?")
    logs = caplog.text + worker.log()  # the bot process and the Celery worker (INFO)
    assert "question T0STANDIN1/" in caplog.text and "Task workers.tasks.answer_slack_question" in worker.log()
    assert email not in logs and key not in logs
    assert "email address" in reply.text and "rotate it now" in reply.text
    assert email not in reply.text and key not in reply.text
    dump = "\n".join(
        str(r)
        for t in ("slack_requests", "interactions")
        for r in rows(settings.database_url, f"SELECT t::text FROM {t} t")
    )
    assert email not in dump and key not in dump and "<EMAIL_ADDRESS>" in dump
    r = redis.Redis.from_url(settings.redis_url)
    assert not [k for k in r.keys("*") if email.encode() in (r.dump(k) or b"") or key.encode() in (r.dump(k) or b"")]


def test_redis_down_tells_the_user_and_answers_once_back(slack, bot, settings, redis_server):
    redis_server.stop()  # the broker dies: the worker loses it too
    try:
        msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> What is the nightly hotel cap in London?")
        notice = slack.wait_for_bot_reply(
            GENERAL, msg.ts, timeout=20, predicate=lambda m: "queue is unreachable" in (m.text or "")
        )
        assert "saved" in notice.text
        time.sleep(settings.requeue_interval_s + 0.1)
        assert Requeuer(settings, enqueue_answer, settings.database_url).run_once() == 0  # still down: kept
    finally:
        redis_server.start()
    [req] = rows(settings.database_url, "SELECT status FROM slack_requests WHERE message_ts = %s", msg.ts)
    assert req["status"] == "received"
    assert Requeuer(settings, enqueue_answer, settings.database_url).run_once() >= 1
    reply = slack.wait_for_bot_reply(GENERAL, msg.ts, timeout=90, predicate=lambda m: "250" in (m.text or ""))
    assert len(slack.bot_replies(GENERAL, msg.ts)) == 1 and reply


def test_worker_killed_mid_answer_still_answers_exactly_once(slack, bot, settings, worker):
    """A slow model keeps the task in flight; the worker is SIGKILLed; a new worker finishes it, once."""
    from tests.support.fake_openai import FakeOpenAI, model_answer

    with FakeOpenAI() as fake:
        gate = threading.Event()

        def slow_then_answer(request):
            if not gate.is_set():
                gate.set()
                time.sleep(30)  # the worker dies while waiting for this
            chunk_id, sentence = request.sentence_with("escalates to the secondary")
            return model_answer(True, sentence, [(chunk_id, sentence)])

        fake.script(*[slow_then_answer] * 12)  # the client's own retries and redeliveries draw from these
        worker.stop()  # only model workers from here on
        env = worker_env(
            settings,
            ANSWERLOOP_LLM="openai/gpt-4o-mini",
            ANSWERLOOP_LLM_BASE_URL=fake.base_url,
            ANSWERLOOP_LLM_API_KEY="test",
        )
        first = services.Worker(env).start()
        second = services.Worker(env)
        try:
            msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> How long before an unacknowledged page escalates?")
            assert gate.wait(120), (
                "the model was never called; the thread holds "
                f"{[m.text for m in slack.bot_replies(GENERAL, msg.ts)]}; worker log: {first.log()[-3000:]}"
            )
            first.kill()
            second.start()
            reply = slack.wait_for_bot_reply(GENERAL, msg.ts, timeout=120, predicate=final)
        finally:
            first.kill()
            second.stop()
            worker.start()
    assert "10 minutes" in reply.text
    assert len(slack.bot_replies(GENERAL, msg.ts)) == 1
    # the reply is visible a moment before the worker records the delivery
    [req] = slack.wait_for(
        lambda: rows(
            settings.database_url,
            "SELECT status, attempts FROM slack_requests WHERE message_ts = %s AND status = 'delivered'",
            msg.ts,
        ),
        timeout=10,
    )
    # the killed attempt and at least one more; with this test's 5 s visibility timeout a slow-starting worker may
    # see a second redelivery too, which only updates the same placeholder (checked above: one reply)
    assert req["attempts"] >= 2


@pytest.mark.parametrize("fault", ["forged", "stale"])
def test_http_mode_rejects_bad_signatures_and_answers_the_genuine_retry(slack, bot, settings, fault):
    """HTTP mode: the stand-in signs deliveries; a forged or 10-minute-old signature gets 401 and runs nothing."""
    from bot.http_server import EVENTS_PATH, make_http_server, serve_in_thread

    http_settings = settings.model_copy(update={"slack_signing_secret": slack.signing_secret})
    server = make_http_server(build_app(http_settings, bot), "127.0.0.1", 0, signing_secret=slack.signing_secret)
    serve_in_thread(server)
    slack.set_request_url(f"http://127.0.0.1:{server.server_port}{EVENTS_PATH}")
    try:
        slack.inject_signature_fault(fault)
        msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> What is the nightly hotel cap in London?")
        reply = slack.wait_for_bot_reply(GENERAL, msg.ts, timeout=60, predicate=final)
        # the message is delivered as `message` and as `app_mention`; the fault hit the first delivery
        deliveries = slack.deliveries(ts=msg.ts)
        assert all(d.wait(5) for d in deliveries)
        [faulted] = [d for d in deliveries if d.attempts[0].signature_fault]
        rejected, genuine = faulted.attempts[:2]
        assert (rejected.signature_fault, rejected.http_status) == (fault, 401)
        assert genuine.signature_fault is None and genuine.http_status == 200
        assert "250" in reply.text and len(slack.bot_replies(GENERAL, msg.ts)) == 1
    finally:
        slack.set_request_url(None)
        server.shutdown()
        server.server_close()


def test_empty_huge_and_malformed_events_get_clear_replies_and_nothing_breaks(slack, bot, settings):
    empty = slack.post_message(GENERAL, f"<@{BOT_USER_ID}>   ")
    hint = slack.wait_for_bot_reply(GENERAL, empty.ts, timeout=20)
    assert "Ask me a question after the mention" in hint.text
    huge = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> " + "why is the build red? " * 2000)  # ~44k chars
    refusal = slack.wait_for_bot_reply(GENERAL, huge.ts, timeout=20)
    assert "characters" in refusal.text and f"{settings.max_question_chars:,}" in refusal.text
    stored = rows(settings.database_url, "SELECT 1 FROM slack_requests WHERE message_ts IN (%s, %s)", empty.ts, huge.ts)
    assert stored == []  # refused questions are not queued
    # events missing their channel/ts/text, or with a wrong type: acknowledged, nothing posted, nothing crashes
    before = len(slack.calls("chat.postMessage"))
    for event in ({"type": "app_mention", "user": "U0ALICE001"}, {"type": "app_mention", "text": 42, "ts": "1.2"},
                  {"type": "message", "channel_type": "im", "user": "U0ALICE001", "ts": "x"}):  # fmt: skip
        delivery = slack.send_event(event)
        assert delivery.wait(5) and delivery.status == "acked"
    time.sleep(1)
    assert len(slack.calls("chat.postMessage")) == before
    _, reply = ask(slack, "What is the nightly hotel cap in London?")
    assert "250" in reply.text  # still answering


def test_slash_command_in_an_ephemeral_channel_answers_only_the_asker(slack, bot, settings):
    support = slack.add_channel("support", members=["alice", "bob"])
    with db.connect(settings.database_url) as conn:
        conn.execute("INSERT INTO channel_settings (team_id, channel_id, collections, reply_mode) "
                     "VALUES ('T0STANDIN1', %s, '{handbook}', 'ephemeral')", (support.id,))  # fmt: skip
        conn.commit()
    slack.slash_command("/ask", "What is the nightly hotel cap in London?", channel=support.id)
    answer = slack.wait_for(
        lambda: [e for e in slack.ephemerals(support.id, user=ALICE) if "250" in (e.text or "")], timeout=60
    )
    assert answer and PLACEHOLDER_MARK in slack.ephemerals(support.id, user=ALICE)[0].text
    assert slack.messages(support.id) == []  # nothing in the channel for everyone
    assert slack.ephemerals(support.id, user="bob") == []


def test_slack_refusing_the_answer_is_recorded_and_the_placeholder_says_so(slack, bot, settings, worker):
    """Every retry used up (here: 2 HTTP attempts per call, no task retries): failure recorded, user told."""
    worker.stop()
    impatient = services.Worker(
        worker_env(settings, ANSWERLOOP_SLACK_MAX_RETRIES="1", ANSWERLOOP_ANSWER_TASK_MAX_RETRIES="0")
    )
    try:
        impatient.start()
        slack.refuse_method("assistant.threads.setStatus", "not_allowed")  # the placeholder path
        slack.inject_server_error("chat.update", count=2, status=503)
        msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> What is the nightly hotel cap in London?")
        reply = slack.wait_for_bot_reply(
            GENERAL, msg.ts, timeout=90, predicate=lambda m: "couldn't produce an answer" in (m.text or "")
        )
    finally:
        slack.allow_method("assistant.threads.setStatus")
        slack.clear_faults()
        impatient.stop()
        worker.start()
    assert "ask again" in reply.text and "250" not in reply.text
    [req] = slack.wait_for(
        lambda: rows(settings.database_url, "SELECT status, error FROM slack_requests WHERE message_ts = %s "
                     "AND status = 'failed'", msg.ts),
        timeout=10,
    )  # fmt: skip
    assert "503" in req["error"]


@pytest.mark.parametrize("reason", ["refresh_requested", None])
def test_socket_mode_disconnect_reconnects_and_loses_no_question(slack, bot, reason):
    """Slack refreshes the websocket (with a `disconnect` message) or drops it: the bot reconnects by itself,
    and a question sent meanwhile is redelivered to the new connection and answered once."""
    assert slack.disconnect_socket(reason) == 1
    msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> What is the nightly hotel cap in London?")
    reply = slack.wait_for_bot_reply(GENERAL, msg.ts, timeout=90, predicate=final)
    assert "250" in reply.text and len(slack.bot_replies(GENERAL, msg.ts)) == 1
    slack.wait_until_connected(timeout=30)


def test_unknown_slash_command_gets_a_helpful_reply(slack, bot):
    delivery = slack.slash_command("/answerloop-help", "anything")
    assert delivery.wait(5) and delivery.status == "acked"
    reply = slack.wait_for(lambda: [e for e in slack.ephemerals(GENERAL, user=ALICE) if "/answerloop-help" in e.text])
    assert "/ask <your question>" in reply[-1].text


def test_redis_restart_that_loses_a_queued_task_still_answers_once(slack, bot, settings, worker, redis_server):
    """Redis keeps nothing on disk here: a restart drops the queued task; the requeue loop re-sends it."""
    worker.stop()  # nobody takes the task: it waits in Redis
    try:
        msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> What is the nightly hotel cap in London?")
        slack.wait_for(
            lambda: rows(settings.database_url, "SELECT 1 FROM slack_requests WHERE message_ts = %s "
                         "AND status = 'queued'", msg.ts),
            timeout=20,
        )  # fmt: skip
        redis_server.stop()
        redis_server.start()
        assert redis.Redis.from_url(settings.redis_url).llen("answer") == 0  # the task is gone
    finally:
        worker.start()
    time.sleep(2 * settings.visibility_timeout_s + 0.5)  # no progress for that long: presumed lost
    assert Requeuer(settings, enqueue_answer, settings.database_url).run_once() >= 1
    reply = slack.wait_for_bot_reply(GENERAL, msg.ts, timeout=90, predicate=final)
    assert "250" in reply.text and len(slack.bot_replies(GENERAL, msg.ts)) == 1
