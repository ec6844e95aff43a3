"""The workspace the stand-in simulates: users, channels, messages, threads, reactions, views, triggers.

It implements the Web API methods (`call_method`) and the actions people take (`post_message`, `add_reaction`,
`slash_command`, …). Everything the app should hear about goes through `_emit`, which the server turns into a
Socket Mode envelope or a signed HTTP request. One re-entrant lock guards all state; the methods are quick and
never block on I/O, so they are safe from the server's event loop and from test threads alike.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from . import blocks as bk
from . import payloads
from .model import (
    ApiCall,
    Channel,
    Delivery,
    Ephemeral,
    Message,
    Trigger,
    TsClock,
    User,
    View,
    new_envelope_id,
    new_id,
)

TEAM_ID = "T0STANDIN1"
APP_ID = "A0STANDIN1"
BOT_USER_ID = "U0BOTUSER1"
BOT_ID = "B0BOTID001"
ALICE = "U0ALICE001"
BOB = "U0BOB00001"
GENERAL = "C0GENERAL1"  # public, the bot is a member
RANDOM = "C0RANDOM01"  # public, the bot is NOT a member
PRIVATE = "G0PRIVATE1"  # private, the bot is a member

BOT_SCOPES = (
    "app_mentions:read,channels:history,channels:read,chat:write,commands,groups:history,groups:read,"
    "im:history,im:read,im:write,reactions:read,reactions:write,users:read,usergroups:read"
)

MAX_STACKED_VIEWS = 3
RESPONSE_URL_MAX_USES = 5
_REACTION_NAME = re.compile(r"^[a-z0-9_+\-']+(::skin-tone-[2-6])?$")


class ApiError(Exception):
    """A Web API error: `{"ok": false, "error": error, **extra}`."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def _invalid(message: str, error: str = "invalid_arguments") -> ApiError:
    return ApiError(error, response_metadata={"messages": [f"[ERROR] {message}"]})


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes")


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: Any) -> int:
    if not cursor:
        return 0
    try:
        kind, _, value = base64.b64decode(str(cursor)).decode().partition(":")
        if kind != "offset":
            raise ValueError(kind)
        return int(value)
    except Exception as exc:
        raise ApiError("invalid_cursor") from exc


