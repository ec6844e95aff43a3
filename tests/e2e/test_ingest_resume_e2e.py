"""A queued ingest job whose batch tasks were lost (Redis keeps nothing on disk here; an outage can outlast a
task's retries) is resumed by the beat's tick and a real ingest worker finishes it."""

from __future__ import annotations

import shutil

from core import db
from core.settings import Settings, reset_settings_cache
from tests.conftest import SAMPLE_KB
from tests.support import services
from tests.support.job_wait import job_ended
from workers.celery_app import INGEST_QUEUE, beat_schedule, use_broker
from workers.ingest_tasks import resume_stalled_jobs
from workers.kb import jobs


def test_the_beat_resends_a_lost_jobs_batches_and_a_worker_finishes_it(clean_db, tmp_path, monkeypatch):
    root = tmp_path / "handbook"
    shutil.copytree(SAMPLE_KB / "handbook", root)
    with db.connect(clean_db) as conn:
        job_id, batches = jobs.create_job(conn, root, "handbook", batch_files=3)  # its tasks never reach a worker
        conn.execute("UPDATE ingest_jobs SET created_at = now() - interval '1 hour' WHERE id = %s", (job_id,))
        conn.commit()
    assert batches == 3
    redis = services.RedisServer().start()
    env = {"DATABASE_URL": clean_db, "REDIS_URL": redis.url, "ANSWERLOOP_EMBEDDINGS": "none", "ANSWERLOOP_LLM": ""}
    worker = services.Worker(env, queues="ingest").start()
    try:
        monkeypatch.setenv("DATABASE_URL", clean_db)
        reset_settings_cache()
        use_broker(redis.url)
        assert resume_stalled_jobs() == "1 stalled job(s)"  # what the beat runs every INGEST_RESUME_TICK_S
        row = job_ended(clean_db, job_id, 300)
        assert row["status"] == "done", (row, worker.log()[-3000:])
        assert row["done"] == row["total"] == 7 and row["added"] == 7
        assert worker.log().count(f"ingest:{job_id}:") >= 3  # the three resent batches, by their resume task ids
        assert resume_stalled_jobs() == "0 stalled job(s)"  # done: never resumed again
    finally:
        worker.stop()
        redis.stop()
        reset_settings_cache()
    entry = beat_schedule(Settings())["ingest-resume"]
    assert entry["task"] == resume_stalled_jobs.name and entry["options"]["queue"] == INGEST_QUEUE
