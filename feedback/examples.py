"""Evaluation examples: what the labels of one answer say the right behaviour was.

Per interaction, its labels are combined into one expectation:

* an approved correction            → `answer`, the correction is the reference;
* more 👍 than 👎 on an answer       → `answer`, that answer is the reference;
* more 👍 than 👎 on "I don't know"  → `dont_know` (saying so was right);
* more 👎 than 👍 on an answer       → `not_this`: "I don't know" or a different answer, not this one;
* more 👎 than 👍 on "I don't know"  → `should_answer`;
* as many 👍 as 👎                   → no example (the team disagrees).

Corrections count once approved. Votes count while current (not retracted or rejected), or only once approved
when `votes_need_approval`. One question (normalised) is one example: the most recent interaction wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from core.db import Conn
from feedback.labels import question_key

Expectation = Literal["answer", "dont_know", "not_this", "should_answer"]

_LABELS_SQL = """
SELECT l.id, l.kind, l.status, l.correction, l.split, l.created_at, l.interaction_id, l.reasons,
       i.question_redacted, i.answer, i.status AS answer_status, i.collections, i.citations,
       i.created_at AS asked_at,
       (SELECT v.document_id FROM verified_answers v WHERE v.label_id = l.id) AS verified_document_id
FROM labels l JOIN interactions i ON i.id = l.interaction_id
WHERE ((l.kind = 'correction' AND l.status = 'approved')
    OR (l.kind IN ('up', 'down') AND (l.status = 'approved' OR (l.status = 'pending' AND NOT %(strict)s))))
  AND (%(team)s::text IS NULL OR l.team_id = %(team)s)
ORDER BY i.created_at, l.id
"""


@dataclass
class Example:
    interaction_id: str
    question: str  # redacted, as asked
    collections: list[str]
    expect: Expectation
    reference: str | None  # the right answer (answer), or the rejected one (not_this)
    split: str
    label_ids: list[int] = field(default_factory=list)
    asked_at: datetime = datetime.min
    cited_documents: list[str] = field(default_factory=list)
    # Verified answers made from this example's own corrections: hidden when it is evaluated (leave-one-out),
    # or the question would be answered from its own reference.
    own_documents: list[int] = field(default_factory=list)
    # The 👎 reasons given on this answer (wrong | outdated | incomplete | off_topic): whether a rejected answer
    # says anything about answering at all.
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "interaction_id": self.interaction_id,
            "question": self.question,
            "expect": self.expect,
            "reference": self.reference,
            "split": self.split,
            "labels": self.label_ids,
        }


def _expectation(rows: list[dict]) -> tuple[Expectation, str | None] | None:
    corrections = [r for r in rows if r["kind"] == "correction"]
    if corrections:
        return "answer", corrections[-1]["correction"]
    net = sum(1 if r["kind"] == "up" else -1 for r in rows)
    if net == 0:
        return None
    answered = rows[0]["answer_status"] == "answered"
    if net > 0:
        return ("answer", rows[0]["answer"]) if answered else ("dont_know", None)
    return ("not_this", rows[0]["answer"]) if answered else ("should_answer", None)


def load_examples(conn: Conn, *, votes_need_approval: bool = False, team: str | None = None) -> list[Example]:
    """The examples of one workspace's labels (`team`), or of all of them (None: a single-workspace install)."""
    by_interaction: dict[str, list[dict]] = {}
    for row in conn.execute(_LABELS_SQL, {"strict": votes_need_approval, "team": team}).fetchall():
        by_interaction.setdefault(str(row["interaction_id"]), []).append(row)
    by_question: dict[str, Example] = {}
    for interaction_id, rows in by_interaction.items():
        verdict = _expectation(rows)
        if verdict is None:
            continue
        first = rows[0]
        example = Example(
            interaction_id=interaction_id,
            question=first["question_redacted"],
            collections=list(first["collections"]),
            expect=verdict[0],
            reference=verdict[1],
            split=first["split"],
            label_ids=[r["id"] for r in rows],
            asked_at=first["asked_at"],
            cited_documents=sorted({c.get("document_title", "") for c in first["citations"] or []}),
            own_documents=[r["verified_document_id"] for r in rows if r["verified_document_id"] is not None],
            reasons=sorted({reason for r in rows for reason in (r["reasons"] or [])}),
        )
        key = question_key(example.question)
        if key not in by_question or by_question[key].asked_at <= example.asked_at:
            by_question[key] = example
    return sorted(by_question.values(), key=lambda e: (e.asked_at, e.interaction_id))
