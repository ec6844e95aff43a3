"""Web API: reactions.add / remove / get, and the reaction events they emit."""

from __future__ import annotations

from typing import Any

from ..model import (
    Channel,
    Message,
)
from .base import _REACTION_NAME, ApiError, WorkspaceCore


class ReactionsApi(WorkspaceCore):
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
