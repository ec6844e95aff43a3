"""The ingest queue: `answerloop kb ingest` records a job and a real Celery worker on the `ingest` queue does it,
batch by batch, against real Redis and Postgres; redelivered batches are idempotent; `kb jobs` shows progress."""

from __future__ import annotations

import io
import json
import shutil

import docx
import pytest

from core import db
from tests.conftest import SAMPLE_KB, make_settings
from tests.support import services
from tests.support.cli_runner import run_cli
from tests.support.job_wait import job_ended
from workers.embeddings import NoEmbedder
from workers.ingest_tasks import run_batch
from workers.kb import jobs
from workers.kb.ingest import ingest_paths, prepare_collection


@pytest.fixture()
def clean_db(clean_db):
    """conftest's clean database, with no ingest jobs either (job ids start at 1)."""
    with db.connect(clean_db) as conn:
        conn.execute("TRUNCATE ingest_jobs RESTART IDENTITY CASCADE")
        conn.commit()
    return clean_db


def _folder(tmp_path):
    root = tmp_path / "handbook"
    shutil.copytree(SAMPLE_KB / "handbook", root)
    d = docx.Document()
    d.add_heading("Parking", level=1)
    d.add_paragraph("Visitors park in the north lot and register at the front desk.")
    buf = io.BytesIO()
    d.save(buf)
    (root / "parking.docx").write_bytes(buf.getvalue())
    (root / "broken.docx").write_bytes(buf.getvalue()[:300])
    return root


@pytest.fixture()
def queue(clean_db):
    redis = services.RedisServer().start()
    env = {"DATABASE_URL": clean_db, "REDIS_URL": redis.url, "ANSWERLOOP_EMBEDDINGS": "none", "ANSWERLOOP_LLM": ""}
    worker = services.Worker(env, queues="ingest").start()
    yield clean_db, redis.url, worker
    worker.stop()
    redis.stop()


def test_kb_ingest_enqueues_a_job_that_a_worker_does_in_batches(queue, tmp_path):
    url, redis_url, worker = queue
    root = _folder(tmp_path)
    r = run_cli(url, "kb", "ingest", str(root), "-c", "handbook", "--batch-files", "3", "--json",
                env={"REDIS_URL": redis_url})  # fmt: skip
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["status"] == "done" and report["job"] == 1
    assert report["added"] == 8 and report["unchanged"] == 0
    assert report["failed"] == [{"path": "broken.docx", "reason": "not a Word document (corrupt or not a .docx zip)"}]
    assert report["calibrated"] is True and report["chunks_written"] > 40
    log = worker.log()
    assert log.count("workers.ingest_tasks.ingest_batch") >= 3  # 9 files in batches of 3: the worker did them
    with db.connect(url) as conn:
        docs = conn.execute("SELECT source_path, format FROM documents WHERE collection = 'handbook'").fetchall()
        files = conn.execute("SELECT batch, status FROM ingest_job_files WHERE job_id = 1").fetchall()
        calibrated = conn.execute("SELECT 1 FROM collection_calibration WHERE collection = 'handbook'").fetchone()
    assert len(docs) == 8 and {"source_path": "parking.docx", "format": "docx"} in docs
    assert sorted({f["batch"] for f in files}) == [0, 1, 2] and all(f["status"] != "pending" for f in files)
    assert calibrated is not None

    (root / "on-call.md").unlink()
    (root / "code-review.md").write_text("# Code review\n\nTwo approvals are needed for changes to billing.\n")
    r = run_cli(url, "kb", "ingest", str(root), "-c", "handbook", "--json", env={"REDIS_URL": redis_url})
    again = json.loads(r.stdout)
    assert (again["job"], again["added"], again["updated"], again["unchanged"], again["removed"]) == (2, 0, 1, 6, 1)

    r = run_cli(url, "kb", "jobs", env={"REDIS_URL": redis_url})
    assert r.returncode == 0, r.stderr
    lines = {ln.split("│")[1].strip(): ln for ln in r.stdout.splitlines() if ln.count("│") > 5}
    assert "done" in lines["1"] and "9/9 (100%)" in lines["1"] and "done" in lines["2"]
    assert "broken.docx: not a Word document" in r.stdout
    r = run_cli(url, "kb", "jobs", "--job", "2", "--json")
    [job2] = json.loads(r.stdout)
    assert job2["updated"] == 1 and job2["removed"] == 1 and job2["status"] == "done"


def test_without_redis_url_kb_ingest_stays_inline(clean_db, tmp_path):
    root = _folder(tmp_path)
    r = run_cli(clean_db, "kb", "ingest", str(root), "-c", "handbook", "--json", env={"REDIS_URL": ""})
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert "job" not in report and report["added"] == 8
    with db.connect(clean_db) as conn:
        assert conn.execute("SELECT count(*) AS n FROM ingest_jobs").fetchone()["n"] == 0


def test_queue_without_a_broker_is_a_clear_error(clean_db, tmp_path):
    root = _folder(tmp_path)
    dead = f"redis://127.0.0.1:{services.free_port()}/0"
    r = run_cli(clean_db, "kb", "ingest", str(root), "-c", "handbook", "--queue", env={"REDIS_URL": dead})
    assert r.returncode == 2 and "--inline" in r.stderr and "Traceback" not in r.stderr
    with db.connect(clean_db) as conn:
        row = conn.execute("SELECT status, error FROM ingest_jobs").fetchone()
    assert row["status"] == "failed" and "could not enqueue" in row["error"]


