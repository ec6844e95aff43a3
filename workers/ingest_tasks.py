"""Ingestion on the `ingest` queue: one task per batch of a job's files (workers/kb/jobs.py).

At-least-once like every task here (acks_late, reject_on_worker_lost): a batch whose worker died is delivered
again and does only the files still pending; a file whose document was stored but not yet marked is skipped by
its content hash. Whichever batch leaves no file pending finishes the job, once (a finisher killed part-way
leaves it to its batch's redelivery, see jobs.claim_finish): documents whose files are gone
are removed, the collection's verified answers embedded by another model are re-embedded with this one (a model
switch), and the collection's answerability is recalibrated if anything changed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import psycopg
from celery import Task

from core import db
from core.db import Conn
from core.errors import DatabaseUnavailable
from core.settings import Settings, get_settings
from workers.celery_app import INGEST_QUEUE, celery_app
from workers.embeddings import Embedder, get_embedder
from workers.kb import jobs, store
from workers.kb.ingest import (
    calibrate_collection,
    ingest_paths,
    may_be_a_file,
    prepare_collection,
    reembed_verified,
    remove_missing,
)

log = logging.getLogger(__name__)


@celery_app.task(
    bind=True,
    name="workers.ingest_tasks.ingest_batch",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseUnavailable,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=5,
)
def ingest_batch(self: Task, job_id: int, batch: int) -> str:
    settings = get_settings()
    try:
        return run_batch(job_id, batch, settings, get_embedder(settings))
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
        # Postgres restarted (or the connection dropped) part-way: retried like Postgres down at the start — the
        # retry does the batch's files still pending and finishes the job — instead of failing the task for good
        # and leaving the job 'running' for ever.
        raise DatabaseUnavailable(f"Lost the connection to Postgres: {str(exc).strip()[:300]}") from exc


def run_batch(job_id: int, batch: int, settings: Settings, embedder: Embedder) -> str:
    """The task's body: ingest the batch's files still pending, then finish the job if none is left."""
    with db.connect(db.database_url(settings)) as conn:
        job = jobs.get_job(conn, job_id)
        if job is None or job.status in ("done", "failed"):
            return "skipped: no such job, or finished"
        if not job.root.exists():
            import socket

            jobs.fail(
                conn,
                job_id,
                f"{job.root} does not exist on worker {socket.gethostname()}: queued ingestion needs the folder at "
                "the same path on every ingest worker (a shared volume), or ingest with --inline",
            )
            return "failed: folder not visible on this worker"
        if not jobs.claim_batch(conn, job_id, batch):
            return f"skipped: batch {batch} is being done by another worker"
        try:
            return _run_claimed(conn, job, batch, settings, embedder)
        finally:
            jobs.release_batch(conn, job_id, batch)


def _run_claimed(conn: Conn, job: jobs.Job, batch: int, settings: Settings, embedder: Embedder) -> str:
    """The batch's pending files, then the job's finish if none is left (the caller holds the batch's lock)."""
    jobs.mark_running(conn, job.id)
    paths = jobs.pending_paths(conn, job.id, batch)
    summary = f"batch {batch}: nothing pending"
    if paths:
        prepare_collection(conn, job.collection, embedder)
        report = ingest_paths(
            conn,
            job.root,
            paths,
            job.collection,
            embedder=embedder,
            settings=settings,
            url_base=job.url_base,
            file_done=lambda path, outcome, reason: jobs.mark_file(conn, job.id, path, outcome, reason),
        )
        summary = (
            f"batch {batch}: {len(report.added)} added, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged, {len(report.failed)} failed"
        )
    if jobs.claim_finish(conn, job.id):
        try:
            _finish(conn, job, settings, embedder)
        finally:
            jobs.release_finish(conn, job.id)
    return summary


def _finish(conn: Conn, job: jobs.Job, settings: Settings, embedder: Embedder) -> None:
    url = db.database_url(settings)
    try:
        reembedded = reembed_verified(conn, job.collection, embedder, settings)
        if reembedded:
            log.info("job %s: %d verified answer(s) of %s re-embedded", job.id, reembedded, job.collection)
        removed: list[str] = []
        if job.delete_missing:
            # Gone = not in this job's listing *and* not on disk now: an older job finishing after a newer one
            # (two overlapping `kb ingest --queue`) must not remove the files the newer one added.
            known = store.documents_in(conn, job.collection)
            present = jobs.job_paths(conn, job.id) | {p for p in known if may_be_a_file(job.root / p)}
            removed = remove_missing(conn, job.collection, known, present)
        calibrated = False
        # job.status was read before the claim: 'finishing' = a dead finisher's redelivery, which may have removed
        # documents already (then nothing is left to remove here) but not recalibrated.
        if removed or jobs.changed_anything(conn, job.id) or job.status == "finishing":
            calibrate_collection(url, job.collection, embedder)
            calibrated = True
        jobs.finish(conn, job.id, removed=len(removed), calibrated=calibrated)
    except Exception as exc:
        conn.rollback()
        jobs.fail(conn, job.id, f"{type(exc).__name__}: {exc}")
        raise


def enqueue_job(job_id: int, batches: int) -> None:
    """One task per batch on the ingest queue (task ids name the job and batch)."""
    send_batches(job_id, range(batches))


def send_batches(job_id: int, batches: Iterable[int], suffix: str = "") -> None:
    """A task for each of the job's `batches` on the ingest queue, its id "ingest:JOB:BATCH" + `suffix`."""
    for batch in batches:
        ingest_batch.apply_async((job_id, batch), queue=INGEST_QUEUE, task_id=f"ingest:{job_id}:{batch}{suffix}")


@celery_app.task(name="workers.ingest_tasks.resume_stalled_jobs", acks_late=False)
def resume_stalled_jobs() -> str:
    """The beat's tick: send again the batches of jobs whose tasks are gone (jobs.resume_stalled): an outage of
    Postgres or Redis longer than a batch's retries, or a broker that lost its queue, would otherwise leave the job
    'running' for ever and `kb ingest` waiting on it. A batch still being done elsewhere is skipped by its lock,
    and a file already done by its status, so sending one again is safe."""
    with db.connect(db.database_url(get_settings())) as conn:
        stalled = jobs.resume_stalled(conn)
    for job in stalled:
        if job.gave_up:
            log.warning("ingest job %s failed: stalled after %d resumes", job.job_id, job.resumes - 1)
            continue
        log.warning("ingest job %s stalled: batches %s sent again (resume %d)", job.job_id, job.batches, job.resumes)
        send_batches(job.job_id, job.batches, f":resume{job.resumes}")
    return f"{len(stalled)} stalled job(s)"
