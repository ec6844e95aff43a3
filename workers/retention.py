"""Retention: deleting interactions older than a cut, with what exists only because of them, and every other
copy of their questions.

Deleted with an interaction: its question vector (`question_vectors`, migration 0021) and its Slack request rows
(`slack_requests`, matched by interaction id: no foreign key); later turns of its thread lose their link to it
(`parent_interaction_id` is set NULL by the key). Old Slack request rows that never got an interaction (a request
that failed before one was recorded) go too.

Copies of questions outside `interactions` (migrations 0005, 0019):
- `gaps_digests`: a weekly digest quotes the questions of the seven days before it was computed (gap names and
  example wordings). One whose window reaches back before the cut is deleted — nothing reads a past week's digest
  (the App Home shows this or last week's, else groups live) — except this week's: its row is the week's claim
  (deleted, the digest would be posted again), so it keeps its counts and loses its text (each gap's `name` and
  `examples`); the App Home then groups live. A digest being posted holds its claim row from reading its
  questions to writing them (feedback.gaps_digest): the purge waits for it, so it strips what that digest wrote.
- `eval_reports`: retune and eval reports quote held-out questions, references and answers (changed outcomes,
  outcomes, the demos chosen). A report created before the cut keeps its row and its numbers — `retune list/show`
  print them and a prompt review points at it — and loses those texts; `report.text_removed` says when and to
  which cut. (A newer report quotes only labelled questions: curated, kept with their labels.)
- `admin_actions` details, `prompt_reviews` notes and `labels` comments hold no copy of a question.

Kept however old — curated data and what a question being answered now still needs:
- an interaction any label refers to (votes, 👎 reasons, corrections and so verified answers: `labels` would lose
  the row by its ON DELETE CASCADE), or that a prompt version's few-shot demo was made from;
- an interaction whose Slack request is not finished (received, queued, answering), or whose Slack thread had a
  request after the cut: a follow-up there is answered with the thread's earlier turns as its context.
Labels (comments, corrections), verified answers (their question and answer, and the knowledge-base document made
from them), prompt versions (few-shot demos, instructions) and the audit log are never touched.

The work is done in batches of `batch_size` rows, each its own short transaction: the rows are locked with FOR
UPDATE SKIP LOCKED (a row a worker holds — a follow-up being recorded against it — is left for the next run,
never waited for), re-checked once locked (a label added meanwhile keeps its interaction), then deleted.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from core import db
from core.errors import AnswerloopError
from feedback.audit import record_action
from feedback.gaps_digest import WINDOW as DIGEST_WINDOW
from feedback.gaps_digest import week_of
from feedback.prompt_versions import scope_of
from workers.interactions import known_teams

log = logging.getLogger(__name__)

BATCH_SIZE = 5_000  # rows per transaction: no table is locked for long
REPORT_BATCH = 50  # reports are whole JSON documents read into memory: a first purge of years of them stays small
LOCK_TIMEOUT = "5s"  # a batch that cannot get a lock in this time stops the run; the next run goes on
TABLES = ("interactions", "question_vectors", "slack_requests", "gaps_digests")  # rows deleted
STRIPPED = ("gaps_digests", "eval_reports")  # rows kept with their numbers, their quoted questions removed
# A report's keys whose text values quote a question or an answer (feedback/retune.py, feedback/retune_report.py);
# only string values go: `by_expectation`'s "answer" is a count.
REPORT_TEXT_KEYS = frozenset({"question", "reference", "answer", "baseline_answer", "candidate_answer"})
DIGEST_TEXT_KEYS = ("name", "examples")  # a gap's (feedback.gaps.Gap.as_dict): its lead question and wordings
_LOCK_KEY = 0x2E7E47  # pg advisory lock: one purge at a time (two beats, or the beat and an admin)
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def parse_older_than(text: str) -> timedelta:
    """'180d', '26w' or '48h' as a timedelta of at least one day; anything else is refused, saying why."""
    hint = "Give a whole number of days or weeks, e.g. --older-than 180d or --older-than 26w."
    m = re.fullmatch(r"(\d+)\s*([hdw])", text.strip().lower())
    if not m:
        raise AnswerloopError(f"--older-than {text!r} is not a duration.", hint=hint)
    try:
        age = timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
        datetime.now(UTC) - age
    except OverflowError:
        raise AnswerloopError(f"--older-than {text!r} reaches too far back: no date is that old.", hint=hint) from None
    if age < timedelta(days=1):
        raise AnswerloopError(
            f"--older-than {text!r}: the cut must be at least 1 day old (questions being answered now are recent).",
            hint=hint,
        )
    return age


@dataclass
class PurgeResult:
    cut: datetime
    team: str | None
    dry_run: bool
    deleted: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    stripped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STRIPPED, 0))  # text removed, row kept
    kept: int = 0  # old interactions kept: a label, a demo, a live thread or an unfinished request needs them
    batches: int = 0
    busy: bool = False  # another purge held the lock: nothing done
    stopped: str = ""  # why a run ended early (a lock not granted in time); the next run continues

    def summary(self) -> str:
        if self.busy:
            return "another purge is running"
        d, s = self.deleted, self.stripped
        verb = "would delete" if self.dry_run else "deleted"
        text = (
            f"{verb} {d['interactions']} interaction(s), {d['question_vectors']} question vector(s), "
            f"{d['slack_requests']} Slack request row(s), {d['gaps_digests']} gaps digest(s); "
            f"{'would remove' if self.dry_run else 'removed'} the quoted questions of {s['eval_reports']} report(s) "
            f"and {s['gaps_digests']} digest(s); kept {self.kept} old interaction(s)"
        )
        return text + (f"; stopped early: {self.stopped}" if self.stopped else "")


# An old interaction in scope that may go. %(cut)s, %(team)s (NULL: every workspace), %(demos)s (text ids).
_PURGEABLE_IN_TEAM_SCOPE = """
    i.created_at < %(cut)s
    AND (%(team)s::text IS NULL OR i.team_id = %(team)s)
    AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.interaction_id = i.id)
    AND NOT (i.id::text = ANY(%(demos)s::text[]))
    AND NOT EXISTS (
        SELECT 1 FROM slack_requests r
        WHERE r.interaction_id = i.id
          AND (r.status NOT IN ('delivered', 'failed')
               OR EXISTS (SELECT 1 FROM slack_requests n
                          WHERE n.team_id = r.team_id AND n.channel_id = r.channel_id AND n.thread_ts = r.thread_ts
                            AND n.created_at >= %(cut)s)))
