"""Break-it: who may see a question, by where it was asked — the App Home's review queue, and a DM from another
organisation.

The review queue quoted every pending correction's question and corrected answer to every admin of the workspace
who may read the collections it searched — also a question asked in someone's DM with the bot, or in a private
channel the admin is not in (the coverage gaps of the same tab already counted those, never quoted them). And a
person of another organisation (Slack Connect) writing to the bot in a DM was taken for one of the workspace's own
people: the "is the asker from outside" check ran only in shared conversations, so the DM was answered from every
public collection of the workspace. Real Postgres, the Slack stand-in (conversations.info, conversations.members,
users.info, views.publish)."""

from __future__ import annotations

import pytest

from core import db
from feedback import labels
from slack_standin import ALICE, BOB, GENERAL, PRIVATE, TEAM_ID
from tests.support import access_fixtures
from tests.support.records import add_interaction
from workers.access import asker_in, scope_for
from workers.slack import store as slack_store
from workers.slack.store import RequestKey

OTHER = "T0PARTNER1"  # another organisation, connected to this workspace through Slack Connect
IN_DM = "How do I report my manager for harassment without him finding out?"
IN_PRIVATE = "Is the Falcon reorg moving the Zurich team under finance?"
IN_GENERAL = "How do I rotate the staging deploy keys?"
COMMAND_ONLY = "Can I see the salary bands for L5 engineers?"

membership = access_fixtures.membership


def _asked(conn, channel: str, ts: str, question: str, *, kind: str = "mention", **request) -> str:
    """A question alice asked in `channel`, answered from the public handbook, and her pending correction of it."""
    key = RequestKey(TEAM_ID, channel, ts)
    assert slack_store.create_request(
        conn,
        key,
        thread_ts=ts,
        user_id=ALICE,
        kind=kind,
        question_redacted=question,
        pii={},
        reply_mode=request.pop("reply_mode", "in_channel"),
        **request,
    )
    iid = add_interaction(conn, TEAM_ID, question, id=key.interaction_id(), collections=["handbook"])
    labels.record_correction(
        conn, iid, correction=f"Corrected: {question}", user_id=ALICE, team_id=TEAM_ID, channel_id=channel
    )
    return question


@pytest.fixture()
def corrections(slack, clean_db):
    """Alice's corrections of questions she asked in her DM with the bot, in #team-private (she is a member, bob
    is not), with an /ask only she saw the answer of, and in #general."""
    with db.connect(clean_db) as conn:
        conn.execute("INSERT INTO collections (name, team_id) VALUES ('handbook', %s)", (TEAM_ID,))
        _asked(conn, slack.open_dm(ALICE), "1700000001.000100", IN_DM, kind="dm", in_dm=True)
        _asked(conn, PRIVATE, "1700000001.000200", IN_PRIVATE)
        _asked(conn, GENERAL, "1700000001.000300", COMMAND_ONLY, kind="command", reply_mode="ephemeral")
        _asked(conn, GENERAL, "1700000001.000400", IN_GENERAL)
        conn.commit()
    return clean_db


def test_the_review_queue_quotes_a_correction_only_to_an_admin_who_may_see_where_it_was_asked(
    slack, corrections, membership
):
    bob, alice = access_fixtures.published_homes(slack, corrections, membership, TEAM_ID, BOB, ALICE)
    assert IN_GENERAL in bob and "Corrected: " + IN_GENERAL in bob, "a public channel's correction is quoted"
    for private in (IN_DM, IN_PRIVATE, COMMAND_ONLY):
        assert private not in bob, f"bob's Home tab quoted a question he could not see: {private}"
        assert "Corrected: " + private not in bob
    assert "3 more correction(s)" in bob and "answerloop labels list --status pending" in bob, "counted, pointed to"
    for question in (IN_DM, IN_PRIVATE, COMMAND_ONLY, IN_GENERAL):
        assert question in alice, f"alice asked it (and is in #team-private): {question}"
    assert "more correction(s)" not in alice


def test_a_person_of_another_organisation_gets_nothing_of_the_workspace_in_a_dm(slack, clean_db, membership):
    """Carol's account is another organisation's; she writes to the bot in a DM. A DM lists no collection, so a
    guest may read nothing there (as in a shared channel that lists none)."""
    carol = slack.add_external_user("carol", team_id=OTHER).id
    dm = slack.open_dm(carol)
    with db.connect(clean_db) as conn:
        conn.execute("INSERT INTO collections (name, team_id) VALUES ('handbook', %s)", (TEAM_ID,))
        conn.commit()
    guest = asker_in(TEAM_ID, carol, dm, is_dm=True, orgs=membership)
    assert guest.from_outside, "a person of another organisation, wherever they ask"
    with db.connect(clean_db) as conn:
        scope = scope_for(conn, guest, None, membership)
        assert scope.post == [] and scope.private == [], f"the workspace's handbook went to a guest: {scope}"
        alice = asker_in(TEAM_ID, ALICE, slack.open_dm(ALICE), is_dm=True, orgs=membership)
        assert not alice.from_outside and scope_for(conn, alice, None, membership).post == ["handbook"]
