"""Break-it: the App Home's coverage gaps quoted a question asked in a private channel to an admin who is not in it.

The live list (before any weekly digest) left out only what the request rows show to be private — DMs and G… ids —
but a private channel's id is a C… like a public one's. The App Home now asks Slack (conversations.info, failing
closed: workers.digest_tasks.public_channel_check, the digest's own check) once per channel per publish, and a
question from a private channel is counted, never quoted. Real pipeline, real Postgres, the Slack stand-in
recording views.publish."""

from __future__ import annotations

import json
import time

import pytest

from bot.app_home import AppHome
from core import db
from core.settings import Settings
from slack_standin import ALICE, GENERAL, SlackStandin

PARENTAL = [
    "How many weeks of parental leave do new fathers get?",
    "What is our paternity leave policy for new dads?",
]
VISA = ["Does the company sponsor work visas for new hires?", "Can I get visa sponsorship if I move here from abroad?"]
PRIVATE_C = "C0PRIVVISA"


@pytest.fixture()
def asked(pipeline, clean_db):
    with db.connect(clean_db) as conn:
        conn.execute("DELETE FROM gaps_digests")  # no weekly digest: the App Home groups the last 7 days live
        conn.commit()
    for q in PARENTAL + VISA:
        assert pipeline.ask(q, ["handbook"], source="slack", team_id="T0STANDIN1").status == "dont_know"
    return pipeline


@pytest.fixture(scope="module")
def slack():
    with SlackStandin() as s:
        # alice (the admin) is not a member: the bot is, so it can read it, and Slack says it is private
        s.add_channel("visa-cases", channel_id=PRIVATE_C, private=True, members=["bob"])
        yield s


def _asked_in(database_url: str, question: str, channel: str) -> None:
    """Where the bot recorded a question was asked: its slack_requests row, as the intake writes it."""
    with db.connect(database_url) as conn:
        iid = conn.execute(
            "SELECT id FROM interactions WHERE question_redacted LIKE %s ORDER BY created_at DESC LIMIT 1",
            (question.split("?")[0][:40] + "%",),
        ).fetchone()["id"]
        conn.execute(
            "INSERT INTO slack_requests (team_id, channel_id, message_ts, thread_ts, user_id, kind, interaction_id, "
            "status) VALUES ('T0STANDIN1', %s, %s, %s, 'U0ASKER01', 'mention', %s, 'delivered')",
            (channel, f"{time.time():.6f}", f"{time.time():.6f}", iid),
        )
        conn.commit()


def test_a_gap_from_a_private_c_channel_is_counted_not_quoted_in_the_app_home(asked, slack):
    for q in PARENTAL:
        _asked_in(asked.database_url, q, GENERAL)
    for q in VISA:
        _asked_in(asked.database_url, q, PRIVATE_C)
    settings = Settings(
        database_url=asked.database_url,
        slack_bot_token=slack.bot_token,
        slack_api_url=slack.web_api_url,
        admins=[ALICE],
    )
    home = AppHome(settings, asked.database_url, publish_verified=lambda *_: None)
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