"""

# An old, finished Slack request row whose interaction does not exist (never recorded, or just purged).
_ORPHAN_REQUEST = """
    r.created_at < %(cut)s
    AND (%(team)s::text IS NULL OR r.team_id = %(team)s)
    AND r.status IN ('delivered', 'failed')
    AND NOT EXISTS (SELECT 1 FROM interactions i WHERE i.id = r.interaction_id)
    AND NOT EXISTS (SELECT 1 FROM slack_requests n
                    WHERE n.team_id = r.team_id AND n.channel_id = r.channel_id AND n.thread_ts = r.thread_ts
                      AND n.created_at >= %(cut)s)
"""


# Digests and reports record their workspace as the prompt scope does (feedback.prompt_versions.scope_of): the
# workspace once installed through OAuth, '' for a bot-token install (one workspace the database does not name,
# whose interactions do carry its team id). %(scope)s: where the --team's rows are stored (`_stored_under`), NULL
# for every workspace.
#
# A gaps digest of the scope whose seven days reach back before the cut: it may quote a question older than it.
# Past weeks' go (a 'posting' one is a claim a crashed run left, without a list); this week's (%(this_week)s, the
# week's claim) keeps its row, stripped of its text.
_OLD_DIGEST = """
    d.computed_at - %(window)s < %(cut)s
    AND (%(team)s::text IS NULL OR d.team_id IN (%(team)s, %(scope)s))
