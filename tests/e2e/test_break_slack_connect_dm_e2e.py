"""Break-it, end to end: a person of another organisation (Slack Connect) writing to the bot in a DM.

Real Bolt (Socket Mode), Redis, a Celery worker, Postgres and the Slack stand-in. Carol's account is another
organisation's; she writes to the bot directly. Whose account the asker's is was asked only in conversations shared
with another organisation, and Slack does not call her DM with the bot shared: she was answered from the host's
public handbook. A DM lists no collection, so a guest reads nothing there; the host's own people still do."""

from __future__ import annotations

import json

import pytest

from slack_standin import ALICE
from tests.e2e.test_slack_connect_e2e import ESCALATION, PARTNER, PARTNER_DOC
from tests.support.slack_stack import final, handbook_and_hr


@pytest.fixture(scope="module")
def kb_db(database_url, local_embedder, tmp_path_factory):
    return handbook_and_hr(
        database_url, local_embedder, tmp_path_factory.mktemp("partners"), "partners.md", PARTNER_DOC
    )


def test_a_guest_dm_gets_no_word_of_the_workspaces_documents(slack, bot):
    carol = slack.add_external_user("carol", team_id=PARTNER).id
    msg = slack.send_dm(ESCALATION, user=carol)
    reply = slack.wait_for_bot_reply(msg.channel, msg.ts, timeout=120, predicate=final)
    shown = (reply.text or "") + json.dumps(reply.blocks or [])
    assert "10 minutes" not in shown, "the workspace's handbook was answered to another organisation"
    assert "on-call" not in shown.lower(), "not even as a closest document"

    own = slack.send_dm(ESCALATION, user=ALICE)
    assert "10 minutes" in slack.wait_for_bot_reply(own.channel, own.ts, timeout=120, predicate=final).text
