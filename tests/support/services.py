"""Real Redis servers and real Celery worker processes for end-to-end tests (the product's own launchers)."""

from __future__ import annotations

import os
from pathlib import Path

from cli.local_stack import WorkerProcess
from core.embedded_redis import EmbeddedRedis, free_port

__all__ = ["RedisServer", "Worker", "free_port"]

_LOGS = Path(os.environ.get("TMPDIR", "/tmp"))


class RedisServer(EmbeddedRedis):
    """A private redis-server on a fixed port: a test can stop it (Redis down) and start it again."""

    def __init__(self) -> None:
        super().__init__(_LOGS / f"answerloop-redis-{os.getpid()}-{free_port()}")


class Worker(WorkerProcess):
    """A `celery worker` whose start() returns once its pool process has loaded the pipeline."""

    def __init__(self, env: dict[str, str], *, queues: str = "answer") -> None:
        name = f"test-{free_port()}"
        super().__init__(env, _LOGS / f"answerloop-worker-{os.getpid()}-{name}.log", name=name, queues=queues)

    def start(self) -> Worker:
        super().start()
        self.wait_ready(timeout=180)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")
