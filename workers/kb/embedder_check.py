"""Vectors of two embedding models never meet in one search.

fp32 and int8 MiniLM (or any two models of the same dimension) make vectors that pgvector compares without
complaint, yet they are not the same space. A collection whose documents were embedded by another model than the
one asking is refused with a clear error until it is re-ingested with the asking model (an ingest re-embeds every
document whose `embedding_model` differs, texts already in the embedding cache under that model excepted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.db import Conn
from core.errors import ConfigError

NO_VECTORS = "none"  # documents stored without vectors (ANSWERLOOP_EMBEDDINGS=none) mix with nothing


@dataclass(frozen=True)
class ForeignDocuments:
    collection: str
    embedding_model: str
    documents: int


class EmbedderMismatch(ConfigError):
    pass


def foreign_documents(conn: Conn, collections: Sequence[str], embedder_name: str) -> list[ForeignDocuments]:
    """Documents of `collections` whose stored vectors come from another model than `embedder_name`."""
    if embedder_name == NO_VECTORS or not collections:
        return []
    rows = conn.execute(
        "SELECT collection, embedding_model, count(*) AS documents FROM documents "
        "WHERE collection = ANY(%s) AND embedding_model <> %s AND embedding_model <> %s "
        "GROUP BY collection, embedding_model ORDER BY collection, embedding_model",
        (list(collections), embedder_name, NO_VECTORS),
    ).fetchall()
    return [ForeignDocuments(r["collection"], r["embedding_model"], r["documents"]) for r in rows]


def ensure_same_embedder(conn: Conn, collections: Sequence[str], embedder_name: str) -> None:
    """Raise EmbedderMismatch when a searched collection holds vectors of another model."""
    foreign = foreign_documents(conn, collections, embedder_name)
    if not foreign:
        return
    parts = ", ".join(f"{f.collection}: {f.documents} document(s) by {f.embedding_model}" for f in foreign)
    names = " ".join(sorted({f.collection for f in foreign}))
    raise EmbedderMismatch(
        f"These collections were embedded by another model than this process's {embedder_name} ({parts}); "
        "their vectors cannot be compared with its questions.",
        hint=f"Re-ingest them with the current ANSWERLOOP_EMBEDDINGS (collections: {names}), "
        "or set ANSWERLOOP_EMBEDDINGS back to the model they were ingested with.",
    )
