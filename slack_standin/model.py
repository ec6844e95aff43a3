"""The stand-in's data: workspace entities, recorded calls and deliveries, and id/ts generators.

Everything here is plain data. The server (server.py) owns one lock that guards all of it.
"""

from __future__ import annotations

import copy
import itertools
import secrets
import string
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

_ALNUM = string.ascii_uppercase + string.digits


def new_id(prefix: str, length: int = 10) -> str:
    """A Slack-looking id: prefix + uppercase alphanumerics (C…, G…, D…, U…, V…, B…)."""
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(length))


def new_event_id() -> str:
    return new_id("Ev", 10)


def new_envelope_id() -> str:
    return str(uuid.uuid4())


class TsClock:
    """Message timestamps: "<unix seconds>.<6-digit micro>", from the wall clock, strictly increasing."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            now = int(time.time() * 1_000_000)
            self._last = max(now, self._last + 1)
            value = self._last
        return f"{value // 1_000_000}.{value % 1_000_000:06d}"


def ts_to_float(ts: str) -> float:
    return float(ts)


@dataclass
class User:
    id: str
    name: str
    real_name: str
    team_id: str
    is_bot: bool = False
    bot_id: str | None = None
    app_id: str | None = None
    email: str | None = None
    tz: str = "Europe/Berlin"
    is_admin: bool = False
    deleted: bool = False

    def to_api(self) -> dict[str, Any]:
        profile: dict[str, Any] = {
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": self.name,
            "display_name_normalized": self.name,
            "team": self.team_id,
        }
        if self.email and not self.is_bot:
            profile["email"] = self.email
        if self.is_bot:
            profile["bot_id"] = self.bot_id
            profile["api_app_id"] = self.app_id
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": "Central European Time",
            "tz_offset": 3600,
            "profile": profile,
            "is_admin": self.is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1700000000,
        }


@dataclass
class Channel:
    id: str
    name: str
    kind: str  # "public" | "private" | "im"
    members: set[str]
    creator: str
    created: int = field(default_factory=lambda: int(time.time()))
    im_user: str | None = None  # for DMs: the human on the other side of the bot
    is_archived: bool = False
    topic: str = ""
    purpose: str = ""
    # Slack Connect: the other organisations' workspaces this channel is shared with (their people are members).
    shared_with: list[str] = field(default_factory=list)
    # Slack Connect: the workspace that created the channel when it is another organisation's (this workspace
    # joined it). Events from it carry that workspace as the wrapper's `team_id`; `authorizations` say this one.
    host_team: str | None = None

    @property
    def channel_type(self) -> str:
        """The `channel_type` field of message events."""
        return {"public": "channel", "private": "group", "im": "im"}[self.kind]

    def to_api(self, viewer: str | None = None) -> dict[str, Any]:
        if self.kind == "im":
            return {
                "id": self.id,
                "created": self.created,
                "is_archived": False,
                "is_im": True,
                "is_org_shared": False,
                "context_team_id": None,
                "user": self.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": self.kind == "public",
            "is_group": self.kind == "private",
            "is_im": False,
            "is_mpim": False,
            "is_private": self.kind == "private",
            "created": self.created,
            "creator": self.creator,
            "is_archived": self.is_archived,
            "is_general": self.name == "general",
            "is_shared": bool(self.shared_with),
            "is_ext_shared": bool(self.shared_with),
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "is_member": viewer in self.members if viewer else False,
            "topic": {"value": self.topic, "creator": "", "last_set": 0},
            "purpose": {"value": self.purpose, "creator": "", "last_set": 0},
            "num_members": len(self.members),
        }


@dataclass
class Message:
    channel: str
    ts: str
    user: str
    team: str
    text: str = ""
    blocks: list[dict[str, Any]] | None = None
    attachments: list[dict[str, Any]] | None = None
    bot_id: str | None = None
    app_id: str | None = None
    thread_ts: str | None = None  # set on replies (and on parents once they have replies)
    parent_user_id: str | None = None
    subtype: str | None = None
    client_msg_id: str | None = None
    metadata: dict[str, Any] | None = None
    bot_name: str | None = None
    replies: list[str] = field(default_factory=list)  # ts of replies, for a parent
    reactions: dict[str, list[str]] = field(default_factory=dict)  # name -> users, insertion ordered
    edited: dict[str, str] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)  # previous versions, oldest first
    deleted: bool = False
    created_at: float = field(default_factory=time.time)
    # chat.startStream → appendStream → stopStream: "streaming" until stopped or expired, then "stopped";
    # None for a message that was never a stream. `chunks` are every chunk streamed (markdown, task, plan).
    stream_state: str | None = None
    stream_started: float = 0.0
    chunks: list[dict[str, Any]] = field(default_factory=list)
    # Files shared with the message (Slack's file objects as the event carries them; see SlackFile).
    files: list[dict[str, Any]] | None = None
    # What the poster asked of link previews (chat.postMessage's unfurl_links / unfurl_media; Slack's defaults for
    # an app's message: text links not unfurled, media unfurled).
    unfurl_links: bool = False
    unfurl_media: bool = True

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    @property
    def is_bot(self) -> bool:
        return self.bot_id is not None

    @property
    def reply_count(self) -> int:
        return len(self.replies)

    @property
    def versions(self) -> list[dict[str, Any]]:
        """Every version of the message, oldest first, the current one last."""
        return [*self.history, self.snapshot()]

    def snapshot(self) -> dict[str, Any]:
        """This version: text, blocks, attachments and when it was written (`edited_at`, the ts if never edited)."""
        return {
            "text": self.text,
            "blocks": copy.deepcopy(self.blocks),
            "attachments": copy.deepcopy(self.attachments),
            "edited_at": self.edited["ts"] if self.edited else self.ts,
        }

    def to_api(self, reply_users: list[str] | None = None, latest_reply: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "message"}
        if self.subtype:
            out["subtype"] = self.subtype
        out["text"] = self.text
        out["user"] = self.user
        out["ts"] = self.ts
        out["team"] = self.team
        if self.client_msg_id:
            out["client_msg_id"] = self.client_msg_id
        if self.bot_id:
            out["bot_id"] = self.bot_id
            out["app_id"] = self.app_id
            out["bot_profile"] = {
                "id": self.bot_id,
                "app_id": self.app_id,
                "name": self.bot_name or "",
                "deleted": False,
                "team_id": self.team,
            }
        if self.blocks is not None:
            out["blocks"] = copy.deepcopy(self.blocks)
        if self.attachments:
            out["attachments"] = copy.deepcopy(self.attachments)
        if self.files:
            out["files"] = copy.deepcopy(self.files)
            out["upload"] = False
            out["display_as_bot"] = False
        if self.metadata:
            out["metadata"] = copy.deepcopy(self.metadata)
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.is_reply and self.parent_user_id:
            out["parent_user_id"] = self.parent_user_id
        if self.replies:
            users = reply_users or []
            out["reply_count"] = len(self.replies)
            out["reply_users_count"] = len(users)
            out["latest_reply"] = latest_reply or self.replies[-1]
            out["reply_users"] = users
            out["is_locked"] = False
            out["subscribed"] = False
        if self.reactions:
            out["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)} for name, users in self.reactions.items()
            ]
        if self.edited:
            out["edited"] = dict(self.edited)
        return out


# Slack's `filetype` for common extensions (anything else: the extension, or "binary").
FILETYPES = {
    "txt": "text",
    "log": "text",
    "md": "markdown",
    "py": "python",
    "js": "javascript",
    "ts": "typescript",
    "sh": "shell",
    "csv": "csv",
    "json": "json",
    "yaml": "yaml",
    "yml": "yaml",
    "png": "png",
    "jpg": "jpg",
    "pdf": "pdf",
    "zip": "zip",
}


@dataclass
class SlackFile:
    """A file shared in the workspace: uploaded (mode "hosted") or a snippet (mode "snippet", text typed into Slack's
    snippet editor). Its bytes are served at `url_private` to a request with the bot token (server.py)."""

    id: str
    team: str
    user: str
    name: str
    content: bytes
    mimetype: str
    filetype: str
    mode: str = "hosted"  # "hosted" | "snippet"
    title: str = ""
    created: int = field(default_factory=lambda: int(time.time()))
    channels: list[str] = field(default_factory=list)  # where it was shared
    deleted: bool = False
    download_status: int | None = None  # a fault: url_private answers this HTTP status (fail_file_download)

    @property
    def size(self) -> int:
        return len(self.content)

    def url_private(self, base_url: str) -> str:
        return f"{base_url}/files-pri/{self.team}-{self.id}/{self.name}"

    def to_api(self, base_url: str, domain: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.name,
            "title": self.title or self.name,
            "mimetype": self.mimetype,
            "filetype": self.filetype,
            "pretty_type": self.filetype.title(),
            "user": self.user,
            "user_team": self.team,
            "editable": self.mode == "snippet",
            "size": self.size,
            "mode": self.mode,
            "is_external": False,
            "external_type": "",
            "is_public": True,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": self.url_private(base_url),
            "url_private_download": f"{base_url}/files-pri/{self.team}-{self.id}/download/{self.name}",
            "permalink": f"https://{domain}.slack.com/files/{self.user}/{self.id}/{self.name}",
            "channels": list(self.channels),
        }
        if self.mode == "snippet":
            text = self.content.decode("utf-8", "replace")
            lines = text.splitlines()
            out["preview"] = "\n".join(lines[:5])
            out["lines"] = len(lines)
            out["lines_more"] = max(0, len(lines) - 5)
            out["preview_is_truncated"] = len(lines) > 5
        return out


@dataclass
class Ephemeral:
    """A message only one user sees: chat.postEphemeral, a slash command's ack or a response_url reply."""

    channel: str
    user: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    source: str = "chat.postEphemeral"


