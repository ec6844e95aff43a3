"""Scheduled syncs through a real Celery worker on the ingest queue and a real Redis: the beat's task syncs the
sources that are due, skips a source whose lock another process holds (as a second beat's tick would), and a
tick right after a sync finds nothing due, so a source is never synced twice for one period."""

from __future__ import annotations

import time

import pytest

from core import db
from tests.support import services
from tests.support.web_site import Site, page
from workers.celery_app import INGEST_QUEUE, beat_schedule, use_broker
from workers.kb import sources

TASK = "workers.source_tasks.sync_due_sources"


@pytest.fixture()
def site():
    s = Site().start()
    s.put("/robots.txt", "User-agent: *\nDisallow:\n", "text/plain")
    s.put("/docs/deploy.html", page("Deploy", ("Rollback", "Run make rollback within five minutes.", "rollback")))
    s.put("/docs/vpn.html", page("VPN", ("Keys", "The VPN needs a hardware key.", None)))
    s.sitemap("/docs/deploy.html", "/docs/vpn.html")
    yield s
    s.stop()


@pytest.fixture()
def worker(clean_db, tmp_path):
    redis = services.RedisServer().start()
    env = {"DATABASE_URL": clean_db, "REDIS_URL": redis.url, "ANSWERLOOP_EMBEDDINGS": "none", "ANSWERLOOP_LLM": "",
           "ANSWERLOOP_HOME": str(tmp_path / "home")}  # fmt: skip
    w = services.Worker(env, queues="ingest").start()
    use_broker(redis.url)
    yield w
    w.stop()
    redis.stop()


def _tick_and_wait(worker, n: int) -> str:
    """Send one beat tick to the ingest queue and wait until the worker has finished `n` ticks in all."""
    from workers.celery_app import celery_app

    celery_app.send_task(TASK, queue=INGEST_QUEUE)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        log = worker.log()
        if log.count(f"Task {TASK}[") >= n and log.count(" succeeded in ") >= n:
            return log
        time.sleep(0.2)
    raise AssertionError(f"tick {n} not done by the worker:\n{worker.log()[-3000:]}")


def test_the_beat_task_syncs_due_sources_once_and_respects_the_lock(clean_db, site, worker):
    with db.connect(clean_db) as conn:
        sources.add_source(conn, sources.Source("intranet", "intranet", "sitemap", f"{site.url}/sitemap.xml", None,
                                                "", None, delay_s=0, every_s=3600))  # fmt: skip
        sources.add_source(conn, sources.Source("manual", "manual", "sitemap", f"{site.url}/sitemap.xml", None, "",
                                                None, delay_s=0))  # fmt: skip
        conn.commit()
        assert sources.due_sources(conn) == ["intranet"]  # never synced, scheduled; "manual" has no schedule

    with sources.source_lock(clean_db, "intranet") as held:  # another beat's worker is syncing it
        assert held
        log = _tick_and_wait(worker, 1)
    assert "intranet: busy elsewhere" in log
    assert site.requests == []

    _tick_and_wait(worker, 2)
    with db.connect(clean_db) as conn:
        rows = {r["name"]: r for r in sources.list_sources(conn)}
        docs = conn.execute("SELECT url FROM documents WHERE collection = 'intranet' ORDER BY url").fetchall()
        assert sources.due_sources(conn) == []
    assert [d["url"] for d in docs] == [f"{site.url}/docs/deploy.html", f"{site.url}/docs/vpn.html"]
    intranet = rows["intranet"]
    assert intranet["last_error"] == "" and intranet["last_report"]["added"] == 2
    assert (intranet["next_due"] - intranet["last_attempt_at"]).total_seconds() == 3600
    assert rows["manual"]["last_attempt_at"] is None  # not scheduled: only `kb sources sync` syncs it

    log = _tick_and_wait(worker, 3)  # the next tick, a moment later: nothing is due
    assert "'no source due'" in log
    assert site.served("/robots.txt") == [200]  # one sync in all


def test_a_sync_refuses_to_run_while_another_holds_the_lock(clean_db, site, tmp_path):
    with db.connect(clean_db) as conn:
        sources.add_source(conn, sources.Source("intranet", "intranet", "sitemap", f"{site.url}/sitemap.xml", None,
                                                "", None, delay_s=0))  # fmt: skip
        conn.commit()

    def never(*_):
        raise AssertionError("ingested while another process held the lock")

    with sources.source_lock(clean_db, "intranet") as held:
        assert held
        with sources.source_lock(clean_db, "intranet") as second:
            assert not second
        with pytest.raises(sources.SyncBusy):
            sources.sync_source(clean_db, "intranet", tmp_path, never)
    assert site.requests == []


def test_the_beat_schedule_has_the_sources_tick_with_or_without_the_retune():
    from core.settings import Settings

    for enabled in (True, False):
        entry = beat_schedule(Settings(retune_enabled=enabled))["kb-sources"]
        assert entry["task"] == TASK and entry["options"]["queue"] == INGEST_QUEUE
