"""The workspace core: constants, Web API errors, and the state the API families and people act on.

The workspace the stand-in simulates: users, channels, messages, threads, reactions, views, triggers.

It implements the Web API methods (`call_method`) and the actions people take (`post_message`, `add_reaction`,
`slash_command`, …). Everything the app should hear about goes through `_emit`, which the server turns into a
Socket Mode envelope or a signed HTTP request. One re-entrant lock guards all state; the methods are quick and
never block on I/O, so they are safe from the server's event loop and from test threads alike.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from .. import blocks as bk
from .. import payloads
from ..model import (
    ApiCall,
    Channel,
    Delivery,
    Ephemeral,
    Message,
    SlackFile,
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
    "app_mentions:read,assistant:write,channels:history,channels:read,chat:write,commands,files:read,"
    "groups:history,groups:read,im:history,im:read,im:write,reactions:read,reactions:write,users:read,usergroups:read"
)

MAX_STACKED_VIEWS = 3
RESPONSE_URL_MAX_USES = 5
RESPONSE_URL_TTL = 30 * 60.0  # seconds
_REACTION_NAME = re.compile(r"^[a-z0-9_+\-']+(::skin-tone-[2-6])?$")


class ApiError(Exception):
    """A Web API error: `{"ok": false, "error": error, **extra}`."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


class AppNotInstalled(ValueError):
    """A person's action that Slack would not deliver: the app is not installed in the workspace (uninstall_app),
    so its slash commands, shortcuts and Home tab are gone and a click on one of its old messages or the submission
    of one of its open modals only shows the person an error. Nothing reaches the app."""

    def __init__(self, team_id: str, what: str) -> None:
        super().__init__(f"the app is not installed in {team_id}: Slack delivers no {what} to it")
        self.team_id = team_id


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


