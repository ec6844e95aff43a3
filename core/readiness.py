"""Worker readiness for whoever started the worker (the demo, tests, benches): one file per warmed-up process.

A Celery pool process loads Presidio and the embedding model before it takes its first task; the starter waits
until every pool process has said so. A file in a folder the starter chose is that signal — no log line to grep
for, nothing that changes with a log level or format.
"""

from __future__ import annotations

import os
from pathlib import Path

READY_DIR_ENV = "ANSWERLOOP_WORKER_READY_DIR"


def announce_ready() -> None:
    """Called in a worker process once it can answer: touches `<ready dir>/<pid>` when a starter asked for it."""
    folder = os.environ.get(READY_DIR_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        Path(folder, str(os.getpid())).touch()


def ready_count(folder: Path) -> int:
    """How many worker processes have announced themselves in `folder`."""
    return sum(1 for _ in folder.iterdir()) if folder.is_dir() else 0
