"""Slack Connect end to end: real Bolt (Socket Mode), Redis, a Celery worker, Postgres and the Slack stand-in.

#acme-partners is shared with another organisation; carol is one of its people. The host's handbook is public
for the host's own people only: a guest's mention there must not be answered from it, and a host member's
answer from it is ephemeral (the guests read the channel). The partners collection lists the shared channel:
everyone there may read it, so it is answered in the channel."""

from __future__ import annotations

import json

import pytest

from core import db
from slack_standin import ALICE, BOB, BOT_USER_ID
from tests.support.slack_stack import final, handbook_and_hr

PARTNER = "T0PARTNER1"
ESCALATION = "How long before an unacknowledged page escalates to the secondary?"
PARTNER_DOC = """# Partner support

## Response times

Partner tickets get a first response within 3 business days from the partner desk.
"""


@pytest.fixture(scope="module")
def kb_db(database_url, local_embedder, tmp_path_factory):
    url = handbook_and_hr(database_url, local_embedder, tmp_path_factory.mktemp("partners"), "partners.md", PARTNER_DOC)
    with db.connect(url) as conn:  # the "hr" collection of handbook_and_hr plays the partners' collection here
        conn.execute("UPDATE collections SET visibility = 'restricted', allowed_channels = '{}' WHERE name = 'hr'")
        conn.commit()
    return url


@pytest.fixture(scope="module")
def shared(slack, kb_db) -> str:
    channel = slack.add_channel("acme-partners", members=[ALICE, BOB]).id
    slack.share_channel(channel, with_team=PARTNER)
    slack.add_external_user("carol", team_id=PARTNER, join=[channel])
    with db.connect(kb_db) as conn:
        conn.execute("UPDATE collections SET allowed_channels = %s WHERE name = 'hr'", ([channel],))
        conn.commit()
    return channel


def _shown(message) -> str:
    return (message.text or "") + json.dumps(message.blocks or [])


def test_a_guest_is_not_answered_from_the_hosts_own_documents(slack, bot, shared):
    carol = slack.user("carol").id
    msg = slack.post_message(shared, f"<@{BOT_USER_ID}> {ESCALATION}", user=carol)
    reply = slack.wait_for_bot_reply(shared, msg.ts, timeout=120, predicate=final)
    shown = _shown(reply)
    assert "10 minutes" not in shown, "the host's handbook was answered to another organisation"
    assert "on-call" not in shown.lower(), "not even as a closest document"
    assert not [e for e in slack.ephemerals(shared, carol) if "10 minutes" in (e.text or "")]


def test_a_guest_is_answered_from_what_the_shared_channel_lists(slack, bot, shared):
    carol = slack.user("carol").id
    msg = slack.post_message(shared, f"<@{BOT_USER_ID}> How fast do partner tickets get a first response?", user=carol)
    reply = slack.wait_for_bot_reply(shared, msg.ts, timeout=120, predicate=final)
    assert "3 business days" in reply.text


def test_a_host_member_gets_the_hosts_answer_privately(slack, bot, shared):
    msg = slack.post_message(shared, f"<@{BOT_USER_ID}> {ESCALATION}", user=ALICE)
    reply = slack.wait_for_bot_reply(shared, msg.ts, timeout=120, predicate=final)
    assert "10 minutes" not in _shown(reply), "posted where the guests read it"

    def private_answers():
        return [e for e in slack.ephemerals(shared, ALICE) if "10 minutes" in (e.text or "")]

    private = slack.wait_for(private_answers, 120, message="no private answer for the host's member")
    assert private and "only you can see" in private[0].text
    carol = slack.user("carol").id
    assert not [e for e in slack.ephemerals(shared, carol) if "10 minutes" in (e.text or "")]
