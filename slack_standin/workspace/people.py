"""What people do in the workspace (the control API): post, react, run commands and shortcuts, click, submit."""

from __future__ import annotations

import copy
import secrets
import time
import uuid
from typing import Any

from .. import blocks as bk
from .. import payloads
from ..model import (
    Channel,
    Delivery,
    Ephemeral,
    Message,
    SlackFile,
)
from .api_files import FilesApi
from .api_reactions import ReactionsApi
from .api_views import ViewsApi


class PeopleActions(ReactionsApi, ViewsApi, FilesApi):
    def post_message(
        self,
        channel: str,
        text: str,
        *,
        user: str = "alice",
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        reply_broadcast: bool = False,
        files: list[SlackFile | str] | None = None,
    ) -> Message:
        """A person posts a message (in a channel, a DM or a thread). The app gets `message` and, when the text
        mentions the bot outside a DM, also `app_mention` with the same ts and a different event_id. With `files`
        (from add_file, or their ids) the message shares them: `message` has subtype `file_share`, and both events
        carry the file objects."""
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
                team=author.team_id,  # `user_team`: a Slack Connect guest's own workspace
                text=text,
                blocks=blocks if blocks is not None else bk.rich_text_blocks(text, secrets.token_hex(3)),
                thread_ts=parent.ts if parent else None,
                parent_user_id=parent.user if parent else None,
                subtype="thread_broadcast" if parent and reply_broadcast else ("file_share" if files else None),
                client_msg_id=str(uuid.uuid4()),
                files=self._shared_files(files, channel_obj.id) if files else None,
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

    def send_dm(
        self,
        text: str,
        *,
        user: str = "alice",
        thread_ts: str | None = None,
        files: list[SlackFile | str] | None = None,
    ) -> Message:
        """A person writes to the bot in their DM (the app gets `message` with channel_type `im`)."""
        return self.post_message(self.open_dm(user), text, user=user, thread_ts=thread_ts, files=files)

    def delete_message(self, channel: str, ts: str, *, user: str = "alice") -> Delivery | None:
        """A person deletes their own message. The app gets `message` with subtype `message_deleted` (its
        `deleted_ts` and `previous_message`); a message with thread replies stays as a tombstone in the thread's
        place instead, and the app gets `message_changed` whose new message has subtype `tombstone` ("This
        message was deleted.", by USLACKBOT), as conversations.history shows it."""
        with self.lock:
            channel_obj = self.channel(channel)
            msg = self._acted_on(channel_obj, ts)
            if msg.user != self.user(user).id:
                raise ValueError(f"{ts} in {channel_obj.id} is not {user}'s message")
            previous = self._api_message(msg)
            msg.deleted = True
            event_ts = self.clock.next()
            event: dict[str, Any] = {"type": "message", "channel": channel_obj.id, "hidden": True}
            if msg.replies:
                tombstone = {
                    **{k: v for k, v in previous.items() if k in ("type", "ts", "thread_ts", "reply_count")},
                    "subtype": "tombstone",
                    "text": "This message was deleted.",
                    "user": "USLACKBOT",
                    "hidden": True,
                }
                event.update(subtype="message_changed", message=tombstone)
            else:
                event.update(subtype="message_deleted", deleted_ts=msg.ts)
            event.update(
                previous_message=previous, ts=event_ts, event_ts=event_ts, channel_type=channel_obj.channel_type
            )
            delivery = self._emit_event(event, channel_obj)
        self._notify()
        return delivery

    def add_reaction(self, channel: str, ts: str, name: str, *, user: str = "alice") -> Delivery | None:
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

    def remove_reaction(self, channel: str, ts: str, name: str, *, user: str = "alice") -> Delivery | None:
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

    def slash_command(self, command: str, text: str = "", *, channel: str = "general", user: str = "alice") -> Delivery:
        """A person runs a slash command (e.g. /ask). Its trigger_id is valid for `trigger_ttl` seconds."""
        with self.lock:
            self._require_installed("slash command")
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

    def message_shortcut(self, callback_id: str, channel: str, ts: str, *, user: str = "alice") -> Delivery:
        """A person runs a message shortcut on a message (interactive payload `message_action`)."""
        with self.lock:
            self._require_installed("message shortcut")
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

    def global_shortcut(self, callback_id: str, *, user: str = "alice") -> Delivery:
        with self.lock:
            self._require_installed("global shortcut")
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

    def click_button(
        self, channel: str, ts: str, action_id: str, *, user: str = "alice", value: Any = None
    ) -> Delivery:
        """A person clicks an interactive element (found by action_id) in a message (`block_actions`)."""
        with self.lock:
            self._require_installed("button click")
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

    def click_feedback(self, channel: str, ts: str, *, positive: bool, user: str = "alice") -> Delivery:
        """A person clicks the 👍 or 👎 of a `feedback_buttons` element (in a `context_actions` block) of a message:
        `block_actions` whose action carries that button's value and text. Like Slack, a second click on the same
        button (which un-highlights it) sends the same payload again: there is no "deselect" event."""
        with self.lock:
            self._require_installed("button click")
            channel_obj = self.channel(channel)
            msg = self._acted_on(channel_obj, ts)
            for block in msg.blocks or []:
                if block.get("type") != "context_actions":
                    continue
                for element in block.get("elements") or []:
                    if isinstance(element, dict) and element.get("type") == "feedback_buttons":
                        return self._click(
                            channel_obj,
                            msg,
                            user,
                            block.get("block_id", ""),
                            element,
                            "positive" if positive else "negative",
                        )
            raise KeyError(f"no feedback_buttons element in message {ts}")

    def _click(
        self, channel_obj: Channel, msg: Message, user: str, block_id: str, element: dict[str, Any], value: Any
    ) -> Delivery:
        author = self.user(user)
        if author.id not in channel_obj.members:
            raise ValueError(f"{author.name} is not a member of {channel_obj.name}")
        trigger_id = self._issue_trigger(author.id, channel_obj.id)
        response_url = self._new_response_url(
            kind="block_actions", channel=channel_obj.id, user=author.id, message_ts=msg.ts
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
            self._require_installed("button click")
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

    def open_home(self, *, user: str = "alice", tab: str = "home", from_team: str | None = None) -> Delivery:
        """A person opens the app's Home tab (`tab="home"`, with the published view, if any) or its Messages
        tab — the agent DM (`tab="messages"`): `app_home_opened`. `from_team`: opened through a Slack Connect
        connection (Connections › the app) with another organisation's workspace; Slack then names that workspace
        as the wrapper's `team_id`, while `authorizations[0].team_id` stays this installation (bolt-js#1948)."""
        if tab not in ("home", "messages"):
            raise ValueError("tab must be 'home' or 'messages'")
        with self.lock:
            self._require_installed("app_home_opened event")
            author = self.user(user)
            event: dict[str, Any] = {
                "type": "app_home_opened",
                "user": author.id,
                "channel": self.open_dm(author.id),
                "tab": tab,
                "event_ts": f"{time.time():.6f}",
            }
            home = self._home_views.get(author.id)
            if home is not None and tab == "home":
                event["view"] = copy.deepcopy(home.data)
            return self._emit("events_api", payloads.event_callback(self.identity, event, host_team=from_team))

    def click_home_button(self, action_id: str, *, user: str = "alice", value: Any = None) -> Delivery:
        """A person clicks an element of the Home tab the app published for them (`block_actions`, container
        `view`). Another person's Home is never theirs to click: Slack shows each user their own."""
        with self.lock:
            self._require_installed("Home tab click")
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
            self._require_installed("view submission")
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
        """A person closes the modal (the app hears `view_closed` only when the view asked: notify_on_close, and
        the app is still installed)."""
        with self.lock:
            view = self._views.get(view_id)
            if view is None or view.closed:
                raise KeyError(f"no open view {view_id}")
            view.closed = True
            self._notify()
            if not view.data.get("notify_on_close") or not self.installed:  # uninstalled: closed, not delivered
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
