"""Block Kit for answers: within Slack's limits (50 blocks, 3,000 chars per section or text element, 10 elements
per context block, 40,000 chars of message text), always a text fallback; answers in mrkdwn (workers.slack.mrkdwn).

Blocks are built with slack_sdk's models (which check Slack's limits as they serialise) and handed on as the dicts
Slack receives; the streamed answer's thinking steps are slack_sdk's chunk models. The pipeline's types are imported
for type checking only: the bot imports this module and must not load the pipeline.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import (
    Block,
    ContextActionsBlock,
    ContextBlock,
    FeedbackButtonObject,
    FeedbackButtonsElement,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.messages.chunk import Chunk, PlanUpdateChunk, TaskUpdateChunk

from guardrails.dont_know import explanation
from workers.slack.mrkdwn import cut_markdown, escape, link, split, to_markdown, to_mrkdwn

if TYPE_CHECKING:  # the bot imports this module: no pipeline (retrieval, models, Presidio) at its start-up
    from workers.attachments import Attachments
    from workers.pipeline import AnswerResult, CitationOut
    from workers.progress import Progress

SECTION_LIMIT = 3000
MAX_BLOCKS = 50
CONTEXT_ELEMENTS = 10
CONTEXT_TEXT = 2000  # characters per context element (Slack's text objects take 3,000; sources stay readable)
MESSAGE_TEXT = 39_000  # the fallback text (Slack: 40,000)
CUT_NOTICE = "_… the answer is cut here: it is longer than one Slack message holds. Follow the sources for the rest._"
_ENTITY_WORDS = {
    "EMAIL_ADDRESS": "an email address",
    "PERSON": "a person's name",
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


def _dicts(items: Sequence[Block | Chunk]) -> list[dict]:
    """As Slack receives them; `to_dict` checks each model against Slack's limits (SlackObjectFormationError)."""
    return [item.to_dict() for item in items]


def _section(text: str) -> Block:
    return SectionBlock(text=MarkdownTextObject(text=text))


def _context(*texts: str) -> Block:
    return ContextBlock(elements=[MarkdownTextObject(text=t) for t in texts])


# Slack's native 👍/👎 under an answer (a `context_actions` block): a click arrives as `block_actions` with this
# action_id and the button's value, and becomes the same label as a reaction (bot/feedback_listeners.py).
FEEDBACK_ACTION = "answer_feedback"
FEEDBACK_VALUES = {"up": "up", "down": "down"}  # button value → vote kind


# The 👍/👎 of an ephemeral answer: Slack's click on it names no message the bot can find again (an ephemeral
# message has no ts the app is told of when it comes through a response_url), so its block_id names the answer.
EPHEMERAL_FEEDBACK_PREFIX = "answer_feedback_for-"


def ephemeral_feedback(blocks: list[dict], interaction_id: uuid.UUID) -> list[dict]:
    """`blocks` with the feedback buttons' block_id naming the answer they rate (bot/feedback_listeners.py checks
    that whoever clicks is the asker: only they see an ephemeral message)."""
    return [
        {**b, "block_id": f"{EPHEMERAL_FEEDBACK_PREFIX}{interaction_id}"} if b.get("type") == "context_actions" else b
        for b in blocks
    ]


def ephemeral_feedback_of(block_id: str) -> uuid.UUID | None:
    """The answer an ephemeral answer's 👍/👎 block names (see ephemeral_feedback); None for any other block."""
    if not block_id.startswith(EPHEMERAL_FEEDBACK_PREFIX):
        return None
    try:
        return uuid.UUID(block_id.removeprefix(EPHEMERAL_FEEDBACK_PREFIX))
    except ValueError:
        return None


def feedback_block() -> Block:
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
    )


# How sure the bot is that the documents answer the question, in words (never a bare number to a user).
CONFIDENCE_WORDS = {
    "high": "Confidence: *high* — the documents clearly cover this. ",
    "medium": "Confidence: *medium* — check the sources. ",
}


