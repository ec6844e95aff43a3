"""Trying to break the bot's Slack surface (review round): the HTTP guard's own signing secret, /ask with a mention
of the bot, what counts as "in the bot's DM", invisible-only modal text, and App Home approval of a canary.

Real components: the Bolt app behind bot/http_server.py, Postgres, and the Slack stand-in signing and delivering
requests and recording what the bot posts. The queue is a list (what was enqueued is what is asserted)."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from bot.app import build_app
from bot.http_server import make_http_server
from bot.intake import Intake
from core import db
from slack_standin import ALICE, BOT_USER_ID
from tests.support import canary_fixtures
from tests.support.bot_endpoint import endpoint_keys, http_settings, post_events, serving

# The bot in HTTP mode on a free port, the stand-in delivering to it; yields the enqueued keys.
endpoint = endpoint_keys


def _requests(url: str) -> list[dict]:
    with db.connect(url) as conn:
        return conn.execute("SELECT * FROM slack_requests ORDER BY created_at").fetchall()


# ---------------------------------------------------------------- 4. the HTTP guard's signing secret


def test_the_http_guard_verifies_with_the_secret_it_is_given_not_the_apps(slack, clean_db, pii_guard):
    """The guard took the secret from Bolt's private `app._signing_secret`: an app built without one (the settings
    of Socket Mode) served HTTP unverified. The secret is now passed where the server is built."""
    settings = http_settings(slack, clean_db)  # no signing secret in the app's settings
    intake = Intake(settings, pii_guard, lambda key, priority: None, clean_db)
    with serving(slack, settings, intake) as port:
        body = json.dumps({"type": "url_verification", "challenge": "c" * 8, "token": "t"})
        now = str(int(time.time()))
        forged = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": now, "X-Slack-Signature": "v0=00"}
        assert post_events(port, body.encode(), forged) == (401, json.dumps({"error": "invalid request"}))
        signed = {**forged, "X-Slack-Signature": slack.sign(body, now)}
        status, text = post_events(port, body.encode(), signed)
        assert status == 200 and "c" * 8 in text


def test_http_mode_without_a_signing_secret_is_refused_with_what_to_set(slack, clean_db, pii_guard):
    settings = http_settings(slack, clean_db)
    app = build_app(settings, Intake(settings, pii_guard, lambda key, priority: None, clean_db))
    for secret in ("", None):
        with pytest.raises(ValueError, match="SLACK_SIGNING_SECRET"):
            make_http_server(app, "127.0.0.1", 0, signing_secret=secret)  # type: ignore[arg-type]


def test_a_signed_request_is_verified_once(slack, endpoint, monkeypatch):
    """Guard and Bolt both checked every signature; the guard is the one check now."""
    from slack_sdk.signature import SignatureVerifier

    checks: list[str] = []
    real = SignatureVerifier.is_valid

    def counting(self, body, timestamp, signature) -> bool:
        checks.append(timestamp)
        return real(self, body=body, timestamp=timestamp, signature=signature)

    monkeypatch.setattr(SignatureVerifier, "is_valid", counting)
    delivery = slack.slash_command("/frobnicate", "what is the hotel cap?")
    assert delivery.wait(5) and delivery.status == "acked"
    assert len(checks) == 1, checks


# ---------------------------------------------------------------- 2. /ask with a mention of the bot


@pytest.mark.parametrize(
    "text",
    [
        f"<@{BOT_USER_ID}> how do I deploy?",
        f"<@{BOT_USER_ID}|answerloop> how do I deploy?",
        "@Answerloop how do I deploy?",  # the command's text when Slack does not escape users
        "@answerloop   how do I deploy?",
    ],
)
def test_an_ask_that_starts_with_the_bots_mention_asks_what_follows(slack, endpoint, clean_db, text):
    sent = endpoint
    support = slack.add_channel(f"ask-{uuid.uuid4().hex[:6]}", members=["alice"])
    delivery = slack.slash_command("/ask", text, channel=support.id)
    assert delivery.wait(5) and delivery.status == "acked"
    slack.wait_for(lambda: sent, timeout=10)
    [request] = _requests(clean_db)
    assert request["question_redacted"] == "how do I deploy?"


@pytest.mark.parametrize("text", ["@Answerloop", "@answerloop  \u200b", f"<@{BOT_USER_ID}|answerloop>"])
def test_an_ask_of_only_the_bots_mention_gets_the_usage(slack, endpoint, clean_db, text):
    sent = endpoint
    support = slack.add_channel(f"only-{uuid.uuid4().hex[:6]}", members=["alice"])
    delivery = slack.slash_command("/ask", text, channel=support.id)
    assert delivery.wait(5) and delivery.status == "acked"
    [hint] = slack.wait_for(lambda: slack.ephemerals(support.id, user=ALICE), timeout=10)
    assert "/ask how do I deploy?" in hint.text, hint.text
    assert sent == [] and _requests(clean_db) == []


def test_other_peoples_mentions_in_an_ask_are_not_the_bots(slack, endpoint, clean_db):
    """Only a leading mention of the bot itself is dropped as addressing."""
    sent = endpoint
    support = slack.add_channel(f"other-{uuid.uuid4().hex[:6]}", members=["alice"])
    slack.slash_command("/ask", "@answerloopers wiki: where is it?", channel=support.id)
    slack.wait_for(lambda: sent, timeout=10)
    [request] = _requests(clean_db)
    assert request["question_redacted"].startswith("@answerloopers wiki")


# ---------------------------------------------------------------- 1. what counts as the bot's DM


def _claimed_in_dm(url: str, key) -> bool:
    from workers.slack import store as slack_store

    with db.connect(url) as conn:
        claimed = slack_store.claim_request(conn, key)
        conn.rollback()
    assert claimed is not None
    return claimed.in_dm


def test_an_ask_in_a_dm_between_two_people_is_not_the_bots_dm(slack, endpoint, clean_db):
    """Its id starts with "D" and its command says channel_name "directmessage", like the bot's own DM; but bob reads
    it too. Answered "in a DM", alice's restricted collections would be posted to where bob reads them."""
    sent = endpoint
    people = slack.open_dm_between("alice", "bob")
    assert people.startswith("D")
    slack.slash_command("/ask", "what is the hotel cap?", channel=people, user="alice")
    [key] = slack.wait_for(lambda: list(sent), timeout=10)
    assert key.channel_id == people
    assert _claimed_in_dm(clean_db, key) is False


