"""The Celery application: Redis broker, one queue per kind of work, at-least-once delivery."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile

from celery import Celery, signals
from celery.schedules import crontab
from kombu import Queue

from core.errors import ConfigError
from core.settings import Settings, get_settings

ANSWER_QUEUE = "answer"  # latency: questions from Slack
INGEST_QUEUE = "ingest"  # bulk: knowledge base ingestion
RETUNE_QUEUE = "retune"  # slow: prompt version search and evaluation


def make_celery() -> Celery:
    settings = get_settings()
    tasks = [
        "workers.tasks",
        "workers.ingest_tasks",
        "workers.source_tasks",
        "workers.digest_tasks",
        "workers.verified_review",
        "workers.retention_tasks",
    ]
    app = Celery("answerloop", broker=settings.redis_url, include=tasks)
    app.conf.update(
        task_queues=[Queue(ANSWER_QUEUE), Queue(INGEST_QUEUE), Queue(RETUNE_QUEUE)],
        task_default_queue=ANSWER_QUEUE,
        task_routes={
            "workers.tasks.answer_slack_question": {"queue": ANSWER_QUEUE},
            "workers.ingest_tasks.ingest_batch": {"queue": INGEST_QUEUE},
            "workers.source_tasks.sync_due_sources": {"queue": INGEST_QUEUE},
            "workers.tasks.publish_verified": {"queue": INGEST_QUEUE},
            "workers.digest_tasks.post_gaps_digests": {"queue": INGEST_QUEUE},
            "workers.verified_review.request_due_reviews": {"queue": INGEST_QUEUE},
            "workers.retention_tasks.purge_old_interactions": {"queue": INGEST_QUEUE},
            "workers.tasks.retune": {"queue": RETUNE_QUEUE},
        },
        beat_schedule=beat_schedule(settings),
        # At-least-once: a task is acknowledged after it ran; a lost worker's task goes back to the queue.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options={"visibility_timeout": settings.visibility_timeout_s},
        broker_connection_retry_on_startup=True,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        worker_hijack_root_logger=False,
        # When Redis is down, a publish fails within about a second so the user can be told at once.
        task_publish_retry=True,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.3, "interval_max": 0.5},
    )
    app.conf.broker_transport_options.update({"socket_connect_timeout": 3, "socket_timeout": 5})
    return app


def retune_crontab(expression: str) -> crontab:
    """ANSWERLOOP_RETUNE_SCHEDULE, a five-field crontab expression, as a Celery schedule."""
    return schedule_crontab(expression, "ANSWERLOOP_RETUNE_SCHEDULE")


def schedule_crontab(expression: str, variable: str) -> crontab:
    """A five-field crontab expression (the setting `variable`) as a Celery schedule."""
    fields = expression.split()
    if len(fields) != 5:
        raise ConfigError(
            f"{variable}={expression!r} is not a crontab expression.",
            hint='Five fields: minute hour day-of-month month day-of-week, e.g. "0 3 * * 1" (Mondays 03:00).',
        )
    minute, hour, day_of_month, month, day_of_week = fields
    try:
        return crontab(minute, hour, day_of_week, day_of_month, month)
    except ValueError as exc:
        raise ConfigError(f"{variable}={expression!r}: {exc}", hint='e.g. "0 3 * * 1"') from exc


SOURCES_TICK_S = 60.0  # how often the beat looks for sources due a sync (each has its own period)
INGEST_RESUME_TICK_S = 300.0  # how often it looks for ingest jobs with no sign of life (jobs.STALLED_AFTER_S)
REVIEWS_TICK_S = 3600.0  # how often it looks for verified answers whose owner should be asked to review them
RETENTION_CRONTAB = "17 4 * * *"  # the daily purge of old interactions (ANSWERLOOP_RETENTION_DAYS), off-peak


def beat_schedule(settings: Settings) -> dict:
    schedule: dict = {
        "kb-sources": {
            "task": "workers.source_tasks.sync_due_sources",
            "schedule": SOURCES_TICK_S,
            "options": {"queue": INGEST_QUEUE, "expires": SOURCES_TICK_S},  # ticks left unread are dropped
        },
        "ingest-resume": {  # jobs whose batch tasks were lost (workers/ingest_tasks.resume_stalled_jobs)
            "task": "workers.ingest_tasks.resume_stalled_jobs",
            "schedule": INGEST_RESUME_TICK_S,
            "options": {"queue": INGEST_QUEUE, "expires": INGEST_RESUME_TICK_S},
        },
        "verified-reviews": {
            "task": "workers.verified_review.request_due_reviews",
            "schedule": REVIEWS_TICK_S,
            "options": {"queue": INGEST_QUEUE, "expires": REVIEWS_TICK_S},
        },
    }
    if settings.gaps_channel:  # the weekly coverage-gaps digest (posted once per week: feedback/gaps_digest.py)
        schedule["gaps-digest"] = {
            "task": "workers.digest_tasks.post_gaps_digests",
            "schedule": schedule_crontab(settings.gaps_digest_schedule, "ANSWERLOOP_GAPS_DIGEST_SCHEDULE"),
            "options": {"queue": INGEST_QUEUE, "expires": 6 * 3600},
        }
    if settings.retention_days:  # the daily purge of interactions past retention (workers/retention_tasks.py)
        schedule["retention"] = {
            "task": "workers.retention_tasks.purge_old_interactions",
            "schedule": schedule_crontab(RETENTION_CRONTAB, "RETENTION_CRONTAB"),
            "options": {"queue": INGEST_QUEUE, "expires": 6 * 3600},
        }
    if not settings.retune_enabled:
        return schedule
    return schedule | {
        "retune": {
            "task": "workers.tasks.retune",
            "schedule": retune_crontab(settings.retune_schedule),
            "kwargs": {"actor": "beat"},
            "options": {"queue": RETUNE_QUEUE, "expires": 6 * 3600},  # a stale tick is not worth running
        }
    }


celery_app = make_celery()


def use_broker(url: str) -> None:
    """Point this process's app at another Redis (the demo's embedded one, a test's own): the broker URL and
    the connection and producer pools cached for the previous one."""
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _json_logging(loglevel: str | int | None = None, **_: object) -> None:  # pragma: no cover - worker processes
    """With ANSWERLOOP_LOG_JSON the worker writes the same JSON lines as the bot (ids, never text)."""
    from core.logs import configure_logging

    level = loglevel if isinstance(loglevel, str) else logging.getLevelName(loglevel or logging.WARNING)
    configure_logging(level, as_json=True)


if get_settings().log_json:
    signals.setup_logging.connect(_json_logging, weak=False)


@signals.celeryd_init.connect
def _worker_metrics(**_: object) -> None:  # pragma: no cover - runs in worker main processes
    """Before the pool forks: give the pool processes a fresh multiprocess directory and serve their sum on
    ANSWERLOOP_METRICS_PORT. Task modules are imported before this signal, so they import `core.metrics` only
    inside tasks: prometheus_client must first be imported with PROMETHEUS_MULTIPROC_DIR set."""
    settings = get_settings()
    if not settings.metrics_port:
        return
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="answerloop-metrics-")
    from core.metrics import serve_worker_metrics

    serve_worker_metrics(settings.metrics_port)


@signals.worker_process_shutdown.connect
def _pool_process_gone(pid: int | None = None, **_: object) -> None:  # pragma: no cover
    from core.metrics import pool_process_exited

    pool_process_exited(pid or os.getpid())


@signals.worker_shutdown.connect
def _drop_metrics_dir(**_: object) -> None:  # pragma: no cover
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if os.path.basename(folder).startswith("answerloop-metrics-"):
        shutil.rmtree(folder, ignore_errors=True)
