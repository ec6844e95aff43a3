"""Verified answers: an approved correction becomes a document of the knowledge base, owned and reviewed.

Its one chunk has the (redacted) question as section title — weighted highest in full-text search — and the
corrected answer as content, embedded together, so the next similar question retrieves it like any passage
and the pipeline can answer from it whole (see `Pipeline._verified_draft`). It is cited as
"Verified answer (verified by <name>)" and linked to the Slack thread where it was given.

Each one has an owner (its approver, or the one named at approval: a Slack user id gets the review DM) and a
review date (`review_after`: the approval, or the owner's last "Still correct", plus the collection's review
period, 90 days by default). Past it the answer is still served, marked "last verified on …"; the owner is asked
once per period (workers.verified_review). The documents the corrected answer cited are kept with their content
hash at approval: one that changed or is gone flags the answer for review. Retiring deletes the document (never
retrieved again) and keeps the row. Every change is an `admin_actions` row with target `verified:<label id>`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from core.db import Conn
from core.errors import AnswerloopError, NotFound
from feedback import labels
from feedback.audit import record_action
from feedback.document_weights import refresh_for_interactions
from workers.access import AskedIn
from workers.embeddings import Embedder
from workers.kb import store
from workers.kb.chunking import Chunk

SOURCE_PREFIX = "answerloop:verified/"
DEFAULT_REVIEW_DAYS = 90
STATUSES = ("active", "retired")
SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


def _fallback_collection(label: dict) -> str:
    return label["collections"][0] if label.get("collections") else "default"


def owner_of_approver(approved_by: str) -> str:
    """Who owns what an approver approved: a Slack admin acts as `slack:U…`, which is user U…."""
    return approved_by.removeprefix("slack:")


def check_owner(owner: str) -> str:
    """A named owner must be a Slack user id: the review DM goes to it."""
    owner = owner.strip()
    if not SLACK_USER.match(owner):
        raise AnswerloopError(
            f"Owner {owner!r} is not a Slack user id.",
            hint="Name the owner by Slack user id, e.g. --owner U0123ABCD (profile → ⋮ → Copy member ID).",
        )
    return owner


def review_days(conn: Conn, collection: str) -> int:
    """The collection's review period in days (`collections set NAME --review-days N`), else 90."""
    row = conn.execute("SELECT verified_review_days FROM collections WHERE name = %s", (collection,)).fetchone()
    return (row or {}).get("verified_review_days") or DEFAULT_REVIEW_DAYS


def publish(
    conn: Conn,
    label: dict,
    *,
    embedder: Embedder,
    approved_by: str,
    collection: str | None = None,
    owner: str | None = None,
) -> int:
    """Create (or replace) the verified-answer document of an approved correction; returns its document id.

    It lives in `collection`, else the collection of the first passage the corrected answer cited, else the
    first collection the question searched: a channel sees it only if it may search that collection. It is owned
    by `owner` (a Slack user id), else by its approver, and due for review after the collection's period. An
    older verified answer of the same interaction is superseded (retired): one question, one current answer."""
    collection = collection or _cited_collection(conn, label) or _fallback_collection(label)
    owner = check_owner(owner) if owner else owner_of_approver(approved_by)
    before = conn.execute(
        "SELECT document_id FROM verified_answers WHERE label_id = %s FOR UPDATE", (label["id"],)
    ).fetchone()
    question = " ".join(label["question"].split())
    answer = label["correction"].strip()
    author = label.get("user_name") or label["user_id"]
    chunk = Chunk(0, question, ["Verified answer"], "", answer)
    store.ensure_collection(conn, collection)
    store.ensure_vector_index(conn, embedder.dim)
    vectors = embedder.embed([embedding_text(question, answer)]) if embedder.dim else None
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
    days = review_days(conn, collection)
    sources = _cited_sources(conn, label)
    row = conn.execute(
        "INSERT INTO verified_answers (label_id, document_id, collection, question, answer, verified_by, approved_by, "
        "owner, verified_at, review_after, sources) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, now(), now() + make_interval(days => %s), %s) "
        "ON CONFLICT (label_id) DO UPDATE SET document_id = EXCLUDED.document_id, "
        "collection = EXCLUDED.collection, question = EXCLUDED.question, answer = EXCLUDED.answer, "
        "approved_by = EXCLUDED.approved_by, owner = EXCLUDED.owner, verified_at = EXCLUDED.verified_at, "
        "review_after = EXCLUDED.review_after, sources = EXCLUDED.sources, status = 'active', retired_by = NULL, "
        "retired_at = NULL, review_notified_for = NULL, review_notice = '{}' RETURNING review_after",
        (label["id"], doc_id, collection, question, answer, author, approved_by, owner, days, Jsonb(sources)),
    ).fetchone()
    assert row is not None
    if before is not None and before["document_id"] not in (None, doc_id):
        # Approved again into another collection: the document of the previous approval goes, or it would stay
        # retrieved with nothing pointing at it (retiring the answer could never remove it).
        store.delete_documents(conn, [before["document_id"]])
    details = {"owner": owner, "collection": collection, "review_after": row["review_after"].isoformat()}
    record_action(conn, approved_by, "verified.publish", f"verified:{label['id']}", details)
    for older in _older_of_same_interaction(conn, label):
        _retire(conn, older, approved_by, f"superseded by verified answer {label['id']}", action="verified.supersede")
    return doc_id