def test_the_bots_own_dm_is_a_dm_whether_asked_by_message_or_by_ask(slack, endpoint, clean_db):
    sent = endpoint
    dm = slack.open_dm("alice")
    slack.slash_command("/ask", "what is the hotel cap?", channel=dm, user="alice")
    slack.wait_for(lambda: len(sent) == 1, timeout=10)
    slack.send_dm("and the meal allowance?", user="alice")
    slack.wait_for(lambda: len(sent) == 2, timeout=10)
    assert [_claimed_in_dm(clean_db, key) for key in sent] == [True, True]


def test_a_message_says_whether_it_is_in_a_dm_by_its_channel_type_not_its_id(slack, endpoint, clean_db):
    """A channel whose id happens to start with "D" is what Slack's channel_type says it is."""
    sent = endpoint
    lookalike = slack.add_channel(f"dlike-{uuid.uuid4().hex[:6]}", channel_id="D0LOOKALIKE", members=["alice", "bob"])
    msg = slack.post_message(lookalike.id, f"<@{BOT_USER_ID}> what is the hotel cap?", user="alice")
    [key] = slack.wait_for(lambda: list(sent), timeout=10)
    assert key.message_ts == msg.ts
    assert _claimed_in_dm(clean_db, key) is False


# ---------------------------------------------------------------- 3. invisible-only text in the feedback forms

INVISIBLE = ["\u200b\u200c\u200d", "\ufeff", "\u00a0\u00a0", " \u2060\u200b\n\t", "\u200f\u200e"]


