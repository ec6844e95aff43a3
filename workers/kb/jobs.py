"""Ingest jobs in Postgres: a job, its files in batches, per-file outcomes, progress and the one-time finish."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import psycopg

from core import db
from core.db import Conn
from workers.kb import store
from workers.kb.ingest import BAD_NAME, discover, display_name, unreadable_folders

DEFAULT_BATCH_FILES = 16


@dataclass(frozen=True)
class Job:
    id: int
    collection: str
    root: Path
    url_base: str | None
    delete_missing: bool
    status: str


def create_job(
    conn: Conn,
    root: Path,
    collection: str,
    *,
    url_base: str | None = None,
    delete_missing: bool = True,
    batch_files: int = DEFAULT_BATCH_FILES,
    created_by: str = "",
) -> tuple[int, int]:
    """Record a job over the files under `root` (resolved: workers see the same path), in batches of
    `batch_files`; returns (job id, number of batches). Committed."""
    root = root.resolve()
    base_dir = root if root.is_dir() else store.folder_of(conn, collection, root)
    unreadable: list[str] = []
    rels = [p.relative_to(base_dir).as_posix() for p in discover(root, unreadable)]
    batch_files = max(1, batch_files)
    batches = max(1, (len(rels) + batch_files - 1) // batch_files)  # an empty folder: one batch finishes the job
    store.ensure_collection(conn, collection)
    job_id = db.one(
        conn.execute(
            "INSERT INTO ingest_jobs (collection, root, url_base, delete_missing, batches, created_by) "
            "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            # A single file is added or updated; removing "the rest" would empty the collection.
            (collection, str(base_dir), url_base, delete_missing and root.is_dir(), batches, created_by),
        )
    )["id"]
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO ingest_job_files (job_id, path, batch) VALUES (%s, %s, %s)",
            [(job_id, rel, i // batch_files) for i, rel in enumerate(rels) if display_name(rel) == rel],
        )
        # A name that is not UTF-8 cannot be stored or read back as text: failed at once, with why, shown readable.
        cur.executemany(
            "INSERT INTO ingest_job_files (job_id, path, batch, status, reason, finished_at) "
            "VALUES (%s, %s, %s, 'failed', %s, now()) ON CONFLICT DO NOTHING",
            [(job_id, display_name(rel), i // batch_files, BAD_NAME) for i, rel in enumerate(rels)
             if display_name(rel) != rel],
        )  # fmt: skip
        # What sits in a folder that could not be listed: failed with why, so the finish does not take it for gone.
        known = store.documents_in(conn, collection) if unreadable else {}
        cur.executemany(
            "INSERT INTO ingest_job_files (job_id, path, batch, status, reason, finished_at) "
            "VALUES (%s, %s, 0, 'failed', %s, now()) ON CONFLICT DO NOTHING",
            [(job_id, path, reason) for path, reason in unreadable_folders(unreadable, known, collection)],
        )
    conn.commit()
    return job_id, batches


def get_job(conn: Conn, job_id: int) -> Job | None:
    row = conn.execute(
        "SELECT id, collection, root, url_base, delete_missing, status FROM ingest_jobs WHERE id = %s", (job_id,)
    ).fetchone()
    if row is None:
        return None
    return Job(row["id"], row["collection"], Path(row["root"]), row["url_base"], row["delete_missing"], row["status"])


def pending_paths(conn: Conn, job_id: int, batch: int) -> list[str]:
    rows = conn.execute(
        "SELECT path FROM ingest_job_files WHERE job_id = %s AND batch = %s AND status = 'pending' ORDER BY path",
        (job_id, batch),
    ).fetchall()
    return [r["path"] for r in rows]


def mark_running(conn: Conn, job_id: int) -> None:
    conn.execute(
        "UPDATE ingest_jobs SET status = 'running', started_at = coalesce(started_at, now()) "
        "WHERE id = %s AND status = 'queued'",
        (job_id,),
    )
    conn.commit()


def mark_file(conn: Conn, job_id: int, path: str, outcome: str, reason: str = "") -> None:
    conn.execute(
        "UPDATE ingest_job_files SET status = %s, reason = %s, finished_at = now() WHERE job_id = %s AND path = %s",
        (outcome, reason[:2000], job_id, path),
    )
    conn.commit()


_LOCK = "SELECT {}(hashtextextended(%s, 0)) AS ok"  # a session-level advisory lock, named by a text key


def _try_lock(conn: Conn, key: str) -> bool:
    return bool(db.one(conn.execute(_LOCK.format("pg_try_advisory_lock"), (key,)))["ok"])


def _unlock(conn: Conn, key: str) -> None:
    with suppress(psycopg.OperationalError):  # a lost connection has released it already
        conn.rollback()  # a failed batch or finish may have left the transaction aborted
        conn.execute(_LOCK.format("pg_advisory_unlock"), (key,))
        conn.commit()


def _batch_key(job_id: int, batch: int) -> str:
    return f"ingest_job_batch:{job_id}:{batch}"


def _finish_key(job_id: int) -> str:
    return f"ingest_job_finish:{job_id}"


def claim_batch(conn: Conn, job_id: int, batch: int) -> bool:
    """True unless another worker is doing this batch right now: a late redelivery (Redis's visibility timeout
    passed while the batch still ran) or a resumed job's batch must not ingest the same files twice at once. The
    Postgres advisory lock is held until `release_batch` or the end of the connection (a killed worker's)."""
    ok = _try_lock(conn, _batch_key(job_id, batch))
    conn.commit()
    return ok


def release_batch(conn: Conn, job_id: int, batch: int) -> None:
    _unlock(conn, _batch_key(job_id, batch))


def claim_finish(conn: Conn, job_id: int) -> bool:
    """True for one caller at a time, once no file of the job is pending: that caller finishes the job, holding
    a Postgres advisory lock on it until `release_finish` or the end of its connection. A finisher that died (its
    worker killed) loses the lock with its connection and leaves the job 'finishing': the batch's redelivery claims
    it again (the finish's steps can run twice) instead of leaving it 'finishing' for ever."""
    if not _try_lock(conn, _finish_key(job_id)):
        conn.commit()
        return False  # another worker is finishing it right now
    row = conn.execute(
        """
        UPDATE ingest_jobs SET status = 'finishing'
        WHERE id = %s AND status IN ('queued', 'running', 'finishing')
          AND NOT EXISTS (SELECT 1 FROM ingest_job_files WHERE job_id = %s AND status = 'pending')
        RETURNING id
        """,
        (job_id, job_id),
    ).fetchone()
    conn.commit()
    if row is None:
        release_finish(conn, job_id)
    return row is not None


def release_finish(conn: Conn, job_id: int) -> None:
    """Give up the job's finish lock taken by `claim_finish` (after the job is marked done or failed)."""
    _unlock(conn, _finish_key(job_id))


@dataclass(frozen=True)
class Stalled:
    """A job the beat found idle: the batches to send again (those with files pending; batch 0 alone when none
    is, to finish it), or `gave_up` when it was resumed too often without progress (then it is failed)."""

    job_id: int
    batches: list[int]
    resumes: int
    gave_up: bool


STALLED_AFTER_S = 15 * 60  # no file done, no start, no resume for this long: the job's tasks are gone
MAX_RESUMES = 8


def resume_stalled(conn: Conn, *, idle_s: float = STALLED_AFTER_S, max_resumes: int = MAX_RESUMES) -> list[Stalled]:
    """Jobs still queued, running or finishing with no sign of life (created, started, a file done, resumed) for
    `idle_s`: each is stamped resumed (so it is not resumed again before it has had `idle_s` to run), and failed
    with why once resumed more than `max_resumes` times in a row without a file done in between. Committed; the
    caller sends the batches."""
    rows = conn.execute(
        """
        WITH idle AS (
            SELECT j.id, coalesce(max(f.finished_at) > j.resumed_at, false) AS progressed
            FROM ingest_jobs j LEFT JOIN ingest_job_files f ON f.job_id = j.id
            WHERE j.status IN ('queued', 'running', 'finishing')
            GROUP BY j.id
            HAVING greatest(j.created_at, j.started_at, j.resumed_at, max(f.finished_at))
                   < now() - make_interval(secs => %s)
        )
        UPDATE ingest_jobs j SET resumed_at = now(),
                                 resumes = CASE WHEN idle.progressed THEN 1 ELSE j.resumes + 1 END
        FROM idle WHERE j.id = idle.id
        RETURNING j.id, j.resumes,
                  ARRAY(SELECT DISTINCT batch FROM ingest_job_files
                        WHERE job_id = j.id AND status = 'pending' ORDER BY batch) AS pending
        """,
        (idle_s,),
    ).fetchall()
    conn.commit()
    out: list[Stalled] = []
    for row in sorted(rows, key=lambda r: r["id"]):
        gave_up = row["resumes"] > max_resumes
        if gave_up:
            fail(
                conn,
                row["id"],
                f"stalled: resumed {row['resumes'] - 1} times, {round(idle_s / 60)} min apart, with no file done "
                "(are the ingest workers running and reaching Postgres? answerloop worker --queues ingest); "
                "start the ingest again: files already done are skipped by their content hash",
            )
        out.append(Stalled(row["id"], [] if gave_up else list(row["pending"]) or [0], row["resumes"], gave_up))
    return out


def job_paths(conn: Conn, job_id: int) -> set[str]:
    rows = conn.execute("SELECT path FROM ingest_job_files WHERE job_id = %s", (job_id,)).fetchall()
    return {r["path"] for r in rows}


def changed_anything(conn: Conn, job_id: int) -> bool:
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM ingest_job_files WHERE job_id = %s AND status IN ('added', 'updated')) AS x",
        (job_id,),
    ).fetchone()
    return bool(row and row["x"])


