"""Two bot processes (a production deployment: two replicas behind a load balancer, or two Socket Mode
connections) share Slack's deliveries. Slack retries an event whose ack it did not get in time — over HTTP with
X-Slack-Retry-Num, in Socket Mode as a redelivered envelope (Bolt mirrors its retry_attempt into the same header) —
and the retry may reach the other process. A question is de-duplicated by its Postgres row; a greeting, a usage
hint or any other reply the bot posts without storing anything was posted once per process. The event id is
claimed in the shared Redis; with Redis down each process falls back to its own memory (a reply twice rather than
none), and says so in its log."""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Iterator

import pytest
from slack_bolt.request import BoltRequest

from bot.app import build_app
from bot.intake import Intake
from slack_standin import BOT_USER_ID, GENERAL
from tests.support.bot_endpoint import http_settings, post_events, serving
from tests.support.services import RedisServer


def _signed(slack, body: str, **extra: str) -> dict[str, str]:
    now = str(int(time.time()))
    return {"Content-Type": "application/json", "X-Slack-Request-Timestamp": now,
            "X-Slack-Signature": slack.sign(body, now), **extra}  # fmt: skip


@pytest.fixture()
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def _two_bots(slack, clean_db, pii_guard, redis_url: str) -> Iterator[tuple[int, int, list]]:
    """Two Bolt apps over HTTP, each its own server (as two `answerloop bot --http` replicas), one Redis; the
    stand-in delivers to the second. Yields (port of the other one, port of the one delivered to, enqueued keys)."""
    settings = http_settings(slack, clean_db, slack_signing_secret=slack.signing_secret, redis_url=redis_url)
    sent: list = []

    def intake() -> Intake:
        return Intake(settings, pii_guard, lambda key, priority: sent.append(key), clean_db)

    with serving(slack, settings, intake()) as other, serving(slack, settings, intake()) as delivered_to:
        yield other, delivered_to, sent


def _greeted(slack, text: str = "hi!"):
    """A greeting to the bot, delivered (by the stand-in) to one bot and answered; returns (message, its delivery)."""
    msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> {text}")
    slack.wait_for(lambda: slack.bot_replies(GENERAL, msg.ts), timeout=15)
    [mention] = slack.deliveries(event_type="app_mention", ts=msg.ts)
    return msg, mention


def _barrier(slack, port: int) -> None:
    """Another greeting straight to the bot on `port`, waited for: its listeners had the time to run what it took
    before (its event: a plain channel message's, turned into a mention under a new event_id)."""
    msg = slack.post_message(GENERAL, "a plain channel message")
    [delivery] = slack.deliveries(event_type="message", ts=msg.ts)
    event = {**delivery.payload, "event_id": delivery.payload["event_id"] + "B"}
    event["event"] = {**event["event"], "type": "app_mention", "text": f"<@{BOT_USER_ID}> hello"}
    body = json.dumps(event)
    assert post_events(port, body.encode(), _signed(slack, body))[0] == 200
    slack.wait_for(lambda: slack.bot_replies(GENERAL, msg.ts), timeout=15)


def test_an_http_retry_reaching_the_other_bot_gets_no_second_greeting(slack, clean_db, pii_guard, redis_server, caplog):
    caplog.set_level(logging.INFO, logger="bot.app")
    with _two_bots(slack, clean_db, pii_guard, redis_server.url) as (port_b, _delivered_to, sent):
        msg, mention = _greeted(slack)
        body = json.dumps(mention.payload)
        headers = _signed(slack, body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
        assert post_events(port_b, body.encode(), headers)[0] == 200
        assert f"retry of event {mention.payload['event_id']} ignored" in caplog.text
        _barrier(slack, port_b)
        assert len(slack.bot_replies(GENERAL, msg.ts)) == 1, [m.text for m in slack.bot_replies(GENERAL, msg.ts)]
        assert sent == []


def test_a_socket_mode_redelivery_to_the_other_connection_gets_no_second_greeting(
    slack, clean_db, pii_guard, redis_server, caplog
):
    """Socket Mode: Bolt's adapter turns the envelope's retry_attempt into x-slack-retry-num (0 on the first
    delivery); the same event_id in a new envelope on the other connection is the same event."""
    caplog.set_level(logging.INFO, logger="bot.app")
    with _two_bots(slack, clean_db, pii_guard, redis_server.url) as (port_b, _delivered_to, _sent):
        settings = http_settings(slack, clean_db, redis_url=redis_server.url)
        other = build_app(settings, Intake(settings, pii_guard, lambda key, priority: None, clean_db))
        msg, mention = _greeted(slack)
        response = other.dispatch(
            BoltRequest(body=mention.payload, mode="socket_mode", headers={"x-slack-retry-num": "1"})
        )
        assert response.status == 200
        assert f"retry of event {mention.payload['event_id']} ignored" in caplog.text
        _barrier(slack, port_b)
        assert len(slack.bot_replies(GENERAL, msg.ts)) == 1


def test_with_redis_down_each_bot_still_replies_and_says_why(slack, clean_db, pii_guard, redis_server, caplog):
    caplog.set_level(logging.INFO, logger="bot.app")
    redis_server.stop()
    with _two_bots(slack, clean_db, pii_guard, redis_server.url) as (port_b, _delivered_to, _sent):
        msg, mention = _greeted(slack)
        body = json.dumps(mention.payload)
        headers = _signed(slack, body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
        assert post_events(port_b, body.encode(), headers)[0] == 200
        slack.wait_for(lambda: len(slack.bot_replies(GENERAL, msg.ts)) == 2, timeout=15)
    assert "Redis unreachable" in caplog.text
    assert "Traceback" not in caplog.text


def test_a_claim_whose_process_died_before_its_ack_expires_and_a_later_retry_is_answered(redis_server):
    """A process claims an event and dies before Bolt acknowledges it: Slack's next retry must not be dropped for
    good by a claim nobody finished. The unfinished claim holds only briefly (Slack's retry right away is still
    refused), then a later retry is taken by whichever process it reaches; a claim handed on lasts its hour."""
    from bot.app import _SharedEvents

    died = _SharedEvents(redis_server.url, pending_s=0.3)  # claims, and is never heard of again (no `taken`)
    other = _SharedEvents(redis_server.url, pending_s=0.3)
    assert died.first_time("A1:Ev1")
    assert not other.first_time("A1:Ev1"), "the immediate retry: the claim still holds"
    time.sleep(0.6)
    assert other.first_time("A1:Ev1"), "a later retry, once the unfinished claim expired, is answered"
    other.taken("A1:Ev1")
    time.sleep(0.6)
    assert not _SharedEvents(redis_server.url, pending_s=0.3).first_time("A1:Ev1"), "handed on: it holds"
