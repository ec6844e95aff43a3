"""Chatting with the bot as a Slack user, in the terminal: the question goes to #general through the stand-in,
and what the thread shows — its status (or the placeholder), the steps streamed, then the answer with its
sources — is printed as it happens, read from the stand-in like a Slack client would render it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from cli.output import frame_width

PLACEHOLDER_MARK = "Looking into it"
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_LINK = re.compile(r"<(https?://[^|>]+|[^|>]+)\|([^>]+)>")


def to_terminal(mrkdwn: str) -> str:
    """Slack mrkdwn → plain text: `<url|label>` becomes `label (url)`; entities are unescaped."""
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", mrkdwn)
    text = _BOLD.sub(r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render_blocks(blocks: Iterable[dict] | None, fallback: str) -> str:
    lines: list[str] = []
    for block in blocks or []:
        if block.get("type") in ("section", "header"):
            lines.append(block["text"]["text"])
        elif block.get("type") == "markdown":  # a streamed answer's text
            lines.append(block.get("text", ""))
        elif block.get("type") == "context":
            lines.extend(e.get("text", "") for e in block.get("elements", []))
        elif block.get("type") == "context_actions":
            lines.append("[👍] [👎]   (/up, /down, /improve …)")
    return to_terminal("\n".join(lines) if lines else fallback)


def is_final(message: Any) -> bool:
    """A bot message that is neither the placeholder nor a stream still being written."""
    streaming = getattr(message, "stream_state", None) == "streaming"
    return bool(message.text) and PLACEHOLDER_MARK not in message.text and not streaming


@dataclass
class Turn:
    """The bot's latest answer in the terminal chat: what `/up`, `/down`, `/reply` and `/improve` act on."""

    channel: str
    thread_ts: str  # the question's ts: the thread
    answer_ts: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def has_feedback_buttons(self) -> bool:
        return any(b.get("type") == "context_actions" for b in self.blocks)


class ThreadWatcher:
    """Prints what a thread shows as it changes: each status set, the placeholder, each streamed step.

    `poll()` is cheap and idempotent: it prints only what it has not printed yet."""

    def __init__(self, slack, console: Console, channel: str, thread_ts: str, *, after_ts: str = "0") -> None:
        self.slack, self.console = slack, console
        self.channel, self.thread_ts, self.after_ts = channel, thread_ts, after_ts
        self.start = time.monotonic()
        self._statuses = len(slack.statuses(channel, thread_ts))
        self._seen: set[tuple[str, ...]] = set()
        self._shown_status = False

    def _say(self, what: str) -> None:
        self.console.print(f"[dim]  {time.monotonic() - self.start:5.2f} s[/] {what}")

    def new_replies(self) -> list[Any]:
        return [m for m in self.slack.bot_replies(self.channel, self.thread_ts) if m.ts > self.after_ts]

    def poll(self) -> None:
        statuses = self.slack.statuses(self.channel, self.thread_ts)
        for status in statuses[self._statuses :]:
            if not status["status"]:
                continue
            loading = escape(" · ".join(status["loading_messages"]))
            if not self._shown_status:  # the thread's status line, once; later updates change what it rotates
                self._shown_status = True
                self._say(f"[italic]answerloop {escape(status['status'])}[/]" + (f" ({loading})" if loading else ""))
            elif loading:
                self._say(f"[italic]{loading}[/]")
        self._statuses = len(statuses)
        for message in self.new_replies():
            first = message.versions[0]["text"] or ""
            if PLACEHOLDER_MARK in first:
                self._once(("placeholder", message.ts), f"placeholder: {escape(to_terminal(first))}")
            for chunk in getattr(message, "chunks", []):
                if chunk.get("type") == "plan_update":
                    self._once(("plan", message.ts, chunk["title"]), f"[bold]{escape(chunk['title'])}[/]")
                elif chunk.get("type") == "task_update":
                    key = ("task", message.ts, chunk["id"], chunk["status"])
                    mark = "✓" if chunk["status"] == "complete" else "…"
                    self._once(key, f"{mark} {escape(chunk['title'])}")
            if getattr(message, "stream_state", None) == "streaming" and message.text:
                self._once(("text", message.ts), "the checked answer is streaming in…")

    def _once(self, key: tuple[str, ...], what: str) -> None:
        if key not in self._seen:
            self._seen.add(key)
            self._say(what)

    def wait_for_answer(self, timeout: float) -> Any:
        """The bot's final reply in the thread (newer than `after_ts`), printing progress meanwhile."""

        def answer() -> Any:
            self.poll()
            done = [m for m in self.new_replies() if is_final(m)]
            return done[-1] if done else None

        return self.slack.wait_for(answer, timeout, interval=0.02, message="no answer in time")


def show_answer(console: Console, message: Any, seconds: float) -> None:
    title = f"answerloop, in the thread ({seconds:.1f} s)"
    style = "green" if "I don't know" not in message.text else "yellow"
    body = escape(render_blocks(message.blocks, message.text))
    console.print(Panel(body, title=title, title_align="left", border_style=style), width=frame_width(console))


def ask_in_slack(slack, console: Console, question: str, *, channel: str, timeout: float = 180) -> Turn | None:
    """Post `question` as alice mentioning the bot; print the thread's progress and the answer. None on timeout."""
    from slack_standin import BOT_USER_ID

    msg = slack.post_message(channel, f"<@{BOT_USER_ID}> {question}")
    watcher = ThreadWatcher(slack, console, channel, msg.ts)
    try:
        final = watcher.wait_for_answer(timeout)
    except TimeoutError:
        console.print("[red]No answer in time.[/] The worker log is under ~/.local/share/answerloop/logs.")
        return None
    acked = [d.ack_latency for d in slack.deliveries(event_type="app_mention", ts=msg.ts) if d.ack_latency]
    if acked:
        console.print(f"[dim]  (the event was acknowledged in {acked[0] * 1000:.0f} ms)[/]")
    show_answer(console, final, time.monotonic() - watcher.start)
    return Turn(channel, msg.ts, final.ts, final.text, list(final.blocks or []))
