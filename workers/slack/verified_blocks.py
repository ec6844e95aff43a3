"""Block Kit of a verified answer's review: the DM its owner gets (Still correct / Update / Retire) and what the
message becomes once a button was used. (The note an answer from it carries past its review date:
workers.slack.blocks.last_verified_note.)"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from workers.slack.blocks import escape

if TYPE_CHECKING:  # the bot imports this module: not the knowledge base (and its embedder) at start-up
    from workers.kb.verified import VerifiedAnswer

STILL_CORRECT = "verified_still_correct"
UPDATE = "verified_update"
RETIRE = "verified_retire"
ACTIONS = (STILL_CORRECT, UPDATE, RETIRE)
_EXCERPT = 1200  # of the answer in the DM: enough to judge it, well under a section's 3,000


def _day(when: datetime) -> str:
    return f"{when:%Y-%m-%d}"


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# In place of a question its reader could not have read where it was asked (workers.access.may_see_where_asked).
NOT_QUOTED = "_Asked in a DM or a private channel you are not in: not quoted here._"


def _question(answer: VerifiedAnswer, quote_question: bool) -> str:
    return escape(_cut(answer.question, 500)) if quote_question else NOT_QUOTED


def review_request(answer: VerifiedAnswer, *, quote_question: bool = True) -> tuple[str, list[dict]]:
    """(fallback text, blocks) of the DM asking the owner whether a verified answer still holds; its question only
    when `quote_question` (the owner could read it where it was asked)."""
    why = []
    if answer.review_due:
        why.append(f"it was last verified on {_day(answer.verified_at)} (review due {_day(answer.review_after)})")
    changed = answer.changed_sources
    if changed:
        why.append("a document it was based on has changed since it was approved")
    text = f"Please review verified answer {answer.id}: " + " and ".join(why or ["its review is due"]) + "."
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f":mag: *Is this verified answer still correct?* {escape(text)}")),
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*Question*\n{_question(answer, quote_question)}\n"
                f"*Answer*\n{escape(_cut(answer.answer, _EXCERPT))}"
            )
        ),
    ]
    if changed:
        lines = [
            f"• {escape(s.title or s.source_path)} (`{escape(s.source_path)}`): "
            + ("removed" if s.state == "removed" else "changed")
            for s in changed[:10]
        ]
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text="*Sources changed since approval*\n" + "\n".join(lines)))
        )
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Collection `{escape(answer.collection)}` · verified by {escape(answer.verified_by)} · "
                    f"you own it. Until you decide, I keep answering from it, marked “last verified on "
                    f"{_day(answer.verified_at)}”."
                )
            ]
        )
    )
    value = str(answer.id)
    blocks.append(
        ActionsBlock(
            block_id=f"verified_review-{answer.id}",
            elements=[
                ButtonElement(text="Still correct", action_id=STILL_CORRECT, value=value, style="primary"),
                ButtonElement(text="Update", action_id=UPDATE, value=value),
                ButtonElement(
                    text="Retire",
                    action_id=RETIRE,
                    value=value,
                    style="danger",
                    confirm=ConfirmObject(
                        title="Retire this verified answer?",
                        text="I will stop answering from it. An admin can bring it back by approving it again.",
                        confirm="Retire",
                        deny="Keep it",
                    ),
                ),
            ],
        )
    )
    return text, [b.to_dict() for b in blocks]


def review_outcome(answer: VerifiedAnswer, outcome: str, *, quote_question: bool = True) -> tuple[str, list[dict]]:
    """The DM once decided: the question (as the DM quoted it) and what was done, without the buttons (decided
    once)."""
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"*Question*\n{_question(answer, quote_question)}")),
        ContextBlock(elements=[MarkdownTextObject(text=escape(outcome))]),
    ]
    return outcome, [b.to_dict() for b in blocks]
