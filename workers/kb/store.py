"""SQL for the knowledge base tables (collections, documents, chunks)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from psycopg import sql

from core import db
from core.db import Conn
from workers.kb.chunking import Chunk
from workers.search import keyword


@dataclass(frozen=True)
class StoredDocument:
    id: int
    source_path: str
    content_hash: str
    embedding_model: str


def ensure_collection(conn: Conn, name: str) -> None:
    conn.execute("INSERT INTO collections (name) VALUES (%s) ON CONFLICT DO NOTHING", (name,))


def documents_in(conn: Conn, collection: str) -> dict[str, StoredDocument]:
    """The collection's ingested files (verified answers live beside them but never come from a folder)."""
    rows = conn.execute(
        "SELECT id, source_path, content_hash, embedding_model FROM documents "
        "WHERE collection = %s AND format <> 'verified'",
        (collection,),
    ).fetchall()
    return {r["source_path"]: StoredDocument(**r) for r in rows}


def folder_of(conn: Conn, collection: str, file: Path) -> Path:
    """The folder a single file's document path is relative to in `collection`, so that `kb ingest FILE` updates
    the document a folder ingest made (`guides/vpn.md`) instead of adding a second one (`vpn.md`): the folder its
    stored path is a suffix of (the longest), else the folder the collection's files were ingested from when their
    links are file paths and the file lies under it, else the file's own folder."""
    path = Path(os.path.abspath(file))  # not resolved: a symbolic link stays where it is (ingest checks it)
    rows = conn.execute(
        "SELECT source_path, url FROM documents WHERE collection = %s AND format <> 'verified'", (collection,)
    ).fetchall()
    known = [r["source_path"] for r in rows if path.as_posix().endswith("/" + r["source_path"])]
    if known:
        return Path(path.as_posix()[: -len(max(known, key=len)) - 1])
    for r in rows:
        url, rel = r["url"], r["source_path"]
        if url.startswith("/") and url.endswith("/" + rel):
            folder = Path(os.path.abspath(url[: -len(rel) - 1]))
            if path.is_relative_to(folder):
                return folder
    return path.parent


def ensure_vector_index(conn: Conn, dim: int) -> None:
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
    conn: Conn,
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
    sentences: Sequence[Sequence[str]] | None = None,
    sentence_embeddings: Sequence[np.ndarray | None] | None = None,
) -> int:
    """Insert or replace a document with its chunks, their keyword postings and their quotable sentences
    (`sentences[i]` of chunk i, `sentence_embeddings[i]` one row per sentence, or None)."""
    row = db.one(
        conn.execute(
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
        )
    )
    doc_id = row["id"]
    keyword.unindex_documents(conn, [doc_id])
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
    ids = {
        r["ordinal"]: r["id"]
        for r in conn.execute("SELECT id, ordinal FROM chunks WHERE document_id = %s", (doc_id,)).fetchall()
    }
    keyword.index_chunks(
        conn, collection, [keyword.ChunkText(ids[c.ordinal], c.section_title + "\n" + c.content) for c in chunks]
    )
    if sentences is not None:
        _store_sentences(conn, [ids[c.ordinal] for c in chunks], sentences, sentence_embeddings)
    return doc_id


def _store_sentences(
    conn: Conn,
    chunk_ids: Sequence[int],
    sentences: Sequence[Sequence[str]],
    embeddings: Sequence[np.ndarray | None] | None,
) -> None:
    rows = []
    for i, (cid, sents) in enumerate(zip(chunk_ids, sentences, strict=True)):
        vecs = embeddings[i] if embeddings is not None else None
        for j, text in enumerate(sents):
            vec = vecs[j] if vecs is not None and len(vecs) and vecs.shape[1] else None
            rows.append((cid, j, text, vec))
    if rows:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO chunk_sentences (chunk_id, ordinal, text, embedding) VALUES (%s, %s, %s, %s)", rows
            )


def delete_documents(conn: Conn, ids: Sequence[int]) -> int:
    if not ids:
        return 0
    keyword.unindex_documents(conn, ids)
    return conn.execute("DELETE FROM documents WHERE id = ANY(%s)", (list(ids),)).rowcount


def list_collections(conn: Conn) -> list[dict]:
    return conn.execute(
        """
        SELECT c.name, count(d.id) AS documents, coalesce(sum(d.chunk_count), 0)::int AS chunks,
               max(d.ingested_at) AS last_ingested,
               coalesce(string_agg(DISTINCT d.embedding_model, ', '), '') AS embedding_models
        FROM collections c LEFT JOIN documents d ON d.collection = c.name
        GROUP BY c.name ORDER BY c.name
        """
    ).fetchall()


def list_documents(conn: Conn, collection: str) -> list[dict]:
    return conn.execute(
        "SELECT id, source_path, title, format, chunk_count, ingested_at FROM documents "
        "WHERE collection = %s ORDER BY source_path",
        (collection,),
    ).fetchall()


def remove_collection(conn: Conn, collection: str) -> int:
    n = db.one(conn.execute("SELECT count(*) AS n FROM documents WHERE collection = %s", (collection,)))["n"]
    keyword.unindex_collection(conn, collection)
    conn.execute("DELETE FROM collections WHERE name = %s", (collection,))
    return n


def remove_paths(conn: Conn, collection: str, paths: Sequence[str]) -> int:
    ids = conn.execute(
        "SELECT id FROM documents WHERE collection = %s AND source_path = ANY(%s)", (collection, list(paths))
    ).fetchall()
    keyword.unindex_documents(conn, [r["id"] for r in ids])
    return conn.execute(
        "DELETE FROM documents WHERE collection = %s AND source_path = ANY(%s)", (collection, list(paths))
    ).rowcount


def total_chunks(conn: Conn) -> int:
    return db.one(conn.execute("SELECT count(*) AS n FROM chunks"))["n"]
