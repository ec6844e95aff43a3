"""More attempts to break ingestion as a team would use it — adding one file to a collection, a worker dying while
it finishes a queued job — through the real ingest code and task bodies on real Postgres."""

from __future__ import annotations

import subprocess
import sys

from core import db
from tests.conftest import REPO, make_settings
from workers.embeddings import NoEmbedder
from workers.ingest_tasks import run_batch
from workers.kb import jobs
from workers.kb.ingest import ingest_folder

GOOD = "# Deploy\n\n## Rollback\n\nRun make rollback within five minutes of a bad release.\n"
VPN = "# VPN\n\nThe VPN needs a hardware key for every login.\n"
NEW = "# Parking\n\nVisitors park in the lot behind the building.\n"


def _ingest(url, root, collection="docs", **kw):
    with db.connect(url) as conn:
        return ingest_folder(conn, root, collection, embedder=NoEmbedder(), settings=make_settings(url), **kw)


def _paths(url, collection="docs") -> set[str]:
    with db.connect(url) as conn:
        rows = conn.execute("SELECT source_path FROM documents WHERE collection = %s", (collection,)).fetchall()
    return {r["source_path"] for r in rows}


def _folder(tmp_path):
    root = tmp_path / "docs"
    (root / "guides").mkdir(parents=True)
    (root / "deploy.md").write_text(GOOD)
    (root / "guides" / "vpn.md").write_text(VPN)
    return root


def test_ingesting_one_file_adds_it_and_removes_nothing_inline(clean_db, tmp_path):
    """`kb ingest PATH` takes "a folder or a single file": an admin adding one new page with
    `kb ingest docs/guides/parking.md -c docs` must not lose the rest of the collection."""
    root = _folder(tmp_path)
    _ingest(clean_db, root)
    (root / "guides" / "parking.md").write_text(NEW)
    report = _ingest(clean_db, root / "guides" / "parking.md")
    assert report.removed == []
    assert {"deploy.md", "guides/vpn.md"} <= _paths(clean_db)


def test_ingesting_one_file_adds_it_and_removes_nothing_queued(clean_db, tmp_path):
    root = _folder(tmp_path)
    _ingest(clean_db, root)
    (root / "guides" / "parking.md").write_text(NEW)
    settings = make_settings(clean_db, embeddings="none")
    with db.connect(clean_db) as conn:
        job_id, _ = jobs.create_job(conn, root / "guides" / "parking.md", "docs")
    run_batch(job_id, 0, settings, NoEmbedder())
    with db.connect(clean_db) as conn:
        row = jobs.progress(conn, job_id)
    assert row["status"] == "done" and row["added"] == 1 and row["removed"] == 0
    assert {"deploy.md", "guides/vpn.md"} <= _paths(clean_db)


def test_a_worker_killed_while_finishing_a_job_leaves_it_to_the_redelivered_batch(clean_db, tmp_path):
    """The batch that leaves no file pending claims the job's finish (status 'finishing') and then removes the
    deleted files' documents and recalibrates. A worker killed in between (the calibration takes seconds) has its
    batch delivered again (acks_late, reject_on_worker_lost); that delivery must finish the job — before, it found
    the job 'finishing', claimed nothing, and the job stayed 'finishing' for ever: the deleted page stayed
    answerable and `kb ingest` (which follows the job until done or failed) never returned."""
    root = _folder(tmp_path)
    _ingest(clean_db, root)
    (root / "deploy.md").unlink()
    settings = make_settings(clean_db, embeddings="none")
    with db.connect(clean_db) as conn:
        job_id, _ = jobs.create_job(conn, root, "docs")
    # The first delivery, in a process of its own: the batch's files done, the finish claimed, then killed.
    code = (
        "import os, sys; from core import db; from workers.kb import jobs;"
        "conn = db.connect(sys.argv[1]); job = int(sys.argv[2]);"
        "[jobs.mark_file(conn, job, p, 'unchanged') for p in jobs.pending_paths(conn, job, 0)];"
        "assert jobs.claim_finish(conn, job); os._exit(9)"
    )
    died = subprocess.run([sys.executable, "-c", code, clean_db, str(job_id)], cwd=REPO, check=False)
    assert died.returncode == 9
    with db.connect(clean_db) as conn:
        assert jobs.progress(conn, job_id)["status"] == "finishing"
    run_batch(job_id, 0, settings, NoEmbedder())  # the redelivery
    with db.connect(clean_db) as conn:
        row = jobs.progress(conn, job_id)
    assert row["status"] == "done" and row["removed"] == 1
    assert _paths(clean_db) == {"guides/vpn.md"}


