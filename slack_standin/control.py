"""The control API over HTTP, for the command line and for other processes (a bot under test in a subprocess).

Every endpoint takes and returns JSON. Acting as a person:
  POST /control/say            {channel, text, user?, thread_ts?, blocks?, files?, team?}  -> {ok, message}
  POST /control/dm             {text, user?, thread_ts?, files?, team?}                   -> {ok, message}
      files: [{name, content (text) | content_b64, mimetype?, filetype?, snippet?}] shared with the message
  POST /control/react          {channel, ts, name, user?, remove?}                -> {ok}
  POST /control/command        {command, text?, channel?, user?, team?}           -> {ok, delivery}
  POST /control/shortcut       {callback_id, channel, ts, user?}                  -> {ok, delivery}
  POST /control/click          {channel, ts, action_id, user?, value?}            -> {ok, delivery}
  POST /control/feedback       {channel, ts, vote: up|down, user?, team?}         -> {ok, delivery}
      clicks the 👍 (up) or 👎 (down) of the message's `feedback_buttons` (a `context_actions` block)
  POST /control/submit_view    {view_id, values?, user?}                          -> {ok, delivery}
Faults:
  POST /control/fault          {kind: rate_limit|server_error|signature|disconnect|clear, method?, count?,
                                retry_after?, status?, signature?: forged|stale, reason?, close_after?}
Reading:
  GET  /control/info | /control/messages?channel=&thread_ts= | /control/calls?method= | /control/deliveries?type=
  GET  /control/ephemerals?channel=&user= | /control/views?user=
Configuration:
  POST /control/config         {request_url}
  POST /control/refuse         {method, error?, allow?, team?}   -> {ok, refused: {method: error}}
      the workspace answers `method` with {"ok": false, "error": error} (default not_allowed; e.g. streaming
      refused: chat.startStream method_not_supported) until a call with allow: true
  POST /control/workspace      {team_id?, team_name?}   -> {ok, team_id, bot_token, bot_user_id} (one more workspace)
  POST /control/uninstall      {team?}   -> {ok, team_id, events: [{type, envelope_id}]}
      the app is removed from the workspace: its bot token revoked (`token_revoked`), then `tokens_revoked` and
      `app_uninstalled` delivered; until a new OAuth install (oauth.v2.access) hands out a new token, acting as a
      person there answers {ok: false, error: "the app is not installed in …"} and nothing is delivered
  `team` (a team id) picks the workspace a person acts in; usergroup and channel_members take it too.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .model import Message
    from .server import SlackStandin
    from .workspace import Workspace

Handler = Callable[[web.Request], Awaitable[web.Response]]


def message_json(slack: Workspace, msg: Message) -> dict[str, Any]:
    with slack.lock:
        data = slack._api_message(msg)
        data["channel"] = msg.channel
        data["versions"] = msg.versions
        data["deleted"] = msg.deleted
        return data


def add_control_routes(app: web.Application, slack: SlackStandin) -> None:
    def endpoint(fn: Callable[[dict[str, Any], web.Request], Any]) -> Handler:
        async def handler(request: web.Request) -> web.Response:
            body: dict[str, Any] = {}
            if request.method == "POST" and request.body_exists:
                try:
                    loaded = await request.json()
                except ValueError:
                    return web.json_response({"ok": False, "error": "invalid_json"}, status=400)
                body = loaded if isinstance(loaded, dict) else {}
            try:
                result = fn(body, request)
                if hasattr(result, "__await__"):
                    result = await result
            except (KeyError, ValueError, TypeError) as exc:
                reason = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
                return web.json_response({"ok": False, "error": str(reason)}, status=400)
            return web.json_response({"ok": True, **(result or {})})

        return handler

    def team(body: dict[str, Any]) -> Workspace:
        """The workspace a person acts in: `team` (a team id of add_workspace), else the first one."""
        return slack.workspace(str(body["team"])) if body.get("team") else slack

    def uploaded(ws: Workspace, body: dict[str, Any]) -> list[Any] | None:
        """The files a control call shares with its message, uploaded by its person first."""
        specs = body.get("files")
        if not specs:
            return None
        if not isinstance(specs, list) or not all(isinstance(f, dict) and f.get("name") for f in specs):
            raise ValueError("files must be a list of objects with a name")
        return [
            ws.add_file(
                str(f["name"]),
                base64.b64decode(f["content_b64"]) if "content_b64" in f else str(f.get("content", "")),
                user=body.get("user") or "alice",
                mimetype=f.get("mimetype"),
                filetype=f.get("filetype"),
                snippet=bool(f.get("snippet", False)),
            )
            for f in specs
        ]

    def say(body: dict[str, Any], _: web.Request) -> dict[str, Any]:
        ws = team(body)
        msg = ws.post_message(
            body["channel"],
            body["text"],
            user=body.get("user") or "alice",
            thread_ts=body.get("thread_ts"),
            blocks=body.get("blocks"),
            files=uploaded(ws, body),
        )
        return {"message": message_json(ws, msg)}

    def dm(body: dict[str, Any], _: web.Request) -> dict[str, Any]:
        ws = team(body)
        msg = ws.send_dm(
            body["text"], user=body.get("user") or "alice", thread_ts=body.get("thread_ts"), files=uploaded(ws, body)
        )
        return {"message": message_json(ws, msg)}

    def react(body: dict[str, Any], _: web.Request) -> dict[str, Any]:
        action = slack.remove_reaction if body.get("remove") else slack.add_reaction
        action(body["channel"], body["ts"], body["name"], user=body.get("user") or "alice")
        return {}

    def delete(body: dict[str, Any], _: web.Request) -> dict[str, Any]:
        """A person deletes their own message (message_deleted, or a tombstone where it has thread replies)."""
        team(body).delete_message(body["channel"], body["ts"], user=body.get("user") or "alice")
        return {}

    def command(body: dict[str, Any], _: web.Request) -> dict[str, Any]:
        delivery = team(body).slash_command(
            body["command"],
            body.get("text", ""),
            channel=body.get("channel") or "general",
            user=body.get("user") or "alice",
        )
        return {"delivery": {"envelope_id": delivery.envelope_id, "trigger_id": delivery.context.get("trigger_id")}}

    def shortcut(body: dict[str, Any], _: web.Request) -> dict[str, Any]:
        delivery = slack.message_shortcut(
            body["callback_id"], body["channel"], body["ts"], user=body.get("user") or "alice"
        )
        return {"delivery": {"envelope_id": delivery.envelope_id}}

    def click(body: dict[str, Any], _: web.Request) -> dict[str, Any]:
        delivery = slack.click_button(
            body["channel"], body["ts"], body["action_id"], user=body.get("user") or "alice", value=body.get("value")
        )
        return {"delivery": {"envelope_id": delivery.envelope_id}}

    def feedback(body: dict[str, Any], _: web.Request) -> dict[str, Any]:
        vote = body.get("vote")
        if vote not in ("up", "down"):
            raise ValueError(f"vote must be 'up' (👍) or 'down' (👎), not {vote!r}")
        delivery = team(body).click_feedback(
            body["channel"], body["ts"], positive=vote == "up", user=body.get("user") or "alice"
        )
        return {"delivery": {"envelope_id": delivery.envelope_id}}

    def refuse(body: dict[str, Any], _: web.Request) -> dict[str, Any]:
        ws = team(body)
        method = body.get("method")
        if method not in ws.METHODS:
            raise ValueError(
                f"unknown method {method!r}: give a Web API method the stand-in serves, e.g. chat.startStream"
            )
        error = body.get("error") or "not_allowed"
        if not isinstance(error, str):
            raise ValueError("error must be a Slack error code (a string), e.g. method_not_supported")
        if body.get("allow"):
            ws.allow_method(method)
        else:
            ws.refuse_method(method, error)
        return {"refused": ws.refused_methods()}

    def submit_view(body: dict[str, Any], _: web.Request) -> dict[str, Any]:
        delivery = slack.submit_view(body["view_id"], body.get("values") or {}, user=body.get("user"))
        return {"delivery": {"envelope_id": delivery.envelope_id}}

    async def fault(body: dict[str, Any], _: web.Request) -> dict[str, Any]:
        kind = body.get("kind")
        count = int(body.get("count", 1))
        if kind == "rate_limit":
            slack.inject_rate_limit(body.get("method"), count, int(body.get("retry_after", 1)))
        elif kind == "server_error":
            slack.inject_server_error(body.get("method"), count, int(body.get("status", 500)))
        elif kind == "signature":
            slack.inject_signature_fault(body.get("signature", "forged"), count)
        elif kind == "disconnect":
            n = await slack.adisconnect_socket(
                body.get("reason", "refresh_requested"), close_after=float(body.get("close_after", 0.1))
            )
            return {"connections": n}
        elif kind == "clear":
            slack.clear_faults()
        else:
            raise ValueError(f"unknown fault kind {kind!r}")
        return {}

    def config(body: dict[str, Any], _: web.Request) -> dict[str, Any]:
        if "request_url" in body:
            slack.set_request_url(body["request_url"] or None)
        return {"request_url": slack.request_url}

    def info(_: dict[str, Any], __: web.Request) -> dict[str, Any]:
        return slack.info()

    def workspace(body: dict[str, Any], _: web.Request) -> dict[str, Any]:
        ws = slack.add_workspace(body.get("team_id") or None, team_name=body.get("team_name") or None)
        return {"team_id": ws.team_id, "bot_token": ws.bot_token, "bot_user_id": ws.bot_user_id}

    def uninstall(body: dict[str, Any], _: web.Request) -> dict[str, Any]:
        ws = team(body)
        sent = ws.uninstall_app()
        return {
            "team_id": ws.team_id,
            "events": [{"type": d.payload["event"]["type"], "envelope_id": d.envelope_id} for d in sent],
        }

    def messages(_: dict[str, Any], request: web.Request) -> dict[str, Any]:
        channel = request.query.get("channel") or "general"
        thread_ts = request.query.get("thread_ts")
        items = slack.thread(channel, thread_ts) if thread_ts else slack.messages(channel)
        return {"messages": [message_json(slack, m) for m in items]}

    def calls(_: dict[str, Any], request: web.Request) -> dict[str, Any]:
        return {"calls": [c.to_json() for c in slack.calls(request.query.get("method"))]}

    def deliveries(_: dict[str, Any], request: web.Request) -> dict[str, Any]:
        return {"deliveries": [d.to_json() for d in slack.deliveries(request.query.get("type"))]}

    def ephemerals(_: dict[str, Any], request: web.Request) -> dict[str, Any]:
        items = slack.ephemerals(request.query.get("channel"), request.query.get("user"))
        return {"ephemerals": [asdict(e) for e in items]}

    def views(_: dict[str, Any], request: web.Request) -> dict[str, Any]:
        return {
            "views": [
                {"id": v.id, "user": v.user, "closed": v.closed, "errors": v.errors, "view": v.data}
                for v in slack.views(request.query.get("user"))
            ]
        }

    def usergroup(body: dict[str, Any], _: web.Request) -> dict[str, Any]:
        gid = team(body).add_usergroup(
            str(body["handle"]), body.get("members", []), enabled=bool(body.get("enabled", True))
        )
        return {"id": gid}

    def channel_members(body: dict[str, Any], _: web.Request) -> dict[str, Any]:
        team(body).set_channel_members(str(body["channel"]), body.get("members", []))
        return {"ok": True}

    for path, fn in {
        "usergroup": usergroup,
        "channel_members": channel_members,
        "say": say,
        "dm": dm,
        "react": react,
        "delete": delete,
        "command": command,
        "shortcut": shortcut,
        "click": click,
        "feedback": feedback,
        "refuse": refuse,
        "submit_view": submit_view,
        "fault": fault,
        "config": config,
        "workspace": workspace,
        "uninstall": uninstall,
    }.items():
        app.router.add_post(f"/control/{path}", endpoint(fn))
    for path, reader in {
        "info": info,
        "messages": messages,
        "calls": calls,
        "deliveries": deliveries,
        "ephemerals": ephemerals,
        "views": views,
    }.items():
        app.router.add_get(f"/control/{path}", endpoint(reader))


class ControlClient:
    """A tiny stdlib client of the control API (what the command line uses)."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def request(self, path: str, body: dict[str, Any] | None = None, query: dict[str, str] | None = None) -> Any:
        url = f"{self.base_url}/control/{path}"
        if query:
            from urllib.parse import urlencode

            url += "?" + urlencode({k: v for k, v in query.items() if v is not None})
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            url, data=data, method="POST" if body is not None else "GET", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return json.loads(resp.read().decode())
        except urllib.error.HTTPError as err:
            payload = err.read().decode()
            try:
                return json.loads(payload)
            except ValueError:
                return {"ok": False, "error": f"HTTP {err.code}: {payload[:200]}"}
