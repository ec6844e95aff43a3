"""The stand-in hosting two workspaces on one server, exercised through unmodified slack_sdk / slack_bolt code:
each workspace installs the app through oauth.v2.access and gets its own bot token; Web API calls are answered by
the workspace of the token; events carry their workspace's team id and the one app signing secret."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_standin import ALICE, GENERAL, TEAM_ID, SlackStandin
from slack_standin.control import ControlClient
from tests.support.event_receiver import event_receiver

BRAVO = "T0BRAVO001"


@pytest.fixture()
def slack() -> Iterator[SlackStandin]:
    with SlackStandin() as standin:
        yield standin


def _install(slack: SlackStandin, workspace) -> str:
    """The OAuth exchange an app does after Slack's redirect: a code of that workspace → its bot token."""
    resp = WebClient(base_url=slack.web_api_url).oauth_v2_access(
        client_id=slack.client_id, client_secret=slack.client_secret, code=workspace.issue_oauth_code()
    )
    return resp["access_token"]


def test_each_workspace_installs_through_oauth_and_gets_its_own_token_and_bot(slack):
    bravo = slack.add_workspace(BRAVO, team_name="Bravo Inc")
    client = WebClient(base_url=slack.web_api_url)
    app = {"client_id": slack.client_id, "client_secret": slack.client_secret}
    a = client.oauth_v2_access(**app, code=slack.issue_oauth_code())
    b = client.oauth_v2_access(**app, code=bravo.issue_oauth_code())
    assert (a["team"]["id"], b["team"]["id"]) == (TEAM_ID, BRAVO)
    assert a["access_token"] == slack.bot_token and b["access_token"] == bravo.bot_token != slack.bot_token
    assert a["bot_user_id"] != b["bot_user_id"] and a["app_id"] == b["app_id"], "one app, a bot user per workspace"
    assert b["authed_user"]["id"] == bravo.user_id("alice") != ALICE, "bravo's alice is another person"

    who = WebClient(base_url=slack.web_api_url, token=b["access_token"]).auth_test()
    assert (who["team_id"], who["user_id"], who["bot_id"]) == (BRAVO, bravo.bot_user_id, bravo.bot_id)
    with pytest.raises(SlackApiError) as err:  # a code is single-use, and of one workspace only
        client.oauth_v2_access(**app, code="nope")
    assert err.value.response["error"] == "invalid_code"
    with pytest.raises(ValueError, match="already"):
        slack.add_workspace(BRAVO)


def test_a_token_reaches_its_own_workspace_only(slack):
    bravo = slack.add_workspace(BRAVO)
    alpha_client = WebClient(base_url=slack.web_api_url, token=_install(slack, slack))
    bravo_client = WebClient(base_url=slack.web_api_url, token=_install(slack, bravo))
    bravo_general = bravo.channel_id("general")
    assert bravo_general != GENERAL

    posted = bravo_client.chat_postMessage(channel=bravo_general, text="hello bravo")
    assert [m.text for m in bravo.messages("general")] == ["hello bravo"]
    assert slack.messages("general") == [], "nothing reached alpha's #general"
    assert bravo.calls("chat.postMessage")[-1].token == bravo.bot_token and not slack.calls("chat.postMessage")

    for call in (
        lambda: alpha_client.chat_postMessage(channel=bravo_general, text="across"),
        lambda: alpha_client.conversations_members(channel=bravo_general),
        lambda: alpha_client.conversations_replies(channel=bravo_general, ts=posted["ts"]),
    ):
        with pytest.raises(SlackApiError) as err:
            call()
        assert err.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError) as err:
        alpha_client.users_info(user=bravo.user_id("bob"))
    assert err.value.response["error"] == "user_not_found"

    group = bravo.add_usergroup("people", ["alice"])
    assert bravo_client.usergroups_users_list(usergroup=group)["users"] == [bravo.user_id("alice")]
    with pytest.raises(SlackApiError) as err:
        alpha_client.usergroups_users_list(usergroup=group)
    assert err.value.response["error"] == "no_such_subteam"
    members = set(bravo_client.conversations_members(channel=bravo.channel_id("team-private"))["members"])
    assert members == {bravo.user_id("alice"), bravo.bot_user_id}


def test_events_of_each_workspace_carry_its_team_and_the_one_signing_secret(slack):
    with event_receiver() as receiver:
        slack.set_request_url(receiver.url)
        bravo = slack.add_workspace(BRAVO)
        dm = bravo.send_dm("a question from bravo")
        mention = slack.post_message(GENERAL, "hello from alpha")
        assert bravo.deliveries()[-1].wait(5) and slack.deliveries()[-1].wait(5)
        assert bravo.deliveries() and all(d.payload["team_id"] == BRAVO for d in bravo.deliveries())
        assert all(d.payload["team_id"] == TEAM_ID for d in slack.deliveries())
        events = {p["event"]["ts"]: p for p in receiver.payloads(slack.signing_secret)}
        assert events[dm.ts]["team_id"] == BRAVO and events[dm.ts]["event"]["user"] == bravo.user_id("alice")
        assert events[dm.ts]["authorizations"][0]["user_id"] == bravo.bot_user_id
        assert events[mention.ts]["team_id"] == TEAM_ID


def test_response_urls_and_acks_act_in_their_own_workspace(slack):
    bravo = slack.add_workspace(BRAVO)
    command = bravo.slash_command("/ask", "where?")
    url = command.payload["response_url"]
    assert f"/response_url/{BRAVO}/" in url
    import urllib.request

    request = urllib.request.Request(
        url, data=json.dumps({"text": "only bravo's alice sees this"}).encode(), method="POST"
    )
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=5) as resp:
        assert json.loads(resp.read())["ok"]
    assert [e.text for e in bravo.ephemerals(user="alice")] == ["only bravo's alice sees this"]
    assert slack.ephemerals() == []


def test_the_control_api_acts_in_a_named_workspace(slack):
    control = ControlClient(slack.base_url)
    made = control.request("workspace", {"team_id": BRAVO, "team_name": "Bravo"})
    assert made["team_id"] == BRAVO and made["bot_token"] == slack.workspace(BRAVO).bot_token
    said = control.request("say", {"team": BRAVO, "channel": "general", "text": "hi from bravo"})
    assert said["message"]["team"] == BRAVO
    assert [m.text for m in slack.workspace(BRAVO).messages("general")] == ["hi from bravo"]
    assert slack.messages("general") == []
    assert control.request("info")["workspaces"][BRAVO]["bot_token"] == made["bot_token"]