def embedding_text(question: str, answer: str) -> str:
    """What a verified answer's one chunk is embedded from: the question and the answer together."""
    return question + "\n" + answer


def reembed(conn: Conn, collection: str, embedder: Embedder) -> int:
    """Embed again, with `embedder`, the verified answers of `collection` whose vectors come from another model
    (or none): after an embedding-model switch the folder's ingest re-embeds its documents, and this brings the
    verified answers along, so the collection is not refused as mixed (workers/kb/embedder_check.py) until each
    one is approved again. Their text, owner and review date are untouched. Returns how many were re-embedded;
    the caller commits. An embedder without vectors (`none`) leaves them as they are."""
    if not embedder.dim:
        return 0
    rows = conn.execute(
        "SELECT d.id AS document_id, c.id AS chunk_id, c.section_title, c.content FROM documents d "
        "JOIN chunks c ON c.document_id = d.id WHERE d.collection = %s AND d.format = 'verified' "
        "AND d.embedding_model <> %s ORDER BY d.id, c.ordinal FOR UPDATE OF d",
        (collection, embedder.name),
    ).fetchall()
    if not rows:
        return 0
    vectors = embedder.embed([embedding_text(r["section_title"], r["content"]) for r in rows])
    with conn.cursor() as cur:
        cur.executemany(
            "UPDATE chunks SET embedding = %s WHERE id = %s",
            [(vector, r["chunk_id"]) for vector, r in zip(vectors, rows, strict=True)],
        )
    documents = sorted({r["document_id"] for r in rows})
    conn.execute("UPDATE documents SET embedding_model = %s WHERE id = ANY(%s)", (embedder.name, documents))
    return len(documents)


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


def _cited_sources(conn: Conn, label: dict) -> list[dict]:
    """The documents the corrected answer cited (verified answers aside), with their content hash now."""
    cites = label.get("citations") or []
    document_ids = [int(c["document_id"]) for c in cites if c.get("document_id") is not None]
    chunk_ids = [int(c["chunk_id"]) for c in cites if c.get("chunk_id") is not None]
    rows = conn.execute(
        "SELECT d.id AS document_id, d.collection, d.source_path, d.title, d.content_hash FROM documents d "
        "WHERE d.format <> 'verified' AND (d.id = ANY(%s) OR d.id IN (SELECT document_id FROM chunks "
        "WHERE id = ANY(%s))) ORDER BY d.id",
        (document_ids, chunk_ids),
    ).fetchall()
    return [dict(r) for r in rows]


def _older_of_same_interaction(conn: Conn, label: dict) -> list[int]:
    rows = conn.execute(
        "SELECT v.label_id FROM verified_answers v JOIN labels l ON l.id = v.label_id "
        "WHERE l.interaction_id = %s AND v.label_id <> %s AND v.status = 'active' ORDER BY v.label_id",
        (label["interaction_id"], label["id"]),
    ).fetchall()
    return [r["label_id"] for r in rows]


@dataclass(frozen=True)
class Rejection:
    label: dict
    withdrawn: bool  # a verified answer made from it was taken out of the knowledge base


