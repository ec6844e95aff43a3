"""Break-it: a click, a shortcut or a view submission redelivered to another bot process is done once.

Slack redelivers an interactive payload whose ack it did not get (Socket Mode: the same envelope, possibly on the
other connection; HTTP: the same payload again). Events were claimed across bot processes by their event_id; an
interaction has none — its `trigger_id` is Slack's id of the one thing a person did (a new one per click or
submission, the same in every redelivery), so it is the key. A redelivered view submission whose values are invalid
still gets its field errors (the first ack may be the one that was lost); a valid one is not saved twice."""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Iterator
from urllib.parse import urlencode

from slack_bolt.request import BoltRequest
from slack_sdk.socket_mode.request import SocketModeRequest

from bot import feedback_blocks as fb
from bot.app import OLD_BUTTON, build_app
from bot.intake import Intake
from bot.runner import socket_request
from core import db
from feedback import labels
from slack_standin import ALICE, GENERAL, TEAM_ID
from tests.support.bot_endpoint import http_settings, post_events, serving
from tests.support.records import add_interaction


@contextlib.contextmanager
def _bots(slack, clean_db, pii_guard, redis_url: str) -> Iterator[tuple]:
    """One bot over HTTP (the stand-in delivers to it), another's Bolt app (a redelivery is dispatched to it as
    Socket Mode would) and a third over HTTP (Slack's retry posted to it), one Redis: (app, port of the third)."""
    settings = http_settings(slack, clean_db, slack_signing_secret=slack.signing_secret, redis_url=redis_url)

    def intake() -> Intake:
        return Intake(settings, pii_guard, lambda key, priority: None, clean_db)

    with serving(slack, settings, intake()) as third, serving(slack, settings, intake()):
        yield build_app(settings, intake()), third


@contextlib.contextmanager
def _two_bots(slack, clean_db, pii_guard, redis_url: str) -> Iterator:
    with _bots(slack, clean_db, pii_guard, redis_url) as (other, _third):
        yield other


def _redelivered(delivery) -> BoltRequest:
    """The delivery's envelope as Socket Mode redelivers it (to the other connection), as the bot's handler reads
    it."""
    return socket_request(
        SocketModeRequest(type="interactive", envelope_id=delivery.envelope_id, payload=delivery.payload)
    )


def _old_button_message(slack) -> str:
    """A message of the bot's with a button no listener knows (an older version's): its ts."""
    blocks = [
        {
            "type": "actions",
            "block_id": "old",
            "elements": [
                {"type": "button", "action_id": "legacy_action", "text": {"type": "plain_text", "text": "Old"}}
            ],
        }
    ]
    return slack.web_client().chat_postMessage(channel=GENERAL, text="old message", blocks=blocks)["ts"]


def _told_old_button(slack) -> int:
    return sum(1 for e in slack.ephemerals(GENERAL, "alice") if e.text == OLD_BUTTON)


def _barrier(slack, other, ts: str) -> None:
    """A new click (its own trigger_id) dispatched to the other app and answered: its listeners had the time to run
    what it was given before. Two more people told "old button": the click's own delivery and the other app's."""
    told_before = _told_old_button(slack)
    click = slack.click_button(GENERAL, ts, "legacy_action")
    click.wait(10)
    fresh = {**click.payload, "trigger_id": click.payload["trigger_id"] + "-barrier"}
    assert other.dispatch(BoltRequest(body=fresh, mode="socket_mode")).status == 200
    slack.wait_for(lambda: _told_old_button(slack) >= told_before + 2, timeout=15)


def test_a_click_redelivered_to_the_other_bot_is_answered_once(slack, clean_db, pii_guard, redis_url, caplog):
    caplog.set_level(logging.INFO, logger="bot.app")
    with _two_bots(slack, clean_db, pii_guard, redis_url) as other:
        before = _told_old_button(slack)
        ts = _old_button_message(slack)
        click = slack.click_button(GENERAL, ts, "legacy_action")
        slack.wait_for(lambda: _told_old_button(slack) == before + 1, timeout=15)
        response = other.dispatch(_redelivered(click))
        assert response.status == 200
        assert f"redelivery of interaction {click.payload['trigger_id']} ignored" in caplog.text
        _barrier(slack, other, ts)
        # The first click and the barrier's two: never the redelivery.
        assert _told_old_button(slack) == before + 3


def _comment_modal(slack, clean_db) -> str:
    """A 👎 label and the bot's follow-up with its "Add a comment" button; alice clicks it: the modal's id."""
    with db.connection(clean_db) as conn:
        interaction = add_interaction(conn, TEAM_ID, "how do I rotate the on-call pager?")
        vote = labels.record_vote(conn, interaction, kind="down", reaction="-1", user_id=ALICE, team_id=TEAM_ID)
    text, blocks = fb.reasons_message(vote.label_id)
    ts = slack.web_client().chat_postMessage(channel=GENERAL, text=text, blocks=blocks)["ts"]
    opened = len(slack.views("alice"))
    slack.click_button(GENERAL, ts, fb.COMMENT_ACTION)
    slack.wait_for(lambda: len(slack.views("alice")) > opened, timeout=15)
    return slack.views("alice")[-1].id


def test_a_view_submission_redelivered_to_the_other_bot_is_saved_once_and_errors_are_still_given(
    slack, clean_db, pii_guard, redis_url, caplog
):
    caplog.set_level(logging.INFO, logger="bot.app")
    with _two_bots(slack, clean_db, pii_guard, redis_url) as other:
        view_id = _comment_modal(slack, clean_db)

        empty = slack.submit_view(view_id, {"comment": "   "})
        empty.wait(10)
        again = other.dispatch(_redelivered(empty))
        assert again.status == 200 and json.loads(again.body)["response_action"] == "errors", again.body

        def thanked() -> int:
            return sum(1 for e in slack.ephemerals(GENERAL, "alice") if e.text.startswith("Thanks — your comment"))

        before = thanked()
        sent = slack.submit_view(view_id, {"comment": "the rota moved to PagerDuty in May"})
        slack.wait_for(lambda: thanked() == before + 1, timeout=15)
        response = other.dispatch(_redelivered(sent))
        assert response.status == 200 and not response.body, response.body
        assert f"redelivery of interaction {sent.payload['trigger_id']} ignored" in caplog.text
        _barrier(slack, other, _old_button_message(slack))
        assert thanked() == before + 1


def test_a_click_retried_over_http_to_another_bot_is_answered_once(slack, clean_db, pii_guard, redis_url, caplog):
    caplog.set_level(logging.INFO, logger="bot.app")
    with _bots(slack, clean_db, pii_guard, redis_url) as (other, third):
        before = _told_old_button(slack)
        ts = _old_button_message(slack)
        click = slack.click_button(GENERAL, ts, "legacy_action")
        slack.wait_for(lambda: _told_old_button(slack) == before + 1, timeout=15)
        body = urlencode({"payload": json.dumps(click.payload)})
        now = str(int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": now,
            "X-Slack-Signature": slack.sign(body, now),
            "X-Slack-Retry-Num": "1",
            "X-Slack-Retry-Reason": "http_timeout",
        }
        assert post_events(third, body.encode(), headers)[0] == 200
        assert f"redelivery of interaction {click.payload['trigger_id']} ignored" in caplog.text
        _barrier(slack, other, ts)
        assert _told_old_button(slack) == before + 3
