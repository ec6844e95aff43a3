"""Web API: assistant.threads.setStatus and assistant.threads.setSuggestedPrompts.

setStatus (scope chat:write, in channels too since 2026-03): a status and up to 10 `loading_messages` shown in a
thread while the app works; an empty status clears it; Slack clears it when the app posts in the thread, or after
two minutes without a message (`status_ttl`). setSuggestedPrompts (scope assistant:write): one to four prompts,
each with a `title` and a `message`, optionally titled; `thread_ts` is optional (the agent DM has none).
"""

from __future__ import annotations

import time
from typing import Any

from .base import WorkspaceCore, _invalid

MAX_LOADING_MESSAGES = 10
MAX_SUGGESTED_PROMPTS = 4


class AssistantApi(WorkspaceCore):
    def _m_assistant_threads_setStatus(self, args: dict[str, Any]) -> dict[str, Any]:
        for name in ("channel_id", "thread_ts"):
            if not args.get(name):
                raise _invalid(f"missing required field: {name}")
        if "status" not in args or not isinstance(args.get("status"), str):
            raise _invalid("missing required field: status")
        channel = self._member_channel(args.get("channel_id"))
        parent = self._thread_parent(channel, args.get("thread_ts"))
        assert parent is not None
        loading = self._json_arg(args, "loading_messages")
        if loading is not None:
            if not isinstance(loading, list) or not all(isinstance(m, str) and m for m in loading):
                raise _invalid("`loading_messages` must be an array of strings")
            if len(loading) > MAX_LOADING_MESSAGES:
                raise _invalid(f"no more than {MAX_LOADING_MESSAGES} items allowed [json-pointer:/loading_messages]")
        key = (channel.id, parent.ts)
        entry = {
            "channel": channel.id,
            "thread_ts": parent.ts,
            "status": args["status"],
            "loading_messages": list(loading or []),
            "set_at": time.monotonic(),
        }
        self._status_log.append(entry)
        if args["status"]:
            self._thread_status[key] = entry
        else:
            self._thread_status.pop(key, None)
        self._notify()
        return {}

    def _m_assistant_threads_setSuggestedPrompts(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel_id"):
            raise _invalid("missing required field: channel_id")
        channel = self._member_channel(args.get("channel_id"))
        if args.get("thread_ts"):
            self._thread_parent(channel, args.get("thread_ts"))
        prompts = self._json_arg(args, "prompts")
        if not isinstance(prompts, list) or not prompts:
            raise _invalid("missing required field: prompts")
        if len(prompts) > MAX_SUGGESTED_PROMPTS:
            raise _invalid(f"no more than {MAX_SUGGESTED_PROMPTS} items allowed [json-pointer:/prompts]")
        for i, prompt in enumerate(prompts):
            if not isinstance(prompt, dict):
                raise _invalid(f"must be an object [json-pointer:/prompts/{i}]")
            for field in ("title", "message"):
                if not isinstance(prompt.get(field), str) or not prompt[field].strip():
                    raise _invalid(f"missing required field: {field} [json-pointer:/prompts/{i}]")
        title = args.get("title")
        if title is not None and not isinstance(title, str):
            raise _invalid("`title` must be a string")
        entry = {"thread_ts": args.get("thread_ts") or None, "title": title, "prompts": [dict(p) for p in prompts]}
        self._suggested_prompts.setdefault(channel.id, []).append(entry)
        self._notify()
        return {}

    # ------------------------------------------------------------------ readers for assertions

    def thread_status(self, channel: str, thread_ts: str) -> dict[str, Any] | None:
        """The status a thread shows now (None: none, cleared, or expired after `status_ttl` seconds)."""
        with self.lock:
            entry = self._thread_status.get((self.channel(channel).id, thread_ts))
            if entry is None or time.monotonic() - entry["set_at"] > self.status_ttl:
                return None
            return dict(entry)

    def statuses(self, channel: str | None = None, thread_ts: str | None = None) -> list[dict[str, Any]]:
        """Every setStatus the app made (clearing ones included), oldest first."""
        with self.lock:
            cid = self.channel(channel).id if channel else None
            return [
                dict(e)
                for e in self._status_log
                if (cid is None or e["channel"] == cid) and (thread_ts is None or e["thread_ts"] == thread_ts)
            ]

    def suggested_prompts(self, channel: str) -> list[dict[str, Any]]:
        """Every setSuggestedPrompts call for this channel (e.g. a person's DM with the app), oldest first."""
        with self.lock:
            return [dict(e) for e in self._suggested_prompts.get(self.channel(channel).id, [])]
