"""Prompt versions: immutable instructions + few-shot examples + answering parameters; one is active per scope.

"Active" is a pointer. Every move is a `prompt_activations` row (who, when, why, what kind of move), so
`rollback` can walk back through the history: promotions and activations push, rollbacks pop.

Scopes (migration 0010): each workspace has its own pointer, history, retunes and reports, and owns the
versions its retunes and admins create; '' is the install's default scope (a bot-token install, one workspace,
and the command line's own questions). A version is visible to a scope when the scope owns it or it is shared
(`team_id IS NULL`: only the seed, never anything built from labels). A scope with no pointer of its own answers
with the shared seed, version 1. `scope_of` says which scope a workspace's questions use; every function here
takes the scope it acts in, and an id outside it is "does not exist" — never acted on.

A rejection holds: a version an admin rejected is never made active (nor, in feedback/canary.py, served to a share
of askers) unless the admin says `force`, which the audit row records (`overrode_rejection`). Rollback, the
emergency path, is never refused but records when it lands on a rejected version. Approving a rejected version
reverses the rejection: it too needs `force` (see `approve`), and its audit row says which rejection it reversed.
"""

from __future__ import annotations

import difflib
from datetime import UTC, datetime
from typing import Literal

from psycopg.types.json import Jsonb
from pydantic import BaseModel, Field

from core import db
from core.db import Conn
from core.errors import AnswerloopError, NotFound
from feedback.audit import record_action

MoveKind = Literal["activate", "promote", "approve", "rollback"]

SEED_VERSION_ID = 1  # shared by every scope (migration 0002)
DEFAULT_SCOPE = ""


class AnsweringParams(BaseModel):
    """Everything the pipeline tunes lives here, so retuning can search over it (no constants in code)."""

    rrf_k: int = Field(60, ge=1, le=1000)
    # Fusion of the keyword and vector lists (workers.search.fusion): "rrf" with the two weights below, or
    # "scores": both exact scores for every candidate, min-max normalised, mixed with fusion_alpha (vector share).
    fusion: Literal["rrf", "scores"] = "scores"
    fusion_alpha: float = Field(0.7, ge=0, le=1)  # chosen on the dev splits of bench/data (README)
    fts_weight: float = Field(0.5, ge=0)  # the keyword (BM25) list's weight in rank fusion
    vector_weight: float = Field(1.0, ge=0)
    candidates: int = Field(40, ge=1, le=500)  # per retriever, before fusion
    # BM25: postings read per query term, best impact first (bounds the work a common word costs).
    keyword_postings_per_term: int = Field(2000, ge=10, le=100000)
    # …and a term both cut that way and in more than this share of the collection is left out (near-stopwords).
    keyword_max_df_share: float = Field(0.25, gt=0, le=1)
    top_k: int = Field(8, ge=1, le=50)  # fused results kept
    context_k: int = Field(5, ge=1, le=20)  # passages given to the answerer
    abstain_threshold: float = Field(0.34, ge=0, le=1)  # best passage relevance below this → "I don't know"
    # The gate: "calibrated" = the collection's answerability probability (workers.answerability) below
    # answerability_threshold → "I don't know"; "relevance" = the gate before it (best_relevance only).
    gate: Literal["calibrated", "relevance"] = "calibrated"
    answerability_threshold: float = Field(0.5, ge=0, le=1)
    # Learned from labels by the retune (feedback/answerability_refit.py): per collection, an offset added to the
    # logit of the label-free answerability probability before the gate compares it with the threshold. A
    # collection absent here keeps the label-free calibration.
    answerability_shift: dict[str, float] = Field(default_factory=dict)
    # …and per collection, offsets to that logistic layer's weights (one per signal, in the gate's signal order)
    # and bias (last), learned from labels as MAP estimates around the global layer (the retune's 'weights'
    # candidates): the gate adds offsets·[normalised signals, 1] to the logit. Absent = the global layer.
    answerability_offsets: dict[str, list[float]] = Field(default_factory=dict)
    # …and per collection, the pull of labelled neighbours (the retune's 'neighbours' candidates): a question close
    # to train-labelled questions of the same workspace and collection gets `strength`·evidence added to its logit,
    # evidence in [-1, 1] leaning to what those labels said (answer or "the documents don't answer this"): the vote
    # of those within cosine `radius`, or (with `k`) how much closer its k nearest should-answer questions are than
    # its k nearest should-not ones (feedback/answerability_refit.py). Absent = no neighbour signal.
    answerability_neighbours: dict[str, dict[str, float]] = Field(default_factory=dict)
    grounding_threshold: float = Field(0.5, ge=0, le=1)  # per-sentence support needed
    max_answer_sentences: int = Field(3, ge=1, le=10)
    # Extractive answerer: the share of the question's terms a sentence must carry to be worth quoting.
    min_sentence_support: float = Field(0.34, ge=0, le=1)
    # …and it answers from the passage holding the best sentence, where a sentence from a passage one rank down
    # must score this much better. 0.3 did better on the dev splits (answer-hit flat from 0.2 to 0.6) but was a
    # wash on test and made the no-embeddings path quote a top-ranked wrong section (README), so 0.08 stays.
    answer_rank_penalty: float = Field(0.08, ge=0, le=1)
    temperature: float = Field(0.0, ge=0, le=2)
    # Feedback: a document's fused score is multiplied by 1 + w·(ups − downs)/(ups + downs + 2), w ≤ 0.9,
    # so votes move a document by at most ±w and never remove it.
    doc_boost_weight: float = Field(0.3, ge=0, le=0.9)
    # A retrieved verified answer (an approved correction) whose question is at least this similar to the
    # new question is the answer, quoted whole.
    verified_threshold: float = Field(0.8, ge=0, le=1)
    # Few-shot demos for the model answerer: all of them (static) or the k most similar to the question.
    few_shot_mode: Literal["static", "similar"] = "static"
    few_shot_k: int = Field(4, ge=1, le=20)


