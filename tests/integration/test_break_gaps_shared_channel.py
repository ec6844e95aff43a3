"""Break-it: the weekly gaps digest posted to a channel shared with another organisation (Slack Connect) — the digest
task (workers.digest_tasks.send_gaps_digests) against the Slack stand-in, real pipeline and Postgres.

ANSWERLOOP_GAPS_CHANNEL named a channel that is (or later became) shared with a vendor's workspace. The digest
quoted the workspace's public-channel questions and named its public documents there, as if everyone reading it
were of the workspace: people of another organisation read neither. Like an answer posted in a shared channel
(workers.access: only collections that list that very channel), the digest there quotes only what was asked in
that channel and names no document; the rest is counted."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from core.settings import Settings
from slack_standin import GENERAL, SlackStandin
from tests.support.gaps_fixtures import VISA, ask_unanswered, asked_in, empty_gaps_digests
from workers.digest_tasks import send_gaps_digests

ADMINS = "C0GAPSSHR1"
PARENTAL = [
    "How many weeks of parental leave do new fathers get?",
    "What is our paternity leave policy for new dads?",
]


@pytest.fixture()
def slack() -> Iterator[SlackStandin]:
    with SlackStandin() as s:
        s.add_channel("answerloop-admins", channel_id=ADMINS, members=["alice"])
        yield s


@pytest.fixture()
def asked(pipeline, clean_db):
    empty_gaps_digests(clean_db)
    ask_unanswered(pipeline, PARENTAL + VISA)
    for q in PARENTAL:
        asked_in(clean_db, q, GENERAL)
    for q in VISA:
        asked_in(clean_db, q, ADMINS)  # asked in the digest's own channel: its readers saw them
    yield clean_db
    empty_gaps_digests(clean_db)


def _digest(slack: SlackStandin, url: str) -> str:
    settings = Settings(
        database_url=url,
        slack_bot_token=slack.bot_token,
        slack_api_url=slack.web_api_url,
        gaps_channel=[ADMINS],
    )
    [outcome] = send_gaps_digests(settings, embedder=lambda: None)
    [message] = [m for m in slack.messages(ADMINS) if m.ts == outcome.message_ts]
    return (message.text or "") + json.dumps(message.blocks, ensure_ascii=False)


def test_a_digest_in_a_channel_shared_with_another_organisation_quotes_only_that_channel(asked, slack):
    slack.share_channel(ADMINS, with_team="TVENDOR001")
    posted = _digest(slack, asked)
    for q in PARENTAL:
        assert q.split("?")[0][:30] not in posted, f"a public channel's question quoted to another organisation: {q}"
    assert any(q.split("?")[0][:30] in posted for q in VISA), "what was asked in the shared channel itself is quoted"
    named = re.findall(r'Closest documents: ([^"\\\\]*)', posted)
    assert named and set(named) == {"none"}, f"document titles shown to another organisation: {named}"
    assert "2 more" in posted, posted


def test_a_digest_in_the_workspaces_own_channel_quotes_its_public_questions(asked, slack):
    posted = _digest(slack, asked)
    assert any(q.split("?")[0][:30] in posted for q in PARENTAL)
