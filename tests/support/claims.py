"""What the exact claim checks say of one answer against one passage, as the claims tests read it."""

from __future__ import annotations

from guardrails.claims import check_answer


def issue_kinds(answer: str, passage: str) -> list[str]:
    """The kinds of the issues `check_answer` finds (empty: the answer passes)."""
    return [i.kind for i in check_answer(answer, [passage])]
