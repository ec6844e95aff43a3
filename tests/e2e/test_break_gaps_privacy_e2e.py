"""Break-it: the coverage-gaps digest and App Home quoted questions that only their asker ever saw — real Bolt
(Socket Mode), Redis, a Celery worker, Postgres and the Slack stand-in.

An /ask's text is invisible to the channel it is typed in (Slack shows a slash command to no one). The bot shows
it ("<@asker> asked: …") only when it answers in the channel; where the bot is not a member (the answer goes
through the command's response_url) or where the channel's reply mode is ephemeral, nobody but the asker ever
read the question. The digest judged privacy by the channel alone (public, says conversations.info) and quoted
those questions to the admin channel, and the App Home to every admin. They are counted now, never quoted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from core import db
from feedback.gaps import load_evidence
from feedback.gaps_digest import home_gaps
from slack_standin import ALICE, BOT_USER_ID, GENERAL, RANDOM
from tests.support.gaps_fixtures import empty_gaps_digests, post_digest
from tests.support.slack_stack import ask, final, handbook_and_restricted_hr, rows
from workers.access import readable_by_all
from workers.digest_tasks import public_channel_check
from workers.slack import store as slack_store

ADMINS = "C0GAPSPRV1"
SEEN = "How many weeks of parental leave do new fathers get?"  # asked with a mention: the channel read it
NOT_A_MEMBER = "What is our paternity leave policy for new dads in the Lisbon office?"  # /ask where the bot is not
EPHEMERAL = "How long is parental leave for adoptive parents here?"  # /ask in a channel answered ephemerally
QUIET = "C0QUIETPUB"  # public, the bot a member, its reply mode ephemeral
LEADS = "Does the company sponsor work visas for new hires?"  # asked in a private channel


@pytest.fixture(scope="module")
def kb_db(database_url, local_embedder, tmp_path_factory):
    """The handbook public; HR (salary bands) restricted to #team-private, whose only member is alice."""
    url = handbook_and_restricted_hr(database_url, local_embedder, tmp_path_factory.mktemp("hr"))
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
        "SELECT r.kind, i.status FROM slack_requests r JOIN interactions i ON i.id = r.interaction_id "
        "WHERE r.channel_id = ANY(%s) ORDER BY r.kind",
        [GENERAL, RANDOM, QUIET],
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


def test_a_question_in_a_private_channel_answered_privately_too_is_never_quoted(slack, bot, worker, settings):
    """Alice may read HR, bob may not: her question in their private channel is answered there from the handbook
    and, to her alone, from HR (workers.tasks._answer_privately, an interaction of its own with no request row).
    That second "I don't know" had no conversation, so the digest took it for a question asked outside Slack and
    quoted it — a private channel's question — and counted the one question twice."""
    empty_gaps_digests(settings.database_url)
    leads = slack.add_channel("leads", channel_id="G0LEADS001", private=True, members=["alice", "bob"]).id
    msg = slack.post_message(leads, f"<@{BOT_USER_ID}> {LEADS}", user="alice")
    reply = slack.wait_for_bot_reply(leads, msg.ts, timeout=120, predicate=final)
    assert "know" in reply.text.lower(), reply.text
    like = LEADS.split("?")[0] + "%"
    private = slack.wait_for(
        lambda: rows(
            settings.database_url,
            "SELECT status FROM interactions WHERE source = 'slack_private' AND question_redacted LIKE %s",
            like,
        ),
        timeout=120,
        message="alice's private answer from HR never ran",
    )
    assert private == [{"status": "dont_know"}]

    with db.connect(settings.database_url) as conn:
        evidence = [
            e for e in load_evidence(conn, datetime.now(UTC) - timedelta(days=7)) if e.question.startswith(LEADS[:30])
        ]
        outcome = post_digest(conn, slack, ADMINS)
    assert len(evidence) == 1, "one question asked once is one piece of evidence"
    [message] = [m for m in slack.messages(ADMINS) if m.ts == outcome.message_ts]
    posted = (message.text or "") + json.dumps(message.blocks, ensure_ascii=False)
    assert LEADS[:30] not in posted, "the digest quoted a question asked in a private channel"
