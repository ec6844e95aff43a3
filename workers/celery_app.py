"""The Celery application: Redis broker, one queue per kind of work, at-least-once delivery."""

from __future__ import annotations

from celery import Celery
from kombu import Queue

from core.settings import get_settings

ANSWER_QUEUE = "answer"  # latency: questions from Slack
INGEST_QUEUE = "ingest"  # bulk: knowledge base ingestion
RETUNE_QUEUE = "retune"  # slow: prompt version search and evaluation


def make_celery() -> Celery:
    settings = get_settings()
    app = Celery("answerloop", broker=settings.redis_url, include=["workers.tasks"])
    app.conf.update(
        task_queues=[Queue(ANSWER_QUEUE), Queue(INGEST_QUEUE), Queue(RETUNE_QUEUE)],
        task_default_queue=ANSWER_QUEUE,
        task_routes={
            "workers.tasks.answer_slack_question": {"queue": ANSWER_QUEUE},
            "workers.tasks.ingest_folder_task": {"queue": INGEST_QUEUE},
        },
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


celery_app = make_celery()
