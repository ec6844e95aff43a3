"""Chatting with the bot as a Slack user, in the terminal: the question goes to #general through the stand-in,
and the thread's status (or the placeholder), the steps streamed, then the answer with its sources, are printed
as the bot shows them."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

from rich.console import Console
from rich.panel import Panel

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
    return to_terminal("\n".join(lines) if lines else fallback)


def _final(message) -> bool:
    """Neither the placeholder nor a stream still being written."""
    streaming = getattr(message, "stream_state", None) == "streaming"
    return bool(message.text) and PLACEHOLDER_MARK not in message.text and not streaming


def ask_in_slack(slack, console: Console, question: str, *, channel: str, timeout: float = 180) -> bool:
    """Post `question` as alice mentioning the bot; print the placeholder and the answer. False on timeout."""
    from slack_standin import BOT_USER_ID

    start = time.monotonic()
    msg = slack.post_message(channel, f"<@{BOT_USER_ID}> {question}")
    try:
        # The thread status (Slack's AI-app experience) or, where that is refused, the placeholder.
        slack.wait_for(lambda: slack.statuses(channel, msg.ts) or slack.bot_replies(channel, msg.ts), timeout=15)
        statuses = slack.statuses(channel, msg.ts)
        if statuses:
            loading = " · ".join(statuses[0]["loading_messages"])
            shown = f"_{statuses[0]['status']}_ ({loading})" if loading else statuses[0]["status"]
        else:
            first = slack.bot_replies(channel, msg.ts)[0]
            shown = first.history[0]["text"] if first.history else first.text
        acked = slack.ack_latencies("events_api")
        ack = f", event acked in {acked[-1] * 1000:.0f} ms" if acked else ""
        console.print(f"[dim]answerloop ({time.monotonic() - start:.2f} s{ack}):[/] {to_terminal(shown)}")
        final = slack.wait_for_bot_reply(channel, msg.ts, timeout=timeout, predicate=_final)
    except TimeoutError:
        console.print("[red]No answer in time.[/] The worker log is under ~/.local/share/answerloop/logs.")
        return False
    steps = [c["title"] for c in getattr(final, "chunks", []) if c.get("type") == "task_update"]
    if steps:
        console.print("[dim]" + " → ".join(steps) + "[/]")
    title = f"answerloop, in the thread ({time.monotonic() - start:.1f} s)"
    style = "green" if "I don't know" not in final.text else "yellow"
    console.print(Panel(render_blocks(final.blocks, final.text), title=title, title_align="left", border_style=style))
    return True
