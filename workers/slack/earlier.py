"""The message an earlier attempt put in Slack for a request without its ts being recorded.

Slack took the message (chat.postMessage, chat.startStream) and then the attempt died before committing its ts:
the process killed, Postgres gone at the commit. The next attempt must finish that message, not post a second one.
Two ways to know it again, read from the thread (conversations.replies) or, with no thread (an /ask), the channel:

- a message the worker posts carries metadata naming its request (RequestKey.message_metadata);
- chat.startStream takes no metadata, so a stream that was never stopped is known as the bot's own reply in the
  thread, after the question, that carries no metadata and whose ts no request of the channel recorded. Every
  stream the worker finishes names its request (chat.stopStream's metadata), and every other message it posts in
  a thread is recorded or tagged, so what is left is a stream some attempt lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core import db
from workers.slack import store as slack_store
from workers.slack.client import transient
from workers.slack.store import RequestKey

log = logging.getLogger(__name__)

# How far back (seconds) a channel's history is read for an /ask's message: the request's creation, less this
# allowance for clocks that differ between Slack and Postgres.
CLOCK_SKEW_S = 300


def earlier_message(client: WebClient, conn: db.Conn, key: RequestKey, row: dict, thread_ts: str) -> str | None:
    """The ts of the message an earlier attempt put in Slack for this request, if any: the one whose metadata
    names it, else (in a thread) a stream of this bot's that no request recorded. Slack refusing the read for good
    (a missing scope, the thread gone): None. A transient refusal (429, 5xx) is raised as SlackApiError, for the
    caller to retry like the rest of the delivery."""
    messages = list(_messages(client, key, row, thread_ts))
    wanted = key.message_metadata()
    for message in messages:
        meta = message.get("metadata")
        if isinstance(meta, dict) and all(meta.get(k) == v for k, v in wanted.items()):
            return str(message["ts"])
    if not thread_ts or not messages:
        return None
    return _lost_stream(client, conn, key, thread_ts, messages)


def _messages(client: WebClient, key: RequestKey, row: dict, thread_ts: str) -> Iterator[dict[str, Any]]:
    """The thread's replies after the question (no thread: the channel's messages since the request was made)."""
    since = f"{row['created_at'].timestamp() - CLOCK_SKEW_S:.6f}" if row.get("created_at") else "0"
    oldest = key.message_ts if key.message_ts.replace(".", "", 1).isdigit() else since  # an /ask's is no ts
    cursor = None
    while True:
        common: dict[str, Any] = {
            "channel": key.channel_id,
            "include_all_metadata": True,
            "limit": 200,
            "cursor": cursor,
        }
        try:
            if thread_ts:
                page = client.conversations_replies(ts=thread_ts, oldest=oldest, **common)
            else:
                page = client.conversations_history(oldest=since, **common)
        except SlackApiError as exc:
            if transient(exc):
                raise
            why = exc.response.get("error") if exc.response is not None else "slack_error"
            log.info("%s: could not look for an earlier answer (%s)", key, why)
            return
        yield from (m for m in page.get("messages") or [] if isinstance(m, dict) and m.get("ts"))
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return


def _lost_stream(
    client: WebClient, conn: db.Conn, key: RequestKey, thread_ts: str, messages: list[dict[str, Any]]
) -> str | None:
    """The first of this bot's untagged replies after the question whose ts no request of the channel holds."""
    try:
        me = client.auth_test()
    except SlackApiError as exc:
        if transient(exc):
            raise
        return None
    user_id, bot_id = me.get("user_id"), me.get("bot_id")
    untagged = [
        str(m["ts"])
        for m in messages
        if m["ts"] != thread_ts  # the parent, listed first whatever `oldest` says
        and not m.get("metadata")
        and ((user_id and m.get("user") == user_id) or (bot_id and m.get("bot_id") == bot_id))
    ]
    if not untagged:
        return None
    recorded = slack_store.recorded_messages(conn, key.team_id, key.channel_id, untagged)
    return next((ts for ts in untagged if ts not in recorded), None)
