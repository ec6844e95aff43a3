"""Block Kit of verified answers' reviews: the note under an answer past its review date, the owner's DM and what
it becomes once decided — within Slack's block rules (the stand-in's validator)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from slack_standin.blocks import validate_blocks
from workers.kb.verified import Source, VerifiedAnswer
from workers.pipeline import AnswerResult, CitationOut
from workers.slack.blocks import answer_message, streamed_answer
from workers.slack.verified_blocks import ACTIONS, review_outcome, review_request

NOW = datetime(2026, 12, 5, tzinfo=UTC)


def _answer(last_verified: str | None) -> AnswerResult:
    cite = CitationOut(1, "Verified answer (verified by bob)", "q?", "https://x.slack.com/p1", "7 minutes",
                       verified=True, last_verified=last_verified)  # fmt: skip
    return AnswerResult("id", "answered", "Pages escalate after 7 minutes.", "", "q?", citations=[cite])


def test_an_answer_past_its_review_date_says_when_it_was_last_verified():
    _, blocks = answer_message(_answer("2026-09-01"), pii={}, expert=None)
    assert "last verified on 2026-09-01" in json.dumps(blocks)
    assert validate_blocks(blocks) == []
    streamed = streamed_answer(_answer("2026-09-01"), pii={}, expert=None, collections=1)
    assert "last verified on 2026-09-01" in json.dumps(streamed.final_blocks)
    _, fresh = answer_message(_answer(None), pii={}, expert=None)
    assert "last verified" not in json.dumps(fresh)


def _verified(*, due: bool, changed: bool) -> VerifiedAnswer:
    verified_at = NOW - timedelta(days=100 if due else 10)
    return VerifiedAnswer(
        id=42, team_id="T1", collection="handbook", question="How long before a page escalates? <!channel>",
        answer="After 7 minutes. " * 200, verified_by="bob", approved_by="ann", owner="U0BOB00001",
        status="active", created_at=verified_at, verified_at=verified_at, review_after=verified_at + timedelta(90),
        document_id=7, interaction_id="i", permalink="",
        sources=(Source("handbook", "on-call.md", "On-Call", "changed" if changed else "unchanged"),),
        read_at=NOW,
    )  # fmt: skip


def test_the_review_dm_says_why_and_carries_the_three_buttons():
    text, blocks = review_request(_verified(due=True, changed=True))
    assert validate_blocks(blocks) == []
    assert "last verified on 2026-08-27" in text and "has changed since it was approved" in text
    blob = json.dumps(blocks)
    assert "on-call.md" in blob and "&lt;!channel&gt;" in blob and "<!channel>" not in blob
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert tuple(e["action_id"] for e in actions["elements"]) == ACTIONS
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")

    text, blocks = review_request(_verified(due=False, changed=True))
    assert "last verified" not in text and "changed" in text
    text, blocks = review_request(_verified(due=True, changed=False))
    assert "Sources changed" not in json.dumps(blocks)


def test_once_decided_the_dm_has_no_buttons():
    text, blocks = review_outcome(_verified(due=True, changed=False), "Retired by <@U0BOB00001>.")
    assert validate_blocks(blocks) == []
    assert text == "Retired by <@U0BOB00001>." and "actions" not in json.dumps(blocks)
