"""Break-it: which workspace the App Home and the agent DM read, when Slack's event wrapper names another one.

Opened through a Slack Connect connection (Connections › the app), `app_home_opened` carries the other
organisation's workspace as the wrapper's `team_id`, while `authorizations[0].team_id` is the installation whose
token Bolt answers with (bolt-js#1948; the stand-in's `open_home(from_team=…)`). The rest of the bot keys events by
the installation (bot.payload.event_team); the Home tab and the Messages tab read the wrapper's. Real components:
the Bolt app over HTTP (bot/http_server.py), Postgres, the Slack stand-in delivering the events and recording the
published Home tab and the suggested prompts."""

from __future__ import annotations

import json

import pytest

from bot.intake import Intake
from core import db
from feedback import labels
from feedback.labels import record_vote
from slack_standin import ALICE, BOB, GENERAL, PRIVATE, TEAM_ID
from tests.support import access_fixtures
from tests.support.bot_endpoint import http_settings, serving
from tests.support.records import add_interaction
from workers.slack import store as slack_store
from workers.slack.store import RequestKey

OTHER = "T0PARTNER1"  # another organisation, connected to this workspace through Slack Connect
OURS_Q = "How do I rotate the staging deploy keys?"
THEIRS_Q = "When does the Falcon acquisition close for the partner board?"

membership = access_fixtures.membership


def _collection(conn, name: str, team: str | None) -> None:
    conn.execute("INSERT INTO collections (name, team_id) VALUES (%s, %s)", (name, team))


def _liked(conn, team: str, ts: str, question: str, collection: str, *, user: str = BOB) -> str:
    """A question asked in #general of `team` by `user`, answered from `collection` and liked."""
    key = RequestKey(team, GENERAL, ts)
    assert slack_store.create_request(
        conn,
        key,
        thread_ts=ts,
        user_id=user,
        kind="mention",
        question_redacted=question,
        pii={},
        reply_mode="in_channel",
    )
    iid = add_interaction(conn, team, question, id=key.interaction_id(), collections=[collection])
    record_vote(conn, iid, kind="up", reaction="+1", user_id=user, team_id=team)
    return str(iid)


def _prompts_after(slack, user: str, open_tab) -> str:
    """The suggested prompts set in `user`'s DM by the opening `open_tab` does, as JSON text."""
    dm = slack.open_dm(user)
    before = len(slack.suggested_prompts(dm))
    assert open_tab().wait(10)
    return json.dumps(slack.wait_for(lambda: slack.suggested_prompts(dm)[before:], 10)[-1])


def _served(slack, url: str, pii_guard, **extra):
    settings = http_settings(slack, url, slack_signing_secret=slack.signing_secret, **extra)
    return serving(slack, settings, Intake(settings, pii_guard, lambda key, priority: None, url))


def _owners(url: str) -> dict[str, str | None]:
    with db.connect(url) as conn:
        return {r["name"]: r["team_id"] for r in conn.execute("SELECT name, team_id FROM collections").fetchall()}


def test_the_agent_dm_opened_through_a_connection_never_hands_the_workspaces_documents_to_the_other_org(
    slack, clean_db, pii_guard
):
    """A single-workspace install: its collections are nobody's yet (the first question claims them). Alice opens
    the Messages tab through the Slack Connect connection with OTHER: the agent DM took the wrapper's OTHER as the
    asker's workspace, and its access check claimed every unowned collection for OTHER — this workspace's own
    people then could read none of their documents. It must read the installation's workspace."""
    with db.connect(clean_db) as conn:
        _collection(conn, "handbook", None)
        _liked(conn, TEAM_ID, "1700000001.000100", OURS_Q, "handbook")
        conn.commit()
    with _served(slack, clean_db, pii_guard):
        shown = _prompts_after(slack, ALICE, lambda: slack.open_home(user=ALICE, tab="messages", from_team=OTHER))
    assert _owners(clean_db) == {"handbook": TEAM_ID}, "the collections are the installation's workspace's"
    assert OURS_Q in shown, f"alice gets her own workspace's popular questions: {shown}"


def test_the_agent_dm_opened_through_a_connection_suggests_no_question_of_the_other_org(slack, clean_db, pii_guard):
    """Two workspaces' data in one database. Alice's Messages tab, opened through the connection with OTHER,
    suggested OTHER's liked questions (asked in a channel both organisations see under one id) and none of her
    own workspace's."""
    with db.connect(clean_db) as conn:
        _collection(conn, "handbook", TEAM_ID)
        _collection(conn, "partner-docs", OTHER)
        _liked(conn, TEAM_ID, "1700000001.000100", OURS_Q, "handbook")
        _liked(conn, OTHER, "1700000001.000200", THEIRS_Q, "partner-docs", user="U0PARTNER9")
        conn.commit()
    with _served(slack, clean_db, pii_guard):
        shown = _prompts_after(slack, ALICE, lambda: slack.open_home(user=ALICE, tab="messages", from_team=OTHER))
    assert "Falcon" not in shown, f"another organisation's question was suggested: {shown}"
    assert OURS_Q in shown, shown


def test_the_agent_dm_suggests_nothing_of_the_workspace_to_a_person_of_another_organisation(slack, clean_db, pii_guard):
    """A Slack Connect guest (their account is OTHER's) opens the app's Messages tab in this workspace. A person of
    another organisation may read nothing of the workspace but what a shared channel lists (workers.access), so
    the workspace's popular questions are not theirs to be suggested: the fixed set is."""
    guest = slack.add_external_user("pia", team_id=OTHER)
    with db.connect(clean_db) as conn:
        _collection(conn, "handbook", TEAM_ID)
        _liked(conn, TEAM_ID, "1700000001.000100", OURS_Q, "handbook")
        conn.commit()
    with _served(slack, clean_db, pii_guard):
        shown = _prompts_after(slack, guest.id, lambda: slack.open_home(user="pia", tab="messages"))
    assert OURS_Q not in shown, f"a guest of another organisation was shown the workspace's questions: {shown}"
    assert "Try asking" in shown