def test_a_redelivered_batch_does_only_what_is_pending_and_finishes_once(clean_db, tmp_path):
    root = _folder(tmp_path)
    settings = make_settings(clean_db, embeddings="none")
    with db.connect(clean_db) as conn:
        job_id, batches = jobs.create_job(conn, root, "handbook", batch_files=5)
        assert batches == 2
        first = jobs.pending_paths(conn, job_id, 0)
        # A worker stored batch 0's documents and died before marking them (and before acking the task).
        ingest_paths(conn, root, first, "handbook", embedder=NoEmbedder(), settings=settings)
        ids_before = {r["source_path"]: r["id"] for r in conn.execute("SELECT id, source_path FROM documents")}
    assert "stored" not in run_batch(job_id, 0, settings, NoEmbedder())  # the redelivery
    with db.connect(clean_db) as conn:
        statuses = {r["path"]: r["status"] for r in conn.execute(
            "SELECT path, status FROM ingest_job_files WHERE job_id = %s AND batch = 0", (job_id,))}  # fmt: skip
        ids_after = {r["source_path"]: r["id"] for r in conn.execute("SELECT id, source_path FROM documents")}
        assert jobs.progress(conn, job_id)["status"] == "running"  # batch 1 is still pending
    assert set(statuses.values()) <= {"unchanged", "failed"}  # skipped by content hash, not stored again
    assert ids_after == ids_before
    assert run_batch(job_id, 1, settings, NoEmbedder()).startswith("batch 1:")
    assert run_batch(job_id, 1, settings, NoEmbedder()).startswith("skipped")  # a late duplicate after the end
    with db.connect(clean_db) as conn:
        row = jobs.progress(conn, job_id)
    assert row["status"] == "done" and row["done"] == row["total"] == 9 and row["failed"] == 1


def test_a_worker_killed_mid_job_loses_nothing(clean_db, tmp_path):
    """SIGKILL the only ingest worker while its job is half done (acks_late: its batch was never acknowledged);
    a new worker gets the batch again after the visibility timeout and the job ends complete, each document once."""
    import time

    from workers.celery_app import use_broker
    from workers.ingest_tasks import enqueue_job

    root = tmp_path / "celery"
    root.mkdir()
    names = ["application", "daemonizing", "signals", "periodic-tasks", "monitoring", "routing"]
    for name in names:
        shutil.copy(SAMPLE_KB / "celery" / "userguide" / f"{name}.rst", root / f"{name}.rst")
    with db.connect(clean_db) as conn:
        conn.execute("TRUNCATE embedding_cache")  # real model work, so the kill lands while a batch runs
        conn.commit()
        job_id, batches = jobs.create_job(conn, root, "celery", batch_files=2)
    assert batches == 3
    redis = services.RedisServer().start()
    env = {"DATABASE_URL": clean_db, "REDIS_URL": redis.url, "ANSWERLOOP_EMBEDDINGS": "local", "ANSWERLOOP_LLM": "",
           "ANSWERLOOP_VISIBILITY_TIMEOUT_S": "5", "ANSWERLOOP_WORKER_TORCH_THREADS": "1"}  # fmt: skip
    first = services.Worker(env, queues="ingest").start()
    second = None
    try:
        use_broker(redis.url)
        enqueue_job(job_id, batches)
        deadline = time.monotonic() + 600
        row = None
        while time.monotonic() < deadline:
            with db.connect(clean_db) as conn:
                row = jobs.progress(conn, job_id)
            assert row["status"] != "done", "the job finished before the worker could be killed"
            if 2 <= row["done"] < row["total"]:
                break
            time.sleep(0.05)
        first.kill()
        killed_at = row["done"]
        second = services.Worker(env, queues="ingest").start()
        row = job_ended(clean_db, job_id, 900)  # a shared 2-core machine: model work can be several times slower
        assert row["status"] == "done", (row, second.log()[-3000:])
        assert "ingest_batch" in second.log()  # the second worker did the rest, the lost batch included
        assert row["added"] == 6 and row["done"] == row["total"] == 6 and killed_at < 6
        with db.connect(clean_db) as conn:
            docs = conn.execute(
                "SELECT d.source_path, d.chunk_count, count(c.id) AS n, count(DISTINCT c.ordinal) AS ordinals "
                "FROM documents d JOIN chunks c ON c.document_id = d.id WHERE d.collection = 'celery' "
                "GROUP BY d.id"
            ).fetchall()
            unembedded = conn.execute(
                "SELECT count(*) AS n FROM chunks WHERE collection = 'celery' AND embedding IS NULL"
            ).fetchone()["n"]
        assert sorted(d["source_path"] for d in docs) == sorted(f"{n}.rst" for n in names)
        assert all(d["n"] == d["chunk_count"] == d["ordinals"] for d in docs)  # each document whole, once
        assert unembedded == 0
    finally:
        first.kill()
        if second is not None:
            second.stop()
        redis.stop()


def test_a_worker_that_cannot_see_the_folder_fails_the_job_and_removes_nothing(clean_db, tmp_path):
    root = _folder(tmp_path)
    settings = make_settings(clean_db, embeddings="none")
    with db.connect(clean_db) as conn:
        prepare_collection(conn, "handbook", NoEmbedder())
        ingest_paths(conn, root, ["on-call.md"], "handbook", embedder=NoEmbedder(), settings=settings)
        job_id, _ = jobs.create_job(conn, root, "handbook")
    shutil.rmtree(root)  # as a worker on another machine sees it: nothing at that path
    assert run_batch(job_id, 0, settings, NoEmbedder()).startswith("failed")
    with db.connect(clean_db) as conn:
        row = jobs.progress(conn, job_id)
        n = conn.execute("SELECT count(*) AS n FROM documents").fetchone()["n"]
    assert row["status"] == "failed" and "same path on every ingest worker" in row["error"]
    assert n == 1