class FewShot(BaseModel):
    question: str
    answer: str
    source_interaction_id: str | None = None
    source_label_id: int | None = None


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
    team_id: str | None = None  # owner: a workspace, '' the default scope, None shared (the seed)


class VersionSummary(BaseModel):
    id: int
    author: str
    note: str
    created_at: datetime
    parent_id: int | None
    active: bool
    review: str | None  # pending | approved | rejected | None
    few_shot: int
    score: float | None
    shared: bool = False  # the seed, shared by every workspace


class Rejection(BaseModel):
    """An admin's decision that a version must not answer anyone."""

    version_id: int
    by: str
    at: datetime
    note: str = ""

    def describe(self) -> str:
        why = f' ("{self.note}")' if self.note else ""
        return f"v{self.version_id} was rejected by {self.by} on {self.at.astimezone(UTC):%Y-%m-%d %H:%M} UTC{why}"

    def audit(self) -> dict:
        return {"rejected_by": self.by, "rejected_at": self.at.isoformat()}


class RejectedVersion(AnswerloopError):
    """A move that would serve a rejected version, refused because it was not forced."""


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
        team_id=row.get("team_id"),
    )


def scope_of(conn: Conn, team_id: str | None) -> str:
    """The prompt scope a workspace's questions use: its own once workspaces are installed through OAuth (or
    once it has a pointer of its own); the default scope for a bot-token install (one workspace, which the
    database does not name) and for questions of no workspace (the command line)."""
    if not team_id:
        return DEFAULT_SCOPE
    row = db.one(
        conn.execute(
            "SELECT EXISTS (SELECT 1 FROM slack_installations) AS oauth, "
            "EXISTS (SELECT 1 FROM prompt_pointer WHERE team_id = %s) AS own",
            (team_id,),
        )
    )
    return team_id if row["oauth"] or row["own"] else DEFAULT_SCOPE


