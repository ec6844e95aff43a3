"""Few-shot demos from approved feedback: chosen once per version (diverse, most recent first), and
optionally narrowed per question to the most similar ones."""

from __future__ import annotations

from collections.abc import Sequence

from core.db import Conn
from feedback.prompt_versions import FewShot
from guardrails.text import question_similarity

_DEMOS_SQL = """
SELECT l.id, l.kind, l.correction, l.created_at, l.interaction_id, i.question_redacted, i.answer, i.citations
FROM labels l JOIN interactions i ON i.id = l.interaction_id
WHERE l.status = 'approved' AND l.split = 'train'
  AND (l.kind = 'correction' OR (l.kind = 'up' AND i.status = 'answered'))
  AND (%(team)s::text IS NULL OR l.team_id = %(team)s)
ORDER BY l.created_at DESC, l.id DESC
"""


def select_demos(
    conn: Conn,
    *,
    max_demos: int = 8,
    max_similarity: float = 0.6,
    per_document: int = 2,
    team: str | None = None,
) -> list[FewShot]:
    """Approved positives and corrections of the train split — never held-out ones — newest first, skipping
    near-duplicate questions and more than `per_document` demos about one document; of one workspace's labels
    (`team`; None: all, a single-workspace install)."""
    chosen: list[FewShot] = []
    docs: dict[str, int] = {}
    seen_interactions: set[str] = set()
    for r in conn.execute(_DEMOS_SQL, {"team": team}).fetchall():
        if len(chosen) >= max_demos:
            break
        interaction = str(r["interaction_id"])
        if interaction in seen_interactions:
            continue
        question = r["question_redacted"]
        if any(question_similarity(question, d.question) >= max_similarity for d in chosen):
            continue
        cited = sorted({c.get("document_title", "") for c in r["citations"] or []})
        if cited and all(docs.get(d, 0) >= per_document for d in cited):
            continue
        for d in cited:
            docs[d] = docs.get(d, 0) + 1
        seen_interactions.add(interaction)
        answer = r["correction"] if r["kind"] == "correction" else r["answer"]
        chosen.append(
            FewShot(question=question, answer=answer, source_interaction_id=interaction, source_label_id=r["id"])
        )
    return chosen


def most_similar(question: str, demos: Sequence[FewShot], k: int) -> list[FewShot]:
    """The k demos closest to the question (dynamic per-question selection), in their stored order."""
    ranked = sorted(range(len(demos)), key=lambda i: (-question_similarity(question, demos[i].question), i))
    keep = set(ranked[:k])
    return [d for i, d in enumerate(demos) if i in keep]