class Workspace:
    """State and behaviour of one simulated Slack workspace with one installed app (the bot)."""

    def __init__(
        self,
        *,
        team_id: str = TEAM_ID,
        team_name: str = "Answerloop Stand-in",
        domain: str = "answerloop-standin",
        app_id: str = APP_ID,
        bot_user_id: str = BOT_USER_ID,
        bot_id: str = BOT_ID,
        bot_name: str = "answerloop",
        bot_token: str | None = None,
        app_token: str | None = None,
        signing_secret: str | None = None,
        trigger_ttl: float = 3.0,
        chat_write_public: bool = False,
        emit_bot_events: bool = True,
        subscriptions: Iterable[str] | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = TsClock()
        digits = f"{secrets.randbelow(10**12):012d}"
        self.bot_token = bot_token or f"xoxb-{digits}-{digits[::-1]}-{secrets.token_hex(12)}"
        self.app_token = app_token or f"xapp-1-{app_id}-{digits}-{secrets.token_hex(32)}"
        self.signing_secret = signing_secret or secrets.token_hex(16)
        # OAuth (oauth.v2.access): the app's client credentials, and codes handed out by issue_oauth_code().
        self.client_id = f"{digits[:6]}.{digits[6:]}"
        self.client_secret = secrets.token_hex(16)
        self._oauth_codes: dict[str, tuple[str, float]] = {}
        self.identity = payloads.Identity(
            team_id=team_id,
            team_name=team_name,
            domain=domain,
            app_id=app_id,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            verification_token=secrets.token_hex(12),
        )
        self.trigger_ttl = trigger_ttl
        self.chat_write_public = chat_write_public
        self.emit_bot_events = emit_bot_events
        # Slack's event subscription names ("app_mention", "message.channels", "message.im", "reaction_added", …);
        # None delivers every event.
        self.subscriptions: set[str] | None = set(subscriptions) if subscriptions is not None else None
        self.base_url = "http://127.0.0.1:0"  # set by the server once it listens

        self._users: dict[str, User] = {}
        self._channels: dict[str, Channel] = {}
        self._messages: dict[str, dict[str, Message]] = {}
        self._ephemerals: list[Ephemeral] = []
        self._views: dict[str, View] = {}
        self._home_views: dict[str, View] = {}
        # User groups (Slack "subteams"): id → (handle, member ids, enabled).
        self._usergroups: dict[str, tuple[str, set[str], bool]] = {}
        self._triggers: dict[str, Trigger] = {}
        self._response_urls: dict[str, dict[str, Any]] = {}
        self._calls: list[ApiCall] = []
        self._deliveries: list[Delivery] = []
        self._by_envelope: dict[str, Delivery] = {}
        self._changed = threading.Condition(self.lock)
        self._seed(bot_name)

    # ------------------------------------------------------------------ identity shortcuts

    @property
    def team_id(self) -> str:
        return self.identity.team_id

    @property
    def app_id(self) -> str:
        return self.identity.app_id

    @property
    def bot_user_id(self) -> str:
        return self.identity.bot_user_id

    @property
    def bot_id(self) -> str:
        return self.identity.bot_id

    # ------------------------------------------------------------------ seeding and directory

    def _seed(self, bot_name: str) -> None:
        ident = self.identity
        self._users[ident.bot_user_id] = User(
            id=ident.bot_user_id,
            name=bot_name,
            real_name="Answerloop",
            team_id=ident.team_id,
            is_bot=True,
            bot_id=ident.bot_id,
            app_id=ident.app_id,
        )
        self.add_user("alice", real_name="Alice Example", user_id=ALICE, email="alice@example.com", is_admin=True)
        self.add_user("bob", real_name="Bob Example", user_id=BOB, email="bob@example.com")
        everyone = [ALICE, BOB]
        self.add_channel("general", channel_id=GENERAL, members=everyone, bot_member=True)
        self.add_channel("random", channel_id=RANDOM, members=everyone, bot_member=False)
        self.add_channel("team-private", channel_id=PRIVATE, members=[ALICE], private=True, bot_member=True)

    def add_user(
        self,
        name: str,
        *,
        real_name: str | None = None,
        user_id: str | None = None,
        email: str | None = None,
        is_admin: bool = False,
        join: Iterable[str] = (),
    ) -> User:
        with self.lock:
            user = User(
                id=user_id or new_id("U"),
                name=name,
                real_name=real_name or name.title(),
                team_id=self.team_id,
                email=email or f"{name}@example.com",
                is_admin=is_admin,
            )
            self._users[user.id] = user
            for channel in join:
                self.channel(channel).members.add(user.id)
            return user

    def add_channel(
        self,
        name: str,
        *,
        channel_id: str | None = None,
        members: Iterable[str] = (),
        private: bool = False,
        bot_member: bool = True,
    ) -> Channel:
        with self.lock:
            member_ids = {self.user(m).id for m in members}
            if bot_member:
                member_ids.add(self.bot_user_id)
            channel = Channel(
                id=channel_id or new_id("G" if private else "C"),
                name=name,
                kind="private" if private else "public",
                members=member_ids,
                creator=next(iter(sorted(member_ids - {self.bot_user_id})), self.bot_user_id),
            )
            self._channels[channel.id] = channel
            self._messages[channel.id] = {}
            return channel

    def add_usergroup(
        self, handle: str, members: Iterable[str] = (), *, usergroup_id: str | None = None, enabled: bool = True
    ) -> str:
        """A user group (an `S…` id, like Slack's subteams) with these members; returns its id."""
        with self.lock:
            gid = usergroup_id or new_id("S")
            self._usergroups[gid] = (handle, {self.user(m).id for m in members}, enabled)
            return gid

    def set_channel_members(self, channel: str, members: Iterable[str]) -> None:
        """Replace a channel's human members (the bot keeps its own membership)."""
        with self.lock:
            ch = self.channel(channel)
            bot = self.bot_user_id in ch.members
            ch.members = {self.user(m).id for m in members} | ({self.bot_user_id} if bot else set())

    def invite_bot(self, channel: str) -> None:
        with self.lock:
            self.channel(channel).members.add(self.bot_user_id)

    def remove_bot(self, channel: str) -> None:
        with self.lock:
            self.channel(channel).members.discard(self.bot_user_id)

    def user(self, ref: str) -> User:
        """A user by id or name; KeyError when unknown."""
        with self.lock:
            if ref in self._users:
                return self._users[ref]
            for user in self._users.values():
                if user.name == ref.lstrip("@"):
                    return user
        raise KeyError(f"no user {ref!r}")

    def channel(self, ref: str) -> Channel:
        """A channel by id, name or #name; KeyError when unknown."""
        with self.lock:
            if ref in self._channels:
                return self._channels[ref]
            for channel in self._channels.values():
                if channel.kind != "im" and channel.name == ref.lstrip("#"):
                    return channel
        raise KeyError(f"no channel {ref!r}")

    def user_id(self, name: str) -> str:
        return self.user(name).id

    def channel_id(self, name: str) -> str:
        return self.channel(name).id

    def open_dm(self, user: str) -> str:
        """The id of the DM between this user and the bot (created on first use)."""
        with self.lock:
            uid = self.user(user).id
            for channel in self._channels.values():
                if channel.kind == "im" and channel.im_user == uid:
                    return channel.id
            channel = Channel(
                id=new_id("D"), name=uid, kind="im", members={uid, self.bot_user_id}, creator=uid, im_user=uid
            )
            self._channels[channel.id] = channel
            self._messages[channel.id] = {}
            return channel.id

    # ------------------------------------------------------------------ readers for assertions

    def messages(self, channel: str, *, include_replies: bool = True) -> list[Message]:
        """Messages of a channel, oldest first (deleted ones left out)."""
        with self.lock:
            items = self._messages[self.channel(channel).id].values()
            return [m for m in items if not m.deleted and (include_replies or not m.is_reply)]

    def message(self, channel: str, ts: str) -> Message | None:
        with self.lock:
            return self._messages.get(self.channel(channel).id, {}).get(ts)

    def thread(self, channel: str, ts: str) -> list[Message]:
        """The parent and its replies, oldest first."""
        with self.lock:
            store = self._messages[self.channel(channel).id]
            parent = store.get(ts)
            if parent is None:
                return []
            if parent.is_reply:
                parent = store[parent.thread_ts]  # type: ignore[index]
            return [m for m in [parent, *(store[r] for r in parent.replies)] if not m.deleted]

    def bot_replies(self, channel: str, thread_ts: str) -> list[Message]:
        """The bot's messages in a thread (replies only), oldest first, each with its current text and blocks."""
        return [m for m in self.thread(channel, thread_ts) if m.is_bot and m.is_reply]

    def ephemerals(self, channel: str | None = None, user: str | None = None) -> list[Ephemeral]:
        with self.lock:
            cid = self.channel(channel).id if channel else None
            uid = self.user(user).id if user else None
            return [e for e in self._ephemerals if (cid is None or e.channel == cid) and (uid is None or e.user == uid)]

    def views(self, user: str | None = None, *, open_only: bool = False) -> list[View]:
        with self.lock:
            uid = self.user(user).id if user else None
            return [v for v in self._views.values() if (uid is None or v.user == uid) and not (open_only and v.closed)]

    def view(self, view_id: str) -> View:
        with self.lock:
            return self._views[view_id]

    def home_view(self, user: str) -> View | None:
        with self.lock:
            return self._home_views.get(self.user(user).id)

    def calls(self, method: str | None = None) -> list[ApiCall]:
        with self.lock:
            return [c for c in self._calls if method is None or c.method == method]

    def deliveries(
        self, type: str | None = None, *, event_type: str | None = None, ts: str | None = None
    ) -> list[Delivery]:
        """Deliveries to the app, oldest first; filter by envelope type, event type, or the event's message ts."""
        with self.lock:
            out = []
            for d in self._deliveries:
                if type is not None and d.type != type:
                    continue
                if event_type is not None and d.event_type != event_type:
                    continue
                if (
                    ts is not None
                    and (d.event or {}).get("ts") != ts
                    and ((d.event or {}).get("item") or {}).get("ts") != ts
                ):
                    continue
                out.append(d)
            return out

    def ack_latencies(self, type: str | None = None) -> list[float]:
        """Seconds from sending to the ack, one per acknowledged delivery."""
        return [d.ack_latency for d in self.deliveries(type) if d.ack_latency is not None]

    # ------------------------------------------------------------------ emission (the server routes these)

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def _emit(self, kind: str, payload: dict[str, Any], context: dict[str, Any] | None = None) -> Delivery:
        delivery = Delivery(envelope_id=new_envelope_id(), type=kind, payload=payload, context=dict(context or {}))
        with self.lock:
            self._deliveries.append(delivery)
            self._by_envelope[delivery.envelope_id] = delivery
        self._dispatch(delivery)
        return delivery

    def _dispatch(self, delivery: Delivery) -> None:  # pragma: no cover - the server overrides this
        raise NotImplementedError

    def _subscribed(self, event: dict[str, Any], channel: Channel | None) -> bool:
        if channel is not None and self.bot_user_id not in channel.members:
            return False
        if self.subscriptions is None:
            return True
        kind = event.get("type", "")
        if kind == "message" and channel is not None:
            kind = {"public": "message.channels", "private": "message.groups", "im": "message.im"}[channel.kind]
        return kind in self.subscriptions

    def _emit_event(self, event: dict[str, Any], channel: Channel | None) -> Delivery | None:
        if not self._subscribed(event, channel):
            return None
        return self._emit("events_api", payloads.event_callback(self.identity, event))

    def _message_event(self, msg: Message, channel: Channel) -> dict[str, Any]:
        event = msg.to_api()
        event.pop("reactions", None)
        event.pop("reply_count", None)
        event.pop("reply_users", None)
        event.pop("reply_users_count", None)
        event.pop("latest_reply", None)
        event.pop("is_locked", None)
        event.pop("subscribed", None)
        event["channel"] = channel.id
        event["event_ts"] = msg.ts
        event["channel_type"] = channel.channel_type
        return event

    # ------------------------------------------------------------------ triggers and response URLs

    def _issue_trigger(self, user: str, channel: str | None = None, view_id: str | None = None) -> str:
        trigger_id = f"{int(time.time())}.{secrets.randbelow(10**12):012d}.{secrets.token_hex(16)}"
        with self.lock:
            self._triggers[trigger_id] = Trigger(
                id=trigger_id, user=user, issued=time.monotonic(), channel=channel, view_id=view_id
            )
        return trigger_id

    def _exchange_trigger(self, trigger_id: Any, method: str) -> Trigger:
        trigger = self._triggers.get(str(trigger_id or ""))
        if trigger is None:
            raise _invalid("invalid `trigger_id`", "invalid_trigger_id")
        if trigger.used_by is not None:
            raise ApiError("exchanged_trigger_id")
        if time.monotonic() - trigger.issued > self.trigger_ttl:
            raise ApiError("expired_trigger_id")
        trigger.used_by = method
        return trigger

    def _new_response_url(self, **context: Any) -> str:
        token = secrets.token_hex(12)
        with self.lock:
            self._response_urls[token] = {**context, "uses": 0, "created": time.time()}
        return f"{self.base_url}/response_url/{self.team_id}/{token}"

    # ------------------------------------------------------------------ Web API

    def call_method(self, method: str, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        """Run one Web API method; returns the JSON body (`ok` included). Never raises for Slack errors."""
        handler = _METHODS.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method", "req_method": method}
        needs = {"api.test": "none", "oauth.v2.access": "none", "apps.connections.open": "app"}.get(method, "bot")
        try:
            if needs != "none":
                if not token:
                    raise ApiError("not_authed")
                if token == self.bot_token:
                    kind = "bot"
                elif token == self.app_token:
                    kind = "app"
                else:
                    raise ApiError("invalid_auth")
                if kind != needs:
                    raise ApiError("not_allowed_token_type")
            with self.lock:
                result = handler(self, args)
            return {"ok": True, **result}
        except ApiError as err:
            return {"ok": False, "error": err.error, **err.extra}

    def _record_call(self, call: ApiCall) -> None:
        with self.lock:
            self._calls.append(call)
        self._notify()

    # --- helpers shared by the methods

    def _visible_channel(self, ref: Any) -> Channel:
        """A channel the bot can see: public ones always, private and DMs only as a member."""
        if not ref:
            raise ApiError("channel_not_found")
        channel = self._channels.get(str(ref))
        if channel is None:
            try:
                channel = self.channel(str(ref))
            except KeyError:
                raise ApiError("channel_not_found") from None
        if channel.kind != "public" and self.bot_user_id not in channel.members:
            raise ApiError("channel_not_found")
        return channel

    def _member_channel(self, ref: Any) -> Channel:
        channel = self._visible_channel(ref)
        if self.bot_user_id not in channel.members:
            raise ApiError("not_in_channel")
        return channel

    def _postable_channel(self, ref: Any) -> Channel:
        ref = str(ref or "")
        if ref.startswith(("U", "W")) and ref in self._users:
            return self._channels[self.open_dm(ref)]
        channel = self._visible_channel(ref)
        if channel.is_archived:
            raise ApiError("is_archived")
        if self.bot_user_id not in channel.members and not (channel.kind == "public" and self.chat_write_public):
            raise ApiError("not_in_channel")
        return channel

    def _acted_on(self, channel: Channel, ts: str) -> Message:
        """The message a person acts on through the control API (KeyError: a test asked for one that isn't there)."""
        msg = self._messages[channel.id].get(ts)
        if msg is None or msg.deleted:
            raise KeyError(f"no message {ts} in {channel.id}")
        return msg

    def _find_message(self, channel: Channel, ts: Any) -> Message:
        msg = self._messages[channel.id].get(str(ts or ""))
        if msg is None or msg.deleted:
            raise ApiError("message_not_found")
        return msg

    @staticmethod
    def _json_arg(args: dict[str, Any], name: str, error: str = "invalid_arguments") -> Any:
        value = args.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise _invalid(f"invalid JSON in `{name}`", error) from None
        return value

    def _content(self, args: dict[str, Any], *, require: bool = True) -> tuple[str | None, Any, Any]:
        """(text, blocks, attachments) of chat.* arguments, validated the way Slack does."""
        text = args.get("text")
        text = None if text is None else str(text)
        blocks = self._json_arg(args, "blocks", "invalid_blocks_format")
        attachments = self._json_arg(args, "attachments", "invalid_attachments")
        if require and not text and not blocks and not attachments:
            raise ApiError("no_text")
        if text is not None and len(text) > bk.MAX_TEXT_CHARS:
            raise ApiError("msg_too_long")
        if blocks is not None:
            if not isinstance(blocks, list):
                raise ApiError("invalid_blocks_format")
            errors = bk.validate_blocks(blocks)
            if errors:
                raise ApiError(
                    "invalid_blocks", errors=errors, response_metadata={"messages": [f"[ERROR] {e}" for e in errors]}
                )
        if attachments is not None and (not isinstance(attachments, list) or len(attachments) > 100):
            raise ApiError("too_many_attachments" if isinstance(attachments, list) else "invalid_attachments")
        return text, blocks, attachments

    def _thread_info(self, msg: Message) -> tuple[list[str], str | None]:
        store = self._messages[msg.channel]
        users: list[str] = []
        for reply_ts in msg.replies:
            reply = store[reply_ts]
            if reply.user not in users:
                users.append(reply.user)
        return users, (msg.replies[-1] if msg.replies else None)

    def _api_message(self, msg: Message) -> dict[str, Any]:
        users, latest = self._thread_info(msg)
        return msg.to_api(reply_users=users, latest_reply=latest)

    def _store_message(self, msg: Message) -> None:
        store = self._messages[msg.channel]
        store[msg.ts] = msg
        if msg.is_reply:
            parent = store[msg.thread_ts]  # type: ignore[index]
            parent.thread_ts = parent.ts
            parent.replies.append(msg.ts)

    def _thread_parent(self, channel: Channel, thread_ts: Any) -> Message | None:
        if not thread_ts:
            return None
        parent = self._messages[channel.id].get(str(thread_ts))
        if parent is None or (parent.deleted and not parent.replies):
            raise ApiError("invalid_thread_ts")
        if parent.is_reply:
            parent = self._messages[channel.id][parent.thread_ts]  # type: ignore[index]
        return parent

    def _post_as_bot(
        self,
        channel: Channel,
        text: str | None,
        blocks: Any,
        attachments: Any = None,
        *,
        thread_ts: Any = None,
        reply_broadcast: bool = False,
        metadata: Any = None,
    ) -> Message:
        parent = self._thread_parent(channel, thread_ts)
        msg = Message(
            channel=channel.id,
            ts=self.clock.next(),
            user=self.bot_user_id,
            team=self.team_id,
            text=text or "",
            blocks=blocks,
            attachments=attachments,
            bot_id=self.bot_id,
            app_id=self.app_id,
            thread_ts=parent.ts if parent else None,
            parent_user_id=parent.user if parent else None,
            subtype="thread_broadcast" if parent and reply_broadcast else None,
            metadata=metadata if isinstance(metadata, dict) else None,
            bot_name=self._users[self.bot_user_id].name,
        )
        self._store_message(msg)
        if self.emit_bot_events:
            self._emit_event(self._message_event(msg, channel), channel)
        self._notify()
        return msg

    def _update_message(
        self,
        channel: Channel,
        msg: Message,
        text: str | None,
        blocks: Any,
        attachments: Any,
        *,
        blocks_given: bool,
        attachments_given: bool,
    ) -> None:
        previous = self._message_event(msg, channel)
        msg.history.append(msg.snapshot())
        if text is not None:
            msg.text = text
        if blocks_given:
            msg.blocks = blocks if blocks else None
        if attachments_given:
            msg.attachments = attachments if attachments else None
        edit_ts = self.clock.next()
        msg.edited = {"user": self.bot_user_id, "ts": edit_ts}
        if self.emit_bot_events:
            current = self._message_event(msg, channel)
            for key in ("channel", "event_ts", "channel_type"):
                current.pop(key, None)
                previous.pop(key, None)
            event = {
                "type": "message",
                "subtype": "message_changed",
                "message": current,
                "previous_message": previous,
                "channel": channel.id,
                "hidden": True,
                "ts": edit_ts,
                "event_ts": edit_ts,
                "channel_type": channel.channel_type,
            }
            self._emit_event(event, channel)
        self._notify()

    # --- the methods

    def _m_api_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"args": {k: v for k, v in args.items() if k != "token"}} if args else {}

    def _m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        ident = self.identity
        return {
            "url": ident.team_url,
            "team": ident.team_name,
            "user": self._users[ident.bot_user_id].name,
            "team_id": ident.team_id,
            "user_id": ident.bot_user_id,
            "bot_id": ident.bot_id,
            "is_enterprise_install": False,
        }

    def _m_oauth_v2_access(self, args: dict[str, Any]) -> dict[str, Any]:
        """Exchange a code from issue_oauth_code() for the bot token (client credentials in the body or Basic)."""
        if args.get("client_id") != self.client_id:
            raise ApiError("invalid_client_id")
        if args.get("client_secret") != self.client_secret:
            raise ApiError("bad_client_secret")
        entry = self._oauth_codes.pop(str(args.get("code") or ""), None)
        if entry is None or time.time() - entry[1] > 600:
            raise ApiError("invalid_code")
        ident = self.identity
        return {
            "access_token": self.bot_token,
            "token_type": "bot",
            "scope": BOT_SCOPES,
            "bot_user_id": ident.bot_user_id,
            "app_id": ident.app_id,
            "team": {"id": ident.team_id, "name": ident.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": entry[0]},
        }

    def issue_oauth_code(self, *, user: str = ALICE) -> str:
        """A person approves the install on Slack's authorize page: Slack redirects with this one-use code."""
        code = f"{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"
        with self.lock:
            self._oauth_codes[code] = (self.user(user).id, time.time())
        return code

    def _m_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": self._new_socket_url()}

    def _new_socket_url(self) -> str:  # pragma: no cover - the server overrides this
        raise ApiError("internal_error")

    def _m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._postable_channel(args.get("channel"))
        text, blocks, attachments = self._content(args)
        msg = self._post_as_bot(
            channel,
            text,
            blocks,
            attachments,
            thread_ts=args.get("thread_ts"),
            reply_broadcast=_bool(args.get("reply_broadcast", False)),
            metadata=self._json_arg(args, "metadata"),
        )
        return {"channel": channel.id, "ts": msg.ts, "message": self._api_message(msg)}

    def _m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._visible_channel(args.get("channel"))
        msg = self._find_message(channel, args.get("ts"))
        if msg.user != self.bot_user_id:
            raise ApiError("cant_update_message")
        blocks_given = "blocks" in args
        attachments_given = "attachments" in args
        if all(args.get(k) in (None, "") for k in ("text", "blocks", "attachments")):
            raise ApiError("no_text")
        text, blocks, attachments = self._content(args, require=False)
        self._update_message(
            channel, msg, text, blocks, attachments, blocks_given=blocks_given, attachments_given=attachments_given
        )
        return {"channel": channel.id, "ts": msg.ts, "text": msg.text, "message": self._api_message(msg)}

    def _m_chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._visible_channel(args.get("channel"))
        msg = self._find_message(channel, args.get("ts"))
        if msg.user != self.bot_user_id:
            raise ApiError("cant_delete_message")
        msg.deleted = True
        if self.emit_bot_events:
            ts = self.clock.next()
            event = {
                "type": "message",
                "subtype": "message_deleted",
                "previous_message": self._api_message(msg),
                "channel": channel.id,
                "hidden": True,
                "deleted_ts": msg.ts,
                "ts": ts,
                "event_ts": ts,
                "channel_type": channel.channel_type,
            }
            self._emit_event(event, channel)
        self._notify()
        return {"channel": channel.id, "ts": msg.ts}

    def _m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._member_channel(args.get("channel"))
        uid = str(args.get("user") or "")
        if uid not in self._users:
            raise ApiError("user_not_found")
        if uid not in channel.members:
            raise ApiError("user_not_in_channel")
        text, blocks, _ = self._content(args)
        ts = self.clock.next()
        self._ephemerals.append(
            Ephemeral(
                channel=channel.id,
                user=uid,
                ts=ts,
                text=text or "",
                blocks=blocks,
                thread_ts=args.get("thread_ts") or None,
            )
        )
        self._notify()
        return {"message_ts": ts}

    def _m_chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._visible_channel(args.get("channel"))
        msg = self._find_message(channel, args.get("message_ts"))
        return {"channel": channel.id, "permalink": self.permalink(channel.id, msg.ts)}

    def permalink(self, channel: str, ts: str) -> str:
        with self.lock:
            cid = self.channel(channel).id
            msg = self._messages[cid].get(ts)
            link = f"{self.identity.team_url}archives/{cid}/p{ts.replace('.', '')}"
            if msg is not None and msg.is_reply:
                link += f"?thread_ts={msg.thread_ts}&cid={cid}"
            return link

    def _page(self, items: list[dict[str, Any]], args: dict[str, Any], default_limit: int) -> dict[str, Any]:
        try:
            limit = int(args.get("limit") or default_limit)
        except ValueError:
            raise ApiError("invalid_limit") from None
        limit = max(1, min(limit, 1000))
        start = _decode_cursor(args.get("cursor"))
        page = items[start : start + limit]
        more = start + limit < len(items)
        return {
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": _encode_cursor(start + limit) if more else ""},
        }

    @staticmethod
    def _in_window(ts: str, args: dict[str, Any]) -> bool:
        inclusive = _bool(args.get("inclusive", False))
        value = float(ts)
        oldest, latest = args.get("oldest"), args.get("latest")
        if oldest not in (None, "") and (value < float(oldest) or (value == float(oldest) and not inclusive)):
            return False
        return not (latest not in (None, "") and (value > float(latest) or (value == float(latest) and not inclusive)))

    def _m_conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._member_channel(args.get("channel"))
        ts = str(args.get("ts") or "")
        msg = self._messages[channel.id].get(ts)
        if msg is None:
            raise ApiError("thread_not_found")
        if msg.is_reply:
            msg = self._messages[channel.id][msg.thread_ts]  # type: ignore[index]
        if msg.deleted and not msg.replies:
            raise ApiError("thread_not_found")
        items = []
        for m in [msg, *(self._messages[channel.id][r] for r in msg.replies)]:
            if m is not msg and (m.deleted or not self._in_window(m.ts, args)):
                continue
            item = self._api_message(m)
            if m.deleted:
                item.update(subtype="tombstone", text="This message was deleted.")
            items.append(item)
        return self._page(items, args, 1000)

    def _m_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._member_channel(args.get("channel"))
        items = [
            self._api_message(m)
            for m in reversed(list(self._messages[channel.id].values()))
            if not m.deleted and (not m.is_reply or m.subtype == "thread_broadcast") and self._in_window(m.ts, args)
        ]
        result = self._page(items, args, 100)
        result["pin_count"] = 0
        return result

    def _m_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._visible_channel(args.get("channel"))
        return {"channel": channel.to_api(viewer=self.bot_user_id)}

    def _m_conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        """Slack's rules: the bot sees public channels' members, private ones only as a member; `limit` is
        1–999 (invalid_limit otherwise), cursor-paginated."""
        channel = self._visible_channel(args.get("channel"))
        raw = args.get("limit")
        try:
            limit = int(raw) if raw not in (None, "") else 100
        except (TypeError, ValueError):
            raise ApiError("invalid_limit") from None
        if not 1 <= limit <= 999:
            raise ApiError("invalid_limit")
        members = sorted(channel.members)
        start = _decode_cursor(args.get("cursor"))
        page = members[start : start + limit]
        more = start + limit < len(members)
        return {"members": page, "response_metadata": {"next_cursor": _encode_cursor(start + limit) if more else ""}}

    def _m_usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        """The members of a user group; a disabled one only with include_disabled (no_such_subteam otherwise)."""
        gid = str(args.get("usergroup") or "")
        if not gid:
            raise ApiError("missing_argument")
        group = self._usergroups.get(gid)
        if group is None or (not group[2] and not _bool(args.get("include_disabled", False))):
            raise ApiError("no_such_subteam")
        return {"users": sorted(group[1])}

    def _m_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("channel"):
            channel = self._visible_channel(args["channel"])
            return {"no_op": True, "already_open": True, "channel": channel.to_api(viewer=self.bot_user_id)}
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if not users:
            raise ApiError("users_list_not_supplied")
        if len(users) > 1:
            raise _invalid("only 1:1 DMs with the bot are simulated", "not_supported")
        if users[0] not in self._users:
            raise ApiError("user_not_found")
        existed = any(c.kind == "im" and c.im_user == users[0] for c in self._channels.values())
        channel = self._channels[self.open_dm(users[0])]
        body = channel.to_api() if _bool(args.get("return_im", False)) else {"id": channel.id}
        out: dict[str, Any] = {"channel": body}
        if existed:
            out.update(no_op=True, already_open=True)
        return out

    def _reaction_target(self, args: dict[str, Any]) -> tuple[Channel, Message, str]:
        if not args.get("channel") and not args.get("timestamp"):
            raise ApiError("no_item_specified")
        channel = self._member_channel(args.get("channel"))
        msg = self._find_message(channel, args.get("timestamp"))
        name = str(args.get("name") or "").strip(":")
        if not _REACTION_NAME.match(name):
            raise ApiError("invalid_name")
        return channel, msg, name

    def _reaction_event(self, kind: str, user: str, name: str, channel: Channel, msg: Message) -> dict[str, Any]:
        return {
            "type": kind,
            "user": user,
            "reaction": name,
            "item": {"type": "message", "channel": channel.id, "ts": msg.ts},
            "item_user": msg.user,
            "event_ts": self.clock.next(),
        }

    def _m_reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, msg, name = self._reaction_target(args)
        users = msg.reactions.setdefault(name, [])
        if self.bot_user_id in users:
            raise ApiError("already_reacted")
        if len(msg.reactions) > 23 and not users:
            msg.reactions.pop(name)
            raise ApiError("too_many_reactions")
        users.append(self.bot_user_id)
        if self.emit_bot_events:
            self._emit_event(self._reaction_event("reaction_added", self.bot_user_id, name, channel, msg), channel)
        self._notify()
        return {}

    def _m_reactions_remove(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, msg, name = self._reaction_target(args)
        users = msg.reactions.get(name, [])
        if self.bot_user_id not in users:
            raise ApiError("no_reaction")
        users.remove(self.bot_user_id)
        if not users:
            msg.reactions.pop(name)
        if self.emit_bot_events:
            self._emit_event(self._reaction_event("reaction_removed", self.bot_user_id, name, channel, msg), channel)
        self._notify()
        return {}

    def _m_reactions_get(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._member_channel(args.get("channel"))
        msg = self._find_message(channel, args.get("timestamp"))
        return {"type": "message", "channel": channel.id, "message": self._api_message(msg)}

    def _m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._users.get(str(args.get("user") or ""))
        if user is None:
            raise ApiError("user_not_found")
        return {"user": user.to_api()}

    def _view_arg(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._json_arg(args, "view")
        if view is None:
            raise _invalid("missing required field: view")
        errors = bk.validate_view(view)
        if errors:
            raise ApiError("invalid_arguments", response_metadata={"messages": [f"[ERROR] {e}" for e in errors]})
        return view

    def _build_view(
        self, view: dict[str, Any], *, view_id: str, root_view_id: str, previous_view_id: str | None
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type", "modal"),
            "blocks": copy.deepcopy(view.get("blocks", [])),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": view.get("title"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": previous_view_id,
            "root_view_id": root_view_id,
            "app_id": self.app_id,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        return data

    def _check_external_id(self, view: dict[str, Any], own_id: str | None = None) -> None:
        external = view.get("external_id")
        if external and any(v.data.get("external_id") == external and v.id != own_id for v in self._views.values()):
            raise ApiError("duplicate_external_id")

    def _m_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._view_arg(args)
        trigger = self._exchange_trigger(args.get("trigger_id") or args.get("interactivity_pointer"), "views.open")
        self._check_external_id(view)
        view_id = new_id("V")
        data = self._build_view(view, view_id=view_id, root_view_id=view_id, previous_view_id=None)
        self._views[view_id] = View(id=view_id, user=trigger.user, data=data, root_view_id=view_id)
        self._notify()
        return {"view": copy.deepcopy(data)}

    def _stack(self, root_view_id: str) -> list[View]:
        return [v for v in self._views.values() if v.root_view_id == root_view_id and not v.closed]

    def _m_views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._view_arg(args)
        trigger = self._exchange_trigger(args.get("trigger_id") or args.get("interactivity_pointer"), "views.push")
        origin = self._views.get(trigger.view_id or "")
        if origin is None or origin.closed:
            raise _invalid("views.push needs a trigger_id from an interaction inside an open modal")
        stack = self._stack(origin.root_view_id)
        if len(stack) >= MAX_STACKED_VIEWS:
            raise ApiError("push_limit_reached")
        self._check_external_id(view)
        view_id = new_id("V")
        data = self._build_view(view, view_id=view_id, root_view_id=origin.root_view_id, previous_view_id=stack[-1].id)
        self._views[view_id] = View(
            id=view_id, user=trigger.user, data=data, root_view_id=origin.root_view_id, previous_view_id=stack[-1].id
        )
        self._notify()
        return {"view": copy.deepcopy(data)}

    def _m_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._view_arg(args)
        target: View | None = None
        if args.get("view_id"):
            target = self._views.get(str(args["view_id"]))
        elif args.get("external_id"):
            target = next((v for v in self._views.values() if v.data.get("external_id") == args["external_id"]), None)
        else:
            raise _invalid("view_id or external_id is required")
        if target is None:
            raise ApiError("not_found")
        if args.get("hash") and args["hash"] != target.hash:
            raise ApiError("hash_conflict")
        self._check_external_id(view, own_id=target.id)
        self._replace_view(target, view)
        return {"view": copy.deepcopy(target.data)}

    def _replace_view(self, target: View, view: dict[str, Any]) -> None:
        target.history.append(copy.deepcopy(target.data))
        target.data = self._build_view(
            view, view_id=target.id, root_view_id=target.root_view_id, previous_view_id=target.previous_view_id
        )
        target.errors = None
        self._notify()

    def _m_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._view_arg(args)
        uid = str(args.get("user_id") or "")
        if uid not in self._users:
            raise ApiError("user_not_found")
        existing = self._home_views.get(uid)
        if existing is not None and args.get("hash") and args["hash"] != existing.hash:
            raise ApiError("hash_conflict")
        view_id = existing.id if existing else new_id("V")
        data = self._build_view(view, view_id=view_id, root_view_id=view_id, previous_view_id=None)
        self._home_views[uid] = View(id=view_id, user=uid, data=data, root_view_id=view_id)
        self._notify()
        return {"view": copy.deepcopy(data)}

    # ------------------------------------------------------------------ what people do (control API)

    def post_message(
        self,
        channel: str,
        text: str,
        *,
        user: str = ALICE,
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        reply_broadcast: bool = False,
    ) -> Message:
        """A person posts a message (in a channel, a DM or a thread). The app gets `message` and, when the text
        mentions the bot outside a DM, also `app_mention` with the same ts and a different event_id."""
        with self.lock:
            channel_obj = self.channel(channel)
            author = self.user(user)
            if author.id not in channel_obj.members:
                raise ValueError(f"{author.name} is not a member of {channel_obj.name}")
            parent = None
            if thread_ts:
                parent = self._messages[channel_obj.id].get(thread_ts)
                if parent is None:
                    raise KeyError(f"no message {thread_ts} in {channel_obj.id}")
                if parent.is_reply:
                    parent = self._messages[channel_obj.id][parent.thread_ts]  # type: ignore[index]
            ts = self.clock.next()
            msg = Message(
                channel=channel_obj.id,
                ts=ts,
                user=author.id,
                team=self.team_id,
                text=text,
                blocks=blocks if blocks is not None else bk.rich_text_blocks(text, secrets.token_hex(3)),
                thread_ts=parent.ts if parent else None,
                parent_user_id=parent.user if parent else None,
                subtype="thread_broadcast" if parent and reply_broadcast else None,
                client_msg_id=str(uuid.uuid4()),
            )
            self._store_message(msg)
            self._emit_event(self._message_event(msg, channel_obj), channel_obj)
            if channel_obj.kind != "im" and self.bot_user_id in bk.mentioned_users(text):
                mention = msg.to_api()
                for key in (
                    "reply_count",
                    "reply_users",
                    "reply_users_count",
                    "latest_reply",
                    "is_locked",
                    "subscribed",
                    "subtype",
                ):
                    mention.pop(key, None)
                mention["type"] = "app_mention"
                mention["channel"] = channel_obj.id
                mention["event_ts"] = ts
                self._emit_event(mention, channel_obj)
        self._notify()
        return msg

    def send_dm(self, text: str, *, user: str = ALICE, thread_ts: str | None = None) -> Message:
        """A person writes to the bot in their DM (the app gets `message` with channel_type `im`)."""
        return self.post_message(self.open_dm(user), text, user=user, thread_ts=thread_ts)

    def add_reaction(self, channel: str, ts: str, name: str, *, user: str = ALICE) -> Delivery | None:
        """A person reacts; the app gets `reaction_added` whose item carries only channel and ts."""
        with self.lock:
            channel_obj, msg, uid = self._reaction_context(channel, ts, user)
            name = name.strip(":")
            users = msg.reactions.setdefault(name, [])
            if uid in users:
                raise ValueError(f"{uid} already reacted with {name}")
            users.append(uid)
            delivery = self._emit_event(
                self._reaction_event("reaction_added", uid, name, channel_obj, msg), channel_obj
            )
        self._notify()
        return delivery

    def remove_reaction(self, channel: str, ts: str, name: str, *, user: str = ALICE) -> Delivery | None:
        with self.lock:
            channel_obj, msg, uid = self._reaction_context(channel, ts, user)
            name = name.strip(":")
            users = msg.reactions.get(name, [])
            if uid not in users:
                raise ValueError(f"{uid} has no {name} reaction on {ts}")
            users.remove(uid)
            if not users:
                msg.reactions.pop(name)
            delivery = self._emit_event(
                self._reaction_event("reaction_removed", uid, name, channel_obj, msg), channel_obj
            )
        self._notify()
        return delivery

    def _reaction_context(self, channel: str, ts: str, user: str) -> tuple[Channel, Message, str]:
        channel_obj = self.channel(channel)
        msg = self._acted_on(channel_obj, ts)
        uid = self.user(user).id
        if uid not in channel_obj.members:
            raise ValueError(f"{uid} is not a member of {channel_obj.name}")
        return channel_obj, msg, uid

    def slash_command(self, command: str, text: str = "", *, channel: str = GENERAL, user: str = ALICE) -> Delivery:
        """A person runs a slash command (e.g. /ask). Its trigger_id is valid for `trigger_ttl` seconds."""
        with self.lock:
            channel_obj = self.channel(channel)
            author = self.user(user)
            trigger_id = self._issue_trigger(author.id, channel_obj.id)
            response_url = self._new_response_url(kind="command", channel=channel_obj.id, user=author.id)
            payload = payloads.slash_command(
                self.identity,
                command=command if command.startswith("/") else f"/{command}",
                text=text,
                user=author,
                channel=channel_obj,
                response_url=response_url,
                trigger_id=trigger_id,
            )
            return self._emit(
                "slash_commands", payload, {"channel": channel_obj.id, "user": author.id, "trigger_id": trigger_id}
            )

    def message_shortcut(self, callback_id: str, channel: str, ts: str, *, user: str = ALICE) -> Delivery:
        """A person runs a message shortcut on a message (interactive payload `message_action`)."""
        with self.lock:
            channel_obj = self.channel(channel)
            author = self.user(user)
            msg = self._acted_on(channel_obj, ts)
            trigger_id = self._issue_trigger(author.id, channel_obj.id)
            response_url = self._new_response_url(
                kind="message_action", channel=channel_obj.id, user=author.id, message_ts=ts
            )
            payload = payloads.message_action(
                self.identity,
                callback_id=callback_id,
                user=author,
                channel=channel_obj,
                message=self._api_message(msg),
                trigger_id=trigger_id,
                response_url=response_url,
                action_ts=f"{time.time():.6f}",
            )
            return self._emit(
                "interactive", payload, {"channel": channel_obj.id, "user": author.id, "trigger_id": trigger_id}
            )

    def global_shortcut(self, callback_id: str, *, user: str = ALICE) -> Delivery:
        with self.lock:
            author = self.user(user)
            trigger_id = self._issue_trigger(author.id)
            payload = payloads.global_shortcut(
                self.identity,
                callback_id=callback_id,
                user=author,
                trigger_id=trigger_id,
                action_ts=f"{time.time():.6f}",
            )
            return self._emit("interactive", payload, {"user": author.id, "trigger_id": trigger_id})

    def click_button(self, channel: str, ts: str, action_id: str, *, user: str = ALICE, value: Any = None) -> Delivery:
        """A person clicks an interactive element (found by action_id) in a message (`block_actions`)."""
        with self.lock:
            channel_obj = self.channel(channel)
            author = self.user(user)
            msg = self._acted_on(channel_obj, ts)
            found = bk.find_action(msg.blocks, action_id)
            if found is None:
                raise KeyError(f"no element with action_id {action_id!r} in message {ts}")
            block_id, element = found
            trigger_id = self._issue_trigger(author.id, channel_obj.id)
            response_url = self._new_response_url(
                kind="block_actions", channel=channel_obj.id, user=author.id, message_ts=ts
            )
            payload = payloads.block_actions(
                self.identity,
                user=author,
                channel=channel_obj,
                message=self._api_message(msg),
                block_id=block_id,
                element=element,
                value=value,
                trigger_id=trigger_id,
                response_url=response_url,
                action_ts=f"{time.time():.6f}",
            )
            return self._emit(
                "interactive", payload, {"channel": channel_obj.id, "user": author.id, "trigger_id": trigger_id}
            )

    def click_ephemeral_button(
        self, ephemeral: Ephemeral, action_id: str, *, user: str | None = None, value: Any = None
    ) -> Delivery:
        """The person who sees an ephemeral message clicks one of its elements. A `respond(replace_original)`
        through the payload's response_url replaces that ephemeral message."""
        with self.lock:
            channel_obj = self.channel(ephemeral.channel)
            author = self.user(user or ephemeral.user)
            if author.id != ephemeral.user:
                raise ValueError(f"{author.id} cannot see an ephemeral message shown to {ephemeral.user}")
            found = bk.find_action(ephemeral.blocks or [], action_id)
            if found is None:
                raise KeyError(f"no element with action_id {action_id!r} in ephemeral {ephemeral.ts}")
            block_id, element = found
            trigger_id = self._issue_trigger(author.id, channel_obj.id)
            response_url = self._new_response_url(
                kind="block_actions", channel=channel_obj.id, user=author.id, ephemeral_ts=ephemeral.ts
            )
            payload = payloads.block_actions(
                self.identity,
                user=author,
                channel=channel_obj,
                message=None,
                block_id=block_id,
                element=element,
                value=value,
                trigger_id=trigger_id,
                response_url=response_url,
                action_ts=f"{time.time():.6f}",
                ephemeral_ts=ephemeral.ts,
            )
            return self._emit(
                "interactive", payload, {"channel": channel_obj.id, "user": author.id, "trigger_id": trigger_id}
            )

    def open_home(self, *, user: str = ALICE) -> Delivery:
        """A person opens the app's Home tab: `app_home_opened` (with the published view, if any)."""
        with self.lock:
            author = self.user(user)
            event: dict[str, Any] = {
                "type": "app_home_opened",
                "user": author.id,
                "channel": self.open_dm(author.id),
                "tab": "home",
                "event_ts": f"{time.time():.6f}",
            }
            home = self._home_views.get(author.id)
            if home is not None:
                event["view"] = copy.deepcopy(home.data)
            return self._emit("events_api", payloads.event_callback(self.identity, event))

    def click_home_button(self, action_id: str, *, user: str = ALICE, value: Any = None) -> Delivery:
        """A person clicks an element of the Home tab the app published for them (`block_actions`, container
        `view`). Another person's Home is never theirs to click: Slack shows each user their own."""
        with self.lock:
            author = self.user(user)
            home = self._home_views.get(author.id)
            if home is None:
                raise KeyError(f"no Home tab published for {author.id}")
            found = bk.find_action(home.data.get("blocks") or [], action_id, value)
            if found is None:
                raise KeyError(f"no element with action_id {action_id!r} in {author.id}'s Home tab")
            block_id, element = found
            trigger_id = self._issue_trigger(author.id, view_id=home.id)
            payload = payloads.view_block_actions(
                self.identity,
                user=author,
                view=copy.deepcopy(home.data),
                block_id=block_id,
                element=element,
                value=value,
                trigger_id=trigger_id,
                action_ts=f"{time.time():.6f}",
            )
            return self._emit("interactive", payload, {"user": author.id, "view_id": home.id})

    def submit_view(self, view_id: str, values: dict[str, Any] | None = None, *, user: str | None = None) -> Delivery:
        """A person submits the modal. `values` maps block_id (or action_id) to a value, or block_id to
        {action_id: value}; they become `view.state.values` in the element types' shapes."""
        with self.lock:
            view = self._views.get(view_id)
            if view is None or view.closed:
                raise KeyError(f"no open view {view_id}")
            stack = self._stack(view.root_view_id)
            if stack and stack[-1].id != view.id:
                raise ValueError(f"view {view_id} is not the top of its stack ({stack[-1].id} is)")
            author = self.user(user or view.user)
            state = self._state_values(view.data.get("blocks") or [], values or {})
            view.data["state"] = {"values": state}
            trigger_id = self._issue_trigger(author.id, view_id=view.id)
            payload = payloads.view_submission(
                self.identity, user=author, view=copy.deepcopy(view.data), trigger_id=trigger_id
            )
            return self._emit("interactive", payload, {"user": author.id, "view_id": view.id, "trigger_id": trigger_id})

    def close_view(self, view_id: str, *, user: str | None = None) -> Delivery | None:
        """A person closes the modal (the app hears `view_closed` only when the view asked: notify_on_close)."""
        with self.lock:
            view = self._views.get(view_id)
            if view is None or view.closed:
                raise KeyError(f"no open view {view_id}")
            view.closed = True
            self._notify()
            if not view.data.get("notify_on_close"):
                return None
            author = self.user(user or view.user)
            payload = payloads.view_closed(self.identity, user=author, view=copy.deepcopy(view.data))
            return self._emit("interactive", payload, {"user": author.id, "view_id": view.id})

    @staticmethod
    def _state_values(blocks: list[dict[str, Any]], values: dict[str, Any]) -> dict[str, Any]:
        state: dict[str, Any] = {}
        used: set[str] = set()
        for block in blocks:
            if block.get("type") != "input" or not isinstance(block.get("element"), dict):
                continue
            block_id = block.get("block_id") or ""
            element = block["element"]
            action_id = element.get("action_id") or ""
            if block_id in values:
                given = values[block_id]
                used.add(block_id)
                if isinstance(given, dict) and "type" not in given:
                    given = given.get(action_id)
            elif action_id in values:
                given = values[action_id]
                used.add(action_id)
            else:
                given = element.get("initial_value") if element.get("type") == "plain_text_input" else None
            if given in (None, "", []) and not block.get("optional", False):
                raise ValueError(f"required input {block_id or action_id!r} has no value (Slack would not submit)")
            state[block_id] = {action_id: bk.input_state_value(element, given)}
        unknown = set(values) - used
        if unknown:
            raise KeyError(f"no input block or action_id named {sorted(unknown)} in the view")
        return state

    # ------------------------------------------------------------------ what the app's acks and responses do

    def _apply_ack(self, delivery: Delivery, payload: Any) -> None:
        """Effects of an ack's payload, as Slack applies them (slash command replies, view response_action)."""
        if not payload:
            if delivery.payload.get("type") == "view_submission":
                self._close_submitted(delivery.context.get("view_id"))
            return
        if isinstance(payload, str):
            payload = {"text": payload}
        ctx = delivery.context
        if delivery.type == "slash_commands" and isinstance(payload, dict):
            self._respond(ctx.get("channel"), ctx.get("user"), payload, source="command_ack")
        elif delivery.payload.get("type") == "view_submission" and isinstance(payload, dict):
            self._view_response_action(ctx.get("view_id"), ctx.get("user"), payload)

    def _close_submitted(self, view_id: str | None) -> None:
        view = self._views.get(view_id or "")
        if view is not None:
            view.closed = True
            self._notify()

    def _view_response_action(self, view_id: str | None, user: str | None, payload: dict[str, Any]) -> None:
        view = self._views.get(view_id or "")
        if view is None:
            return
        action = payload.get("response_action")
        if action == "errors":
            view.errors = dict(payload.get("errors") or {})
        elif action == "update" and isinstance(payload.get("view"), dict):
            self._replace_view(view, payload["view"])
        elif action == "push" and isinstance(payload.get("view"), dict):
            stack = self._stack(view.root_view_id)
            if len(stack) < MAX_STACKED_VIEWS:
                new = new_id("V")
                data = self._build_view(
                    payload["view"], view_id=new, root_view_id=view.root_view_id, previous_view_id=view.id
                )
                self._views[new] = View(
                    id=new, user=view.user, data=data, root_view_id=view.root_view_id, previous_view_id=view.id
                )
        elif action == "clear":
            for v in self._stack(view.root_view_id):
                v.closed = True
        else:
            view.closed = True
        self._notify()

    def _respond(
        self, channel: str | None, user: str | None, body: dict[str, Any], *, source: str, message_ts: str | None = None
    ) -> None:
        if not channel:
            return
        channel_obj = self._channels[channel]
        text = body.get("text")
        blocks = body.get("blocks")
        if _bool(body.get("delete_original", False)) and message_ts:
            msg = self._messages[channel].get(message_ts)
            if msg is not None and msg.is_bot:
                msg.deleted = True
                self._notify()
            return
        if _bool(body.get("replace_original", False)) and message_ts:
            msg = self._messages[channel].get(message_ts)
            if msg is not None and msg.is_bot:
                self._update_message(
                    channel_obj,
                    msg,
                    text,
                    blocks,
                    body.get("attachments"),
                    blocks_given="blocks" in body,
                    attachments_given="attachments" in body,
                )
            return
        if body.get("response_type") == "in_channel":
            self._post_as_bot(channel_obj, text, blocks, body.get("attachments"), thread_ts=body.get("thread_ts"))
            return
        self._ephemerals.append(
            Ephemeral(
                channel=channel,
                user=user or "",
                ts=self.clock.next(),
                text=text or "",
                blocks=blocks,
                thread_ts=body.get("thread_ts"),
                source=source,
            )
        )
        self._notify()

    def _replace_ephemeral(self, ts: str, body: dict[str, Any]) -> None:
        """What Slack does to an ephemeral message on replace_original / delete_original from its response_url."""
        for i, eph in enumerate(self._ephemerals):
            if eph.ts == ts:
                if _bool(body.get("delete_original", False)):
                    del self._ephemerals[i]
                else:
                    eph.text = body.get("text") or ""
                    eph.blocks = body.get("blocks")
                self._notify()
                return

    def response_url_post(self, token: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """POST to a response_url the stand-in handed out (Bolt's `respond()`)."""
        with self.lock:
            ctx = self._response_urls.get(token)
            if ctx is None:
                return 404, {"ok": False, "error": "no_such_url"}
            if ctx["uses"] >= RESPONSE_URL_MAX_USES:
                return 404, {"ok": False, "error": "used_url"}
            ctx["uses"] += 1
            try:
                if ctx.get("ephemeral_ts") and (
                    _bool(body.get("replace_original", False)) or _bool(body.get("delete_original", False))
                ):
                    self._replace_ephemeral(ctx["ephemeral_ts"], body)
                else:
                    self._respond(
                        ctx.get("channel"),
                        ctx.get("user"),
                        body,
                        source="response_url",
                        message_ts=ctx.get("message_ts"),
                    )
            except ApiError as err:
                return 200, {"ok": False, "error": err.error}
            return 200, {"ok": True}

    # ------------------------------------------------------------------ waiting

    def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 5.0, *, interval: float = 0.05, message: str = ""
    ) -> Any:
        """Re-evaluate `predicate` whenever state changes (and every `interval` s) until it returns something
        truthy; returns that value. TimeoutError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(message or f"condition not met within {timeout}s")
            with self._changed:
                self._changed.wait(min(interval, remaining))

    def wait_for_bot_reply(
        self,
        channel: str,
        thread_ts: str,
        timeout: float = 5.0,
        predicate: Callable[[Message], bool] | None = None,
    ) -> Message:
        """The latest bot reply in the thread that satisfies `predicate` (default: any reply)."""

        def found() -> Message | None:
            replies = [m for m in self.bot_replies(channel, thread_ts) if predicate is None or predicate(m)]
            return replies[-1] if replies else None

        return self.wait_for(found, timeout, message=f"no bot reply in thread {thread_ts} of {channel}")

    def wait_for_call(
        self, method: str, timeout: float = 5.0, predicate: Callable[[ApiCall], bool] | None = None
    ) -> ApiCall:
        def found() -> ApiCall | None:
            calls = [c for c in self.calls(method) if predicate is None or predicate(c)]
            return calls[-1] if calls else None

        return self.wait_for(found, timeout, message=f"no {method} call")

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until no delivery is still waiting for its ack (acknowledged or given up)."""
        self.wait_for(
            lambda: not any(d.status == "pending" for d in self.deliveries()),
            timeout,
            message="deliveries still pending",
        )

    def wait_for_view(self, timeout: float = 5.0, *, user: str | None = None) -> View:
        def found() -> View | None:
            views = self.views(user, open_only=True)
            return views[-1] if views else None

        return self.wait_for(found, timeout, message="no view opened")


_METHODS: dict[str, Callable[[Workspace, dict[str, Any]], dict[str, Any]]] = {
    "api.test": Workspace._m_api_test,
    "auth.test": Workspace._m_auth_test,
    "oauth.v2.access": Workspace._m_oauth_v2_access,
    "apps.connections.open": Workspace._m_apps_connections_open,
    "chat.postMessage": Workspace._m_chat_postMessage,
    "chat.update": Workspace._m_chat_update,
    "chat.delete": Workspace._m_chat_delete,
    "chat.postEphemeral": Workspace._m_chat_postEphemeral,
    "chat.getPermalink": Workspace._m_chat_getPermalink,
    "conversations.replies": Workspace._m_conversations_replies,
    "conversations.history": Workspace._m_conversations_history,
    "conversations.info": Workspace._m_conversations_info,
    "conversations.open": Workspace._m_conversations_open,
    "conversations.members": Workspace._m_conversations_members,
    "usergroups.users.list": Workspace._m_usergroups_users_list,
    "reactions.add": Workspace._m_reactions_add,
    "reactions.remove": Workspace._m_reactions_remove,
    "reactions.get": Workspace._m_reactions_get,
    "users.info": Workspace._m_users_info,
    "views.open": Workspace._m_views_open,
    "views.update": Workspace._m_views_update,
    "views.push": Workspace._m_views_push,
    "views.publish": Workspace._m_views_publish,
}

SUPPORTED_METHODS = tuple(sorted(_METHODS))
