"""Rows the tests write directly, as the pipeline would: an interaction of one workspace."""

from __future__ import annotations

import uuid
from typing import Any

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
