"""Prompt versions: immutable instructions + few-shot examples + answering parameters; one is active."""

from __future__ import annotations

from datetime import datetime

import psycopg
from pydantic import BaseModel, Field

from core.errors import NotFound


class AnsweringParams(BaseModel):
    """Everything the pipeline tunes lives here, so retuning can search over it (no constants in code)."""

    rrf_k: int = Field(60, ge=1, le=1000)
    fts_weight: float = Field(0.5, ge=0)
    vector_weight: float = Field(1.0, ge=0)
    candidates: int = Field(40, ge=1, le=500)  # per retriever, before fusion
    top_k: int = Field(8, ge=1, le=50)  # fused results kept
    context_k: int = Field(5, ge=1, le=20)  # passages given to the answerer
    abstain_threshold: float = Field(0.34, ge=0, le=1)  # best passage relevance below this → "I don't know"
    grounding_threshold: float = Field(0.5, ge=0, le=1)  # per-sentence support needed
    max_answer_sentences: int = Field(3, ge=1, le=10)
    temperature: float = Field(0.0, ge=0, le=2)
    doc_boost_weight: float = Field(0.0, ge=0, le=1)  # feedback-driven document weight (used from C on)


class FewShot(BaseModel):
    question: str
    answer: str
    source_interaction_id: str | None = None


class PromptVersion(BaseModel):
    id: int
    instructions: str
    few_shot: list[FewShot] = []
    params: AnsweringParams
    parent_id: int | None = None
    author: str
    metrics: dict = {}
    note: str = ""
    created_at: datetime


def _row_to_version(row: dict) -> PromptVersion:
    return PromptVersion(
        id=row["id"],
        instructions=row["instructions"],
        few_shot=row["few_shot"],
        params=AnsweringParams(**row["params"]),
        parent_id=row["parent_id"],
        author=row["author"],
        metrics=row["metrics"],
        note=row["note"],
        created_at=row["created_at"],
    )


def active_version(conn: psycopg.Connection) -> PromptVersion:
    row = conn.execute(
        "SELECT v.* FROM prompt_pointer p JOIN prompt_versions v ON v.id = p.version_id WHERE p.name = 'active'"
    ).fetchone()
    if row is None:
        raise NotFound("No active prompt version.", hint="Run `answerloop db upgrade` to seed version 1.")
    return _row_to_version(row)


def get_version(conn: psycopg.Connection, version_id: int) -> PromptVersion:
    row = conn.execute("SELECT * FROM prompt_versions WHERE id = %s", (version_id,)).fetchone()
    if row is None:
        raise NotFound(
            f"Prompt version {version_id} does not exist.",
            hint="`answerloop prompts list` shows the versions.",
        )
    return _row_to_version(row)
