"""Who may see what, end to end: real Bolt (Socket Mode), Redis, a Celery worker, Postgres and the Slack stand-in.

HR's salary bands are restricted to #team-private (alice is its only member). The bug this guards against:
a DM (or any channel with no settings) used to search every collection, so anyone could read HR by DMing
the bot."""

from __future__ import annotations

import json

import pytest

from core import db
from slack_standin import ALICE, BOB, BOT_USER_ID, GENERAL, PRIVATE
from tests.support.slack_stack import final, handbook_and_restricted_hr

QUESTION = "What is the L5 salary band for Platform engineers?"


@pytest.fixture(scope="module")
def kb_db(database_url, local_embedder, tmp_path_factory):
    url = handbook_and_restricted_hr(database_url, local_embedder, tmp_path_factory.mktemp("hr"))
    with db.connect(url) as conn:
        # #general may search both: the public answer must still leave HR out.
        conn.execute("UPDATE channel_settings SET collections = '{handbook,hr}' WHERE channel_id = %s", (GENERAL,))
        conn.commit()
    return url


def _everything_shown(message) -> str:
    return (message.text or "") + json.dumps(message.blocks or [])


def test_a_non_member_dm_gets_no_word_of_the_restricted_collection(slack, bot):
    msg = slack.send_dm(QUESTION, user=BOB)
    reply = slack.wait_for_bot_reply(msg.channel, msg.ts, timeout=120, predicate=final)
    shown = _everything_shown(reply)
    assert "142,000" not in shown and "171,000" not in shown
    assert "salary-bands" not in shown and "Salary bands" not in shown, "not even as a closest document"


def test_a_member_dm_is_answered_from_it(slack, bot):
    msg = slack.send_dm(QUESTION, user=ALICE)
    reply = slack.wait_for_bot_reply(msg.channel, msg.ts, timeout=120, predicate=final)
    assert "142,000" in reply.text


def test_a_public_channel_answer_leaves_it_out_and_the_member_gets_it_privately(slack, bot):
    msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> {QUESTION}", user=ALICE)
    reply = slack.wait_for_bot_reply(GENERAL, msg.ts, timeout=120, predicate=final)
    assert "142,000" not in _everything_shown(reply) and "salary-bands" not in _everything_shown(reply)

    def private_answers():
        return [e for e in slack.ephemerals(GENERAL, ALICE) if "142,000" in (e.text or "")]

    private = slack.wait_for(private_answers, 120, message="no private answer")
    assert private and "only you can see" in private[0].text
    assert not [e for e in slack.ephemerals(GENERAL, BOB) if "142,000" in (e.text or "")]


def test_the_collections_own_channel_is_answered_in_channel(slack, bot):
    msg = slack.post_message(PRIVATE, f"<@{BOT_USER_ID}> {QUESTION}", user=ALICE)
    reply = slack.wait_for_bot_reply(PRIVATE, msg.ts, timeout=120, predicate=final)
    assert "142,000" in reply.text
