"""SQL for the knowledge base tables (collections, documents, chunks)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import psycopg
from psycopg import sql

from workers.kb.chunking import Chunk


@dataclass(frozen=True)
class StoredDocument:
    id: int
    source_path: str
    content_hash: str
    embedding_model: str


def ensure_collection(conn: psycopg.Connection, name: str) -> None:
    conn.execute("INSERT INTO collections (name) VALUES (%s) ON CONFLICT DO NOTHING", (name,))


def documents_in(conn: psycopg.Connection, collection: str) -> dict[str, StoredDocument]:
    """The collection's ingested files (verified answers live beside them but never come from a folder)."""
    rows = conn.execute(
        "SELECT id, source_path, content_hash, embedding_model FROM documents "
        "WHERE collection = %s AND format <> 'verified'",
        (collection,),
    ).fetchall()
    return {r["source_path"]: StoredDocument(**r) for r in rows}


def ensure_vector_index(conn: psycopg.Connection, dim: int) -> None:
    """HNSW index for one embedding dimension (the 384-d one comes with migration 0001)."""
    if dim <= 0 or dim == 384:
        return
    conn.execute(
        sql.SQL(
            "CREATE INDEX IF NOT EXISTS {} ON chunks USING hnsw ((embedding::vector({})) vector_cosine_ops) "
            "WHERE vector_dims(embedding) = {}"
        ).format(sql.Identifier(f"chunks_embedding_hnsw_{dim}"), sql.Literal(dim), sql.Literal(dim))
    )


def replace_document(
    conn: psycopg.Connection,
    *,
    collection: str,
    source_path: str,
    title: str,
    url: str,
    fmt: str,
    content_hash: str,
    embedding_model: str,
    chunks: Sequence[Chunk],
    links: Sequence[str],
    embeddings: np.ndarray | None,
) -> int:
    row = conn.execute(
        """
        INSERT INTO documents (collection, source_path, title, url, format, content_hash, embedding_model,
                               chunk_count)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT (collection, source_path) DO UPDATE SET
            title = EXCLUDED.title, url = EXCLUDED.url, format = EXCLUDED.format,
            content_hash = EXCLUDED.content_hash, embedding_model = EXCLUDED.embedding_model,
            chunk_count = EXCLUDED.chunk_count, ingested_at = now()
        RETURNING id
        """,
        (collection, source_path, title, url, fmt, content_hash, embedding_model, len(chunks)),
    ).fetchone()
    doc_id = row["id"]
    conn.execute("DELETE FROM chunks WHERE document_id = %s", (doc_id,))
    with conn.cursor() as cur:
        cur.executemany(
            """
            INSERT INTO chunks (document_id, collection, ordinal, section_title, heading_path, link, content,
                                embedding)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
            """,
            [
                (
                    doc_id,
                    collection,
                    c.ordinal,
                    c.section_title,
                    c.heading_path,
                    link,
                    c.content,
                    embeddings[i] if embeddings is not None and embeddings.shape[1] else None,
                )
                for i, (c, link) in enumerate(zip(chunks, links, strict=True))
            ],
        )
    return doc_id


def delete_documents(conn: psycopg.Connection, ids: Sequence[int]) -> int:
    if not ids:
        return 0
    return conn.execute("DELETE FROM documents WHERE id = ANY(%s)", (list(ids),)).rowcount


def list_collections(conn: psycopg.Connection) -> list[dict]:
    return conn.execute(
        """
        SELECT c.name, count(d.id) AS documents, coalesce(sum(d.chunk_count), 0)::int AS chunks,
               max(d.ingested_at) AS last_ingested,
               coalesce(string_agg(DISTINCT d.embedding_model, ', '), '') AS embedding_models
        FROM collections c LEFT JOIN documents d ON d.collection = c.name
        GROUP BY c.name ORDER BY c.name
        """
    ).fetchall()


def list_documents(conn: psycopg.Connection, collection: str) -> list[dict]:
    return conn.execute(
        "SELECT id, source_path, title, format, chunk_count, ingested_at FROM documents "
        "WHERE collection = %s ORDER BY source_path",
        (collection,),
    ).fetchall()


def remove_collection(conn: psycopg.Connection, collection: str) -> int:
    n = conn.execute("SELECT count(*) AS n FROM documents WHERE collection = %s", (collection,)).fetchone()["n"]
    conn.execute("DELETE FROM collections WHERE name = %s", (collection,))
    return n


def remove_paths(conn: psycopg.Connection, collection: str, paths: Sequence[str]) -> int:
    return conn.execute(
        "DELETE FROM documents WHERE collection = %s AND source_path = ANY(%s)", (collection, list(paths))
    ).rowcount


def total_chunks(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT count(*) AS n FROM chunks").fetchone()["n"]
