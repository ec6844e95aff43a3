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

import json

import pytest

from core import db
from feedback import labels
from slack_standin import ALICE, BOB, GENERAL, PRIVATE, TEAM_ID
from tests.support import access_fixtures
from tests.support.records import add_interaction
from workers.access import asker_in, scope_for
from workers.kb import verified
from workers.slack import store as slack_store
from workers.slack.store import RequestKey

OTHER = "T0PARTNER1"  # another organisation, connected to this workspace through Slack Connect
IN_DM = "How do I report my manager for harassment without him finding out?"
IN_PRIVATE = "Is the Falcon reorg moving the Zurich team under finance?"
IN_GENERAL = "How do I rotate the staging deploy keys?"
COMMAND_ONLY = "Can I see the salary bands for L5 engineers?"

membership = access_fixtures.membership


def _request(conn, channel: str, ts: str, question: str, *, kind: str = "mention", **request) -> RequestKey:
    """Alice's question in `channel` as the intake records it."""
    key = RequestKey(TEAM_ID, channel, ts)
    reply_mode = request.pop("reply_mode", "in_channel")
    recorded = slack_store.create_request(
        conn,
        key,
        thread_ts=ts,
        user_id=ALICE,
        kind=kind,
        question_redacted=question,
        pii={},
        reply_mode=reply_mode,
        **request,
    )
    assert recorded
    return key


def _asked(conn, channel: str, ts: str, question: str, **request) -> str:
    """A question alice asked in `channel`, answered from the public handbook, and her pending correction of it."""
    key = _request(conn, channel, ts, question, **request)
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


def _verified_from_alices_dm(slack, url: str, pipeline, local_embedder, *, owner: str) -> int:
    """Alice asks in her DM with the bot, corrects the answer; an admin approves it (owned by `owner`) and its
    review is due."""
    from tests.integration.test_verified_answers import QUESTION, age, approve

    dm = slack.open_dm(ALICE)
    with db.connect(url) as conn:
        conn.execute("UPDATE collections SET team_id = %s WHERE name = 'handbook'", (TEAM_ID,))
        key = _request(conn, dm, "1700000009.000100", QUESTION, kind="dm", in_dm=True)
        conn.commit()
    result = pipeline.ask(QUESTION, ["handbook"], source="slack", interaction_id=key.interaction_id(), team_id=TEAM_ID)
    with db.connect(url) as conn:
        label_id = labels.record_correction(
            conn, result.interaction_id, correction=ESCALATION, user_id=ALICE, team_id=TEAM_ID, channel_id=dm
        )
        conn.commit()
    approve(url, label_id, local_embedder, actor="slack:" + ALICE, owner=owner)
    age(url, label_id, 91)
    return label_id


ESCALATION = "Since the November change, a page escalates to the secondary after 7 minutes."


def test_a_verified_answer_from_a_dm_is_not_quoted_to_an_admin_or_owner_who_could_not_see_it(
    slack, ingested_handbook, pipeline, local_embedder, membership
):
    """Approved, the correction of a question alice asked in her DM is due for review and bob owns it. Bob's Home
    tab listed it by its question, and his review DM quoted the question: neither is his to read. He still
    reviews the answer (what is served), told where its question was asked; alice's Home tab lists it whole."""
    from bot.verified_listeners import VerifiedReviewListeners
    from tests.conftest import make_settings
    from tests.integration.test_verified_answers import QUESTION
    from tests.integration.test_verified_review_dm import client_for, dms
    from workers.slack.verified_blocks import STILL_CORRECT, UPDATE
    from workers.verified_review import send_review_requests

    url = ingested_handbook
    answer_id = _verified_from_alices_dm(slack, url, pipeline, local_embedder, owner=BOB)
    bob, alice = access_fixtures.published_homes(slack, url, membership, TEAM_ID, BOB, ALICE)
    assert f"*{answer_id}* " + QUESTION[:40] in alice, "alice asked it: listed by its question"
    assert QUESTION[:40] not in bob, "bob's Home tab quoted a question asked in alice's DM"
    assert "1 more due for review" in bob and "answerloop verified list --due" in bob, "counted, pointed to"

    run = send_review_requests(url, client_for(slack), membership=membership)
    assert run.sent == [answer_id], run
    [dm] = dms(slack, BOB)
    shown = (dm.text or "") + json.dumps(dm.blocks)
    assert QUESTION[:40] not in shown, "the review DM quoted a question asked in alice's DM"
    assert "7 minutes" in shown and "Asked in a DM or a private channel" in shown, "the answer is his to review"

    body = {
        "user": {"id": BOB, "team_id": TEAM_ID},
        "team": {"id": TEAM_ID},
        "container": {"channel_id": dm.channel, "message_ts": dm.ts},
        "trigger_id": "",
    }
    action = {"action_id": STILL_CORRECT, "value": str(answer_id)}
    listeners = VerifiedReviewListeners(make_settings(url), url)
    assert listeners.on_action(lambda *a, **k: None, body, action, slack.web_client(token=slack.bot_token)) == (
        "confirmed"
    )
    [after] = dms(slack, BOB)
    assert "Still correct" in after.text
    assert QUESTION[:40] not in json.dumps(after.blocks), "the decided DM quotes it no more than the DM did"

    # *Update* opens the correction form prefilled with the answer: not with the question either.
    body["trigger_id"] = slack._issue_trigger(BOB, dm.channel)
    update = {"action_id": UPDATE, "value": str(answer_id)}
    assert listeners.on_action(lambda *a, **k: None, body, update, slack.web_client(token=slack.bot_token)) == (
        "update_form"
    )
    [form] = slack.views(BOB)
    assert "7 minutes" in json.dumps(form.data) and QUESTION[:40] not in json.dumps(form.data)


