"""Slack Connect and who may see what (workers.access), on a real Postgres with the Slack stand-in: a channel
shared with another organisation is read by people outside the workspace, and a guest of that organisation
is not one of the workspace's people. Before, the question's workspace id (the host's) was all the check saw:
a guest's mention in a shared channel was answered from every public collection of the host, in the channel."""

from __future__ import annotations

import pytest

from core import db
from slack_standin import ALICE, BOB, GENERAL, PRIVATE, SlackStandin
from tests.support import access_fixtures
from workers.access import Asker, SlackMembership, asker_in, scope_for
from workers.kb import store

TEAM = "T0STANDIN1"
PARTNER = "T0PARTNER1"


@pytest.fixture(scope="module")
def slack():
    with SlackStandin() as s:
        shared = s.add_channel("acme-partners", members=[ALICE, BOB])
        s.share_channel(shared.id, with_team=PARTNER)
        s.add_external_user("carol", team_id=PARTNER, join=[shared.id])
        yield s


@pytest.fixture()
def shared(slack) -> str:
    return slack.channel("acme-partners").id


@pytest.fixture()
def carol(slack) -> str:
    return slack.user("carol").id


membership = access_fixtures.membership


@pytest.fixture()
def collections_db(clean_db, shared):
    """handbook public; hr restricted to #team-private; partners restricted to the shared channel."""
    with db.connect(clean_db) as conn:
        for name in ("handbook", "hr", "partners"):
            store.ensure_collection(conn, name)
        conn.execute("UPDATE collections SET team_id = %s", (TEAM,))
        conn.execute(
            "UPDATE collections SET visibility = 'restricted', allowed_channels = %s WHERE name = 'hr'", ([PRIVATE],)
        )
        conn.execute(
            "UPDATE collections SET visibility = 'restricted', allowed_channels = %s WHERE name = 'partners'",
            ([shared],),
        )
        conn.commit()
    return clean_db


def scope(url, asker, membership):
    with db.connect(url) as conn:
        return scope_for(conn, asker, None, membership)


def test_the_stand_in_speaks_slack_connect(slack, shared, carol):
    client = slack.web_client(token=slack.bot_token)
    assert client.conversations_info(channel=shared)["channel"]["is_ext_shared"] is True
    assert client.conversations_info(channel=GENERAL)["channel"]["is_ext_shared"] is False
    assert client.users_info(user=carol)["user"]["team_id"] == PARTNER
    assert carol in client.conversations_members(channel=shared)["members"]


def test_who_reads_the_conversation(membership, shared, carol):
    alice = asker_in(TEAM, ALICE, shared, is_dm=False, orgs=membership)
    assert (alice.outsiders, alice.from_outside) == (True, False)
    guest = asker_in(TEAM, carol, shared, is_dm=False, orgs=membership)
    assert (guest.outsiders, guest.from_outside) == (True, True)
    at_home = asker_in(TEAM, ALICE, GENERAL, is_dm=False, orgs=membership)
    assert (at_home.outsiders, at_home.from_outside) == (False, False)


def test_a_guest_reads_only_what_the_shared_channel_lists(collections_db, membership, shared, carol):
    guest = asker_in(TEAM, carol, shared, is_dm=False, orgs=membership)
    s = scope(collections_db, guest, membership)
    assert s.post == ["partners"], "the host's public handbook went to another organisation"
    assert s.private == []


def test_a_host_member_in_a_shared_channel_gets_the_rest_privately(collections_db, membership, shared):
    alice = asker_in(TEAM, ALICE, shared, is_dm=False, orgs=membership)
    s = scope(collections_db, alice, membership)
    assert s.post == ["partners"], "what the guests read is only what lists their channel"
    # public for the host's people, and hr (alice is in #team-private): ephemeral answers only she sees
    assert s.private == ["handbook", "hr"]


def test_an_unshared_channel_is_answered_as_before(collections_db, membership):
    bob = asker_in(TEAM, BOB, GENERAL, is_dm=False, orgs=membership)
    s = scope(collections_db, bob, membership)
    assert s.post == ["handbook"]
    assert s.private == ["partners"]  # bob is in the shared channel: he reads it, in #general only privately


def test_when_slack_cannot_say_the_conversation_counts_as_shared_and_the_asker_as_a_guest(collections_db):
    def broken(team: str):
        raise RuntimeError("Slack unreachable")

    failing = SlackMembership(broken)
    asker = asker_in(TEAM, ALICE, GENERAL, is_dm=False, orgs=failing)
    assert (asker.outsiders, asker.from_outside) == (True, True)
    s = scope(collections_db, asker, failing)
    assert s.post == [] and s.private == [], "fail closed: nothing a guest could not read"


def test_an_asker_built_by_hand_keeps_the_old_meaning(collections_db, membership):
    """Callers that know the conversation (the agent DM, App Home) build Asker directly: no outsiders."""
    s = scope(collections_db, Asker(TEAM, BOB, GENERAL, is_dm=False), membership)
    assert s.post == ["handbook"]


def test_a_conversation_the_bot_cannot_see_has_no_reader_of_its_posts_but_the_asker_is_still_checked(
    slack, membership, collections_db, carol
):
    """A DM between two people: conversations.info says channel_not_found. Nothing the bot posts lands there (an
    answer goes to the asker alone through the command's response_url), so it is not "shared" — but whether the
    asker is a guest still decides what may be read. Not cached: the bot may be invited next minute."""
    people = slack.open_dm_between("alice", "bob")
    alice = asker_in(TEAM, ALICE, people, is_dm=False, orgs=membership)
    assert (alice.outsiders, alice.from_outside) == (False, False)
    assert scope(collections_db, alice, membership).post == ["handbook"]
    calls = len(slack.calls("conversations.info"))
    asker_in(TEAM, ALICE, people, is_dm=False, orgs=membership)
    assert len(slack.calls("conversations.info")) == calls + 1, "an unseen conversation is asked about again"
    guest = asker_in(TEAM, carol, people, is_dm=False, orgs=membership)
    assert guest.from_outside and scope(collections_db, guest, membership).post == []
