"""Verified answers: an approved correction becomes a document of the knowledge base.

Its one chunk has the (redacted) question as section title — weighted highest in full-text search — and the
corrected answer as content, embedded together, so the next similar question retrieves it like any passage
and the pipeline can answer from it whole (see `Pipeline._verified_draft`). It is cited as
"Verified answer (verified by <name>)" and linked to the Slack thread where it was given.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from core.db import Conn
from feedback import labels
from feedback.document_weights import refresh_for_interactions
from workers.embeddings import Embedder
from workers.kb import store
from workers.kb.chunking import Chunk

SOURCE_PREFIX = "answerloop:verified/"


def _fallback_collection(label: dict) -> str:
    return label["collections"][0] if label.get("collections") else "default"


def publish(
    conn: Conn,
    label: dict,
    *,
    embedder: Embedder,
    approved_by: str,
    collection: str | None = None,
) -> int:
    """Create (or replace) the verified-answer document of an approved correction; returns its document id.

    It lives in `collection`, else the collection of the first passage the corrected answer cited, else the
    first collection the question searched: a channel sees it only if it may search that collection."""
    collection = collection or _cited_collection(conn, label) or _fallback_collection(label)
    question = " ".join(label["question"].split())
    answer = label["correction"].strip()
    author = label.get("user_name") or label["user_id"]
    chunk = Chunk(0, question, ["Verified answer"], "", answer)
    store.ensure_collection(conn, collection)
    store.ensure_vector_index(conn, embedder.dim)
    vectors = embedder.embed([question + "\n" + answer]) if embedder.dim else None
    link = label.get("permalink") or f"{SOURCE_PREFIX}{label['id']}"
    doc_id = store.replace_document(
        conn,
        collection=collection,
        source_path=f"{SOURCE_PREFIX}{label['id']}",
        title=f"Verified answer (verified by {author})",
        url=link,
        fmt="verified",
        content_hash=hashlib.sha256(f"{question}\n{answer}".encode()).hexdigest(),
        embedding_model=embedder.name,
        chunks=[chunk],
        links=[link],
        embeddings=vectors,
    )
    conn.execute(
        "INSERT INTO verified_answers (label_id, document_id, collection, question, answer, verified_by, approved_by) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (label_id) DO UPDATE SET document_id = EXCLUDED.document_id, "
        "collection = EXCLUDED.collection, question = EXCLUDED.question, answer = EXCLUDED.answer, "
        "approved_by = EXCLUDED.approved_by",
        (label["id"], doc_id, collection, question, answer, author, approved_by),
    )
    return doc_id


def unpublish(conn: Conn, label_id: int) -> bool:
    """Withdraw a verified answer (its correction was rejected after all)."""
    row = conn.execute("DELETE FROM verified_answers WHERE label_id = %s RETURNING document_id", (label_id,)).fetchone()
    if row is None:
        return False
    if row["document_id"] is not None:
        store.delete_documents(conn, [row["document_id"]])
    return True


def _cited_collection(conn: Conn, label: dict) -> str | None:
    allowed = label.get("collections") or []
    for c in label.get("citations") or []:
        row = conn.execute("SELECT collection FROM chunks WHERE id = %s", (c.get("chunk_id"),)).fetchone()
        if row is not None and (not allowed or row["collection"] in allowed):
            return row["collection"]
    return None


@dataclass(frozen=True)
class Rejection:
    label: dict
    withdrawn: bool  # a verified answer made from it was taken out of the knowledge base


def reject_label(conn: Conn, label_id: int, actor: str, note: str = "", *, team: str | None = None) -> Rejection:
    """The one way a label is rejected (the command line and App Home): it no longer counts, the verified answer
    of a correction is withdrawn, and the votes of the documents its answer cited are recounted."""
    label = labels.review(conn, label_id, "rejected", actor, note, team=team)
    withdrawn = unpublish(conn, label_id)
    refresh_for_interactions(conn, [label["interaction_id"]])
    return Rejection(label, withdrawn)
