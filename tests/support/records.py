"""Rows the tests write directly, as the pipeline or a retune would: an interaction of one workspace, a prompt
version derived from the seed."""

from __future__ import annotations

import uuid
from typing import Any

from feedback import prompt_versions as pv
from workers.interactions import record_interaction


def add_interaction(
    conn: Any, team: str, question: str, *, status: str = "answered", answer: str = "an answer", **fields: Any
) -> uuid.UUID:
    """Record an interaction (redacted question, no citations) of workspace `team`; returns its id."""
    row = {
        "id": uuid.uuid4(),
        "source": "slack",
        "collections": ["docs"],
        "question_redacted": question,
        "answer": answer,
        "status": status,
        "reason": "",
        "answerer": "extractive",
        "citations": [],
        "closest": [],
        "scores": {},
        "guard": {},
        "prompt_version_id": 1,
        "timings_ms": {},
        "team_id": team,
        **fields,
    }
    return record_interaction(conn, row)


def seed_variant(conn: Any, params: dict[str, Any], *, author: str, note: str, scope: str = "") -> int:
    """A new prompt version of `scope`: the seed's instructions, no demos, the seed's parameters with `params`
    changed; returns its id (not committed)."""
    seed = pv.get_version(conn, 1)
    return pv.create_version(
        conn,
        instructions=seed.instructions,
        few_shot=[],
        params=seed.params.model_copy(update=params),
        parent_id=1,
        author=author,
        note=note,
        scope=scope,
    )
