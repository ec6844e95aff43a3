"""Break-it: the buttons of a verified answer's review DM pressed by its owner after they lost the right to read it
(the Slack stand-in for the DM and membership, real Postgres; the listener called with the click's payload).

The review tick does not ask an owner who may not read what the answer was made from (`owner_cannot_read`, until
reassigned). But a DM sent before their access was taken away kept its buttons, and the listener checked only
who the owner is: *Still correct* vouched for an answer of documents they can no longer read (its review moved a
whole period on, so nobody was asked again), and *Update* opened the form with its text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.verified_listeners import VerifiedReviewListeners
from core import db
from core.settings import Settings
from slack_standin import BOB, SlackStandin
from tests.integration.test_verified_review_dm import client_for, corrected, dms
from workers.kb import verified
from workers.slack.verified_blocks import RETIRE, STILL_CORRECT, UPDATE
from workers.verified_review import send_review_requests

TEAM = "T0STANDIN1"


@pytest.fixture()
def slack() -> Iterator[SlackStandin]:
    with SlackStandin() as standin:
        yield standin


def _restrict(url: str, answer_id: int, channel: str) -> None:
    """The handbook (the answer's collection) becomes the workspace's, readable by `channel`'s members only."""
    with db.connect(url) as conn:
        conn.execute("UPDATE labels SET team_id = %s WHERE id = %s", (TEAM, answer_id))
        conn.execute(
            "UPDATE collections SET team_id = %s, visibility = 'restricted', allowed_channels = %s "
            "WHERE name = 'handbook'",
            (TEAM, [channel]),
        )
        conn.commit()


def _click(slack: SlackStandin, url: str, answer_id: int, action_id: str, dm) -> str:
    body = {
        "user": {"id": BOB},
        "team": {"id": TEAM},
        "container": {"channel_id": slack.open_dm(BOB), "message_ts": dm.ts},
        "trigger_id": "",
    }
    action = {"action_id": action_id, "value": str(answer_id)}
    listeners = VerifiedReviewListeners(Settings(), url)
    return listeners.on_action(lambda *a, **k: None, body, action, slack.web_client(token=slack.bot_token))


def test_an_owner_who_may_no_longer_read_the_answer_decides_nothing(slack, ingested_handbook, pipeline, local_embedder):
    url = ingested_handbook
    answer_id = corrected(url, pipeline, local_embedder, owner=BOB)
    leads = slack.add_channel("handbook-readers", members=["alice", "bob"]).id
    _restrict(url, answer_id, leads)
    assert send_review_requests(url, client_for(slack)).sent == [answer_id], "bob may read it: he is asked"
    [dm] = dms(slack, BOB)

    outsiders = slack.add_channel("handbook-editors", members=["alice"]).id  # bob's access is taken away
    _restrict(url, answer_id, outsiders)
    with db.connect(url) as conn:
        before = verified.get(conn, answer_id)
    for action_id in (STILL_CORRECT, RETIRE, UPDATE):
        assert _click(slack, url, answer_id, action_id, dm) == "refused", action_id
    with db.connect(url) as conn:
        after = verified.get(conn, answer_id)
        audit = conn.execute(
            "SELECT action FROM admin_actions WHERE target = %s AND action IN ('verified.confirm', 'verified.retire')",
            (f"verified:{answer_id}",),
        ).fetchall()
    assert (after.status, after.review_after, after.verified_at) == (
        before.status,
        before.review_after,
        before.verified_at,
    )
    assert audit == []
    told = [m.text for m in dms(slack, BOB)[1:]]
    assert len(told) == 3 and all("may no longer read" in t and "nothing was changed" in t for t in told), told
    assert not slack.calls("views.open"), "no form with the answer's text"

    _restrict(url, answer_id, leads)  # given back: the same click decides again
    assert _click(slack, url, answer_id, STILL_CORRECT, dm) == "confirmed"


def test_update_on_a_retired_answers_old_dm_opens_no_form(slack, ingested_handbook, pipeline, local_embedder):
    """Still correct and Retire on a retired answer's DM say it was retired; Update opened the form anyway."""
    url = ingested_handbook
    answer_id = corrected(url, pipeline, local_embedder, owner=BOB)
    assert send_review_requests(url, client_for(slack)).sent == [answer_id]
    [dm] = dms(slack, BOB)
    with db.connect(url) as conn:
        verified.retire(conn, answer_id, "admin-ann", "wrong since the reorg")
        conn.commit()
    for action_id in (STILL_CORRECT, UPDATE):
        assert _click(slack, url, answer_id, action_id, dm) == "refused", action_id
    told = [m.text for m in dms(slack, BOB)[1:]]
    assert len(told) == 2 and all("Nothing changed" in t and "retired" in t for t in told), told
    assert not slack.calls("views.open")
