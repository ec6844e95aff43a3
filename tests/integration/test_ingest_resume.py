"""Queued ingest jobs whose batch tasks are gone (an outage longer than the tasks' retries, a broker that lost its
queue) are found by the beat and resumed, and a job that never progresses is failed with why; a batch that another
worker is doing is not done twice at once."""

from __future__ import annotations

import shutil

import pytest

from core import db
from tests.conftest import SAMPLE_KB, make_settings
from workers.embeddings import NoEmbedder
from workers.ingest_tasks import run_batch
from workers.kb import jobs


@pytest.fixture()
def handbook(tmp_path):
    root = tmp_path / "handbook"
    shutil.copytree(SAMPLE_KB / "handbook", root)
    return root


def _idle_for(url: str, job_id: int, minutes: int) -> None:
    """The job and its files as they are after `minutes` with no sign of life."""
    with db.connect(url) as conn:
        conn.execute(
            "UPDATE ingest_jobs SET created_at = created_at - make_interval(mins => %s), "
            "started_at = started_at - make_interval(mins => %s), resumed_at = resumed_at - make_interval(mins => %s) "
            "WHERE id = %s",
            (minutes, minutes, minutes, job_id),
        )
        conn.execute(
            "UPDATE ingest_job_files SET finished_at = finished_at - make_interval(mins => %s) WHERE job_id = %s",
            (minutes, job_id),
        )
        conn.commit()


def test_a_job_idle_past_the_threshold_is_resumed_with_its_pending_batches_only(clean_db, handbook):
    settings = make_settings(clean_db, embeddings="none")
    with db.connect(clean_db) as conn:
        job_id, batches = jobs.create_job(conn, handbook, "handbook", batch_files=3)
        fresh_id, _ = jobs.create_job(conn, handbook, "other", batch_files=3)
    assert batches == 3
    assert run_batch(job_id, 1, settings, NoEmbedder()).startswith("batch 1:")  # batch 1 done, 0 and 2 lost
    _idle_for(clean_db, job_id, 20)
    with db.connect(clean_db) as conn:
        found = jobs.resume_stalled(conn)
        again = jobs.resume_stalled(conn)  # just resumed: it has its time to run first
        row = conn.execute("SELECT status, resumes, resumed_at FROM ingest_jobs WHERE id = %s", (job_id,)).fetchone()
    assert found == [jobs.Stalled(job_id, [0, 2], 1, False)]  # not the fresh job, nor batch 1
    assert fresh_id not in [s.job_id for s in again] and again == []
    assert row["status"] == "running" and row["resumes"] == 1 and row["resumed_at"] is not None


def test_a_job_with_nothing_pending_left_unfinished_is_resumed_to_finish(clean_db, handbook):
    settings = make_settings(clean_db, embeddings="none")
    with db.connect(clean_db) as conn:
        job_id, _ = jobs.create_job(conn, handbook, "handbook")
        paths = jobs.pending_paths(conn, job_id, 0)
        for path in paths:  # every file marked, and the finisher died before its finish (no lock held now)
            jobs.mark_file(conn, job_id, path, "failed", "test")
        conn.execute("UPDATE ingest_jobs SET status = 'finishing' WHERE id = %s", (job_id,))
        conn.commit()
    _idle_for(clean_db, job_id, 20)
    with db.connect(clean_db) as conn:
        assert jobs.resume_stalled(conn) == [jobs.Stalled(job_id, [0], 1, False)]
    assert run_batch(job_id, 0, settings, NoEmbedder()) == "batch 0: nothing pending"
    with db.connect(clean_db) as conn:
        assert jobs.progress(conn, job_id)["status"] == "done"


def test_a_job_resumed_again_and_again_without_progress_is_failed_with_why(clean_db, handbook):
    with db.connect(clean_db) as conn:
        job_id, _ = jobs.create_job(conn, handbook, "handbook")
        done_id, _ = jobs.create_job(conn, handbook, "done")
        jobs.finish(conn, done_id, removed=0, calibrated=False)
    for attempt in range(1, jobs.MAX_RESUMES + 1):
        _idle_for(clean_db, job_id, 20)
        _idle_for(clean_db, done_id, 20)
        with db.connect(clean_db) as conn:
            assert jobs.resume_stalled(conn) == [jobs.Stalled(job_id, [0], attempt, False)]  # a done job: never
    _idle_for(clean_db, job_id, 20)
    with db.connect(clean_db) as conn:
        assert jobs.resume_stalled(conn) == [jobs.Stalled(job_id, [], jobs.MAX_RESUMES + 1, True)]
        row = jobs.progress(conn, job_id)
    assert row["status"] == "failed"
    assert "stalled" in row["error"] and "answerloop worker --queues ingest" in row["error"]
    assert "skipped by their content hash" in row["error"]


def test_progress_between_resumes_starts_the_count_again(clean_db, handbook):
    settings = make_settings(clean_db, embeddings="none")
    with db.connect(clean_db) as conn:
        job_id, _ = jobs.create_job(conn, handbook, "handbook", batch_files=3)
    for attempt in (1, 2):
        _idle_for(clean_db, job_id, 20)
        with db.connect(clean_db) as conn:
            assert jobs.resume_stalled(conn)[0].resumes == attempt
    run_batch(job_id, 0, settings, NoEmbedder())  # a resumed batch made progress, then the rest was lost again
    _idle_for(clean_db, job_id, 20)
    with db.connect(clean_db) as conn:
        assert jobs.resume_stalled(conn) == [jobs.Stalled(job_id, [1, 2], 1, False)]


def test_a_batch_another_worker_is_doing_is_not_done_twice_at_once(clean_db, handbook):
    settings = make_settings(clean_db, embeddings="none")
    with db.connect(clean_db) as conn:
        job_id, _ = jobs.create_job(conn, handbook, "handbook")
    with db.connect(clean_db) as other_worker:
        assert jobs.claim_batch(other_worker, job_id, 0)
        assert run_batch(job_id, 0, settings, NoEmbedder()) == "skipped: batch 0 is being done by another worker"
        with db.connect(clean_db) as conn:
            assert jobs.progress(conn, job_id)["done"] == 0
            assert conn.execute("SELECT count(*) AS n FROM documents").fetchone()["n"] == 0
        jobs.release_batch(other_worker, job_id, 0)
    assert run_batch(job_id, 0, settings, NoEmbedder()).startswith("batch 0:")
    with db.connect(clean_db) as conn:
        assert jobs.progress(conn, job_id)["status"] == "done"
