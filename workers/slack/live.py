"""The answer's stream opened while the pipeline works, so Slack shows live "thinking steps" (issue F.1).

The stream's message is opened with the plan and a "Searching N collections" task before the pipeline runs, and
its ts is committed at once: from then on every attempt finishes that one message (workers/tasks.py
`_deliver_stream`), so a redelivered task never opens a second one — nor when the commit was lost after Slack
took the stream (workers/slack/earlier.py finds it). Progress adds task updates (counts only:
nothing of a draft is shown before its grounding check passed). Anything Slack refuses here just means no live
steps: the answer is still delivered the usual way, which starts the stream itself or falls back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core import db
from workers.progress import Progress
from workers.slack import store as slack_store
from workers.slack.blocks import opening_steps, progress_steps
from workers.slack.earlier import earlier_message
from workers.slack.store import RequestKey

log = logging.getLogger(__name__)


@dataclass
class LiveStream:
    client: WebClient
    key: RequestKey
    ts: str
    collections: int
    broken: bool = False  # Slack refused an update: no more live steps (the final delivery copes)

    def show(self, event: Progress) -> None:
        """A pipeline progress event as task updates on the stream (best effort)."""
        if self.broken:
            return
        try:
            self.client.chat_appendStream(
                channel=self.key.channel_id, ts=self.ts, chunks=progress_steps(event, self.collections)
            )
        except (SlackApiError, OSError) as exc:  # OSError: Slack unreachable
            self.broken = True
            log.info("%s: live steps stopped (%s)", self.key, _why(exc))


def start_stream(client: WebClient, key: RequestKey, *, thread_ts: str, user_id: str, chunks: list[dict]) -> str:
    """chat.startStream of the answer in its thread, for the asker, steps shown as a plan; returns its ts."""
    return client.chat_startStream(
        channel=key.channel_id,
        thread_ts=thread_ts,
        recipient_user_id=user_id,
        recipient_team_id=key.team_id,
        task_display_mode="plan",
        chunks=chunks,
    )["ts"]


def open_live_stream(client: WebClient, key: RequestKey, *, user_id: str, collections: int) -> LiveStream | None:
    """Start the answer's stream now (None: not started here — delivered already, an earlier attempt started one,
    or Slack refused; the final delivery then does what it does without live steps)."""
    with db.connection() as conn:
        row = slack_store.lock_undelivered(conn, key)
        if row is None or row["placeholder_ts"] is not None:
            return None
        try:
            if slack_store.may_have_posted(row) and (lost := earlier_message(client, conn, key, row, row["thread_ts"])):
                slack_store.set_placeholder(conn, key, lost)  # an earlier attempt's, its ts never recorded: the
                return None  # final delivery finishes that one (chat.update), no second stream is opened
            ts = start_stream(
                client, key, thread_ts=row["thread_ts"], user_id=user_id, chunks=opening_steps(collections)
            )
        except (SlackApiError, OSError) as exc:  # OSError: Slack unreachable — no live steps, the answer goes on
            log.info("%s: no live steps (%s)", key, _why(exc))
            return None
        slack_store.set_placeholder(conn, key, ts)
    return LiveStream(client, key, ts, collections)


def _why(exc: Exception) -> str:
    if isinstance(exc, SlackApiError) and exc.response is not None:
        return str(exc.response.get("error"))
    return type(exc).__name__
