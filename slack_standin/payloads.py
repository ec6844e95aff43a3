"""The shapes Slack sends to an app: Events API callbacks, slash commands, interactive payloads, envelopes.

Shapes follow the fixtures in slackapi/bolt-python (tests/scenario_tests/*, tests/adapter_tests/socket_mode/
mock_socket_mode_server.py) and slackapi/python-slack-sdk (tests/slack_sdk/socket_mode/mock_socket_mode_server.py).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .model import Channel, User, new_event_id


@dataclass(frozen=True)
class Identity:
    team_id: str
    team_name: str
    domain: str
    app_id: str
    bot_user_id: str
    bot_id: str
    verification_token: str

    @property
    def team_url(self) -> str:
        return f"https://{self.domain}.slack.com/"


def event_callback(
    ident: Identity,
    event: dict[str, Any],
    *,
    event_time: int | None = None,
    ext_shared: bool = False,
    host_team: str | None = None,
) -> dict[str, Any]:
    """An Events API `event_callback` wrapper around one event; `ext_shared`: it happened in a channel shared with
    another organisation (Slack Connect), which the wrapper's `is_ext_shared_channel` says. `host_team`: that
    channel was created by another organisation's workspace, which the wrapper's `team_id` then names; the
    installation the event is for is `authorizations[0]` (this workspace) either way."""
    channel = event.get("channel") or (event.get("item") or {}).get("channel") or ""
    origin = host_team or ident.team_id
    return {
        "token": ident.verification_token,
        "team_id": origin,
        "context_team_id": origin,
        "context_enterprise_id": None,
        "api_app_id": ident.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": new_event_id(),
        "event_time": event_time if event_time is not None else int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ident.team_id,
                "user_id": ident.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": ext_shared,
        "event_context": f"4-{event.get('type', 'event')}-{origin}-{channel}",
    }


def url_verification(ident: Identity, challenge: str) -> dict[str, Any]:
    return {"token": ident.verification_token, "challenge": challenge, "type": "url_verification"}


def slash_command(
    ident: Identity,
    *,
    command: str,
    text: str,
    user: User,
    channel: Channel,
    response_url: str,
    trigger_id: str,
) -> dict[str, str]:
    """A slash command's fields (form-encoded over HTTP, a JSON object of strings over Socket Mode)."""
    return {
        "token": ident.verification_token,
        "team_id": ident.team_id,
        "team_domain": ident.domain,
        "channel_id": channel.id,
        "channel_name": "directmessage" if channel.kind == "im" else channel.name,
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": ident.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def _team(ident: Identity) -> dict[str, Any]:
    return {"id": ident.team_id, "domain": ident.domain}


def _user(user: User, ident: Identity) -> dict[str, Any]:
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": ident.team_id}


def _channel(channel: Channel) -> dict[str, Any]:
    return {"id": channel.id, "name": "directmessage" if channel.kind == "im" else channel.name}


def message_action(
    ident: Identity,
    *,
    callback_id: str,
    user: User,
    channel: Channel,
    message: dict[str, Any],
    trigger_id: str,
    response_url: str,
    action_ts: str,
) -> dict[str, Any]:
    """A message shortcut (`type: message_action`)."""
    return {
        "type": "message_action",
        "token": ident.verification_token,
        "action_ts": action_ts,
        "team": _team(ident),
        "user": _user(user, ident),
        "channel": _channel(channel),
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id,
        "response_url": response_url,
        "message_ts": message["ts"],
        "message": message,
    }


def global_shortcut(ident: Identity, *, callback_id: str, user: User, trigger_id: str, action_ts: str) -> dict:
    return {
        "type": "shortcut",
        "token": ident.verification_token,
        "action_ts": action_ts,
        "team": _team(ident),
        "user": {"id": user.id, "username": user.name, "team_id": ident.team_id},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id,
    }


def _action(element: dict[str, Any], block_id: str, value: Any, action_ts: str) -> dict[str, Any]:
    """The `actions[0]` entry of a block_actions payload, for a click in a message or in a view."""
    action: dict[str, Any] = {
        "action_id": element.get("action_id"),
        "block_id": block_id,
        "type": element.get("type"),
        "action_ts": action_ts,
    }
    if element.get("type") == "button":
        action["text"] = element.get("text")
        if value is not None or "value" in element:
            action["value"] = value if value is not None else element.get("value")
        if element.get("style"):
            action["style"] = element["style"]
    elif element.get("type") == "feedback_buttons":
        # Slack sends the clicked button's value and text (there is no event when a click is undone).
        side = element.get("positive_button") if value == "positive" else element.get("negative_button")
        side = side if isinstance(side, dict) else {}
        action["value"] = side.get("value")
        action["text"] = side.get("text")
    elif value is not None:
        action.update(
            {"selected_option": {"value": value}} if "select" in str(element.get("type")) else {"value": value}
        )
    return action


def block_actions(
    ident: Identity,
    *,
    user: User,
    channel: Channel,
    message: dict[str, Any] | None,
    block_id: str,
    element: dict[str, Any],
    value: Any,
    trigger_id: str,
    response_url: str,
    action_ts: str,
    ephemeral_ts: str | None = None,
) -> dict[str, Any]:
    """A click on an interactive element inside a message. Ephemeral messages are not sent back: Slack's
    payload then has no `message`, and the container says `is_ephemeral`."""
    action = _action(element, block_id, value, action_ts)
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": message["ts"] if message else ephemeral_ts,
        "channel_id": channel.id,
        "is_ephemeral": message is None,
    }
    if message and message.get("thread_ts"):
        container["thread_ts"] = message["thread_ts"]
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user, ident),
        "api_app_id": ident.app_id,
        "token": ident.verification_token,
        "container": container,
        "trigger_id": trigger_id,
        "team": _team(ident),
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": _channel(channel),
        "message": message,
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }
    if message is None:
        del payload["message"]
    return payload


