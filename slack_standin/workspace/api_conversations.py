"""Web API: conversations.* (paged), usergroups.users.list and users.info; deactivating an account."""

from __future__ import annotations

from typing import Any

from ..model import User
from .base import ApiError, WorkspaceCore, _bool, _decode_cursor, _encode_cursor, _invalid

SLACKBOT = "USLACKBOT"


class ConversationsApi(WorkspaceCore):
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

    def _listed(self, msg: Any, args: dict[str, Any]) -> dict[str, Any]:
        """A message as conversations.replies / history list it: its metadata only if `include_all_metadata`."""
        item = self._api_message(msg)
        if not _bool(args.get("include_all_metadata", False)):
            item.pop("metadata", None)
        return item

    def _m_conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        """Slack's rules: `channel` and `ts` required (a reply's ts reads its whole thread; an unknown one is
        thread_not_found); the history scope of the conversation's type (channels:, groups:, im:history), else
        missing_scope; `limit` ≤ 1000 (default 1000), cursor-paginated, parent first; a message's `metadata` only
        with `include_all_metadata`."""
        channel = self._member_channel(args.get("channel"))
        needed = {"public": "channels:history", "private": "groups:history", "im": "im:history"}[channel.kind]
        if needed not in self.scopes:
            raise ApiError("missing_scope", needed=needed, provided=",".join(sorted(self.scopes)))
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
            item = self._listed(m, args)
            if m.deleted:
                item.update(subtype="tombstone", text="This message was deleted.")
            items.append(item)
        return self._page(items, args, 1000)

    def _m_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._member_channel(args.get("channel"))
        items = [
            self._listed(m, args)
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
        user = self._users.get(users[0])
        if user is None:
            raise ApiError("user_not_found")
        if user.is_bot:  # Slack: a bot cannot open a DM with a bot user (itself included)
            raise ApiError("cannot_dm_bot")
        if user.deleted:  # a deactivated account
            raise ApiError("user_disabled")
        existed = any(c.kind == "im" and c.im_user == users[0] for c in self._channels.values())
        channel = self._channels[self.open_dm(users[0])]
        body = channel.to_api() if _bool(args.get("return_im", False)) else {"id": channel.id}
        out: dict[str, Any] = {"channel": body}
        if existed:
            out.update(no_op=True, already_open=True)
        return out

    def deactivate_user(self, ref: str) -> None:
        """An admin deactivates an account: users.info says `deleted`, conversations.open is `user_disabled`."""
        with self.lock:
            self.user(ref).deleted = True

    def _m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("user") == SLACKBOT:  # in every workspace; Slack says `is_bot: false` for it
            return {"user": User(id=SLACKBOT, name="slackbot", real_name="Slackbot", team_id=self.team_id).to_api()}
        user = self._users.get(str(args.get("user") or ""))
        if user is None:
            raise ApiError("user_not_found")
        return {"user": user.to_api()}
