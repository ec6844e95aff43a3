"""Break-it: a verified answer's review DM and its buttons, for an owner of another organisation.

An admin names the owner by Slack user id (`labels approve --owner`, `verified reassign`): a Slack Connect guest's id
looks like anyone's. A person of another organisation may read nothing of the workspace but what a channel shared
with them lists (workers.access), and a DM lists nothing — yet the review tick sent the guest the workspace's
question and answer, and the guest's *Still correct* vouched for it. Real Postgres and pipeline, the Slack stand-in
(users.info says whose account it is), the listener called with the click's payload."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.verified_listeners import VerifiedReviewListeners
from core import db
from core.settings import Settings
from slack_standin import BOB, TEAM_ID, SlackStandin
from tests.integration.test_verified_review_dm import client_for, corrected, dms
from workers.kb import verified
from workers.slack.verified_blocks import STILL_CORRECT, UPDATE
from workers.verified_review import send_review_requests

OTHER = "T0PARTNER1"


@pytest.fixture()
def slack() -> Iterator[SlackStandin]:
    with SlackStandin() as standin:
        yield standin


def _the_workspaces(url: str, answer_id: int) -> None:
    """The handbook (public) and the correction are this workspace's."""
    with db.connect(url) as conn:
        conn.execute("UPDATE labels SET team_id = %s WHERE id = %s", (TEAM_ID, answer_id))
        conn.execute("UPDATE collections SET team_id = %s WHERE name = 'handbook'", (TEAM_ID,))
        conn.commit()


def test_a_guest_of_another_organisation_is_never_sent_a_review_dm_nor_decides(
    slack, ingested_handbook, pipeline, local_embedder
):
    url = ingested_handbook
    guest = slack.add_external_user("pia", team_id=OTHER)
    answer_id = corrected(url, pipeline, local_embedder, owner=guest.id)
    _the_workspaces(url, answer_id)

    run = send_review_requests(url, client_for(slack))
    assert run.refused == {answer_id: "owner_cannot_read"} and run.sent == [], run
    assert dms(slack, guest.id) == [], "the workspace's question and answer went to another organisation"

    # A click from the guest (a DM of before, or any payload naming them) decides nothing either.
    with db.connect(url) as conn:
        before = verified.get(conn, answer_id)
    listeners = VerifiedReviewListeners(Settings(), url)
    for action_id in (STILL_CORRECT, UPDATE):
        body = {
            "user": {"id": guest.id, "team_id": OTHER},
            "team": {"id": TEAM_ID},
            "container": {"channel_id": slack.open_dm(guest.id), "message_ts": "1700000000.000100"},
            "trigger_id": "",
        }
        action = {"action_id": action_id, "value": str(answer_id)}
        outcome = listeners.on_action(lambda *a, **k: None, body, action, slack.web_client(token=slack.bot_token))
        assert outcome == "refused", action_id
    with db.connect(url) as conn:
        after = verified.get(conn, answer_id)
    assert (after.review_after, after.verified_at) == (before.review_after, before.verified_at)


def test_slack_not_saying_whose_account_it_is_delays_the_dm_instead_of_refusing_it(
    slack, ingested_handbook, pipeline, local_embedder
):
    """Whose account the owner's is comes from users.info; Slack failing to answer it once must not count as
    "may not read" for the whole review period (a refusal is kept until reassigned): the next tick asks."""
    url = ingested_handbook
    answer_id = corrected(url, pipeline, local_embedder, owner=BOB)
    _the_workspaces(url, answer_id)
    slack.inject_server_error("users.info", count=1)
    run = send_review_requests(url, client_for(slack))
    assert run.retry == [answer_id] and not run.refused, run
    assert send_review_requests(url, client_for(slack)).sent == [answer_id]
    assert len(dms(slack, BOB)) == 1