def _open(slack, view: dict) -> str:
    """Open one of the bot's own modals with a fresh trigger (a message shortcut's, on somebody's message)."""
    msg = slack.post_message(slack.channel_id("general"), "anyone around?", user="bob")
    trigger = slack.message_shortcut("unknown_shortcut", msg.channel, msg.ts, user="bob").payload["trigger_id"]
    slack.web_client(token=slack.bot_token).views_open(trigger_id=trigger, view=view)
    return slack.wait_for_view(user="bob").id


@pytest.mark.parametrize("text", INVISIBLE)
def test_a_comment_of_only_invisible_characters_is_refused_in_the_form(slack, endpoint, text):
    from bot import feedback_blocks as fb

    view_id = _open(slack, fb.comment_modal(1, slack.channel_id("general"), "1700000000.000100"))
    assert slack.submit_view(view_id, {"comment": text}).wait(10)
    view = slack.view(view_id)
    assert not view.closed and "comment" in view.errors
    assert "letters or digits" in view.errors["comment"], view.errors
    slack.close_view(view_id)


@pytest.mark.parametrize("text", INVISIBLE)
def test_a_correction_of_only_invisible_characters_is_refused_in_the_form(slack, endpoint, clean_db, text):
    from bot import feedback_blocks as fb

    meta = {"team": "T0STANDIN1", "channel": slack.channel_id("general"), "ts": "", "thread_ts": "",
            "interaction_id": str(uuid.uuid4())}  # fmt: skip
    view_id = _open(slack, fb.improve_modal(question="q", answer="", answered=False, metadata=meta))
    assert slack.submit_view(view_id, {"correction": text}).wait(10)
    view = slack.view(view_id)
    assert not view.closed and "letters or digits" in view.errors.get("correction", ""), view.errors
    # the same form with words in it is taken (the answer here is unknown: the person is told so)
    assert slack.submit_view(view_id, {"correction": "Book rooms in the Robin app.", "note": "\u200b"}).wait(10)
    assert slack.view(view_id).closed
    with db.connect(clean_db) as conn:
        assert conn.execute("SELECT count(*) AS n FROM labels").fetchone()["n"] == 0


# ---------------------------------------------------------------- 5. App Home approval of a version in a canary


# Canary rows outlive clean_db's reset: tests/support/canary_fixtures.py's, start and end with none.
no_canaries = canary_fixtures.no_canaries


def test_approving_a_version_in_a_canary_from_the_app_home_ends_its_canary(slack, no_canaries, pii_guard):
    """`prompts approve` ends the canary of the version it activates; the App Home's Approve left it running
    (a canary of the version everyone already gets, shown as such until something else ended it)."""
    from bot.app_home import APPROVE_PROMPT
    from feedback import canary
    from feedback import prompt_versions as pv

    url = no_canaries
    with db.connect(url) as conn:
        seed = pv.get_version(conn, 1)
        version = pv.create_version(
            conn, instructions=seed.instructions, few_shot=[], params=seed.params, parent_id=1, author="test",
            note="candidate in a canary",
        )  # fmt: skip
        pv.set_review(conn, version, "pending")
        canary.start(conn, version, 10, "ann", scope="")
        conn.commit()
    settings = http_settings(slack, url, slack_signing_secret=slack.signing_secret, admins=[ALICE])
    intake = Intake(settings, pii_guard, lambda key, priority: None, url)
    with serving(slack, settings, intake):
        slack.open_home(user="alice")
        home = slack.wait_for(lambda: slack.home_view(ALICE), 10)
        assert APPROVE_PROMPT in json.dumps(home.data)
        assert slack.click_home_button(APPROVE_PROMPT, user="alice", value=str(version)).wait(10)
        told = slack.wait_for(lambda: [m for m in slack.messages(slack.open_dm("alice")) if "approved" in m.text], 10)
        assert f"v{version} approved and active" in told[-1].text and "canary has ended" in told[-1].text, told[-1].text
    with db.connect(url) as conn:
        assert pv.active_version_id(conn, "") == version
        assert canary.running(conn, "") is None
        [ended] = conn.execute("SELECT outcome, ended_by FROM prompt_canaries").fetchall()
        assert (ended["outcome"], ended["ended_by"]) == ("promoted", f"slack:{ALICE}")
