"""Block Kit of the feedback surfaces: the 👎 follow-up, the comment modal and the "Improve this answer" modal."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot import payload
from feedback.labels import REASONS
from workers.slack.blocks import escape

IMPROVE_SHORTCUT = "improve_answer"
IMPROVE_VIEW = "improve_answer_submit"
COMMENT_VIEW = "feedback_comment_submit"
REASON_ACTION_PREFIX = "feedback_reason_"
COMMENT_ACTION = "feedback_comment"
CORRECTION_MAX_CHARS = 3000  # Slack's plain_text_input limit
COMMENT_MAX_CHARS = 1000


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text[:150], "emoji": True}


def reasons_message(label_id: int, chosen: Sequence[str] = (), comment: str = "") -> tuple[str, list[dict]]:
    """The ephemeral follow-up to a 👎: one-click reasons and an optional comment."""
    if chosen:
        names = ", ".join(REASONS[r] for r in chosen if r in REASONS)
        head = f"Thanks — noted: *{names}*." + (" Your comment was saved too." if comment else "")
    else:
        head = "Sorry that didn't help. What was wrong with the answer?"
    buttons: list[dict] = [
        {
            "type": "button",
            "action_id": f"{REASON_ACTION_PREFIX}{key}",
            "text": _plain(("✓ " if key in chosen else "") + name),
            "value": str(label_id),
        }
        for key, name in REASONS.items()
    ]
    buttons.append(
        {"type": "button", "action_id": COMMENT_ACTION, "text": _plain("Add a comment"), "value": str(label_id)}
    )
    blocks: list[dict] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": head}},
        {"type": "actions", "block_id": "feedback_reasons", "elements": buttons},
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "Only you see this. Feedback is reviewed and teaches the next version."}
            ],
        },
    ]
    return head.replace("*", ""), blocks


def comment_modal(label_id: int, channel_id: str, message_ts: str) -> dict:
    return {
        "type": "modal",
        "callback_id": COMMENT_VIEW,
        "private_metadata": json.dumps({"label_id": label_id, "channel": channel_id, "ts": message_ts}),
        "title": _plain("What was wrong?"),
        "submit": _plain("Send"),
        "close": _plain("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": "comment",
                "label": _plain("Your comment"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": COMMENT_MAX_CHARS,
                    "placeholder": _plain("e.g. the on-call rota moved to PagerDuty in May"),
                },
            }
        ],
    }


def improve_modal(*, question: str, answer: str, answered: bool, metadata: dict) -> dict:
    """Prefilled with the answer (redacted, as stored); for an "I don't know" the box starts empty."""
    element: dict = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": True,
        "max_length": CORRECTION_MAX_CHARS,
    }
    if answered and answer.strip():
        element["initial_value"] = answer[:CORRECTION_MAX_CHARS]
    else:
        element["placeholder"] = _plain("Write the answer you would have given")
    return {
        "type": "modal",
        "callback_id": IMPROVE_VIEW,
        "private_metadata": json.dumps(metadata),
        "title": _plain("Improve this answer"),
        "submit": _plain("Submit"),
        "close": _plain("Cancel"),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*Question*\n{escape(question)[:2900]}"}},
            {
                "type": "input",
                "block_id": "correction",
                "label": _plain("The right answer"),
                "element": element,
            },
            {
                "type": "input",
                "block_id": "note",
                "optional": True,
                "label": _plain("Source or note for the reviewer"),
                "element": {"type": "plain_text_input", "action_id": "value", "max_length": COMMENT_MAX_CHARS},
            },
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": "An admin reviews corrections. Once approved, I answer similar questions from it and "
                        "cite it as verified by you. Personal data and secrets are removed before it is stored.",
                    }
                ],
            },
        ],
    }


def view_value(view: dict, block_id: str) -> str:
    """The text typed into an input block of a submitted view ('' when empty, absent or malformed)."""
    values = payload.obj(payload.obj(view, "state"), "values")
    return payload.text(payload.obj(payload.obj(values, block_id), "value"), "value")
