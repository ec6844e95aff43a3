"""Who may see what (workers.access) on a real Postgres, with membership read from the Slack stand-in through
slack_sdk: DMs and unconfigured channels, restricted collections, other workspaces, lookups that fail."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from core import db
from slack_standin import ALICE, BOB, GENERAL, PRIVATE, SlackStandin
from tests.support import access_fixtures
from workers.access import Asker, SlackMembership, claim_unowned, scope_for
from workers.kb import store

TEAM = "T0STANDIN1"
OTHER = "T0OTHERWS1"


@pytest.fixture(scope="module")
def slack():
    with SlackStandin() as s:
        yield s


membership = access_fixtures.membership


@pytest.fixture()
def collections_db(clean_db):
    """handbook public, hr restricted to #team-private (alice only), eng owned by another workspace."""
    with db.connect(clean_db) as conn:
        for name in ("handbook", "hr", "eng"):
            store.ensure_collection(conn, name)
        conn.execute("UPDATE collections SET team_id = %s WHERE name IN ('handbook', 'hr')", (TEAM,))
        conn.execute(
            "UPDATE collections SET visibility = 'restricted', allowed_channels = %s WHERE name = 'hr'", ([PRIVATE],)
        )
        conn.execute("UPDATE collections SET team_id = %s WHERE name = 'eng'", (OTHER,))
        conn.commit()
    return clean_db


def scope(url, asker, membership, configured=None):
    with db.connect(url) as conn:
        return scope_for(conn, asker, configured, membership)


def test_a_dm_sees_public_collections_and_restricted_ones_only_for_their_members(collections_db, membership, slack):
    bob_dm = Asker(TEAM, BOB, slack.open_dm(BOB), is_dm=True)
    alice_dm = Asker(TEAM, ALICE, slack.open_dm(ALICE), is_dm=True)
    assert scope(collections_db, bob_dm, membership).post == ["handbook"], "the DM leak: hr was searched for anyone"
    assert scope(collections_db, bob_dm, membership).private == []
    assert scope(collections_db, alice_dm, membership).post == ["handbook", "hr"]


def test_a_public_channel_gets_public_answers_and_the_member_a_private_one(collections_db, membership):
    alice_general = Asker(TEAM, ALICE, GENERAL, is_dm=False)
    s = scope(collections_db, alice_general, membership, configured=["handbook", "hr"])
    assert s.post == ["handbook"] and s.private == ["hr"]
    bob_general = Asker(TEAM, BOB, GENERAL, is_dm=False)
    assert scope(collections_db, bob_general, membership, configured=["handbook", "hr"]) == type(s)(["handbook"], [])


def test_the_restricted_collections_own_channel_may_quote_it(collections_db, membership):
    in_private = Asker(TEAM, ALICE, PRIVATE, is_dm=False)
    assert scope(collections_db, in_private, membership, configured=["hr"]).post == ["hr"]


def test_another_workspaces_collections_are_never_in_scope(collections_db, membership):
    asker = Asker(TEAM, ALICE, GENERAL, is_dm=False)
    s = scope(collections_db, asker, membership, configured=["eng", "handbook"])
    assert "eng" not in s.post + s.private, "configured for the channel, but owned by another workspace"
    other = Asker(OTHER, "U0OTHERUSR", "C0OTHERCH1", is_dm=False)
    assert scope(collections_db, other, membership).post == ["eng"]


def test_unowned_collections_go_to_the_only_workspace_and_never_across(clean_db):
    with db.connect(clean_db) as conn:
        store.ensure_collection(conn, "docs")
        assert claim_unowned(conn, TEAM) == 1
        store.ensure_collection(conn, "more")
        assert claim_unowned(conn, OTHER) == 0, "another workspace already owns a collection"
        assert conn.execute("SELECT team_id FROM collections WHERE name = 'more'").fetchone()["team_id"] is None
        conn.execute(
            "INSERT INTO slack_installations (team_id, bot_user_id, bot_id, bot_token_encrypted) "
            "VALUES (%s, 'U1', 'B1', 'x'), (%s, 'U2', 'B2', 'y')",
            (TEAM, OTHER),
        )
        assert claim_unowned(conn, TEAM) == 0, "with several workspaces installed an admin assigns collections"
        conn.rollback()


def test_membership_comes_from_slack_cached_and_a_failure_denies(collections_db, membership, slack):
    group = slack.add_usergroup("people-ops", [BOB])
    with db.connect(collections_db) as conn:
        conn.execute("UPDATE collections SET allowed_usergroups = %s WHERE name = 'hr'", ([group],))
        conn.commit()
    bob_dm = Asker(TEAM, BOB, slack.open_dm(BOB), is_dm=True)
    assert scope(collections_db, bob_dm, membership).post == ["handbook", "hr"], "bob is in the user group"
    calls = len(slack.calls("usergroups.users.list"))
    scope(collections_db, bob_dm, membership)
    assert len(slack.calls("usergroups.users.list")) == calls, "cached"

    def broken(team):
        raise TimeoutError("Slack did not answer")

    failing = SlackMembership(broken)
    assert scope(collections_db, bob_dm, failing).post == ["handbook"], "a failed lookup is a no"
    alice_dm = Asker(TEAM, ALICE, slack.open_dm(ALICE), is_dm=True)
    assert scope(collections_db, alice_dm, failing).post == ["handbook"]


def test_a_channel_the_bot_cannot_see_denies(collections_db, membership, slack):
    hidden = slack.add_channel("secret", members=[ALICE], private=True, bot_member=False)
    with db.connect(collections_db) as conn:
        conn.execute("UPDATE collections SET allowed_channels = %s WHERE name = 'hr'", ([hidden.id],))
        conn.commit()
    alice_dm = Asker(TEAM, ALICE, slack.open_dm(ALICE), is_dm=True)
    assert scope(collections_db, alice_dm, membership).post == ["handbook"]


def test_standin_speaks_slacks_membership_methods(slack):
    client = slack.web_client(token=slack.bot_token)
    members = client.conversations_members(channel=GENERAL, limit=1)
    assert len(members["members"]) == 1 and members["response_metadata"]["next_cursor"]
    rest = client.conversations_members(channel=GENERAL, cursor=members["response_metadata"]["next_cursor"])
    assert set(members["members"]) | set(rest["members"]) >= {ALICE, BOB}
    for kwargs, error in (
        ({"channel": GENERAL, "limit": 1000}, "invalid_limit"),
        ({"channel": "C0NOPE0000"}, "channel_not_found"),
        ({"channel": GENERAL, "cursor": "garbage"}, "invalid_cursor"),
    ):
        with pytest.raises(SlackApiError) as err:
            client.conversations_members(**kwargs)
        assert err.value.response["error"] == error
    disabled = slack.add_usergroup("alumni", [ALICE], enabled=False)
    with pytest.raises(SlackApiError) as err:
        client.usergroups_users_list(usergroup=disabled)
    assert err.value.response["error"] == "no_such_subteam"
    assert client.usergroups_users_list(usergroup=disabled, include_disabled=True)["users"] == [ALICE]
    with pytest.raises(SlackApiError) as err:
        client.usergroups_users_list(usergroup="S0NOPE0000")
    assert err.value.response["error"] == "no_such_subteam"