"""
_DIGEST_TO_DELETE = _OLD_DIGEST + " AND d.week <> %(this_week)s"
_DIGEST_TO_STRIP = (
    _OLD_DIGEST
    + " AND d.week = %(this_week)s AND jsonb_path_exists(d.gaps, '$[*] ? (exists(@.name) || exists(@.examples))')"
)
_DIGEST_BEING_POSTED = _OLD_DIGEST + " AND d.week = %(this_week)s AND d.status = 'posting'"
# A report of the scope created before the cut whose texts were not removed yet.
_OLD_REPORT_IN_TEAM_SCOPE = """
    e.created_at < %(cut)s
    AND (%(team)s::text IS NULL OR e.team_id IN (%(team)s, %(scope)s))
    AND NOT e.report ? 'text_removed'
"""


def _demo_sources(conn: db.Conn) -> list[str]:
    rows = conn.execute(
        "SELECT DISTINCT f->>'source_interaction_id' AS id FROM prompt_versions v, jsonb_array_elements(v.few_shot) f "
        "WHERE jsonb_typeof(v.few_shot) = 'array' AND f->>'source_interaction_id' IS NOT NULL"
    ).fetchall()
    return [r["id"] for r in rows]


def _count(conn: db.Conn, sql: str, params: dict) -> int:
    row = conn.execute(sql, params).fetchone()
    return int(row["n"]) if row else 0


def _dry_run(conn: db.Conn, result: PurgeResult, params: dict) -> None:
    old = f"SELECT i.id FROM interactions i WHERE {_PURGEABLE_IN_TEAM_SCOPE}"
    result.deleted["interactions"] = _count(conn, f"SELECT count(*) AS n FROM ({old}) d", params)
    result.deleted["question_vectors"] = _count(
        conn, f"SELECT count(*) AS n FROM question_vectors q WHERE q.interaction_id IN ({old})", params
    )
    linked = _count(conn, f"SELECT count(*) AS n FROM slack_requests r WHERE r.interaction_id IN ({old})", params)
    orphans = _count(conn, f"SELECT count(*) AS n FROM slack_requests r WHERE {_ORPHAN_REQUEST}", params)
    result.deleted["slack_requests"] = linked + orphans
    result.deleted["gaps_digests"] = _count(
        conn, f"SELECT count(*) AS n FROM gaps_digests d WHERE {_DIGEST_TO_DELETE}", params
    )
    result.stripped["gaps_digests"] = _count(
        conn, f"SELECT count(*) AS n FROM gaps_digests d WHERE {_DIGEST_TO_STRIP}", params
    )
    result.stripped["eval_reports"] = _count(
        conn, f"SELECT count(*) AS n FROM eval_reports e WHERE {_OLD_REPORT_IN_TEAM_SCOPE}", params
    )


def _purge_interactions(conn: db.Conn, result: PurgeResult, params: dict, batch_size: int) -> None:
    after: tuple[datetime, uuid.UUID] | None = None  # keyset: kept rows are passed once, never scanned again
    while True:
        with conn.transaction():
            conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            params["demos"] = _demo_sources(conn)
            rows = conn.execute(
                f"SELECT i.id, i.created_at FROM interactions i WHERE {_PURGEABLE_IN_TEAM_SCOPE} "
                "AND (%(after_at)s::timestamptz IS NULL OR (i.created_at, i.id) > (%(after_at)s, %(after_id)s::uuid)) "
                "ORDER BY i.created_at, i.id LIMIT %(n)s FOR UPDATE OF i SKIP LOCKED",
                {
                    **params,
                    "after_at": after[0] if after else None,
                    "after_id": after[1] if after else None,
                    "n": batch_size,
                },
            ).fetchall()
            if not rows:
                return
            after = (rows[-1]["created_at"], rows[-1]["id"])
            # Locked now: re-checked with a fresh snapshot, so a label (or a follow-up's request) added between
            # the scan and the lock keeps its interaction; no label can be added to a locked row until we commit.
            ids = [
                r["id"]
                for r in conn.execute(
                    f"SELECT i.id FROM interactions i WHERE i.id = ANY(%(ids)s) AND {_PURGEABLE_IN_TEAM_SCOPE}",
                    {**params, "ids": [r["id"] for r in rows]},
                ).fetchall()
            ]
            if ids:
                qv = conn.execute("DELETE FROM question_vectors WHERE interaction_id = ANY(%s)", (ids,))
                sr = conn.execute(
                    "DELETE FROM slack_requests r USING unnest(%s::uuid[]) AS d(id) WHERE r.interaction_id = d.id",
                    (ids,),
                )
                it = conn.execute("DELETE FROM interactions WHERE id = ANY(%s)", (ids,))
                result.deleted["question_vectors"] += qv.rowcount
                result.deleted["slack_requests"] += sr.rowcount
                result.deleted["interactions"] += it.rowcount
        result.batches += 1
        if len(rows) < batch_size:
            return


def _delete_in_batches(
    conn: db.Conn, delete_sql: str, params: dict, batch_size: int, deleted: dict[str, int], table: str
) -> None:
    """Run `delete_sql` (a DELETE of at most %(n)s rows it locks with SKIP LOCKED) one short transaction at a time
    until a batch comes back short, adding each batch to `deleted[table]` as it commits (a run stopped by a lock
    timeout still reports what went)."""
    while True:
        with conn.transaction():
            conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            gone = conn.execute(delete_sql, {**params, "n": batch_size}).rowcount
        deleted[table] += gone
        if gone < batch_size:
            return


def _purge_orphan_requests(conn: db.Conn, result: PurgeResult, params: dict, batch_size: int) -> None:
    _delete_in_batches(
        conn,
        "DELETE FROM slack_requests WHERE (team_id, channel_id, message_ts) IN ("
        f"SELECT r.team_id, r.channel_id, r.message_ts FROM slack_requests r WHERE {_ORPHAN_REQUEST} "
        "LIMIT %(n)s FOR UPDATE OF r SKIP LOCKED)",
        params,
        batch_size,
        result.deleted,
        "slack_requests",
    )


def _purge_digests(conn: db.Conn, result: PurgeResult, params: dict, batch_size: int) -> None:
    _delete_in_batches(
        conn,
        "DELETE FROM gaps_digests WHERE (team_id, week) IN ("
        f"SELECT d.team_id, d.week FROM gaps_digests d WHERE {_DIGEST_TO_DELETE} "
        "LIMIT %(n)s FOR UPDATE OF d SKIP LOCKED)",
        params,
        batch_size,
        result.deleted,
        "gaps_digests",
    )
    strip_gap = "g" + "".join(f" - '{k}'" for k in DIGEST_TEXT_KEYS)
    with conn.transaction():  # this week's digests: at most one per workspace
        conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        # A digest being posted holds its claim while it reads questions and writes them: waited for (not skipped),
        # so the list it writes — perhaps questions this purge has just deleted — is seen and stripped below.
        conn.execute(f"SELECT 1 FROM gaps_digests d WHERE {_DIGEST_BEING_POSTED} FOR UPDATE OF d", params)
        result.stripped["gaps_digests"] += conn.execute(
            "UPDATE gaps_digests u SET gaps = coalesce(("
            f"SELECT jsonb_agg({strip_gap} ORDER BY o) FROM jsonb_array_elements(u.gaps) WITH ORDINALITY AS x(g, o)"
            "), '[]') WHERE (u.team_id, u.week) IN ("
            f"SELECT d.team_id, d.week FROM gaps_digests d WHERE {_DIGEST_TO_STRIP} FOR UPDATE OF d SKIP LOCKED)",
            params,
        ).rowcount


def without_quoted_text(value: Any) -> Any:
    """A stored report with the string values of REPORT_TEXT_KEYS removed at any depth; everything else kept."""
    if isinstance(value, dict):
        return {
            k: without_quoted_text(v) for k, v in value.items() if not (k in REPORT_TEXT_KEYS and isinstance(v, str))
        }
    if isinstance(value, list):
        return [without_quoted_text(v) for v in value]
    return value


def _strip_reports(conn: db.Conn, result: PurgeResult, params: dict, batch_size: int, now: datetime) -> None:
    marker = {"at": now.isoformat(), "cut": params["cut"].isoformat()}
    batch_size = min(batch_size, REPORT_BATCH)
    while True:
        with conn.transaction():
            conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            rows = conn.execute(
                f"SELECT e.id, e.report FROM eval_reports e WHERE {_OLD_REPORT_IN_TEAM_SCOPE} "
                "ORDER BY e.id LIMIT %(n)s FOR UPDATE OF e SKIP LOCKED",
                {**params, "n": batch_size},
            ).fetchall()
            for row in rows:
                report = without_quoted_text(row["report"] if isinstance(row["report"], dict) else {})
                conn.execute(
                    "UPDATE eval_reports SET report = %s WHERE id = %s",
                    (Jsonb({**report, "text_removed": marker}), row["id"]),
                )
        result.stripped["eval_reports"] += len(rows)
        if len(rows) < batch_size:
            return


def _known_workspace(conn: db.Conn, team: str) -> None:
    """A workspace installed here, with interactions here (an uninstalled one keeps its data) or with Slack request
    rows here (one removed while its questions waited has only those: failed, no interaction recorded, each with
    its redacted question); anything else is a typo, refused rather than "deleted 0"."""
    known = known_teams(conn)
    asked = conn.execute("SELECT 1 FROM slack_requests WHERE team_id = %s LIMIT 1", (team,)).fetchone()
    if team not in known and asked is None:
        raise AnswerloopError(
            f"No workspace {team} here: it is not installed and has no interactions; nothing was deleted.",
            hint=f"Workspaces here: {', '.join(known) or 'none (a bot-token install: leave out --team)'}.",
        )


def _stored_under(conn: db.Conn, team: str) -> str:
    """The key a workspace's digests and reports are stored under besides its id: its prompt scope, '' for a
    bot-token install's one workspace — but '' only when no other workspace has questions here. With several (an
    uninstalled workspace's data is kept) and none installed through OAuth, nothing says whose '' rows are: a
    purge of one workspace leaves them, a purge without --team reaches them."""
    scope = scope_of(conn, team)
    return team if scope == "" and known_teams(conn) != [team] else scope


def purge(
    db_url: str,
    *,
    older_than: timedelta,
    actor: str,
    team: str | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    now: datetime | None = None,
) -> PurgeResult:
    """Delete (or, dry, count) interactions older than `older_than` and what exists only because of them, and
    every other copy of a question older than the cut (gaps digests deleted or stripped, reports stripped: see
    the module docstring); one admin_actions row with the counts per table ('db.purge'). A dry run counts and
    changes nothing."""
    if older_than < timedelta(days=1):
        raise AnswerloopError("A retention shorter than 1 day is refused.", hint="e.g. 180 days")
    now = now or datetime.now(UTC)
    cut = now - older_than
    result = PurgeResult(cut=cut, team=team, dry_run=dry_run)
    with db.connect(db_url, autocommit=True) as conn:
        if team is not None:
            _known_workspace(conn, team)
        params: dict = {
            "cut": cut,
            "team": team,
            "scope": _stored_under(conn, team) if team is not None else None,
            "window": DIGEST_WINDOW,
            "this_week": week_of(now),
        }
        old_in_scope = _count(
            conn,
            "SELECT count(*) AS n FROM interactions i "
            "WHERE i.created_at < %(cut)s AND (%(team)s::text IS NULL OR i.team_id = %(team)s)",
            params,
        )
        if dry_run:
            params["demos"] = _demo_sources(conn)
            _dry_run(conn, result, params)
            result.kept = old_in_scope - result.deleted["interactions"]
            return result
        if not conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (_LOCK_KEY,)).fetchone()["ok"]:  # type: ignore[index]
            result.busy = True
            return result
        try:
            try:
                _purge_interactions(conn, result, params, batch_size)
                _purge_orphan_requests(conn, result, params, batch_size)
                _purge_digests(conn, result, params, batch_size)
                _strip_reports(conn, result, params, batch_size, now)
            except psycopg.errors.LockNotAvailable as exc:
                result.stopped = f"a lock was not granted within {LOCK_TIMEOUT}: {str(exc).splitlines()[0]}"
                log.warning("purge stopped early (%s); the next run goes on", result.stopped)
            result.kept = old_in_scope - result.deleted["interactions"]
            record_action(
                conn,
                actor,
                "db.purge",
                f"team:{team}" if team is not None else "all",
                {
                    "older_than_days": older_than.days,
                    "cut": cut.isoformat(),
                    "team": team,
                    "deleted": result.deleted,
                    "text_removed": result.stripped,
                    "kept": result.kept,
                    "batches": result.batches,
                    "stopped": result.stopped,
                },
            )
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    return result
