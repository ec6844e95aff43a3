"""Prometheus metrics of the bot and the workers, and their /metrics endpoints.

The bot is one process: the default registry, plus the Celery queue depths read from Redis at scrape time.
A worker is a Celery prefork pool: each pool process writes its metrics to files in PROMETHEUS_MULTIPROC_DIR
(set by `workers.celery_app` before anything imports prometheus_client) and the main process serves their sum.
Labels are bounded sets (event types, outcomes, stage names): never ids, never text.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

_FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 3.0)
_SLOW = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

# --- bot
EVENTS = Counter("answerloop_slack_requests_total", "Slack requests received, by kind", ["kind"])
ACK_SECONDS = Histogram(
    "answerloop_slack_ack_seconds", "From receiving a Slack request to acknowledging it", ["kind"], buckets=_FAST
)
INTAKE = Counter("answerloop_intake_total", "Questions taken in from Slack, by outcome", ["outcome"])
FEEDBACK = Counter("answerloop_feedback_total", "Feedback received from Slack, by kind", ["kind"])

# --- workers
QUESTIONS = Counter("answerloop_questions_total", "Questions answered from Slack, by outcome", ["outcome"])
STAGE_SECONDS = Histogram(
    "answerloop_stage_seconds", "Time per pipeline stage (total = the whole answer)", ["stage"], buckets=_SLOW
)
MODEL_TOKENS = Counter("answerloop_model_tokens_total", "Model tokens used", ["kind"])
MODEL_COST = Counter("answerloop_model_cost_usd_total", "Model cost at the configured per-1k-token prices")
DELIVERIES = Counter("answerloop_deliveries_total", "Replies delivered to Slack (or given up on)", ["status"])

QUEUES = ("answer", "ingest", "retune")
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")  # kombu's Redis priority lists of one queue


class QueueDepthCollector(Collector):
    """Messages waiting in each Celery queue, read from Redis when Prometheus scrapes."""

    def __init__(self, redis_url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=1)

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily("answerloop_queue_depth", "Messages waiting in a Celery queue", labels=["queue"])
        try:
            for queue in QUEUES:
                depth = sum(self._redis.llen(queue + suffix) for suffix in _PRIORITY_SUFFIXES)
                family.add_metric([queue], depth)
        except Exception as exc:  # Redis down: no queue depth this scrape (the up/down is visible elsewhere)
            log.warning("queue depth not read: %s", type(exc).__name__)
            return
        yield family


_queue_collector: QueueDepthCollector | None = None


def serve_bot_metrics(port: int, redis_url: str) -> None:
    global _queue_collector
    from prometheus_client import REGISTRY

    if _queue_collector is None:
        _queue_collector = QueueDepthCollector(redis_url)
        REGISTRY.register(_queue_collector)
    start_http_server(port)
    log.warning("metrics on http://0.0.0.0:%d/metrics", port)


def serve_worker_metrics(port: int) -> None:
    """In the worker's main process: the sum of every pool process's metrics files."""
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    start_http_server(port, registry=registry)
    log.warning("worker metrics on http://0.0.0.0:%d/metrics", port)


def pool_process_exited(pid: int) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def record_answer(outcome: str, timings_ms: dict, usage: dict, cost_per_1k: tuple[float, float]) -> None:
    QUESTIONS.labels(outcome).inc()
    for stage, ms in timings_ms.items():
        STAGE_SECONDS.labels(stage).observe(ms / 1000)
    prompt, completion = usage.get("prompt_tokens") or 0, usage.get("completion_tokens") or 0
    if prompt or completion:
        MODEL_TOKENS.labels("prompt").inc(prompt)
        MODEL_TOKENS.labels("completion").inc(completion)
        MODEL_COST.inc(prompt / 1000 * cost_per_1k[0] + completion / 1000 * cost_per_1k[1])
