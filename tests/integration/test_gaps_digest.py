"""The weekly coverage-gaps digest (issue G.2): the week's top gaps posted once to an admin channel through the
Slack stand-in (real Block Kit validation), a failed post gives the week back, and the App Home review tab shows
the same list (real pipeline, real Postgres)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.errors import SlackApiError

from bot.app_home import admin_blocks
from core import db
from core.errors import ConfigError
from core.settings import Settings
from feedback.gaps_digest import DigestTarget, digest_targets, week_of
from slack_standin import GENERAL, SlackStandin
from tests.support.gaps_fixtures import VISA, ask_unanswered, asked_in, empty_gaps_digests, post_digest
from workers.celery_app import beat_schedule

PARENTAL = [
    "How many weeks of parental leave do new fathers get?",
    "What is our paternity leave policy for new dads?",
    "How long is parental leave when you have a baby? Ask jane.doe@example.com",
]
ADMINS = "C0GAPSADM1"


@pytest.fixture()
def digests(clean_db):
    empty_gaps_digests(clean_db)
    yield clean_db
    empty_gaps_digests(clean_db)


@pytest.fixture()
def asked(pipeline, digests):
    return ask_unanswered(pipeline, PARENTAL + VISA)


@pytest.fixture(scope="module")
def slack():
    with SlackStandin() as s:
        s.add_channel("answerloop-admins", channel_id=ADMINS, members=["alice"])
        yield s


def _digests_in(slack) -> list:
    return [m for m in slack.messages(ADMINS) if m.bot_id and "Coverage gaps" in (m.text or "")]


def test_the_weeks_top_gaps_are_posted_once(asked, slack, local_embedder):
    now = datetime.now(UTC)
    before = len(_digests_in(slack))
    with db.connect(asked.database_url) as conn:
        first = post_digest(conn, slack, ADMINS, now=now, embedder=local_embedder)
        again = post_digest(conn, slack, ADMINS, now=now + timedelta(minutes=5), embedder=local_embedder)
        stored = conn.execute("SELECT * FROM gaps_digests").fetchall()
    assert (first.status, first.gaps, first.week) == ("posted", 2, week_of(now))
    assert again.status == "already"
    posted = _digests_in(slack)[before:]
    assert len(posted) == 1  # the second run in the same week posted nothing
    message = posted[0]
    assert message.ts == first.message_ts and message.blocks
    assert message.blocks[0]["type"] == "header" and f"week of {week_of(now):%Y-%m-%d}" in json.dumps(message.blocks)
    sections = [b["text"]["text"] for b in message.blocks if b["type"] == "section"]
    parental = next(s for s in sections if "*1. " in s)
    assert any(q.split("?")[0] in parental for q in PARENTAL) and "asked 3×" in parental, parental
    assert "Closest documents: " in parental and "Also asked:" in parental
    assert "*2. " in next(s for s in sections if any(v.split("?")[0] in s for v in VISA))
    assert "jane.doe@example.com" not in json.dumps(message.blocks) + message.text  # redacted questions only
    [row] = stored
    assert row["status"] == "posted" and row["questions"] == 5 and len(row["gaps"]) == 2
    assert "jane.doe" not in json.dumps(row["gaps"])


def test_a_failed_post_gives_the_week_back(asked, slack):
    calls: list[str] = []
    now = datetime.now(UTC)
    with db.connect(asked.database_url) as conn:
        with pytest.raises(SlackApiError):
            post_digest(conn, slack, "C0NOSUCH01", now=now, calls=calls)  # the bot can't post there: channel_not_found
        assert conn.execute("SELECT count(*) AS n FROM gaps_digests").fetchone()["n"] == 0
        fixed = post_digest(conn, slack, ADMINS, now=now, calls=calls)
    assert fixed.status == "posted" and calls == ["C0NOSUCH01", ADMINS]


def test_a_week_without_gaps_posts_nothing(digests, slack):
    calls: list[str] = []
    with db.connect(digests) as conn:
        outcome = post_digest(conn, slack, ADMINS, calls=calls)
    assert outcome.status == "empty" and calls == []


def test_the_app_home_review_tab_lists_the_gaps(asked, slack, local_embedder):
    with db.connect(asked.database_url) as conn:
        # Before any digest: the last 7 days grouped live by content terms (the bot holds no embedding model).
        live = json.dumps(admin_blocks(conn, team="T0STANDIN1"), ensure_ascii=False)
        assert "Coverage gaps* (last 7 days)" in live and "*1. " in live and "Closest documents: " in live
        assert "parental leave" in live and "jane.doe" not in live
        post_digest(conn, slack, ADMINS, embedder=local_embedder)
        [posted] = conn.execute("SELECT gaps FROM gaps_digests").fetchall()
        home = json.dumps(admin_blocks(conn, team="T0STANDIN1"), ensure_ascii=False)
    # After it: the list the digest posted (grouped with embeddings), with counts and the closest documents.
    assert f"Coverage gaps* (weekly digest of {week_of(datetime.now(UTC)):%Y-%m-%d})" in home
    for gap in posted["gaps"]:
        assert gap["name"].replace("<", "&lt;").replace(">", "&gt;")[:40] in home
        assert f"asked {gap['count']}×" in home and ", ".join(gap["closest_documents"])[:40] in home
    assert "asked 3×" in home and "jane.doe" not in home


def test_digest_channels_name_their_workspace():
    assert digest_targets(["C0ADMIN001"], []) == [DigestTarget("", "C0ADMIN001")]
    assert digest_targets(["C0ADMIN001"], ["T0ONLY0001"]) == [DigestTarget("T0ONLY0001", "C0ADMIN001")]
    assert digest_targets(["T0A:C0A1", " T0B:G0B1 "], ["T0A", "T0B"]) == [
        DigestTarget("T0A", "C0A1"),
        DigestTarget("T0B", "G0B1"),
    ]
    with pytest.raises(ConfigError, match="names no workspace, and 2 are installed"):
        digest_targets(["C0ADMIN001"], ["T0A", "T0B"])
    with pytest.raises(ConfigError, match="is not a channel id"):
        digest_targets(["#admins"], [])


def test_the_beat_posts_the_digest_weekly_only_when_a_channel_is_set():
    schedule = beat_schedule(Settings(gaps_channel=["C0ADMIN001"], gaps_digest_schedule="30 8 * * 1"))
    entry = schedule["gaps-digest"]
    assert entry["task"] == "workers.digest_tasks.post_gaps_digests" and entry["options"]["queue"] == "ingest"
    assert entry["schedule"].hour == {8} and entry["schedule"].day_of_week == {1}
    assert "gaps-digest" not in beat_schedule(Settings(gaps_channel=[]))
    with pytest.raises(ConfigError, match="ANSWERLOOP_GAPS_DIGEST_SCHEDULE"):
        beat_schedule(Settings(gaps_channel=["C0ADMIN001"], gaps_digest_schedule="weekly"))


def test_questions_from_dms_and_private_channels_are_counted_not_quoted(asked, slack):
    """The digest goes to an admin channel: a question asked in a DM or a private channel (the asker's, even
    redacted) is counted there but never quoted; one asked in a public channel, or in the digest's own channel,
    is. Private is what Slack says (conversations.info), not the id's first letter: this one is a C… id."""
    hr = slack.add_channel("hr-private", channel_id="C0PRIVHR01", private=True, members=["alice"]).id
    dm = slack.open_dm("alice")
    asked_in(asked.database_url, PARENTAL[0], GENERAL)
    asked_in(asked.database_url, PARENTAL[1], GENERAL)
    asked_in(asked.database_url, PARENTAL[2], dm, kind="dm")
    asked_in(asked.database_url, VISA[0], hr)
    asked_in(asked.database_url, VISA[1], ADMINS)  # the digest's own readers asked it
    with db.connect(asked.database_url) as conn:
        live = json.dumps(admin_blocks(conn, team="T0STANDIN1"), ensure_ascii=False)  # before any digest
        outcome = post_digest(conn, slack, ADMINS)
        [row] = conn.execute("SELECT gaps, questions FROM gaps_digests").fetchall()
        home = json.dumps(admin_blocks(conn, team="T0STANDIN1"), ensure_ascii=False)
    [message] = [m for m in slack.messages(ADMINS) if m.ts == outcome.message_ts]
    posted = (message.text or "") + json.dumps(message.blocks, ensure_ascii=False) + json.dumps(row["gaps"])
    for private in (PARENTAL[2], VISA[0]):
        assert private.split("?")[0][:30] not in posted, f"quoted a private question: {private}"
        assert private.split("?")[0][:30] not in home, f"the App Home quoted a private question: {private}"
    assert PARENTAL[2].split("?")[0][:30] not in live, "the live App Home quoted a question asked in a DM"
    assert PARENTAL[0].split("?")[0][:30] in live or PARENTAL[1].split("?")[0][:30] in live
    for shared in (PARENTAL[0], PARENTAL[1], VISA[1]):
        assert shared.split("?")[0][:30] in posted, f"a question asked where everyone could see it is missing: {shared}"
    assert "2 more asked in DMs or private channels" in message.text, message.text
    assert "asked 2×" in posted and "asked 3×" not in posted
    assert row["questions"] == 5


def test_a_week_of_only_private_gaps_still_says_how_many(asked, slack):
    dm = slack.open_dm("alice")
    for q in PARENTAL + VISA:
        asked_in(asked.database_url, q, dm, kind="dm")
    with db.connect(asked.database_url) as conn:
        outcome = post_digest(conn, slack, ADMINS)
    assert outcome.status == "posted" and outcome.gaps == 0
    [message] = [m for m in slack.messages(ADMINS) if m.ts == outcome.message_ts]
    posted = (message.text or "") + json.dumps(message.blocks, ensure_ascii=False)
    assert "5 unanswered or :-1: question(s) asked in DMs or private channels" in posted, posted
    for q in PARENTAL + VISA:
        assert q.split("?")[0][:30] not in posted