class WorkspaceCore:
    """State of one simulated Slack workspace with one installed app (the bot): directory, messages, views,
    deliveries and calls, and the helpers every Web API family shares. The families are mixins (api_*.py)."""

    METHODS: ClassVar[dict[str, Callable[[Any, dict[str, Any]], dict[str, Any]]]] = {}  # set in __init__.py
    # The bot scope a method needs, where the stand-in checks it (set in __init__.py): without it, `missing_scope`.
    METHOD_SCOPES: ClassVar[dict[str, str]] = {}

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
        # Is the app installed here? uninstall_app() revokes the bot token (the Web API then answers it
        # `token_revoked`) and stops events; a new OAuth install hands out a new token.
        self.installed = True
        self._revoked_tokens: set[str] = set()
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
        # The scopes the app was granted (remove_scope() takes one away: its methods answer `missing_scope`), and
        # methods this workspace refuses with a Slack error (refuse_method(): e.g. streaming not allowed here).
        self.scopes: set[str] = set(BOT_SCOPES.split(","))
        self._refused: dict[str, str] = {}
        # Streams end on their own this many seconds after chat.startStream (Slack: about 5 minutes); a thread's
        # assistant status is cleared after status_ttl seconds without a message from the app (Slack: 2 minutes).
        self.stream_ttl = 300.0
        self.status_ttl = 120.0
        # A response_url works this many seconds after it was handed out (Slack: 30 minutes), at most
        # RESPONSE_URL_MAX_USES times; then it answers 404 `expired_url` (or `used_url`).
        self.response_url_ttl = RESPONSE_URL_TTL
        self._thread_status: dict[tuple[str, str], dict[str, Any]] = {}
        self._status_log: list[dict[str, Any]] = []
        self._suggested_prompts: dict[str, list[dict[str, Any]]] = {}

        self._users: dict[str, User] = {}
        self._channels: dict[str, Channel] = {}
        self._messages: dict[str, dict[str, Message]] = {}
        self._ephemerals: list[Ephemeral] = []
        self._files: dict[str, SlackFile] = {}  # files people uploaded (api_files.py)
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

    def add_external_user(self, name: str, *, team_id: str = "TEXTORG001", join: Iterable[str] = ()) -> User:
        """A person of another organisation (Slack Connect): their account's `team_id` is their own workspace's,
        as users.info and their messages' `user_team` say. `join`: shared channels they are a member of."""
        with self.lock:
            user = User(
                id=new_id("U"), name=name, real_name=name.title(), team_id=team_id, email=f"{name}@partner.example"
            )
            self._users[user.id] = user
            for channel in join:
                ch = self.channel(channel)
                if team_id not in ch.shared_with:
                    raise ValueError(f"{ch.name} is not shared with {team_id}: share_channel first")
                ch.members.add(user.id)
            return user

    def add_bot_user(self, name: str, *, join: Iterable[str] = ()) -> User:
        """Another app's bot user installed in this workspace (a stand-up bot, an automation): users.info says
        `is_bot` with its own `bot_id` and `app_id`; it can post and react like anyone in channels it joined."""
        with self.lock:
            user = User(
                id=new_id("U"),
                name=name,
                real_name=name.title(),
                team_id=self.team_id,
                is_bot=True,
                bot_id=new_id("B"),
                app_id=new_id("A"),
            )
            self._users[user.id] = user
            for channel in join:
                self.channel(channel).members.add(user.id)
            return user

    def share_channel(self, channel: str, with_team: str = "TEXTORG001", *, created_by_them: bool = False) -> None:
        """Slack Connect: the channel is shared with another organisation's workspace (conversations.info says
        `is_ext_shared`, its events' wrapper `is_ext_shared_channel`). `created_by_them`: the other workspace
        created it and this one joined; Slack then names the creator as the events' wrapper `team_id` (and
        `context_team_id`), while `authorizations[0].team_id` is this workspace, whose installation the event
        is for (slackapi/java-slack-sdk#629, bolt-js#687, #935)."""
        with self.lock:
            ch = self.channel(channel)
            if ch.kind == "im":
                raise ValueError("a DM is not shared with an organisation")
            if with_team not in ch.shared_with:
                ch.shared_with.append(with_team)
            if created_by_them:
                ch.host_team = with_team

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

    def open_dm_between(self, user: str, other: str) -> str:
        """The id of a DM between two people, without the bot (created on first use). Its id starts with "D" like
        the bot's own DMs, and a slash command there says `channel_name: directmessage` too; but the bot cannot
        read it (conversations.info → channel_not_found) and gets none of its messages."""
        with self.lock:
            members = {self.user(user).id, self.user(other).id}
            for channel in self._channels.values():
                if channel.kind == "im" and channel.im_user is None and channel.members == members:
                    return channel.id
            channel = Channel(
                id=new_id("D"), name="-".join(sorted(members)), kind="im", members=members, creator=self.user(user).id
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
        if not self.installed:
            return False
        if channel is not None and self.bot_user_id not in channel.members:
            return False
        if self.subscriptions is None:
            return True
        kind = event.get("type", "")
        if kind == "message" and channel is not None:
            kind = {"public": "message.channels", "private": "message.groups", "im": "message.im"}[channel.kind]
        return kind in self.subscriptions

    def _require_installed(self, what: str) -> None:
        """A person's slash command, shortcut, click, view submission or Home tab visit reaches the app only while
        it is installed here (call with the lock held); AppNotInstalled otherwise, and nothing is delivered."""
        if not self.installed:
            raise AppNotInstalled(self.team_id, what)

    def _emit_event(self, event: dict[str, Any], channel: Channel | None) -> Delivery | None:
        if not self._subscribed(event, channel):
            return None
        ext_shared = channel is not None and bool(channel.shared_with)
        host = channel.host_team if channel is not None else None
        return self._emit(
            "events_api", payloads.event_callback(self.identity, event, ext_shared=ext_shared, host_team=host)
        )

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
            self._response_urls[token] = {**context, "uses": 0, "created": time.monotonic()}
        return f"{self.base_url}/response_url/{self.team_id}/{token}"

    # ------------------------------------------------------------------ Web API

    def call_method(self, method: str, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        """Run one Web API method; returns the JSON body (`ok` included). Never raises for Slack errors."""
        handler = self.METHODS.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method", "req_method": method}
        needs = {"api.test": "none", "oauth.v2.access": "none", "apps.connections.open": "app"}.get(method, "bot")
        try:
            if needs != "none":
                if not token:
                    raise ApiError("not_authed")
                if token in self._revoked_tokens:
                    raise ApiError("token_revoked")
                if token == self.bot_token:
                    kind = "bot"
                elif token == self.app_token:
                    kind = "app"
                else:
                    raise ApiError("invalid_auth")
                if kind != needs:
                    raise ApiError("not_allowed_token_type")
            if method in self._refused:
                raise ApiError(self._refused[method])
            needed = self.METHOD_SCOPES.get(method)
            if needed and needed not in self.scopes:
                raise ApiError("missing_scope", needed=needed, provided=",".join(sorted(self.scopes)))
            with self.lock:
                result = handler(self, args)
            return {"ok": True, **result}
        except ApiError as err:
            return {"ok": False, "error": err.error, **err.extra}

    def refuse_method(self, method: str, error: str = "not_allowed") -> None:
        """From now on this workspace answers `method` with `{"ok": false, "error": error}` (e.g. a workspace or
        plan where streaming is not allowed: "not_allowed", "method_not_supported"); allow_method() undoes it."""
        with self.lock:
            self._refused[method] = error

    def allow_method(self, method: str) -> None:
        with self.lock:
            self._refused.pop(method, None)

    def refused_methods(self) -> dict[str, str]:
        """The methods refuse_method() made this workspace refuse, with the error each answers."""
        with self.lock:
            return dict(self._refused)

    def remove_scope(self, scope: str) -> None:
        """The app was installed without this scope: methods that need it answer `missing_scope`."""
        with self.lock:
            self.scopes.discard(scope)

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

    @staticmethod
    def _check_blocks(blocks: Any) -> None:
        """Slack's checks of a `blocks` argument: a list (invalid_blocks_format) of valid blocks (invalid_blocks)."""
        if not isinstance(blocks, list):
            raise ApiError("invalid_blocks_format")
        errors = bk.validate_blocks(blocks)
        if errors:
            raise ApiError(
                "invalid_blocks", errors=errors, response_metadata={"messages": [f"[ERROR] {e}" for e in errors]}
            )

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
            self._check_blocks(blocks)
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
        if parent is not None:  # the app replied in the thread: Slack clears the thread's assistant status
            self._thread_status.pop((channel.id, parent.ts), None)
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