def test_a_verified_answer_made_from_an_answer_that_cited_a_restricted_one_stays_restricted(
    ingested_handbook, local_embedder
):
    """HR is restricted. A first verified answer was made from HR (an "I don't know" whose question searched HR),
    published into the public handbook: served only to HR's readers (what it was made from). An HR reader's next
    answer cited it and a handbook page; corrected and approved, the second verified answer was taken to be made
    from the handbook page alone (verified answers are left out of the documents it was based on) and served to
    everyone — the HR answer's content, one step removed. What it cited from a verified answer counts: it is made
    from everything its question searched."""
    from tests.integration.test_verified_answers import approve
    from workers.access import verified_beyond, verified_made_from
    from workers.kb import store

    url = ingested_handbook
    with db.connect(url) as conn:
        store.ensure_collection(conn, "hr")
        conn.execute(
            "UPDATE collections SET visibility = 'restricted', allowed_channels = %s WHERE name = 'hr'", ([PRIVATE],)
        )
        first = add_interaction(conn, TEAM_ID, "What is the L5 salary band?", status="dont_know", collections=["hr"])
        first_label = labels.record_correction(conn, first, correction="142,000 to 171,000 EUR.", user_id=ALICE)
        conn.commit()
    with db.connect(url) as conn:
        label = labels.review(conn, first_label, "approved", "admin-ann")
        v1 = verified.publish(conn, label, embedder=local_embedder, approved_by="admin-ann", collection="handbook")
        conn.commit()
        assert verified_beyond(conn, ["handbook"], ["handbook"]) == [v1], "made from HR: not for handbook readers"
        page = conn.execute(
            "SELECT c.id AS chunk_id, c.document_id FROM chunks c JOIN documents d ON d.id = c.document_id "
            "WHERE d.collection = 'handbook' AND d.format <> 'verified' ORDER BY c.id LIMIT 1"
        ).fetchone()
        v1_chunk = conn.execute("SELECT id FROM chunks WHERE document_id = %s", (v1,)).fetchone()["id"]
        cited = [
            {"chunk_id": page["chunk_id"], "document_id": page["document_id"], "verified": False},
            {"chunk_id": v1_chunk, "document_id": v1, "verified": True},
        ]
        second = add_interaction(
            conn, TEAM_ID, "What do L5 engineers earn?", collections=["handbook", "hr"], citations=cited
        )
        second_label = labels.record_correction(
            conn, second, correction="Between 142,000 and 171,000 EUR.", user_id=ALICE
        )
        conn.commit()
    approve(url, second_label, local_embedder)
    with db.connect(url) as conn:
        v2 = verified.get(conn, second_label).document_id
        assert "hr" in verified_made_from(conn, v2)
        assert set(verified_beyond(conn, ["handbook"], ["handbook"])) == {v1, v2}, "served to handbook readers"
        assert verified_beyond(conn, ["handbook"], ["handbook", "hr"]) == [], "HR's readers are served both"
