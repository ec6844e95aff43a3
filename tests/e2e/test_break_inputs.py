"""Trying to break the Slack side with bad input, through the real HTTP endpoint: the Bolt app behind
bot/http_server.py, the intake writing to Postgres, and the Slack stand-in signing and delivering requests and
recording what the bot posts. The queue is a list here (what was enqueued is what is asserted); the workers
have their own end-to-end tests. Every refusal must say what was wrong, never a 500 or a traceback."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from bot.http_server import MAX_BODY_BYTES
from core import db
from slack_standin import ALICE, BOT_USER_ID, GENERAL, TEAM_ID
from tests.support.bot_endpoint import bot_endpoint, post_events


@pytest.fixture()
def endpoint(slack, clean_db, pii_guard, caplog):
    """The bot in HTTP mode on a free port, the stand-in delivering to it; yields (port, enqueued keys)."""
    with bot_endpoint(slack, clean_db, pii_guard) as served:
        yield served


def _signed(slack, body: str, *, content_type: str = "application/json", **extra: str) -> dict[str, str]:
    ts = str(int(time.time()))
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": slack.sign(body, ts), **extra}  # fmt: skip


def test_forged_malformed_and_oversized_requests_are_refused_with_a_reason(slack, endpoint, caplog):
    port, sent = endpoint
    now = str(int(time.time()))
    forged = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": now, "X-Slack-Signature": "v0=00"}
    # Forged signatures: 401 whatever the body (Bolt parsed it first: a non-JSON body was a 500 with a traceback).
    for body in (b"this is not json", b"[1, 2, 3]", b"\xff\xfe{}", b'{"type": "event_callback"}'):
        status, text = post_events(port, body, forged)
        assert (status, json.loads(text)) == (401, {"error": "invalid request"}), (body, status, text)
    # A timestamp that is no number, or none at all: refused as unsigned (was a ValueError → 500).
    for ts in ("abc", "", "1e9"):
        headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": ts,
                   "X-Slack-Signature": slack.sign("{}", ts)}  # fmt: skip
        assert post_events(port, b"{}", headers)[0] == 401, ts
    assert post_events(port, b"{}", {"Content-Type": "application/json"})[0] == 401
    # Signed but not a Slack payload: 400 saying what is wrong.
    cases = {
        "this is not json": ("application/json", "not JSON"),
        "[1, 2, 3]": ("application/json", "not a JSON object"),
        '"just a string"': ("application/json", "not a JSON object"),
        "payload=%7Bbroken": ("application/x-www-form-urlencoded", "not JSON"),
        "payload=%5B1%5D": ("application/x-www-form-urlencoded", "not a JSON object"),
        json.dumps({"type": "event_callback", "team_id": TEAM_ID, "event": [1]}): ("application/json", "event"),
    }
    for body, (ctype, reason) in cases.items():
        status, text = post_events(port, body.encode(), _signed(slack, body, content_type=ctype))
        assert status == 400 and reason in json.loads(text)["error"], (body, status, text)
    # Over the limit: 413 from the Content-Length alone, the body is never read (nor buffered).
    status, text = post_events(port, b"{}", {**forged, "Content-Length": str(MAX_BODY_BYTES + 1)})
    assert status == 413 and f"{MAX_BODY_BYTES:,}" in json.loads(text)["error"]
    # The genuine handshake still works, and nothing above reached the intake.
    challenge = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "x"})
    status, text = post_events(port, challenge.encode(), _signed(slack, challenge))
    assert (status, json.loads(text)) == (200, {"challenge": "c-123"})
    assert sent == [] and slack.calls("chat.postMessage") == []
    assert "Traceback" not in caplog.text


def test_a_retried_http_delivery_is_taken_once(slack, endpoint, clean_db):
    port, sent = endpoint
    msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> What is the nightly hotel cap?")
    slack.wait_for(lambda: sent, timeout=15)
    [mention] = slack.deliveries(event_type="app_mention", ts=msg.ts)
    for retry in ("1", "2"):  # Slack's retries carry the same event_id and X-Slack-Retry-Num
        body = json.dumps(mention.payload)
        headers = _signed(slack, body, **{"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "http_timeout"})
        assert post_events(port, body.encode(), headers)[0] == 200
    time.sleep(1)  # listeners run after the ack: give a second answer the time to appear, if there were one
    assert len(sent) == 1
    with db.connect(clean_db) as conn:
        n = conn.execute("SELECT count(*) AS n FROM slack_requests WHERE message_ts = %s", (msg.ts,)).fetchone()["n"]
    assert n == 1
    assert len([c for c in slack.calls("chat.postMessage") if c.args.get("thread_ts") == msg.ts]) <= 1


def test_edits_deletions_and_bot_messages_are_never_questions(slack, endpoint):
    _port, sent = endpoint
    before = len(slack.calls("chat.postMessage"))
    mention = f"<@{BOT_USER_ID}> What is the nightly hotel cap?"
    original = {"type": "message", "user": ALICE, "text": mention, "ts": "1700000000.000100"}
    events = [
        {"type": "message", "subtype": "message_changed", "channel": GENERAL, "hidden": True, "ts": "1700000001.000200",
         "message": {**original, "text": mention + " (edited)"}, "previous_message": original},
        {"type": "message", "subtype": "message_deleted", "channel": GENERAL, "hidden": True,
         "ts": "1700000002.000300", "deleted_ts": original["ts"], "previous_message": original},
        {"type": "message", "subtype": "bot_message", "bot_id": "B0OTHER001", "channel": GENERAL,
         "text": mention, "ts": "1700000003.000400"},
        {"type": "app_mention", "bot_id": "B0OTHER001", "user": "U0OTHERBOT", "channel": GENERAL,
         "text": mention, "ts": "1700000004.000500"},
        {"type": "message", "channel_type": "im", "bot_id": "B0OTHER001", "user": "U0OTHERBOT", "channel": "D0NOWHERE1",
         "text": "What is the nightly hotel cap?", "ts": "1700000005.000600"},
        {"type": "message", "subtype": "channel_join", "user": ALICE, "channel": GENERAL, "text": mention,
         "ts": "1700000006.000700"},
    ]  # fmt: skip
    for event in events:
        delivery = slack.send_event(event)
        assert delivery.wait(5) and delivery.status == "acked", event["subtype" if "subtype" in event else "type"]
    time.sleep(1)
    assert sent == [] and len(slack.calls("chat.postMessage")) == before


@pytest.mark.parametrize("text", ["", "   ", f"<@{BOT_USER_ID}>", "\u200b\u200d\u2060", "\ufeff \u200f"])
def test_an_empty_ask_gets_the_commands_own_hint_and_nothing_is_stored(slack, endpoint, clean_db, text):
    _port, sent = endpoint
    support = slack.add_channel(f"empty-{uuid.uuid4().hex[:6]}", members=["alice"])
    delivery = slack.slash_command("/ask", text, channel=support.id)
    assert delivery.wait(5) and delivery.status == "acked"
    [hint] = slack.wait_for(lambda: slack.ephemerals(support.id, user=ALICE), timeout=10)
    assert "/ask" in hint.text and "after the mention" not in hint.text, hint.text
    assert sent == []
    with db.connect(clean_db) as conn:
        assert conn.execute("SELECT count(*) AS n FROM slack_requests").fetchone()["n"] == 0


def test_a_mention_of_only_invisible_characters_is_not_a_question(slack, endpoint, clean_db):
    _port, sent = endpoint
    msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> \u200b\u2060\u200e")
    hint = slack.wait_for_bot_reply(GENERAL, msg.ts, timeout=10)
    assert "Ask me a question after the mention" in hint.text
    assert sent == []
    with db.connect(clean_db) as conn:
        assert conn.execute("SELECT count(*) AS n FROM slack_requests").fetchone()["n"] == 0


def test_an_unknown_command_is_answered_with_what_to_use_instead(slack, endpoint):
    _port, sent = endpoint
    delivery = slack.slash_command("/frobnicate", "what is the hotel cap?")
    assert delivery.wait(5) and delivery.status == "acked"
    [reply] = slack.wait_for(
        lambda: [e for e in slack.ephemerals(GENERAL, user=ALICE) if "/frobnicate" in (e.text or "")], timeout=10
    )
    assert "I don't know `/frobnicate`" in reply.text and "/ask" in reply.text
    assert sent == []


def test_forty_thousand_characters_of_rtl_and_combining_marks_are_refused_with_the_limit(slack, endpoint, clean_db):
    _port, sent = endpoint
    support = slack.add_channel(f"long-{uuid.uuid4().hex[:6]}", members=["alice"])
    text = ("\u202eשלום עולם e\u0301\u0302\u0303 " * 2500)[:40_000]
    slack.slash_command("/ask", text, channel=support.id)
    [refusal] = slack.wait_for(lambda: slack.ephemerals(support.id, user=ALICE), timeout=15)
    assert "characters long" in refusal.text and "limit" in refusal.text
    assert sent == []
    with db.connect(clean_db) as conn:
        assert conn.execute("SELECT count(*) AS n FROM slack_requests").fetchone()["n"] == 0


def test_emoji_and_punctuation_replies_in_an_answered_thread_are_not_questions(slack, endpoint, clean_db):
    _port, sent = endpoint
    msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> What is the nightly hotel cap in London?")
    slack.wait_for(lambda: sent, timeout=15)

    def bot_posts() -> int:
        return len([c for c in slack.calls("chat.postMessage") if c.args.get("thread_ts") == msg.ts])

    before = bot_posts()
    for reply in (":+1:", "👍🙏", ":pray::skin-tone-3:", "?!", "\u200b"):  # Slack sends a 👍 typed as :+1:
        delivery = slack.send_event(
            {
                "type": "message",
                "user": "U0BOB00001",
                "text": reply,
                "channel": GENERAL,
                "channel_type": "channel",
                "ts": f"{time.time():.6f}",
                "thread_ts": msg.ts,
            }
        )
        assert delivery.wait(5) and delivery.status == "acked"
    time.sleep(1)
    assert len(sent) == 1, "an emoji reply was taken as a follow-up question"
    assert bot_posts() == before, "the bot replied to an emoji"
    follow_up = slack.post_message(GENERAL, "and in Zurich?", user="bob", thread_ts=msg.ts)
    slack.wait_for(lambda: len(sent) == 2, timeout=15)  # a real follow-up in the same thread is still taken
    assert sent[-1].message_ts == follow_up.ts


@pytest.mark.parametrize("text", [":tada:", "👍", "?!?"])
def test_an_ask_of_only_emoji_or_punctuation_gets_the_hint(slack, endpoint, clean_db, text):
    _port, sent = endpoint
    support = slack.add_channel(f"emoji-{uuid.uuid4().hex[:6]}", members=["alice"])
    slack.slash_command("/ask", text, channel=support.id)
    [hint] = slack.wait_for(lambda: slack.ephemerals(support.id, user=ALICE), timeout=10)
    assert "/ask how do I deploy?" in hint.text
    assert sent == []


def test_an_emoji_reply_to_an_i_dont_know_is_not_saved_as_a_correction(slack, endpoint, clean_db):
    from tests.fuzz.seeded import DK_TS, SQL_ARGS

    with db.connect(clean_db) as conn:  # a delivered "I don't know" in #general, asked by alice
        conn.execute(
            "INSERT INTO interactions (id, source, collections, question_redacted, answer, status, answerer, "
            "prompt_version_id) VALUES (%(idk)s, 'slack', '{handbook}', 'where is the VPN config?', 'I don''t know.', "
            "'dont_know', 'extractive', 1)",
            SQL_ARGS,
        )
        conn.execute(
            "INSERT INTO slack_requests (team_id, channel_id, message_ts, thread_ts, user_id, kind, interaction_id, "
            "placeholder_ts, status) VALUES (%(team)s, %(general)s, %(dk)s, %(dk)s, %(alice)s, 'mention', %(idk)s, "
            "%(dkans)s, 'delivered')",
            SQL_ARGS,
        )
        conn.commit()

    def reply(text: str) -> None:
        delivery = slack.send_event(
            {"type": "message", "user": "U0BOB00001", "text": text, "channel": GENERAL, "channel_type": "channel",
             "ts": f"{time.time():.6f}", "thread_ts": DK_TS}
        )  # fmt: skip
        assert delivery.wait(5) and delivery.status == "acked"

    for text in (":+1:", "🙏", "\u200b\u2060"):
        reply(text)
    time.sleep(1)
    with db.connect(clean_db) as conn:
        assert conn.execute("SELECT count(*) AS n FROM labels").fetchone()["n"] == 0
    assert slack.ephemerals(GENERAL, user="bob") == []
    reply("Ask IT for the vpn.conf file.")  # a real answer from someone else is still kept for review
    slack.wait_for(lambda: slack.ephemerals(GENERAL, user="bob"), timeout=10)
    with db.connect(clean_db) as conn:
        [label] = conn.execute("SELECT kind, correction FROM labels").fetchall()
    assert label["kind"] == "correction" and "vpn.conf" in label["correction"]
    _port, sent = endpoint
    assert sent == []
