"""The access tests' membership: read from the module's Slack stand-in (`slack`) through slack_sdk with its bot
token, cached a minute, as the worker reads it. A module binds it: `membership = access_fixtures.membership`."""

from __future__ import annotations

import pytest

from slack_standin import SlackStandin
from workers.access import SlackMembership


@pytest.fixture()
def membership(slack: SlackStandin) -> SlackMembership:
    return SlackMembership(lambda team: slack.web_client(token=slack.bot_token), ttl_s=60)