def reject_label(
    conn: Conn,
    label_id: int,
    actor: str,
    note: str = "",
    *,
    team: str | None = None,
    only_from: tuple[str, ...] | None = None,
) -> Rejection:
    """The one way a label is rejected (the command line and App Home): it no longer counts, the verified answer
    of a correction is withdrawn, and the votes of the documents its answer cited are recounted. `only_from`:
    as labels.review (App Home decides only what is still pending)."""
    label = labels.review(conn, label_id, "rejected", actor, note, team=team, only_from=only_from)
    answer = conn.execute(
        "SELECT owner, collection, status FROM verified_answers WHERE label_id = %s", (label_id,)
    ).fetchone()
    withdrawn = unpublish(conn, label_id)
    if withdrawn and answer is not None:  # a change of the verified answer: its own audit row, like retire's
        record_action(conn, actor, "verified.withdraw", f"verified:{label_id}", {"note": note, **answer})
    refresh_for_interactions(conn, [label["interaction_id"]])
    return Rejection(label, withdrawn)


# ------------------------------------------------------------------------------------------ reading


@dataclass(frozen=True)
class Source:
    """A document the corrected answer cited, and how it stands against its hash at approval."""

    collection: str
    source_path: str
    title: str
    state: str  # unchanged | changed | removed


@dataclass(frozen=True)
class VerifiedAnswer:
    id: int  # the id of the approved correction (label) it was made from
    team_id: str
    collection: str
    question: str  # redacted
    answer: str  # redacted
    verified_by: str
    approved_by: str
    owner: str
    status: str  # active | retired
    created_at: datetime
    verified_at: datetime  # the approval, or the owner's last "Still correct"
    review_after: datetime
    document_id: int | None
    interaction_id: str
    permalink: str
    retired_by: str | None = None
    retired_at: datetime | None = None
    notified_for: datetime | None = None  # the review_after whose DM was claimed
    notice: dict[str, Any] = field(default_factory=dict)
    sources: tuple[Source, ...] = ()
    read_at: datetime | None = None  # the database's clock when read
    asked_in: AskedIn = field(default_factory=AskedIn)  # where its question was asked: who may see it (workers.access)

    @property
    def review_due(self) -> bool:
        return self.status == "active" and self.read_at is not None and self.review_after <= self.read_at

    @property
    def changed_sources(self) -> list[Source]:
        return [s for s in self.sources if s.state != "unchanged"]

    @property
    def needs_review(self) -> bool:
        return self.status == "active" and (self.review_due or bool(self.changed_sources))

    @property
    def owner_is_slack_user(self) -> bool:
        return bool(SLACK_USER.match(self.owner))

    @property
    def state(self) -> str:
        if self.status == "retired":
            return "retired"
        flags = (["review due"] if self.review_due else []) + (["source changed"] if self.changed_sources else [])
        return ", ".join(flags) or "current"

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["state"] = self.state
        out["needs_review"] = self.needs_review
        for key, value in out.items():
            if isinstance(value, datetime):
                out[key] = value.isoformat()
        out.pop("read_at", None)
        out.pop("asked_in", None)
        return out


_SELECT = (
    """
SELECT v.*, l.team_id, l.interaction_id::text AS interaction_id, l.permalink, now() AS read_at,"""
    + labels.ASKED_COLUMNS
    + """,
       coalesce((
           SELECT jsonb_agg(s.src || jsonb_build_object('state', CASE
                      WHEN d.id IS NULL THEN 'removed'
                      WHEN d.content_hash <> s.src->>'content_hash' THEN 'changed'
                      ELSE 'unchanged' END) ORDER BY s.ord)
           FROM jsonb_array_elements(v.sources) WITH ORDINALITY AS s(src, ord)
           LEFT JOIN documents d ON d.collection = s.src->>'collection' AND d.source_path = s.src->>'source_path'
       ), '[]') AS source_states
FROM verified_answers v JOIN labels l ON l.id = v.label_id"""
    + labels.ASKED_JOIN
)

# Flagged for review: past its date, or a cited document whose content is not what was approved against.
_NEEDS_REVIEW = """(v.review_after <= now() OR EXISTS (
    SELECT 1 FROM jsonb_array_elements(v.sources) AS s(src)
    LEFT JOIN documents d ON d.collection = s.src->>'collection' AND d.source_path = s.src->>'source_path'
    WHERE d.id IS NULL OR d.content_hash <> s.src->>'content_hash'))"""