def finish(conn: Conn, job_id: int, *, removed: int, calibrated: bool, error: str = "") -> None:
    conn.execute(
        "UPDATE ingest_jobs SET status = %s, removed = %s, calibrated = %s, error = %s, finished_at = now() "
        "WHERE id = %s",
        ("failed" if error else "done", removed, calibrated, error[:2000], job_id),
    )
    conn.commit()


def fail(conn: Conn, job_id: int, error: str) -> None:
    conn.execute(
        "UPDATE ingest_jobs SET status = 'failed', error = %s, finished_at = now() WHERE id = %s AND status <> 'done'",
        (error[:2000], job_id),
    )
    conn.commit()


def stop_unfinished(conn: Conn, collection: str, why: str) -> None:
    """Fail the collection's jobs not finished yet (not committed): their batches still queued then skip."""
    conn.execute(
        "UPDATE ingest_jobs SET status = 'failed', error = %s, finished_at = now() "
        "WHERE collection = %s AND status IN ('queued', 'running', 'finishing')",
        (f"stopped: {why}", collection),
    )


PROGRESS_SQL = """
    SELECT j.id, j.collection, j.root, j.status, j.batches, j.removed, j.calibrated, j.error, j.created_by,
           j.created_at, j.started_at, j.finished_at,
           count(f.path)::int AS total,
           count(f.path) FILTER (WHERE f.status <> 'pending')::int AS done,
           count(f.path) FILTER (WHERE f.status = 'added')::int AS added,
           count(f.path) FILTER (WHERE f.status = 'updated')::int AS updated,
           count(f.path) FILTER (WHERE f.status = 'unchanged')::int AS unchanged,
           count(f.path) FILTER (WHERE f.status = 'failed')::int AS failed,
           count(f.path) FILTER (WHERE f.status = 'ignored')::int AS ignored
    FROM ingest_jobs j LEFT JOIN ingest_job_files f ON f.job_id = j.id
"""


def progress(conn: Conn, job_id: int) -> dict | None:
    return conn.execute(PROGRESS_SQL + " WHERE j.id = %s GROUP BY j.id", (job_id,)).fetchone()


def list_jobs(conn: Conn, *, limit: int = 20, collection: str | None = None) -> list[dict]:
    where = " WHERE j.collection = %s" if collection else ""
    params: Sequence[object] = (collection, limit) if collection else (limit,)
    return conn.execute(PROGRESS_SQL + where + " GROUP BY j.id ORDER BY j.id DESC LIMIT %s", params).fetchall()


def failures(conn: Conn, job_id: int) -> list[dict]:
    return conn.execute(
        "SELECT path, reason FROM ingest_job_files WHERE job_id = %s AND status = 'failed' ORDER BY path", (job_id,)
    ).fetchall()