def test_a_second_batch_does_not_finish_a_job_another_worker_is_finishing(clean_db, tmp_path):
    """The finish stays once-only while its worker is alive: another batch (or a redelivery after the visibility
    timeout) arriving meanwhile leaves it alone."""
    root = _folder(tmp_path)
    with db.connect(clean_db) as conn:
        job_id, _ = jobs.create_job(conn, root, "docs", batch_files=1)
    settings = make_settings(clean_db, embeddings="none")
    run_batch(job_id, 0, settings, NoEmbedder())
    with db.connect(clean_db) as finisher, db.connect(clean_db) as other:
        for p in jobs.pending_paths(finisher, job_id, 1):
            jobs.mark_file(finisher, job_id, p, "added")
        assert jobs.claim_finish(finisher, job_id)
        assert not jobs.claim_finish(other, job_id)
        assert jobs.progress(other, job_id)["status"] == "finishing"


def test_a_postgres_restart_in_the_middle_of_a_batch_is_retried_and_the_job_finishes(clean_db, tmp_path, monkeypatch):
    """Postgres restarting while a worker runs a batch ends the worker's connection mid-statement: psycopg's
    OperationalError, not the DatabaseUnavailable the task retries (raised only when connecting). The task failed
    for good, was acked, and its files stayed pending: the job 'running' for ever, never finished (no removals).
    Here every session of the database is ended while the worker reads a file (a FIFO, so it waits for us), as a
    restart does; the task runs through Celery's own retry (eager apply re-runs a retry at once)."""
    import os
    import threading

    from core.settings import reset_settings_cache
    from workers.ingest_tasks import ingest_batch

    root = _folder(tmp_path)
    (root / "old.md").write_text("# Old\n\nThis page was deleted from the folder before the job.\n")
    _ingest(clean_db, root)
    (root / "old.md").unlink()
    (root / "slow.md").write_text(NEW)
    with db.connect(clean_db) as conn:
        job_id, _ = jobs.create_job(conn, root, "docs")
    (root / "slow.md").unlink()
    os.mkfifo(root / "slow.md")  # the worker's read blocks until the test writes
    monkeypatch.setenv("DATABASE_URL", clean_db)
    monkeypatch.setenv("ANSWERLOOP_EMBEDDINGS", "none")
    reset_settings_cache()

    def restart_while_reading() -> None:
        with open(root / "slow.md", "wb") as fifo:  # opens once the worker is reading it
            with db.connect(clean_db, autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            (root / "slow.tmp").write_text(NEW)  # what a retry reads: a plain file in the FIFO's place
            os.replace(root / "slow.tmp", root / "slow.md")
            fifo.write(NEW.encode())

    feeder = threading.Thread(target=restart_while_reading)
    feeder.start()
    try:
        ingest_batch.apply(args=(job_id, 0))
    finally:
        feeder.join(timeout=30)
        reset_settings_cache()
    with db.connect(clean_db) as conn:
        row = jobs.progress(conn, job_id)
    assert row["status"] == "done", row
    assert row["removed"] == 1 and "old.md" not in _paths(clean_db)
    assert "slow.md" in _paths(clean_db)
