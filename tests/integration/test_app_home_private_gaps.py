"""Break-it: the App Home's coverage gaps quoted a question asked in a private channel to an admin who is not in it.

The live list (before any weekly digest) left out only what the request rows show to be private — DMs and G… ids —
but a private channel's id is a C… like a public one's. The App Home now asks Slack (conversations.info, failing
closed: workers.digest_tasks.public_channel_check, the digest's own check) once per channel per publish, and a
question from a private channel is counted, never quoted. Real pipeline, real Postgres, the Slack stand-in
recording views.publish."""

from __future__ import annotations

import json

import pytest

from bot.app_home import AppHome
from core.settings import Settings
from slack_standin import ALICE, GENERAL, SlackStandin
from tests.support.gaps_fixtures import VISA, ask_unanswered, asked_in, empty_gaps_digests, post_digest

PARENTAL = [
    "How many weeks of parental leave do new fathers get?",
    "What is our paternity leave policy for new dads?",
]
PRIVATE_C = "C0PRIVVISA"


@pytest.fixture()
def asked(pipeline, clean_db):
    empty_gaps_digests(clean_db)  # no weekly digest: the App Home groups the last 7 days live
    return ask_unanswered(pipeline, PARENTAL + VISA)


@pytest.fixture(scope="module")
def slack():
    with SlackStandin() as s:
        # alice (the admin) is not a member: the bot is, so it can read it, and Slack says it is private
        s.add_channel("visa-cases", channel_id=PRIVATE_C, private=True, members=["bob"])
        yield s


def _app_home(slack, database_url: str) -> AppHome:
    """The bot's App Home talking to the stand-in, alice its admin."""
    settings = Settings(
        database_url=database_url,
        slack_bot_token=slack.bot_token,
        slack_api_url=slack.web_api_url,
        admins=[ALICE],
    )
    return AppHome(settings, database_url, publish_verified=lambda *_: None)


def test_a_gap_from_a_private_c_channel_is_counted_not_quoted_in_the_app_home(asked, slack):
    for q in PARENTAL:
        asked_in(asked.database_url, q, GENERAL)
    for q in VISA:
        asked_in(asked.database_url, q, PRIVATE_C)
    home = _app_home(slack, asked.database_url)
    infos_before = len(slack.calls("conversations.info"))
    home.publish(slack.web_client(token=slack.bot_token), ALICE, "T0STANDIN1")
    view = slack.home_view(ALICE)
    assert view is not None, "views.publish was not called"
    shown = json.dumps(view.data.get("blocks"), ensure_ascii=False)
    assert "Coverage gaps" in shown
    for q in VISA:
        assert q.split("?")[0][:30] not in shown, f"the App Home quoted a private channel's question: {q}"
    assert "visa" not in shown.lower(), "not even the gap's name"
    assert any(q.split("?")[0][:30] in shown for q in PARENTAL), "a public channel's gap is still shown"
    assert "2 more asked in DMs or private channels" in shown, "the private ones are counted"
    asked_about = [c.args.get("channel") for c in slack.calls("conversations.info")[infos_before:]]
    assert asked_about.count(PRIVATE_C) == 1, f"asked once per channel, not per question: {asked_about}"


def test_a_digest_posted_to_a_private_channel_is_not_shown_to_every_admin(asked, slack):
    """The weekly digest quotes the questions asked in its own channel (to that channel's members). Posted to a
    private admin channel, the App Home of an admin outside it must not show that stored list: it groups live,
    where those questions are counted, not quoted."""
    from core import db

    for q in PARENTAL:
        asked_in(asked.database_url, q, GENERAL)
    for q in VISA:
        asked_in(asked.database_url, q, PRIVATE_C)
    with db.connect(asked.database_url) as conn:
        # the admins' channel is the private one the VISA questions came from
        posted = post_digest(conn, slack, PRIVATE_C)
    assert posted.status == "posted"
    with db.connect(asked.database_url) as conn:
        stored = json.dumps(conn.execute("SELECT gaps FROM gaps_digests").fetchone()["gaps"]).lower()
    assert "visa" in stored, "the digest quotes its own channel's questions to its members"

    _app_home(slack, asked.database_url).publish(slack.web_client(token=slack.bot_token), ALICE, "T0STANDIN1")
    shown = json.dumps(slack.home_view(ALICE).data.get("blocks"), ensure_ascii=False)
    assert "Coverage gaps* (last 7 days)" in shown, "the stored digest of a private channel is not the list shown"
    assert "visa" not in shown.lower(), "alice is not in the private channel the digest was posted to"
    assert any(q.split("?")[0][:30] in shown for q in PARENTAL)
    assert "2 more asked in DMs or private channels" in shown
