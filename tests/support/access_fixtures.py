"""The access tests' membership: read from the module's Slack stand-in (`slack`) through slack_sdk with its bot
token, cached a minute, as the worker reads it. A module binds it: `membership = access_fixtures.membership`."""

from __future__ import annotations

import json

import pytest

from slack_standin import SlackStandin
from workers.access import SlackMembership


@pytest.fixture()
def membership(slack: SlackStandin) -> SlackMembership:
    return SlackMembership(lambda team: slack.web_client(token=slack.bot_token), ttl_s=60)


def published_homes(slack: SlackStandin, url: str, membership: SlackMembership, team: str, *admins: str) -> list[str]:
    """App Home published for each of `admins` (all made admins), as each one's view blocks in JSON text."""
    from bot.agent_dm import AgentDm
    from bot.app_home import AppHome
    from tests.conftest import make_settings

    settings = make_settings(url, admins=list(admins))
    home = AppHome(settings, url, publish_verified=lambda *_: None, agent_dm=AgentDm(settings, url, membership))
    client = slack.web_client(token=slack.bot_token)
    for user in admins:
        home.publish(client, user, team)
    return [json.dumps(slack.home_view(user).data["blocks"]) for user in admins]