def _pointer(conn: Conn, scope: str, *, lock: bool = False) -> int:
    row = conn.execute(
        "SELECT version_id FROM prompt_pointer WHERE team_id = %s" + (" FOR UPDATE" if lock else ""), (scope,)
    ).fetchone()
    return row["version_id"] if row else SEED_VERSION_ID


def active_version(conn: Conn, scope: str = DEFAULT_SCOPE) -> PromptVersion:
    """The version a scope answers with: its pointer's, else the shared seed."""
    row = conn.execute(
        "SELECT v.* FROM prompt_versions v WHERE v.id = coalesce("
        "(SELECT p.version_id FROM prompt_pointer p WHERE p.team_id = %s), %s)",
        (scope, SEED_VERSION_ID),
    ).fetchone()
    if row is None:
        raise NotFound("No active prompt version.", hint="Run `answerloop db upgrade` to seed version 1.")
    return _row_to_version(row)


def active_version_for(conn: Conn, team_id: str | None) -> PromptVersion:
    """The version a question from this workspace is answered with."""
    return active_version(conn, scope_of(conn, team_id))


def active_version_id(conn: Conn, scope: str = DEFAULT_SCOPE) -> int:
    return _pointer(conn, scope)


def get_version(conn: Conn, version_id: int, scope: str | None = None) -> PromptVersion:
    """One version; with `scope`, only one that scope may see (its own or the shared seed) — another
    workspace's version is reported exactly like a missing one."""
    row = conn.execute(
        "SELECT * FROM prompt_versions WHERE id = %s AND (%s::text IS NULL OR team_id IS NULL OR team_id = %s)",
        (version_id, scope, scope),
    ).fetchone()
    if row is None:
        raise NotFound(
            f"Prompt version {version_id} does not exist.",
            hint="`answerloop prompts list` shows the versions.",
        )
    return _row_to_version(row)


def create_version(
    conn: Conn,
    *,
    instructions: str,
    few_shot: list[FewShot],
    params: AnsweringParams,
    parent_id: int | None,
    author: str,
    metrics: dict | None = None,
    note: str = "",
    scope: str = DEFAULT_SCOPE,
) -> int:
    """A new immutable version, owned by `scope` (never shared)."""
    row = db.one(
        conn.execute(
            "INSERT INTO prompt_versions (instructions, few_shot, params, parent_id, author, metrics, note, team_id) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (
                instructions,
                Jsonb([f.model_dump() for f in few_shot]),
                Jsonb(params.model_dump()),
                parent_id,
                author,
                Jsonb(metrics or {}),
                note,
                scope,
            ),
        )
    )
    return row["id"]


def list_versions(conn: Conn, scope: str = DEFAULT_SCOPE) -> list[VersionSummary]:
    """The versions a scope may see (its own and the shared seed), newest first."""
    active = active_version_id(conn, scope)
    rows = conn.execute(
        "SELECT v.id, v.author, v.note, v.created_at, v.parent_id, jsonb_array_length(v.few_shot) AS shots, "
        "(v.metrics->>'score')::float AS score, r.status AS review, v.team_id IS NULL AS shared "
        "FROM prompt_versions v LEFT JOIN prompt_reviews r ON r.version_id = v.id "
        "WHERE v.team_id IS NULL OR v.team_id = %s ORDER BY v.id DESC",
        (scope,),
    ).fetchall()
    return [
        VersionSummary(
            id=r["id"],
            author=r["author"],
            note=r["note"],
            created_at=r["created_at"],
            parent_id=r["parent_id"],
            active=r["id"] == active,
            review=r["review"],
            few_shot=r["shots"],
            score=r["score"],
            shared=r["shared"],
        )
        for r in rows
    ]


