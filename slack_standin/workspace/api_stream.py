"""Web API: chat.startStream / chat.appendStream / chat.stopStream — a message streamed in, then finalized.

Slack's rules as the stand-in applies them: a stream outside a DM names its recipient (`recipient_user_id` and
`recipient_team_id`, else `missing_recipient_user_id` / `missing_recipient_team_id`); `markdown_text` is at most
12,000 characters per call, and all a stream takes in is one message's text, at most 40,000 characters (Slack
documents no other total for a streamed message): a call past either is refused whole (`msg_too_long`); chunks are
`markdown_text`, `task_update`, `plan_update` or `blocks` (`invalid_chunks` otherwise); nothing is streamed into an
archived channel (`is_archived`); only the app's own message that is still streaming can be appended to or stopped
(`message_not_in_streaming_state` — also once the stream expired, `stream_ttl` seconds after it started, when Slack
ends it as it stands); stopStream's `blocks` (≤ 50, validated like chat.postMessage's) are rendered under the
streamed text. Control sequences in `markdown_text` (<!channel>, <@U…>, <url|text>) are taken as parsed wherever
they stand, inside code too (`streamed_pings`).
"""

from __future__ import annotations

import time
from typing import Any

from .. import blocks as bk
from ..model import Channel, Message
from .base import ApiError, WorkspaceCore, _invalid

MAX_STREAM_MARKDOWN = 12_000
TASK_STATUSES = ("pending", "in_progress", "complete", "error")
DISPLAY_MODES = ("timeline", "plan")