def _split(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    return split(text, limit)


def _link(url: str, label: str) -> str:
    return link(url, label)


def pii_notice(pii: Mapping[str, Any], what: str = "your question") -> str | None:
    """What was removed from the question (or an attached file: `what`) — types only, never the values."""
    if not pii.get("found"):
        return None
    kinds = sorted({_ENTITY_WORDS.get(k, k.lower().replace("_", " ")) for k in pii.get("entities", {})})
    text = f":lock: I removed {', '.join(kinds)} from {what} before searching; it was not stored."
    if pii.get("secrets"):
        text += " It looked like a secret: *rotate it now* — treat it as exposed, even after deleting your message."
    return text


def _kb(n: int) -> str:
    return f"{n / 1000:,.0f} kB" if n >= 1000 else f"{n:,} bytes"


def attachment_notes(attachments: Attachments | None) -> list[str]:
    """What the user is told about their attached files: which were read (and what was removed from them), and
    plainly which were not, and why."""
    if attachments is None:
        return []
    notes: list[str] = []
    for f in attachments.read:
        name = f"`{escape(f.name)}`"
        part = f" (the first {f.lines_read:,} of {f.lines_total:,} lines)" if f.truncated else ""
        notes.append(f":page_facing_up: I read {name}{part} and searched with its key terms too.")
        removed = pii_notice(f.pii, what=name)
        if removed:
            notes.append(removed)
    for s in attachments.skipped:
        name = f"`{escape(s.name)}`" if s.name else "an attached file"
        if s.reason == "too_large" and s.detail.isdigit():
            why = f"it is {_kb(int(s.detail))}, and I read text files up to {_kb(attachments.max_bytes)}"
        elif s.reason == "too_large":  # larger than Slack said: only the limit was read
            why = f"it is larger than the {_kb(attachments.max_bytes)} I read of a text file"
        elif s.reason == "not_text":
            why = f"it is not a text file ({escape(s.detail)}); I read plain text, Markdown, code, CSV, JSON and logs"
        elif s.reason == "download_failed":
            why = f"I could not download it from Slack ({escape(s.detail)})"
        else:
            why = f"Slack would not give it to me ({escape(s.detail)})"
        notes.append(f":warning: I did not read {name}: {why}. This answer is from your message alone.")
    return notes


def _sources_block(citations: Sequence[CitationOut]) -> Block | None:
    """The numbered source links as one context block: at most 10 elements of at most 2,000 characters, a link
    never cut; sources that do not fit are counted ("and 3 more")."""
    seen: dict[int, CitationOut] = {}
    for c in citations:
        seen.setdefault(c.chunk_id, c)
    if not seen:
        return None
    elements: list[str] = ["*Sources*"]
    shown = 0
    for i, c in enumerate(seen.values(), start=1):
        number = f"{i}. "
        line = number + link(c.link, c.title, max_chars=CONTEXT_TEXT - len(number))  # longer: its title alone
        if len(elements[-1]) + 1 + len(line) <= CONTEXT_TEXT:
            elements[-1] += "\n" + line
        elif len(elements) < CONTEXT_ELEMENTS - 1:
            elements.append(line)
        else:
            break
        shown += 1
    if shown < len(seen):
        elements.append(f"… and {len(seen) - shown} more")
    return _context(*elements)


def _notice_text(notices: Sequence[str | None]) -> str | None:
    text = "\n".join(n for n in notices if n)
    return text[:SECTION_LIMIT] if text else None


def last_verified_note(day: str) -> str:
    """Under an answer given from a verified answer past its review date (workers.verified_review asks its owner)."""
    return f":hourglass_flowing_sand: From a verified answer last verified on {day}; its owner is asked to review it."


def answer_message(
    result: AnswerResult,
    *,
    pii: Mapping[str, Any],
    expert: str | None,
    feedback: bool = True,
    notes: Sequence[str] = (),
    max_blocks: int = MAX_BLOCKS,
) -> tuple[str, list[dict]]:
    """(fallback text, blocks) for a finished answer or an honest "I don't know"; with `feedback`, the native
    👍/👎 buttons are the last block (on an ephemeral message, ephemeral_feedback makes them name the answer). `notes`:
    more to tell the user with the notices (what became of their attached files)."""
    blocks: list[Block] = []
    notice = _notice_text([pii_notice(pii), *notes])
    tail_size = (1 if notice else 0) + 1 + (1 if feedback else 0)
    if result.status == "answered":
        sources = _sources_block(result.citations)
        parts = _split(to_mrkdwn(result.answer))
        room = max_blocks - tail_size - (1 if sources else 0)
        if len(parts) > room:  # say so rather than end mid-answer without a word
            parts = [*parts[: room - 1], CUT_NOTICE]
        blocks.extend(_section(part) for part in parts)
        if sources:
            blocks.append(sources)
        hint = (
            f"{CONFIDENCE_WORDS.get(result.confidence, '')}Was this helpful? Click 👍 or 👎 below (or react "
            ":+1: or :-1:), or use *Improve this answer* from the message menu."
        )
        stale = sorted({c.last_verified for c in result.citations if c.last_verified})
        if stale:  # a verified answer past its review date: still served, marked
            hint = f"{last_verified_note(stale[0])}\n{hint}"
        fallback = to_mrkdwn(result.answer)
    else:
        blocks.append(HeaderBlock(text=PlainTextObject(text=":thinking_face: I don't know")))
        body = explanation(result.reason)
        blocks.append(_section(escape(body)[:SECTION_LIMIT]))
        if result.closest:
            lines = [f"• {_link(d['link'], d['title'])}" for d in result.closest]
            closest = _split("*Closest documents*\n" + "\n".join(lines))[0]  # whole links only
            blocks.append(_section(closest))
        if expert:
            blocks.append(_section(f"You could ask {expert}."))
        hint = "If someone answers in this thread, an admin can turn it into a verified answer."
        fallback = escape(result.answer) + (f"\nYou could ask {expert}." if expert else "")
    tail: list[Block] = []
    if notice:
        tail.append(_context(notice))
        fallback = notice + "\n" + fallback
    tail.append(_context(hint))
    if feedback:
        tail.append(feedback_block())
    fallback = fallback if len(fallback) <= MESSAGE_TEXT else _split(fallback, MESSAGE_TEXT)[0]  # whole links
    return fallback, _dicts([*blocks[: max_blocks - len(tail)], *tail])


STREAM_PIECE = 2000  # characters of answer per chat.appendStream (Slack takes ≤ 12,000 per call)
# All the text one streamed answer may hold: its markdown_text goes out in pieces (≤ 12,000 characters a call), and
# together they are the message's text, which Slack holds to 40,000 characters (msg_too_long past it; Slack documents
# no other total for a streamed message). Longer is cut cleanly (cut_markdown), saying so, and keeps its sources (the
# final blocks) — as the fallback text of answer_message is cut.
STREAM_TEXT = MESSAGE_TEXT


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
    result: AnswerResult, *, pii: Mapping[str, Any], expert: str | None, collections: int, notes: Sequence[str] = ()
) -> StreamedAnswer:
    text, blocks = answer_message(result, pii=pii, expert=expert, notes=notes)
    sources = len({c.chunk_id for c in result.citations})
    searched = f"Searched {_collections(collections)}"
    if result.status == "answered":
        markdown = to_markdown(result.answer)
        body = next((i for i, b in enumerate(blocks) if b["type"] != "section"), len(blocks))  # the answer's
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
    notice = _notice_text([pii_notice(pii), *notes])
    if notice:
        markdown = f"{notice}\n\n{markdown}"
    if len(markdown) > STREAM_TEXT:  # cut cleanly (cut_markdown), and say so rather than end mid-answer
        markdown = f"{cut_markdown(markdown, STREAM_TEXT - len(CUT_NOTICE) - 2)}\n\n{CUT_NOTICE}"
    said = {notice, f"You could ask {expert}." if expert else None} - {None}
    final = [b for b in blocks[body:] if _block_text(b) not in said]
    steps = _dicts(
        [
            PlanUpdateChunk(title=title),
            TaskUpdateChunk(id="search", title=searched, status="complete"),
            TaskUpdateChunk(id="check", title=checked, status="complete"),
        ]
    )
    return StreamedAnswer(steps, _pieces(markdown, STREAM_PIECE), final, text, blocks)