def lock_pointer(conn: Conn, scope: str) -> None:
    """Serialises, until the transaction ends, the moves of one scope's pointer (including the first one: no
    pointer row to lock yet) and whatever must read the pointer unchanged until it commits (a canary starting,
    a retune promoting over the version it compared with)."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('prompt_pointer:' || %s))", (scope,))


def _move_pointer(
    conn: Conn,
    version_id: int,
    actor: str,
    kind: MoveKind,
    reason: str,
    scope: str,
    *,
    force: bool = False,
    audit: dict | None = None,
) -> int:
    """Point the scope's 'active' at `version_id` (one the scope may see); returns the previous version id. A
    rejected version is refused unless `force` (a rollback is never refused; its audit row says it landed on one);
    `audit` adds to the audit row's details."""
    get_version(conn, version_id, scope)  # a clear NotFound for unknown ids and other workspaces' versions
    lock_pointer(conn, scope)
    previous = _pointer(conn, scope, lock=True)
    if previous == version_id:  # checked under the lock: two admins activating one version at once move it once
        raise AnswerloopError(f"v{version_id} is already the active version.", hint="`answerloop prompts list`")
    if kind == "rollback":
        rejected = rejection(conn, version_id)
        overrides = {"rejected_version": True, **rejected.audit()} if rejected else {}
    else:  # checked under the lock: a rejection committed meanwhile is seen
        overrides = refuse_rejected(conn, version_id, kind, force=force)
    conn.execute(
        "INSERT INTO prompt_pointer (team_id, version_id, updated_by) VALUES (%s, %s, %s) "
        "ON CONFLICT (team_id) DO UPDATE SET version_id = EXCLUDED.version_id, updated_at = now(), "
        "updated_by = EXCLUDED.updated_by",
        (scope, version_id, actor),
    )
    conn.execute(
        "INSERT INTO prompt_activations (version_id, previous_version_id, actor, reason, kind, team_id) "
        "VALUES (%s, %s, %s, %s, %s, %s)",
        (version_id, previous, actor, reason, kind, scope),
    )
    details = {"previous": previous, "reason": reason, "team": scope, **overrides, **(audit or {})}
    record_action(conn, actor, f"prompts.{kind}", f"v{version_id}", details)
    return previous


def activate(
    conn: Conn,
    version_id: int,
    actor: str,
    *,
    reason: str = "",
    kind: MoveKind = "activate",
    scope: str = DEFAULT_SCOPE,
    force: bool = False,
) -> int:
    """Make `version_id` the scope's active version (an error if it already is, or if it was rejected and not
    `force`d). Returns the previous id."""
    return _move_pointer(conn, version_id, actor, kind, reason, scope, force=force)


def history_stack(conn: Conn, scope: str = DEFAULT_SCOPE) -> list[int]:
    """The versions that were active in the scope, oldest first, with rolled-back ones popped off. A scope
    whose history does not start with the seed's own row (every workspace's) starts from the shared seed."""
    rows = conn.execute(
        "SELECT version_id, kind FROM prompt_activations WHERE team_id = %s ORDER BY id", (scope,)
    ).fetchall()
    stack: list[int] = [] if rows and rows[0]["kind"] == "seed" else [SEED_VERSION_ID]
    for r in rows:
        if r["kind"] == "rollback":
            if stack:
                stack.pop()
        else:
            stack.append(r["version_id"])
    return stack


def rollback(conn: Conn, actor: str, *, reason: str = "", scope: str = DEFAULT_SCOPE) -> tuple[int, int]:
    """Move the scope's pointer back to the version that was active before the current one: (from, to)."""
    lock_pointer(conn, scope)  # the history read is the one moved from: two rollbacks at once go back two steps
    stack = history_stack(conn, scope)
    current = active_version_id(conn, scope)
    if len(stack) < 2:
        raise AnswerloopError(
            f"Nothing to roll back to: v{current} is the first version that was active.",
            hint="`answerloop prompts activate V` activates any version.",
        )
    target = stack[-2]
    _move_pointer(conn, target, actor, "rollback", reason or f"rollback from v{current}", scope)
    return current, target


def moves_since(conn: Conn, scope: str, since: datetime) -> list[dict]:
    """The moves of the scope's pointer after `since`, oldest first: whether (and from which version) the active
    version changed while, say, a canary ran."""
    return conn.execute(
        "SELECT version_id, previous_version_id, actor, kind, at FROM prompt_activations "
        "WHERE team_id = %s AND at > %s ORDER BY id",
        (scope, since),
    ).fetchall()