def view_block_actions(
    ident: Identity,
    *,
    user: User,
    view: dict[str, Any],
    block_id: str,
    element: dict[str, Any],
    value: Any,
    trigger_id: str,
    action_ts: str,
) -> dict[str, Any]:
    """A click on an interactive element of a view (the App Home tab, a modal): no channel, no response_url."""
    action = _action(element, block_id, value, action_ts)
    return {
        "type": "block_actions",
        "user": _user(user, ident),
        "api_app_id": ident.app_id,
        "token": ident.verification_token,
        "container": {"type": "view", "view_id": view.get("id")},
        "trigger_id": trigger_id,
        "team": _team(ident),
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view,
        "actions": [action],
    }


def view_submission(ident: Identity, *, user: User, view: dict[str, Any], trigger_id: str) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": _team(ident),
        "user": _user(user, ident),
        "api_app_id": ident.app_id,
        "token": ident.verification_token,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_closed(ident: Identity, *, user: User, view: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "view_closed",
        "team": _team(ident),
        "user": _user(user, ident),
        "api_app_id": ident.app_id,
        "token": ident.verification_token,
        "view": view,
        "is_cleared": False,
        "is_enterprise_install": False,
        "enterprise": None,
    }


def envelope(
    kind: str, envelope_id: str, payload: dict[str, Any], *, retry_attempt: int, retry_reason: str
) -> dict[str, Any]:
    """A Socket Mode envelope. Events carry retry_attempt/retry_reason; commands and interactions do not."""
    env: dict[str, Any] = {
        "envelope_id": envelope_id,
        "payload": payload,
        "type": kind,
        "accepts_response_payload": kind != "events_api",
    }
    if kind == "events_api":
        env["retry_attempt"] = retry_attempt
        env["retry_reason"] = retry_reason
    return env


def http_body(kind: str, payload: dict[str, Any]) -> tuple[str, str]:
    """(body, content type) of the HTTP request Slack POSTs to the app's request URL."""
    if kind == "events_api" or payload.get("type") == "url_verification":
        return json.dumps(payload), "application/json"
    if kind == "slash_commands":
        return urlencode(payload), "application/x-www-form-urlencoded"
    return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
