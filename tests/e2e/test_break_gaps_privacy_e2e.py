"""Break-it: the coverage-gaps digest and App Home quoted questions that only their asker ever saw — real Bolt
(Socket Mode), Redis, a Celery worker, Postgres and the Slack stand-in.

An /ask's text is invisible to the channel it is typed in (Slack shows a slash command to no one). The bot shows
it ("<@asker> asked: …") only when it answers in the channel; where the bot is not a member (the answer goes
through the command's response_url) or where the channel's reply mode is ephemeral, nobody but the asker ever
read the question. The digest judged privacy by the channel alone (public, says conversations.info) and quoted
those questions to the admin channel, and the App Home to every admin. They are counted now, never quoted."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from core import db
from feedback.gaps_digest import home_gaps
from slack_standin import ALICE, GENERAL, RANDOM
from tests.support.gaps_fixtures import empty_gaps_digests, post_digest
from tests.support.slack_stack import ask, final, handbook_and_hr, rows
from workers.access import readable_by_all
from workers.digest_tasks import public_channel_check
from workers.slack import store as slack_store

ADMINS = "C0GAPSPRV1"
SEEN = "How many weeks of parental leave do new fathers get?"  # asked with a mention: the channel read it
NOT_A_MEMBER = "What is our paternity leave policy for new dads in the Lisbon office?"  # /ask where the bot is not
EPHEMERAL = "How long is parental leave for adoptive parents here?"  # /ask in a channel answered ephemerally
QUIET = "C0QUIETPUB"  # public, the bot a member, its reply mode ephemeral


@pytest.fixture(scope="module")
def kb_db(database_url, local_embedder, tmp_path_factory):
    url = handbook_and_hr(
        database_url,
        local_embedder,
        tmp_path_factory.mktemp("hr"),
        "payroll.md",
        "# Payroll\n\nPayslips arrive on the 25th.\n",
    )
    empty_gaps_digests(url)
    return url


def _dont_know_to(slack, channel: str, question: str) -> None:
    """/ask `question` as alice in `channel`; waits for the ephemeral answer only she sees."""
    before = len(slack.ephemerals(channel, user=ALICE))
    slack.slash_command("/ask", question, channel=channel, user="alice")
    slack.wait_for(
        lambda: [e for e in slack.ephemerals(channel, user=ALICE)[before:] if final(e)],
        timeout=120,
        message=f"no ephemeral answer in {channel}",
    )


def test_a_question_only_its_asker_saw_is_counted_not_quoted(slack, bot, worker, settings):
    slack.add_channel("answerloop-admins", channel_id=ADMINS, members=["alice"], bot_member=True)
    slack.add_channel("quiet", channel_id=QUIET, members=["alice", "bob"], bot_member=True)
    with db.connect(settings.database_url) as conn:
        slack_store.set_channel(
            conn, slack.team_id, QUIET, collections=None, expert=None, reply_mode="ephemeral", actor="t"
        )
        conn.commit()
    _, reply = ask(slack, SEEN)
    assert "know" in reply.text.lower(), reply.text
    _dont_know_to(slack, RANDOM, NOT_A_MEMBER)
    _dont_know_to(slack, QUIET, EPHEMERAL)
    for channel in (GENERAL, RANDOM, QUIET):  # the only place either question showed: the asker's ephemerals
        for private in (NOT_A_MEMBER, EPHEMERAL):
            assert not [m for m in slack.messages(channel) if private[:30] in (m.text or "")]
    asked = rows(
        settings.database_url,
        "SELECT r.kind, i.status FROM slack_requests r JOIN interactions i ON i.id = r.interaction_id ORDER BY r.kind",
    )
    assert asked == [{"kind": k, "status": "dont_know"} for k in ("command", "command", "mention")], asked

    with db.connect(settings.database_url) as conn:
        home_source, home, home_private = home_gaps(
            conn,
            slack.team_id,
            now=datetime.now(UTC),
            readable_by=readable_by_all,
            is_public=public_channel_check(slack.web_client(token=slack.bot_token)),
        )
        outcome = post_digest(conn, slack, ADMINS)
        [row] = conn.execute("SELECT gaps FROM gaps_digests").fetchall()
    [message] = [m for m in slack.messages(ADMINS) if m.ts == outcome.message_ts]
    posted = (message.text or "") + json.dumps(message.blocks, ensure_ascii=False) + json.dumps(row["gaps"])
    shown = json.dumps(home, ensure_ascii=False)
    assert SEEN.split("?")[0] in posted and SEEN.split("?")[0] in shown, "a question the channel read is quoted"
    for private in (NOT_A_MEMBER, EPHEMERAL):
        assert private.split("?")[0][:30] not in posted, f"the digest quoted what only its asker saw: {private}"
        assert private.split("?")[0][:30] not in shown, f"the App Home quoted what only its asker saw: {private}"
    assert "2 more asked in DMs or private channels" in (message.text or ""), message.text
    assert home_source == "last 7 days" and home_private == 2