@pytest.fixture()
def two_corrections(clean_db):
    """A pending correction in each workspace, both from their public documents."""
    with db.connect(clean_db) as conn:
        _collection(conn, "handbook", TEAM_ID)
        _collection(conn, "partner-docs", OTHER)
        for team, question, collection in ((TEAM_ID, OURS_Q, "handbook"), (OTHER, THEIRS_Q, "partner-docs")):
            iid = add_interaction(conn, team, question, collections=[collection])
            labels.record_correction(conn, iid, correction=f"Corrected: {question}", user_id=BOB, team_id=team)
        conn.commit()
    return clean_db


def test_the_home_tab_opened_through_a_connection_shows_the_installations_review_queue(
    slack, two_corrections, pii_guard
):
    """Alice is an admin of this workspace (`TEAM:USER`). Opened through the connection with OTHER, her Home tab
    judged her against OTHER's admins and showed her no review queue at all — and an admin listed for OTHER would
    have been shown OTHER's corrections inside this workspace's app. It is this installation's queue."""
    with _served(slack, two_corrections, pii_guard, admins=[f"{TEAM_ID}:{ALICE}"]):
        assert slack.open_home(user=ALICE, from_team=OTHER).wait(10)
        view = slack.wait_for(lambda: slack.home_view(ALICE), 10)
    shown = json.dumps(view.data["blocks"])
    assert "Review" in shown and OURS_Q in shown, "alice's own workspace's review queue"
    assert "Falcon" not in shown, "never another organisation's corrections"


def test_a_correction_of_a_question_that_searched_nothing_is_not_quoted_in_the_home_tab(slack, clean_db, membership):
    """HR's documents are restricted to #team-private (alice, not bob). Alice asks in a private channel HR does not
    list: nothing may be posted there (an "I don't know"), HR answers her privately, and she corrects the "I don't
    know" from what she read. The question searched no collection, so the review queue's check (may the admin read
    every collection it searched?) passed for every admin, and bob's Home tab quoted her question and her HR-made
    correction. What searched nothing can be vouched for by nobody (as workers.access treats a verified answer made
    from nothing known): counted, reviewed with `answerloop labels list`."""
    with db.connect(clean_db) as conn:
        conn.execute(
            "INSERT INTO collections (name, team_id, visibility, allowed_channels) VALUES ('hr', %s, 'restricted', %s)",
            (TEAM_ID, [PRIVATE]),
        )
        key = RequestKey(TEAM_ID, "G0FALCON01", "1700000002.000100")  # a private channel HR does not list
        assert slack_store.create_request(
            conn,
            key,
            thread_ts=key.message_ts,
            user_id=ALICE,
            kind="mention",
            question_redacted=THEIRS_Q,
            pii={},
            reply_mode="in_channel",
        )
        iid = add_interaction(conn, TEAM_ID, THEIRS_Q, id=key.interaction_id(), status="dont_know", collections=[])
        labels.record_correction(
            conn, iid, correction="The L5 band is 142,000 to 171,000 EUR.", user_id=ALICE, team_id=TEAM_ID
        )
        conn.commit()
    for home in access_fixtures.published_homes(slack, clean_db, membership, TEAM_ID, BOB, ALICE):
        assert "Review" in home
        assert "Falcon" not in home and "142,000" not in home, "a correction nobody can vouch for was quoted"
        assert "1 more correction(s)" in home, "it is counted"


def test_a_click_in_the_home_tab_opened_through_a_connection_is_judged_in_the_installations_workspace(
    slack, two_corrections
):
    """The Home tab shows this installation's review queue (above); a click on it names the other organisation as
    the payload's `team` while its view says which installation it belongs to (`view.app_installed_team_id`, what
    Bolt authorizes with). The click was judged against OTHER: alice, this workspace's admin, was refused her own
    queue's buttons. OTHER's corrections stay out of reach either way."""
    from bot.app_home import APPROVE_LABEL, AppHome

    with db.connect(two_corrections) as conn:
        ids = {r["team_id"]: r["id"] for r in conn.execute("SELECT id, team_id FROM labels").fetchall()}
    settings = http_settings(slack, two_corrections, admins=[f"{TEAM_ID}:{ALICE}"])
    home = AppHome(settings, two_corrections, publish_verified=lambda *_: None)
    dm = slack.open_dm(ALICE)
    for team, status in ((TEAM_ID, "approved"), (OTHER, "pending")):
        body = {
            "type": "block_actions",
            "user": {"id": ALICE, "team_id": TEAM_ID},
            "team": {"id": OTHER},
            "view": {"type": "home", "app_installed_team_id": TEAM_ID},
        }
        before = len(slack.messages(dm))
        home.on_admin_action(
            lambda *a, **k: None, body, {"action_id": APPROVE_LABEL, "value": str(ids[team])}, slack.web_client()
        )
        told = slack.messages(dm)[before:]
        with db.connect(two_corrections) as conn:
            row = conn.execute("SELECT status FROM labels WHERE id = %s", (ids[team],)).fetchone()
        assert row["status"] == status, (team, [m.text for m in told])
    assert "another workspace" in told[-1].text, told[-1].text
