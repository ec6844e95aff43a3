"""Block Kit for answers: within Slack's limits (50 blocks, 3,000 chars per section), always a text fallback."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import ContextActionsBlock, FeedbackButtonObject, FeedbackButtonsElement

from guardrails.dont_know import explanation
from workers.pipeline import AnswerResult, CitationOut

SECTION_LIMIT = 3000
MAX_BLOCKS = 50
_ENTITY_WORDS = {
    "EMAIL_ADDRESS": "an email address",
    "PHONE_NUMBER": "a phone number",
    "CREDIT_CARD": "a card number",
    "IBAN_CODE": "a bank account (IBAN)",
    "IP_ADDRESS": "an IP address",
    "US_SSN": "a social security number",
    "AWS_ACCESS_KEY": "an AWS access key",
    "AWS_SECRET_KEY": "an AWS secret key",
    "SLACK_TOKEN": "a Slack token",
    "GITHUB_TOKEN": "a GitHub token",
    "PRIVATE_KEY": "a private key",
    "JWT": "a JWT",
    "API_KEY": "an API key",
    "GENERIC_SECRET": "a password or secret",
}


# Slack's native 👍/👎 under an answer (a `context_actions` block): a click arrives as `block_actions` with this
# action_id and the button's value, and becomes the same label as a reaction (bot/feedback_listeners.py).
FEEDBACK_ACTION = "answer_feedback"
FEEDBACK_VALUES = {"up": "up", "down": "down"}  # button value → vote kind


def feedback_block() -> dict:
    """The native feedback buttons. A fresh block_id per message, as Slack asks (a message updated with the
    same block_id may keep the old block's state)."""
    return ContextActionsBlock(
        block_id=f"answer_feedback-{uuid.uuid4().hex[:16]}",
        elements=[
            FeedbackButtonsElement(
                action_id=FEEDBACK_ACTION,
                positive_button=FeedbackButtonObject(
                    text="👍", value="up", accessibility_label="This answer was helpful"
                ),
                negative_button=FeedbackButtonObject(
                    text="👎", value="down", accessibility_label="This answer was not helpful"
                ),
            )
        ],
    ).to_dict()


# How sure the bot is that the documents answer the question, in words (never a bare number to a user).
CONFIDENCE_WORDS = {
    "high": "Confidence: *high* — the documents clearly cover this. ",
    "medium": "Confidence: *medium* — check the sources. ",
}


def escape(text: str) -> str:
    """Slack mrkdwn escaping: & < > (so text can never form a link, a mention or <!channel>)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _split(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    parts, rest = [], text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut])
        rest = rest[cut:].lstrip()
    return [*parts, rest] if rest else parts


def _link(url: str, label: str) -> str:
    label = escape(label).replace("|", "¦")
    return f"<{url}|{label}>" if url.startswith(("http://", "https://")) else f"{label} (`{url}`)"


def pii_notice(pii: Mapping[str, Any]) -> str | None:
    """What was removed from the question — types only, never the values."""
    if not pii.get("found"):
        return None
    kinds = sorted({_ENTITY_WORDS.get(k, k.lower().replace("_", " ")) for k in pii.get("entities", {})})
    text = f":lock: I removed {', '.join(kinds)} from your question before searching; it was not stored."
    if pii.get("secrets"):
        text += " It looked like a secret: *rotate it now* — treat it as exposed, even after deleting your message."
    return text


def answer_message(
    result: AnswerResult, *, pii: Mapping[str, Any], expert: str | None, feedback: bool = True
) -> tuple[str, list[dict]]:
    """(fallback text, blocks) for a finished answer or an honest "I don't know"; with `feedback`, the native
    👍/👎 buttons are the last block (never on an ephemeral message: a click there names no message)."""
    blocks: list[dict] = []
    notice = pii_notice(pii)
    if result.status == "answered":
        for part in _split(escape(result.answer)):
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": part}})
        seen: dict[int, CitationOut] = {}
        for c in result.citations:
            seen.setdefault(c.chunk_id, c)
        if seen:
            lines = [
                f"{i}. {_link(c.link, f'{c.document_title} › {c.section}')}"
                for i, c in enumerate(seen.values(), start=1)
            ]
            blocks.append(
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": t} for t in _split("*Sources*\n" + "\n".join(lines), 2000)][
                        :10
                    ],
                }
            )
        hint = (
            f"{CONFIDENCE_WORDS.get(result.confidence, '')}Was this helpful? Click 👍 or 👎 below (or react "
            ":+1: or :-1:), or use *Improve this answer* from the message menu."
        )
        fallback = escape(result.answer)
    else:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": ":thinking_face: I don't know"}})
        body = explanation(result.reason)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": escape(body)[:SECTION_LIMIT]}})
        if result.closest:
            lines = [f"• {_link(d['link'], d['title'])}" for d in result.closest]
            blocks.append(
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": ("*Closest documents*\n" + "\n".join(lines))[:3000]},
                }
            )
        if expert:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"You could ask {expert}."}})
        hint = "If someone answers in this thread, an admin can turn it into a verified answer."
        fallback = escape(result.answer) + (f"\nYou could ask {expert}." if expert else "")
    tail: list[dict] = []
    if notice:
        tail.append({"type": "context", "elements": [{"type": "mrkdwn", "text": notice}]})
        fallback = notice + "\n" + fallback
    tail.append({"type": "context", "elements": [{"type": "mrkdwn", "text": hint}]})
    if feedback:
        tail.append(feedback_block())
    return fallback[:39_000], [*blocks[: MAX_BLOCKS - len(tail)], *tail]


STREAM_PIECE = 2000  # characters of answer per chat.appendStream (Slack takes ≤ 12,000 per call)


@dataclass(frozen=True)
class StreamedAnswer:
    """An answer as a stream: the "thinking steps" (plan/task chunks) that open it, the checked answer text as
    markdown pieces, then the final blocks (sources, notices, hint, 👍/👎) that chat.stopStream renders under it.
    `text` and `blocks` are the same answer as one message, for a chat.update fallback."""

    steps: list[dict]
    pieces: list[str]
    final_blocks: list[dict]
    text: str
    blocks: list[dict]


def streamed_answer(
    result: AnswerResult, *, pii: Mapping[str, Any], expert: str | None, collections: int
) -> StreamedAnswer:
    text, blocks = answer_message(result, pii=pii, expert=expert)
    sources = len({c.chunk_id for c in result.citations})
    searched = f"Searched {collections} collection{'s' if collections != 1 else ''}"
    if result.status == "answered":
        markdown = escape(result.answer)
        body = len(_split(markdown))
        checked = f"Checked the answer against {sources} source{'s' if sources != 1 else ''}"
        title = "Found it in the documents"
    else:
        markdown = f"**I don't know.** {escape(explanation(result.reason))}" + (
            f"\nYou could ask {expert}." if expert else ""
        )
        body = 2  # the header and its explanation
        checked = "No passage answers this well enough: not guessing"
        title = "Not in the documents"
    # What was removed from the question, and who to ask, are part of the streamed text (they are the message's
    # text, as in the fallback); the rest — sources, closest documents, hint, 👍/👎 — are the final blocks.
    notice = pii_notice(pii)
    if notice:
        markdown = f"{notice}\n\n{markdown}"
    said = {notice, f"You could ask {expert}." if expert else None} - {None}
    final = [b for b in blocks[body:] if _block_text(b) not in said]
    steps = [
        {"type": "plan_update", "title": title},
        {"type": "task_update", "id": "search", "title": searched, "status": "complete"},
        {"type": "task_update", "id": "check", "title": checked, "status": "complete"},
    ]
    return StreamedAnswer(steps, _pieces(markdown, STREAM_PIECE), final, text, blocks)


def _block_text(block: dict) -> str | None:
    if block.get("type") == "section":
        return (block.get("text") or {}).get("text")
    if block.get("type") == "context" and len(block.get("elements") or []) == 1:
        return block["elements"][0].get("text")
    return None


def _pieces(text: str, limit: int) -> list[str]:
    """`text` cut into pieces of at most `limit` characters, at a line break or a space where possible; joined
    they are exactly `text` (a stream appends them as they are)."""
    out, rest = [], text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        cut = cut + 1 if cut > 0 else limit
        out.append(rest[:cut])
        rest = rest[cut:]
    return [*out, rest] if rest else out


def private_answer_message(result: AnswerResult) -> tuple[str, list[dict]]:
    """The ephemeral follow-up with an answer from restricted documents only the asker may read."""
    head = ":lock: I found more in documents only you can see (this reply is visible only to you):"
    text, blocks = answer_message(result, pii={}, expert=None, feedback=False)
    return f"{head}\n{text}", [{"type": "section", "text": {"type": "mrkdwn", "text": head}}, *blocks][:MAX_BLOCKS]


def failure_message(reason: str) -> tuple[str, list[dict]]:
    text = (
        f":warning: Sorry — I couldn't produce an answer this time ({reason}). "
        "Please ask again in a few minutes; if it keeps happening, tell an Answerloop admin."
    )
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