class StreamApi(WorkspaceCore):
    def _stream_chunks(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """markdown_text and chunks of a stream call, as chunks; validated the way Slack does."""
        out: list[dict[str, Any]] = []
        text = args.get("markdown_text")
        if text is not None:
            if not isinstance(text, str):
                raise _invalid("`markdown_text` must be a string")
            if len(text) > MAX_STREAM_MARKDOWN:
                raise ApiError("msg_too_long")
            if text:
                out.append({"type": "markdown_text", "text": text})
        chunks = self._json_arg(args, "chunks", "invalid_chunks")
        if chunks is None:
            return out
        if not isinstance(chunks, list):
            raise ApiError("invalid_chunks")
        for i, chunk in enumerate(chunks):
            problem = _chunk_problem(chunk)
            if problem:
                raise ApiError("invalid_chunks", response_metadata={"messages": [f"[ERROR] {problem} [chunks/{i}]"]})
            out.append(dict(chunk))
        return out

    def _streaming_message(self, args: dict[str, Any]) -> tuple[Channel, Message]:
        channel = self._visible_channel(args.get("channel"))
        if channel.is_archived:  # archived while the stream ran: nothing more goes into it (as it stands)
            raise ApiError("is_archived")
        msg = self._find_message(channel, args.get("ts"))
        if msg.user != self.bot_user_id or msg.stream_state is None:
            raise ApiError("message_not_in_streaming_state")
        if msg.stream_state == "streaming" and time.monotonic() - msg.stream_started > self.stream_ttl:
            msg.stream_state = "stopped"  # Slack ended it server-side, as it stood
        if msg.stream_state != "streaming":
            raise ApiError("message_not_in_streaming_state")
        return channel, msg

    @staticmethod
    def _add_chunks(msg: Message, chunks: list[dict[str, Any]]) -> None:
        """The chunks streamed into the message; refused whole (msg_too_long) if its text would pass what a
        message's text holds — nothing of the call is added then."""
        _check_room(len(msg.text), chunks)
        for chunk in chunks:
            msg.chunks.append(chunk)
            if chunk["type"] == "markdown_text":
                msg.text += chunk["text"]

    def _m_chat_startStream(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._postable_channel(args.get("channel"))
        if channel.kind != "im":
            if not args.get("recipient_user_id"):
                raise ApiError("missing_recipient_user_id")
            if not args.get("recipient_team_id"):
                raise ApiError("missing_recipient_team_id")
            if str(args["recipient_user_id"]) not in channel.members:
                raise ApiError("user_not_in_channel")
            if str(args["recipient_team_id"]) != self.team_id:
                raise ApiError("team_not_found")
        mode = args.get("task_display_mode")
        if mode is not None and mode not in DISPLAY_MODES:
            raise _invalid(f"`task_display_mode` must be one of {list(DISPLAY_MODES)}")
        chunks = self._stream_chunks(args)
        _check_room(0, chunks)  # before anything is posted
        msg = self._post_as_bot(channel, "", None, thread_ts=args.get("thread_ts"))
        msg.stream_state = "streaming"
        msg.stream_started = time.monotonic()
        self._add_chunks(msg, chunks)
        self._notify()
        return {"channel": channel.id, "ts": msg.ts}

    def _m_chat_appendStream(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, msg = self._streaming_message(args)
        chunks = self._stream_chunks(args)
        if not chunks:
            raise ApiError("no_text")
        self._add_chunks(msg, chunks)
        self._notify()
        return {"channel": channel.id, "ts": msg.ts}

    def _m_chat_stopStream(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, msg = self._streaming_message(args)
        chunks = self._stream_chunks(args)
        blocks = self._json_arg(args, "blocks", "invalid_blocks_format")
        if blocks is not None:
            self._check_blocks(blocks)
        metadata = self._json_arg(args, "metadata")
        self._add_chunks(msg, chunks)
        text = msg.text
        step = MAX_STREAM_MARKDOWN
        body = [{"type": "markdown", "text": text[i : i + step]} for i in range(0, len(text), step)]
        self._update_message(
            channel, msg, text, [*body, *(blocks or [])], None, blocks_given=True, attachments_given=False
        )
        msg.stream_state = "stopped"
        if isinstance(metadata, dict):
            msg.metadata = metadata
        self._notify()
        return {"channel": channel.id, "ts": msg.ts, "message": self._api_message(msg)}

    # ------------------------------------------------------------------ readers for assertions

    def streamed_pings(self, channel: str, ts: str) -> list[str]:
        """Who a streamed message's `markdown_text` would notify (<!channel>, <!here>, <@U…>, …): Slack parses
        them in the markdown as sent, inside code too (slack_standin.blocks.control_sequences)."""
        with self.lock:
            msg = self._messages[self.channel(channel).id].get(ts)
            if msg is None:
                return []
            return [p for c in msg.chunks if c.get("type") == "markdown_text" for p in bk.pings(c.get("text", ""))]

    def is_streaming(self, channel: str, ts: str) -> bool:
        with self.lock:
            msg = self._messages[self.channel(channel).id].get(ts)
            return msg is not None and msg.stream_state == "streaming"


def _check_room(streamed: int, chunks: list[dict[str, Any]]) -> None:
    """msg_too_long if the markdown of `chunks` would take a message that holds `streamed` characters of text past
    what a message's text holds."""
    added = sum(len(c["text"]) for c in chunks if c["type"] == "markdown_text")
    if streamed + added > bk.MAX_TEXT_CHARS:
        raise ApiError("msg_too_long")


def _chunk_problem(chunk: Any) -> str | None:
    if not isinstance(chunk, dict):
        return "must be an object"
    kind = chunk.get("type")
    if kind == "markdown_text":
        text = chunk.get("text")
        if not isinstance(text, str) or not text:
            return "missing required field: text"
        if len(text) > MAX_STREAM_MARKDOWN:
            return f"must be at most {MAX_STREAM_MARKDOWN} characters: text"
    elif kind == "task_update":
        if not all(isinstance(chunk.get(k), str) and chunk.get(k) for k in ("id", "title")):
            return "missing required field: id, title"
        if chunk.get("status") not in TASK_STATUSES:
            return f"status must be one of {list(TASK_STATUSES)}"
    elif kind == "plan_update":
        if not isinstance(chunk.get("title"), str) or not chunk["title"]:
            return "missing required field: title"
    elif kind == "blocks":
        errors = bk.validate_blocks(chunk.get("blocks"))
        if errors:
            return errors[0]
    else:
        return "type must be one of [markdown_text, task_update, plan_update, blocks]"
    return None