def _answer(row: dict) -> VerifiedAnswer:
    return VerifiedAnswer(
        id=row["label_id"],
        team_id=row["team_id"],
        collection=row["collection"],
        question=row["question"],
        answer=row["answer"],
        verified_by=row["verified_by"],
        approved_by=row["approved_by"],
        owner=row["owner"],
        status=row["status"],
        created_at=row["created_at"],
        verified_at=row["verified_at"],
        review_after=row["review_after"],
        document_id=row["document_id"],
        interaction_id=row["interaction_id"],
        permalink=row["permalink"],
        retired_by=row["retired_by"],
        retired_at=row["retired_at"],
        notified_for=row["review_notified_for"],
        notice=row["review_notice"] or {},
        sources=tuple(
            Source(s.get("collection", ""), s.get("source_path", ""), s.get("title", ""), s["state"])
            for s in row["source_states"]
        ),
        read_at=row["read_at"],
        asked_in=AskedIn.of_label(row),
    )


def get(conn: Conn, answer_id: int, team: str | None = None, *, lock: bool = False) -> VerifiedAnswer:
    """One verified answer (by the id of its label); with `team`, only one of that workspace — another
    workspace's is reported exactly like a missing one."""
    sql = _SELECT + "WHERE v.label_id = %(id)s AND (%(team)s::text IS NULL OR l.team_id = %(team)s)"
    row = conn.execute(sql + (" FOR UPDATE OF v" if lock else ""), {"id": answer_id, "team": team}).fetchone()
    if row is None:
        raise NotFound(
            f"Verified answer {answer_id} does not exist.",
            hint="`answerloop verified list --status all` shows the verified answers.",
        )
    return _answer(row)


def list_answers(
    conn: Conn, *, team: str | None = None, status: str | None = "active", needs_review: bool = False
) -> list[VerifiedAnswer]:
    """Verified answers of a workspace (`team`; None: every one, for a single-workspace install), the ones due
    for review first. `status` None: active and retired."""
    if status is not None and status not in STATUSES:
        raise AnswerloopError(f"Unknown status {status!r}.", hint=f"One of {', '.join(STATUSES)}, or all.")
    where = (
        "WHERE (%(team)s::text IS NULL OR l.team_id = %(team)s) AND (%(status)s::text IS NULL OR v.status = %(status)s)"
    )
    if needs_review:
        where += " AND v.status = 'active' AND " + _NEEDS_REVIEW
    rows = conn.execute(
        _SELECT + where + " ORDER BY v.status, v.review_after, v.label_id", {"team": team, "status": status}
    ).fetchall()
    return [_answer(r) for r in rows]


# ------------------------------------------------------------------------------------------ changes


def _active(answer: VerifiedAnswer) -> None:
    if answer.status != "active":
        when = f" on {answer.retired_at:%Y-%m-%d}" if answer.retired_at else ""
        raise AnswerloopError(
            f"Verified answer {answer.id} was retired{when} by {answer.retired_by}.",
            hint=f"Approve its correction again to bring it back: `answerloop labels approve {answer.id}`.",
        )


def confirm(conn: Conn, answer_id: int, actor: str, *, team: str | None = None) -> VerifiedAnswer:
    """ "Still correct": verified now, the next review one period on, and the cited documents as they are now
    become what it was checked against (a removed one is dropped)."""
    before = get(conn, answer_id, team, lock=True)
    _active(before)
    days = review_days(conn, before.collection)
    conn.execute(
        "UPDATE verified_answers v SET verified_at = now(), review_after = now() + make_interval(days => %s), "
        "sources = coalesce((SELECT jsonb_agg(jsonb_build_object('document_id', d.id, 'collection', d.collection, "
        "'source_path', d.source_path, 'title', d.title, 'content_hash', d.content_hash) ORDER BY s.ord) "
        "FROM jsonb_array_elements(v.sources) WITH ORDINALITY AS s(src, ord) JOIN documents d "
        "ON d.collection = s.src->>'collection' AND d.source_path = s.src->>'source_path'), '[]') "
        "WHERE v.label_id = %s",
        (days, answer_id),
    )
    after = get(conn, answer_id)
    record_action(
        conn,
        actor,
        "verified.confirm",
        f"verified:{answer_id}",
        {
            "previous_review_after": before.review_after.isoformat(),
            "review_after": after.review_after.isoformat(),
            "changed_sources": [s.source_path for s in before.changed_sources],
        },
    )
    return after


