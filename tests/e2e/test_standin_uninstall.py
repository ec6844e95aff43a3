"""The stand-in uninstalling the app from a workspace the way Slack does: the bot token is revoked (the Web API
answers it `token_revoked`), `tokens_revoked` (the bot user under tokens.bot) and `app_uninstalled` are delivered
as event_callbacks carrying the workspace's team id, signed like every event; the workspace's people's messages
reach the app no more, and a new OAuth install hands out a new token."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_standin import GENERAL, TEAM_ID, SlackStandin
from slack_standin.control import ControlClient
from tests.support.event_receiver import EventReceiver, event_receiver

BRAVO = "T0BRAVO001"


@pytest.fixture()
def receiver() -> Iterator[EventReceiver]:
    with event_receiver() as r:
        yield r


@pytest.fixture()
def slack(receiver: EventReceiver) -> Iterator[SlackStandin]:
    with SlackStandin() as standin:
        standin.set_request_url(receiver.url)
        yield standin


def test_uninstall_revokes_the_token_and_sends_both_events_of_that_workspace(slack, receiver):
    bravo = slack.add_workspace(BRAVO)
    bravo_token = bravo.bot_token
    bravo_client = WebClient(base_url=slack.web_api_url, token=bravo_token)
    assert bravo_client.auth_test()["team_id"] == BRAVO

    deliveries = bravo.uninstall_app()
    assert [d.payload["event"]["type"] for d in deliveries] == ["tokens_revoked", "app_uninstalled"]
    assert all(d.wait(5) for d in deliveries), "delivered and acked over signed HTTP"
    events = {p["event"]["type"]: p for p in receiver.payloads(slack.signing_secret)}
    revoked, uninstalled = events["tokens_revoked"], events["app_uninstalled"]
    assert revoked["type"] == uninstalled["type"] == "event_callback"
    assert revoked["team_id"] == uninstalled["team_id"] == BRAVO
    assert revoked["api_app_id"] == uninstalled["api_app_id"] == slack.app_id
    assert revoked["event"]["tokens"] == {"oauth": [], "bot": [bravo.bot_user_id]}, "user ids, never tokens"
    assert bravo_token not in json.dumps(list(events.values()))

    for call in (bravo_client.auth_test, lambda: bravo_client.chat_postMessage(channel="general", text="hi")):
        with pytest.raises(SlackApiError) as err:
            call()
        assert err.value.response["error"] == "token_revoked"
    assert bravo.calls("auth.test")[-1].response["error"] == "token_revoked", "answered by bravo, not the host"
    assert WebClient(base_url=slack.web_api_url, token=slack.bot_token).auth_test()["team_id"] == TEAM_ID
    assert slack.installed and not bravo.installed

    before = len(receiver.got)
    sent_before = len(bravo.deliveries())
    bravo.send_dm("is anyone there?")
    bravo.post_message("general", "hello?")
    assert len(bravo.deliveries()) == sent_before, "an uninstalled app receives no events"
    assert slack.post_message(GENERAL, "alpha still talks").ts
    assert slack.deliveries()[-1].wait(5)
    assert all(p["team_id"] == TEAM_ID for p in receiver.payloads(slack.signing_secret)[before:])

    with pytest.raises(ValueError, match="not installed"):
        bravo.uninstall_app()


def test_reinstalling_through_oauth_hands_out_a_new_token(slack):
    bravo = slack.add_workspace(BRAVO)
    old = bravo.bot_token
    bravo.uninstall_app()
    resp = WebClient(base_url=slack.web_api_url).oauth_v2_access(
        client_id=slack.client_id, client_secret=slack.client_secret, code=bravo.issue_oauth_code()
    )
    new = resp["access_token"]
    assert new != old and new == bravo.bot_token and bravo.installed
    assert WebClient(base_url=slack.web_api_url, token=new).auth_test()["team_id"] == BRAVO
    with pytest.raises(SlackApiError) as err:
        WebClient(base_url=slack.web_api_url, token=old).auth_test()
    assert err.value.response["error"] == "token_revoked", "the old token stays revoked"


def test_uninstall_through_the_control_api(slack):
    """The control API (for a bot in another process); the first workspace's own uninstall."""
    control = ControlClient(slack.base_url)
    result = control.request("uninstall", {})
    assert result["ok"] and result["team_id"] == TEAM_ID
    assert {d["type"] for d in result["events"]} == {"tokens_revoked", "app_uninstalled"}
    with pytest.raises(SlackApiError) as err:
        WebClient(base_url=slack.web_api_url, token=slack.bot_token).auth_test()
    assert err.value.response["error"] == "token_revoked"
    bravo = slack.add_workspace(BRAVO)
    assert control.request("uninstall", {"team": BRAVO})["team_id"] == BRAVO and not bravo.installed
    assert control.request("uninstall", {"team": BRAVO})["error"] == f"the app is not installed in {BRAVO}"