def activations(conn: Conn, limit: int = 20, scope: str = DEFAULT_SCOPE) -> list[dict]:
    return conn.execute(
        "SELECT version_id, previous_version_id, actor, reason, kind, at FROM prompt_activations "
        "WHERE team_id = %s ORDER BY id DESC LIMIT %s",
        (scope, limit),
    ).fetchall()


# ---------------------------------------------------------------------------------------- reviews


def set_review(conn: Conn, version_id: int, status: str, report_id: int | None = None) -> None:
    conn.execute(
        "INSERT INTO prompt_reviews (version_id, status, report_id) VALUES (%s, %s, %s) "
        "ON CONFLICT (version_id) DO UPDATE SET status = EXCLUDED.status, "
        "report_id = coalesce(EXCLUDED.report_id, prompt_reviews.report_id)",
        (version_id, status, report_id),
    )


def review_status(conn: Conn, version_id: int) -> str | None:
    row = conn.execute("SELECT status FROM prompt_reviews WHERE version_id = %s", (version_id,)).fetchone()
    return row["status"] if row else None


def review(conn: Conn, version_id: int) -> dict | None:
    """A version's review as `prompts show` prints it (status, who decided it, when, their note), None if never
    reviewed."""
    row = conn.execute(
        "SELECT status, decided_by, decided_at, note FROM prompt_reviews WHERE version_id = %s", (version_id,)
    ).fetchone()
    if row is None:
        return None
    at = row["decided_at"]
    return {"status": row["status"], "by": row["decided_by"], "at": at.isoformat() if at else None, "note": row["note"]}


def rejection(conn: Conn, version_id: int) -> Rejection | None:
    """Who rejected the version and when, if it stands rejected."""
    row = conn.execute(
        "SELECT decided_by, decided_at, note FROM prompt_reviews WHERE version_id = %s AND status = 'rejected'",
        (version_id,),
    ).fetchone()
    if row is None:
        return None
    return Rejection(version_id=version_id, by=row["decided_by"] or "", at=row["decided_at"], note=row["note"])


_FORCE_VERBS = {"activate": "activate it", "promote": "promote it", "canary": "start its canary"}


def refuse_rejected(conn: Conn, version_id: int, move: str, *, force: bool) -> dict:
    """Refuse to serve a rejected version (`move`: activate | promote | canary) unless `force`; returns what the
    move's audit row records about it: nothing for a version not rejected, the overridden rejection otherwise."""
    rejected = rejection(conn, version_id)
    if rejected is None:
        return {}
    if not force:
        raise RejectedVersion(
            f"{rejected.describe()}: it answers no one unless an admin overrides the rejection.",
            hint=f"`answerloop prompts approve {version_id} --force` reverses the rejection; or add --force here "
            f"to {_FORCE_VERBS.get(move, move)} anyway (recorded in the audit log as an override).",
        )
    return {"overrode_rejection": True, **rejected.audit()}


def _decide(
    conn: Conn, version_id: int, status: str, actor: str, note: str, scope: str, *, reverses: bool = False
) -> Rejection | None:
    """Decide a pending review (`reverses`: or reverse a rejection), under the scope's pointer lock: of two admins
    deciding one version at once (approve and approve, or approve and reject), the second finds it decided and is
    refused. Returns the rejection it reversed, if any."""
    lock_pointer(conn, scope)
    rejected = rejection(conn, version_id)
    row = conn.execute(
        "UPDATE prompt_reviews SET status = %s, decided_by = %s, decided_at = now(), note = %s "
        "WHERE version_id = %s AND status = ANY(%s) RETURNING version_id",
        (status, actor, note, version_id, ["pending", "rejected"] if reverses else ["pending"]),
    ).fetchone()
    if row is None and rejected is not None:
        raise RejectedVersion(
            f"v{version_id} is not waiting for approval (rejected): {rejected.describe()}.",
            hint=f"`answerloop prompts approve {version_id} --force` reverses the rejection (recorded in the audit "
            "log); `answerloop prompts activate V` activates another version.",
        )
    if row is None:
        now = review_status(conn, version_id)
        raise AnswerloopError(
            f"v{version_id} is not waiting for approval ({now or 'never reviewed'}).",
            hint="`answerloop prompts activate V` activates any version directly; `answerloop prompts list` shows "
            "the reviews.",
        )
    return rejected