def retire(conn: Conn, answer_id: int, actor: str, note: str = "", *, team: str | None = None) -> VerifiedAnswer:
    """No longer served: its document leaves the knowledge base; the row stays for list/show and the audit."""
    before = get(conn, answer_id, team, lock=True)
    _active(before)
    _retire(conn, answer_id, actor, note)
    return get(conn, answer_id)


def _retire(conn: Conn, answer_id: int, actor: str, note: str, *, action: str = "verified.retire") -> None:
    row = conn.execute(
        "UPDATE verified_answers v SET status = 'retired', retired_by = %s, retired_at = now(), document_id = NULL "
        "FROM verified_answers old WHERE v.label_id = %s AND old.label_id = v.label_id RETURNING old.document_id",
        (actor, answer_id),
    ).fetchone()
    if row is not None and row["document_id"] is not None:
        store.delete_documents(conn, [row["document_id"]])
    record_action(conn, actor, action, f"verified:{answer_id}", {"note": note})


def reassign(conn: Conn, answer_id: int, owner: str, actor: str, *, team: str | None = None) -> VerifiedAnswer:
    """A new owner; if a review is due, the new owner is asked (the period's DM went to the previous one)."""
    owner = check_owner(owner)
    before = get(conn, answer_id, team, lock=True)
    _active(before)
    conn.execute(
        "UPDATE verified_answers SET owner = %s, review_notified_for = NULL, review_notice = '{}' WHERE label_id = %s",
        (owner, answer_id),
    )
    record_action(conn, actor, "verified.reassign", f"verified:{answer_id}", {"from": before.owner, "to": owner})
    return get(conn, answer_id)


def set_review_days(conn: Conn, collection: str, days: int) -> int:
    """A collection's review period; its active verified answers' next review moves to last verified + days.
    Returns how many moved."""
    if days < 1:
        raise AnswerloopError(f"--review-days {days}: a review period is at least one day.", hint="e.g. 30 or 90.")
    conn.execute("UPDATE collections SET verified_review_days = %s WHERE name = %s", (days, collection))
    return conn.execute(
        "UPDATE verified_answers SET review_after = verified_at + make_interval(days => %s) "
        "WHERE collection = %s AND status = 'active'",
        (days, collection),
    ).rowcount


# ------------------------------------------------------------------------------------------ review DMs


def claim_due_reviews(conn: Conn, limit: int = 100) -> list[VerifiedAnswer]:
    """Active answers flagged for review whose owner was not yet asked this period, claimed (the period's DM is
    now this caller's to send; a concurrent caller skips them). Commit before sending, so the claim holds."""
    rows = conn.execute(
        "SELECT v.label_id FROM verified_answers v WHERE v.status = 'active' "
        "AND v.review_notified_for IS DISTINCT FROM v.review_after AND " + _NEEDS_REVIEW + " "
        "ORDER BY v.review_after, v.label_id LIMIT %s FOR UPDATE OF v SKIP LOCKED",
        (limit,),
    ).fetchall()
    ids = [r["label_id"] for r in rows]
    if not ids:
        return []
    conn.execute("UPDATE verified_answers SET review_notified_for = review_after WHERE label_id = ANY(%s)", (ids,))
    return [get(conn, i) for i in ids]


def record_notice(conn: Conn, answer_id: int, notice: dict[str, Any]) -> None:
    """What became of the period's DM: {channel, ts} when sent, {error} when it cannot be (kept until reassigned)."""
    conn.execute(
        "UPDATE verified_answers SET review_notice = %s || jsonb_build_object('at', now()) WHERE label_id = %s",
        (Jsonb(notice), answer_id),
    )
    record_action(conn, "beat", "verified.review_requested", f"verified:{answer_id}", notice)


def release_claim(conn: Conn, answer_ids: Sequence[int]) -> None:
    """The DM could not go out this time (Slack unreachable, rate-limited): the next tick tries again."""
    conn.execute("UPDATE verified_answers SET review_notified_for = NULL WHERE label_id = ANY(%s)", (list(answer_ids),))