def _collections(n: int) -> str:
    return f"{n} collection{'s' if n != 1 else ''}"


def opening_steps(collections: int) -> list[dict]:
    """The stream's first chunks, before the pipeline has found anything (workers/slack/live.py)."""
    return _dicts(
        [
            PlanUpdateChunk(title="Looking into it"),
            TaskUpdateChunk(id="search", title=f"Searching {_collections(collections)}", status="in_progress"),
        ]
    )


def progress_steps(event: Progress, collections: int) -> list[dict]:
    """A pipeline progress event as task updates: counts only, never a word of an unchecked draft."""
    if event.stage == "retrieved":
        found = f"{event.passages} passage{'s' if event.passages != 1 else ''}"
        title = f"Searched {_collections(collections)}: {found} found"
        return _dicts([TaskUpdateChunk(id="search", title=title, status="complete")])
    sources = f"{event.sources} source{'s' if event.sources != 1 else ''}"
    return _dicts([TaskUpdateChunk(id="check", title=f"Checking the answer against {sources}", status="in_progress")])


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
    text, blocks = answer_message(result, pii={}, expert=None, feedback=False, max_blocks=MAX_BLOCKS - 1)
    return f"{head}\n{text}", [_section(head).to_dict(), *blocks]


def failure_message(reason: str) -> tuple[str, list[dict]]:
    text = (
        f":warning: Sorry — I couldn't produce an answer this time ({reason}). "
        "Please ask again in a few minutes; if it keeps happening, tell an Answerloop admin."
    )
    return text, [_section(text).to_dict()]