def approve(
    conn: Conn, version_id: int, actor: str, note: str = "", *, scope: str = DEFAULT_SCOPE, force: bool = False
) -> int:
    """Approve a retuned candidate of this scope waiting for review and activate it there. Returns the previous
    active id — the version itself when it had already been activated another way (then only the review is
    decided: the pointer does not move onto itself, which would give rollback a step that goes nowhere).

    A rejected version is approved only with `force` (`prompts approve V --force`), which reverses the rejection.
    Approving is already an explicit act, but without the flag an admin approving a version a colleague rejected a
    moment before (two reviews at once, or a stale list) would overturn that decision without knowing it: refused,
    the approver is told who rejected it and when. The App Home never forces (its buttons are for pending
    versions). The audit row records the reversal (`overrode_rejection`, who rejected it and when)."""
    get_version(conn, version_id, scope)
    reversed_ = _decide(conn, version_id, "approved", actor, note, scope, reverses=force)
    overrides = {"overrode_rejection": True, **reversed_.audit()} if reversed_ else {}
    active = _pointer(conn, scope, lock=True)
    reason = note or ("approved, reversing its rejection" if reversed_ else "approved candidate")
    if active == version_id:
        details = {"previous": active, "reason": reason, "team": scope, "already_active": True, **overrides}
        record_action(conn, actor, "prompts.approve", f"v{version_id}", details)
        return active
    return _move_pointer(conn, version_id, actor, "approve", reason, scope, audit=overrides)


def record_rejection(conn: Conn, version_id: int, actor: str, note: str = "", *, scope: str = DEFAULT_SCOPE) -> None:
    """The review half of a rejection — callers use `feedback.canary.reject`, which also ends the version's canary
    in the same transaction. Rejects a retuned candidate waiting for review: it stays stored, never active — so not
    the active version (one activated directly while its review waited), which would go on answering marked
    rejected."""
    get_version(conn, version_id, scope)
    lock_pointer(conn, scope)
    if _pointer(conn, scope) == version_id:
        raise AnswerloopError(
            f"v{version_id} is the active version: rejected, it would still answer every question.",
            hint="Make another version active first (`answerloop prompts rollback` goes back to the one before), "
            "then reject it.",
        )
    _decide(conn, version_id, "rejected", actor, note, scope)
    record_action(conn, actor, "prompts.reject", f"v{version_id}", {"note": note, "team": scope})


# ---------------------------------------------------------------------------------------- diff / export


def diff(a: PromptVersion, b: PromptVersion) -> dict:
    """What changed from a to b: instructions (unified diff), parameters, few-shot demos."""
    pa, pb = a.params.model_dump(), b.params.model_dump()
    params = {k: (pa.get(k), pb.get(k)) for k in sorted(set(pa) | set(pb)) if pa.get(k) != pb.get(k)}
    shots_a = {(s.question, s.answer) for s in a.few_shot}
    shots_b = {(s.question, s.answer) for s in b.few_shot}
    return {
        "from": a.id,
        "to": b.id,
        "instructions": list(
            difflib.unified_diff(
                a.instructions.splitlines(), b.instructions.splitlines(), f"v{a.id}", f"v{b.id}", lineterm=""
            )
        ),
        "params": params,
        "few_shot_added": [{"question": q, "answer": ans} for q, ans in sorted(shots_b - shots_a)],
        "few_shot_removed": [{"question": q, "answer": ans} for q, ans in sorted(shots_a - shots_b)],
    }


def export(version: PromptVersion) -> dict:
    return version.model_dump(mode="json")
