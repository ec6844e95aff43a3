"""Abuse and fairness at the intake (real Postgres, the Slack stand-in through slack_sdk): per-person and
per-channel rate limits with a friendly reply, and one person's burst queued behind everyone else's first
question. The ordering itself (kombu's Redis priority lists) is measured in bench/fairness_bench.py."""

from __future__ import annotations

import pytest

from bot.intake import Intake, Question, fair_priority
from core import db
from core.settings import Settings
from slack_standin import ALICE, BOB, GENERAL, SlackStandin
from workers.slack.store import RequestKey

TEAM = "T0STANDIN1"


@pytest.fixture()
def stand_in():
    with SlackStandin() as slack:
        yield slack


def _intake(url, slack, guard, sent, **limits):
    settings = Settings(database_url=url, slack_bot_token=slack.bot_token, slack_api_url=slack.web_api_url, **limits)
    return Intake(settings, guard, lambda key, priority: sent.append((key, priority)), url)


def _ask(intake, slack, user: str, text: str, channel: str = GENERAL) -> tuple[str, str]:
    msg = slack.post_message(channel, text, user=user)
    q = Question(RequestKey(TEAM, channel, msg.ts), msg.ts, user, "mention", text)
    return intake.receive(q, slack.web_client(token=slack.bot_token)), msg.ts


def test_one_persons_burst_waits_behind_other_peoples_first_question(clean_db, stand_in, pii_guard):
    sent: list = []
    intake = _intake(clean_db, stand_in, pii_guard, sent, rate_limit_user_per_minute=0)
    for i in range(5):
        assert _ask(intake, stand_in, ALICE, f"question {i} about deploys")[0] == "queued"
    assert _ask(intake, stand_in, BOB, "my only question")[0] == "queued"
    assert [p for _, p in sent] == [0, 3, 6, 9, 9, 0]
    assert fair_priority(0) == 0 and fair_priority(100) == 9


def test_a_person_over_the_limit_is_told_and_nothing_is_queued(clean_db, stand_in, pii_guard):
    sent: list = []
    intake = _intake(clean_db, stand_in, pii_guard, sent, rate_limit_user_per_minute=2)
    assert _ask(intake, stand_in, ALICE, "first")[0] == "queued"
    assert _ask(intake, stand_in, ALICE, "second")[0] == "queued"
    outcome, ts = _ask(intake, stand_in, ALICE, "third, too fast")
    assert outcome == "rate_limited" and len(sent) == 2
    [reply] = stand_in.bot_replies(GENERAL, ts)
    assert "in the last minute" in reply.text and "ask this again in a minute" in reply.text
    with db.connect(clean_db) as conn:
        stored = conn.execute("SELECT count(*) AS n FROM slack_requests WHERE message_ts = %s", (ts,)).fetchone()
    assert stored["n"] == 0, "a refused question is not stored"
    assert _ask(intake, stand_in, BOB, "bob is not limited by alice")[0] == "queued"


def test_a_busy_channel_is_limited_too(clean_db, stand_in, pii_guard):
    sent: list = []
    intake = _intake(clean_db, stand_in, pii_guard, sent, rate_limit_user_per_minute=0, rate_limit_channel_per_minute=2)
    _ask(intake, stand_in, ALICE, "one")
    _ask(intake, stand_in, BOB, "two")
    outcome, ts = _ask(intake, stand_in, ALICE, "three")
    assert outcome == "rate_limited"
    assert "This channel asked" in stand_in.bot_replies(GENERAL, ts)[0].text
