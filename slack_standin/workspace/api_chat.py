"""Web API: chat.postMessage / update / delete / postEphemeral / getPermalink."""

from __future__ import annotations

from typing import Any

from ..model import (
    Ephemeral,
)
from .base import ApiError, WorkspaceCore, _bool


class ChatApi(WorkspaceCore):
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
        # What the app asked of link previews (Slack's defaults for an app: no text-link unfurls, media unfurled).
        msg.unfurl_links = _bool(args.get("unfurl_links", False))
        msg.unfurl_media = _bool(args.get("unfurl_media", True))
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
