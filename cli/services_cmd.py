"""The long-running processes: the Slack bot, Celery workers and Celery beat."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from core.bootstrap import ready_database
from core.errors import AnswerloopError
from core.settings import get_settings

POOLS = ("prefork", "solo", "threads")  # the ones Celery ships without extra packages


def bot(
    http: Annotated[bool, typer.Option("--http", help="Serve signed HTTP events instead of Socket Mode.")] = False,
    port: Annotated[
        int | None, typer.Option(min=0, max=65535, help="HTTP port (default ANSWERLOOP_SLACK_HTTP_PORT).")
    ] = None,
) -> None:
    """Run the Slack bot (it only acknowledges, posts placeholders and enqueues; workers answer)."""
    from bot.runner import run_http, run_socket_mode

    settings = get_settings()
    ready_database(settings)
    if http:
        run_http(settings, port or settings.slack_http_port)
    else:
        run_socket_mode(settings)


def worker(
    queues: Annotated[str, typer.Option(help="Comma-separated queues.")] = "answer,ingest,retune",
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, help="Pool processes (default: one per CPU core; see bench/results/slack.md)."),
    ] = None,
    pool: Annotated[str, typer.Option(help="Celery pool: prefork, solo, threads.")] = "prefork",
) -> None:
    """Run a Celery worker (Presidio and the embedding model load once per process)."""
    if pool not in POOLS:  # Celery's own refusal is a click traceback from inside worker_main
        raise AnswerloopError(f"--pool {pool!r} is not a Celery pool.", hint=f"One of {', '.join(POOLS)}.")
    os.environ.setdefault("C_FORCE_ROOT", "1")  # containers commonly run as root
    settings = get_settings()
    url = ready_database(settings)
    os.environ.setdefault("DATABASE_URL", url)  # child processes reach the same (possibly embedded) database
    from workers.celery_app import celery_app

    celery_app.worker_main(
        [
            "worker",
            "-Q",
            queues,
            "-c",
            str(concurrency or os.cpu_count() or 1),
            "-P",
            pool,
            "--loglevel",
            settings.log_level,
            "-n",
            f"answerloop-{os.getpid()}@%h",
        ]
    )


def beat() -> None:
    """Run Celery beat: it sends the periodic retune to the retune queue (ANSWERLOOP_RETUNE_SCHEDULE).
    Run exactly one beat per deployment."""
    settings = get_settings()
    ready_database(settings)
    from workers.celery_app import celery_app

    schedule_file = settings.home / "celerybeat-schedule"
    schedule_file.parent.mkdir(parents=True, exist_ok=True)
    celery_app.start(["beat", "--loglevel", settings.log_level, "--schedule", str(schedule_file)])