@dataclass
class View:
    id: str
    user: str
    data: dict[str, Any]  # the full view object as the Web API returns it
    root_view_id: str
    previous_view_id: str | None = None
    closed: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)  # previous versions of `data`
    errors: dict[str, str] | None = None  # the last `response_action: errors` the app returned

    @property
    def hash(self) -> str:
        return self.data["hash"]

    @property
    def callback_id(self) -> str:
        return self.data.get("callback_id", "")


@dataclass
class Trigger:
    id: str
    user: str
    issued: float  # time.monotonic()
    channel: str | None = None
    view_id: str | None = None  # set when the interaction came from a view (views.push target)
    used_by: str | None = None  # the method that exchanged it


@dataclass
class ApiCall:
    """One Web API request as the stand-in saw it."""

    method: str
    args: dict[str, Any]
    time: float
    token: str | None
    http_status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    fault: str | None = None  # "rate_limited" | "server_error" when an injected fault answered

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        return self.response.get("error")

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "args": self.args,
            "time": self.time,
            "http_status": self.http_status,
            "ok": self.ok,
            "error": self.error,
            "fault": self.fault,
        }


@dataclass
class Attempt:
    """One delivery attempt of an envelope (Socket Mode) or request (HTTP)."""

    retry_attempt: int
    sent_at: float  # time.monotonic()
    wall_time: float
    transport: str  # "socket" | "http"
    retry_reason: str = ""
    http_status: int | None = None
    http_body: str | None = None
    http_headers: dict[str, str] = field(default_factory=dict)
    request_headers: dict[str, str] = field(default_factory=dict)
    signature_fault: str | None = None  # "forged" | "stale"
    error: str | None = None
    answered_at: float | None = None  # time.monotonic() of the HTTP response

    def to_json(self) -> dict[str, Any]:
        return {
            "retry_attempt": self.retry_attempt,
            "retry_reason": self.retry_reason,
            "transport": self.transport,
            "wall_time": self.wall_time,
            "http_status": self.http_status,
            "signature_fault": self.signature_fault,
            "error": self.error,
        }


