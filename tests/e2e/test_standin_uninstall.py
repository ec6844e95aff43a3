"""The stand-in uninstalling the app from a workspace the way Slack does: the bot token is revoked (the Web API
answers it `token_revoked`), `tokens_revoked` (the bot user under tokens.bot) and `app_uninstalled` are delivered
as event_callbacks carrying the workspace's team id, signed like every event; the workspace's people's messages
reach the app no more, and a new OAuth install hands out a new token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_standin import GENERAL, TEAM_ID, AppNotInstalled, SlackStandin
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


def _bravo_surfaces(bravo, client: WebClient) -> dict:
    """What bravo's alice can act on while the app is installed: a message with a button, an ephemeral with a
    button, an open modal that notifies on close and another to submit, a published Home tab."""
    button = {
        "type": "actions",
        "block_id": "b",
        "elements": [{"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": "Go"}}],
    }
    ts = client.chat_postMessage(channel="general", text="pick", blocks=[button])["ts"]
    alice = bravo.user("alice").id
    client.chat_postEphemeral(channel="general", user=alice, text="only you", blocks=[button])
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Ask"}, "blocks": [], "notify_on_close": True}
    views = []
    for _ in range(2):
        trigger = bravo.slash_command("/ask").payload["trigger_id"]
        views.append(client.views_open(trigger_id=trigger, view=modal)["view"]["id"])
    client.views_publish(user_id=alice, view={"type": "home", "blocks": [button]})
    return {"ts": ts, "ephemeral": bravo.ephemerals("general", alice)[-1], "views": views}


def _person_actions(bravo, surfaces: dict) -> dict:
    """Everything a person does that Slack delivers to the app as a slash command, interactivity or an event."""
    submit = surfaces["views"][0]
    return {
        "slash command": lambda: bravo.slash_command("/ask", "anyone?"),
        "button click": lambda: bravo.click_button("general", surfaces["ts"], "go"),
        "ephemeral button": lambda: bravo.click_ephemeral_button(surfaces["ephemeral"], "go"),
        "message shortcut": lambda: bravo.message_shortcut("save_answer", "general", surfaces["ts"]),
        "global shortcut": lambda: bravo.global_shortcut("new_question"),
        "view submission": lambda: bravo.submit_view(submit),
        "home opened": lambda: bravo.open_home(),
        "home button": lambda: bravo.click_home_button("go"),
    }


def test_an_uninstalled_app_gets_no_slash_command_interaction_or_event_until_installed_again(slack, receiver):
    """Slack removes an uninstalled app's commands, shortcuts and Home tab and delivers nothing of the workspace
    to it: a click on one of its old buttons or the submission of one of its open modals shows the person an
    error, the app hears nothing. A new install brings delivery back."""
    bravo = slack.add_workspace(BRAVO)
    surfaces = _bravo_surfaces(bravo, WebClient(base_url=slack.web_api_url, token=bravo.bot_token))
    assert all(d.wait(5) for d in bravo.deliveries())
    sent = bravo.uninstall_app()
    assert all(d.wait(5) for d in sent)
    before, delivered = len(receiver.got), len(bravo.deliveries())

    for what, act in _person_actions(bravo, surfaces).items():
        with pytest.raises(AppNotInstalled, match=BRAVO):
            act()
        assert len(bravo.deliveries()) == delivered, f"{what} was delivered to an uninstalled app"
    closing = surfaces["views"][1]
    assert bravo.close_view(closing) is None, "closed by the person, view_closed not delivered"
    assert bravo.view(closing).closed
    control = ControlClient(slack.base_url)
    refused = control.request("command", {"command": "/ask", "team": BRAVO})
    assert not refused["ok"] and "not installed" in refused["error"]
    assert len(receiver.got) == before and len(bravo.deliveries()) == delivered

    WebClient(base_url=slack.web_api_url).oauth_v2_access(
        client_id=slack.client_id, client_secret=slack.client_secret, code=bravo.issue_oauth_code()
    )
    again = [act() for act in _person_actions(bravo, surfaces).values()]
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Ask"}, "blocks": [], "notify_on_close": True}
    trigger = again[0].payload["trigger_id"]
    opened = WebClient(base_url=slack.web_api_url, token=bravo.bot_token).views_open(trigger_id=trigger, view=modal)
    again.append(bravo.close_view(opened["view"]["id"]))
    assert all(d is not None and d.wait(5) for d in again), "installed again: everything is delivered"
    kinds = [_kind(body) for _, body in receiver.got[before:]]
    assert {"/ask", "event_callback", "block_actions", "message_action", "shortcut", "view_submission"} <= set(kinds)
    assert "view_closed" in kinds


def _kind(body: str) -> str:
    """A delivered body's kind: an event's `type`, a slash command's command, an interaction's payload type."""
    if body.startswith("{"):
        return json.loads(body)["type"]
    form = dict(parse_qsl(body))
    return form["command"] if "command" in form else json.loads(form["payload"])["type"]


def test_no_raw_event_reaches_an_uninstalled_app(slack, receiver):
    sent = slack.uninstall_app()
    assert all(d.wait(5) for d in sent)
    before = len(receiver.got)
    with pytest.raises(AppNotInstalled, match=TEAM_ID):
        slack.send_event({"type": "app_mention", "user": slack.user("alice").id, "text": "hi"}, channel=GENERAL)
    assert len(receiver.got) == before
