"""What several command groups share: the pipeline, and collection names checked against the database."""

from __future__ import annotations

import re

from core import db
from core.bootstrap import ready_database
from core.errors import AnswerloopError, NotFound
from core.settings import get_settings

# The rule of collections.name (migrations/0001_knowledge_base.sql), checked before Postgres refuses it.
_COLLECTION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_collection_name(name: str) -> None:
    """A new collection's name must fit the database's rule: say so, instead of Postgres' check violation."""
    if not _COLLECTION_NAME.fullmatch(name):
        raise AnswerloopError(
            f"{name!r} is not a collection name.",
            hint="Use letters, digits, '.', '_' and '-' (up to 64, starting with a letter or digit), e.g. handbook.",
        )


def require_collections(conn, names: list[str]) -> None:
    known = {r["name"] for r in conn.execute("SELECT name FROM collections").fetchall()}
    missing = [n for n in names if n not in known]
    if missing:
        raise NotFound(
            f"Unknown collection(s): {', '.join(missing)}.",
            hint=f"Known: {', '.join(sorted(known)) or 'none yet'}. Ingest with `answerloop kb ingest PATH -c NAME`.",
        )


def all_collections(conn) -> list[str]:
    return [r["name"] for r in conn.execute("SELECT name FROM collections ORDER BY name").fetchall()]


def build_pipeline():
    """The answer pipeline on the configured (or embedded) database, its schema checked."""
    from workers.pipeline import Pipeline

    settings = get_settings()
    return Pipeline(settings, database_url=ready_database(settings))


def resolve_collections(pipeline, names: list[str] | None) -> list[str]:
    with db.connect(pipeline.database_url) as conn:
        if names:
            require_collections(conn, names)
            return names
        return all_collections(conn)