_delivery_seq = itertools.count(1)


@dataclass
class Delivery:
    """One event / command / interaction the stand-in sends to the app, with every attempt and the ack."""

    envelope_id: str
    type: str  # "events_api" | "slash_commands" | "interactive"
    payload: dict[str, Any]
    created_at: float = field(default_factory=time.monotonic)
    attempts: list[Attempt] = field(default_factory=list)
    status: str = "pending"  # "pending" | "acked" | "failed"
    acked_at: float | None = None
    ack_payload: Any = None
    ack_attempt: int | None = None
    context: dict[str, Any] = field(default_factory=dict)  # who/where it came from, for the ack's effects
    seq: int = field(default_factory=lambda: next(_delivery_seq))
    done: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def event_id(self) -> str | None:
        return self.payload.get("event_id")

    @property
    def event(self) -> dict[str, Any] | None:
        return self.payload.get("event")

    @property
    def event_type(self) -> str | None:
        if self.type == "events_api":
            return (self.payload.get("event") or {}).get("type")
        if self.type == "slash_commands":
            return "slash_command"
        return self.payload.get("type")

    @property
    def acked(self) -> bool:
        return self.acked_at is not None

    @property
    def ack_latency(self) -> float | None:
        """Seconds from the attempt that was acknowledged to its ack."""
        if self.acked_at is None or not self.attempts:
            return None
        sent = [a.sent_at for a in self.attempts if a.sent_at <= self.acked_at]
        return self.acked_at - (sent[-1] if sent else self.attempts[0].sent_at)

    @property
    def total_latency(self) -> float | None:
        """Seconds from the first attempt to the ack (includes the time lost to retries)."""
        if self.acked_at is None or not self.attempts:
            return None
        return self.acked_at - self.attempts[0].sent_at

    def wait(self, timeout: float = 5.0) -> bool:
        """Block until the delivery is acknowledged or has given up; True when acknowledged."""
        self.done.wait(timeout)
        return self.acked

    def to_json(self) -> dict[str, Any]:
        return {
            "envelope_id": self.envelope_id,
            "type": self.type,
            "event_type": self.event_type,
            "event_id": self.event_id,
            "status": self.status,
            "ack_latency": self.ack_latency,
            "total_latency": self.total_latency,
            "ack_payload": self.ack_payload,
            "attempts": [a.to_json() for a in self.attempts],
            "payload": self.payload,
        }
