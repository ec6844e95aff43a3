"""Block Kit of the feedback surfaces: the 👎 follow-up, the comment modal and the "Improve this answer" modal, built
with slack_sdk's models (which check Slack's limits as they serialise) and handed on as the dicts Slack receives."""

from __future__ import annotations

import json
from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import payload
from feedback.labels import REASONS
from workers.slack.blocks import escape

IMPROVE_SHORTCUT = "improve_answer"
IMPROVE_VIEW = "improve_answer_submit"
COMMENT_VIEW = "feedback_comment_submit"
REASON_ACTION_PREFIX = "feedback_reason_"
COMMENT_ACTION = "feedback_comment"
CORRECTION_MAX_CHARS = 3000  # Slack's plain_text_input limit
# The field error for text with nothing to read (payload.has_words): Slack's form accepts zero-width spaces, joiners,
# a BOM or no-break spaces alone, and the person sees an empty-looking box, so say what is in it.
NO_WORDS = (
    "This has no letters or digits, only spaces, emoji, punctuation or invisible characters (zero-width spaces, "
    "joiners). Write {what} in words, or cancel."
)
COMMENT_MAX_CHARS = 1000


def _plain(text: str) -> PlainTextObject:
    return PlainTextObject(text=text[:150], emoji=True)


def _context(text: str) -> Block:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def reasons_message(label_id: int, chosen: Sequence[str] = (), comment: str = "") -> tuple[str, list[dict]]:
    """The ephemeral follow-up to a 👎: one-click reasons and an optional comment."""
    if chosen:
        names = ", ".join(REASONS[r] for r in chosen if r in REASONS)
        head = f"Thanks — noted: *{names}*." + (" Your comment was saved too." if comment else "")
    else:
        head = "Sorry that didn't help. What was wrong with the answer?"
    buttons = [
        ButtonElement(
            action_id=f"{REASON_ACTION_PREFIX}{key}",
            text=_plain(("✓ " if key in chosen else "") + name),
            value=str(label_id),
        )
        for key, name in REASONS.items()
    ]
    buttons.append(ButtonElement(action_id=COMMENT_ACTION, text=_plain("Add a comment"), value=str(label_id)))
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=head)),
        ActionsBlock(block_id="feedback_reasons", elements=buttons),
        _context("Only you see this. Feedback is reviewed and teaches the next version."),
    ]
    return head.replace("*", ""), [b.to_dict() for b in blocks]


def comment_modal(label_id: int, channel_id: str, message_ts: str, response_url: str = "") -> dict:
    """`response_url`: the "Add a comment" click's, the way back to the person where the bot may not post (a DM
    between two people, a private channel it is not in). Only the app reads private_metadata; never logged."""
    meta: dict[str, object] = {"label_id": label_id, "channel": channel_id, "ts": message_ts}
    if response_url:
        meta["response_url"] = response_url
    return View(
        type="modal",
        callback_id=COMMENT_VIEW,
        private_metadata=json.dumps(meta),
        title=_plain("What was wrong?"),
        submit=_plain("Send"),
        close=_plain("Cancel"),
        blocks=[
            InputBlock(
                block_id="comment",
                label=_plain("Your comment"),
                element=PlainTextInputElement(
                    action_id="value",
                    multiline=True,
                    max_length=COMMENT_MAX_CHARS,
                    placeholder=_plain("e.g. the on-call rota moved to PagerDuty in May"),
                ),
            )
        ],
    ).to_dict()


def improve_modal(*, question: str, answer: str, answered: bool, metadata: dict) -> dict:
    """Prefilled with the answer (redacted, as stored); for an "I don't know" the box starts empty."""
    prefilled = answered and answer.strip()
    element = PlainTextInputElement(
        action_id="value",
        multiline=True,
        max_length=CORRECTION_MAX_CHARS,
        initial_value=answer[:CORRECTION_MAX_CHARS] if prefilled else None,
        placeholder=None if prefilled else _plain("Write the answer you would have given"),
    )
    return View(
        type="modal",
        callback_id=IMPROVE_VIEW,
        private_metadata=json.dumps(metadata),
        title=_plain("Improve this answer"),
        submit=_plain("Submit"),
        close=_plain("Cancel"),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=f"*Question*\n{escape(question)[:2900]}")),
            InputBlock(block_id="correction", label=_plain("The right answer"), element=element),
            InputBlock(
                block_id="note",
                optional=True,
                label=_plain("Source or note for the reviewer"),
                element=PlainTextInputElement(action_id="value", max_length=COMMENT_MAX_CHARS),
            ),
            _context(
                "An admin reviews corrections. Once approved, I answer similar questions from it and "
                "cite it as verified by you. Personal data and secrets are removed before it is stored."
            ),
        ],
    ).to_dict()


def view_value(view: dict, block_id: str) -> str:
    """The text typed into an input block of a submitted view ('' when empty, absent or malformed)."""
    values = payload.obj(payload.obj(view, "state"), "values")
    return payload.text(payload.obj(payload.obj(values, block_id), "value"), "value")
