"""Real Redis and real Celery worker processes for end-to-end tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_url() -> tuple[str, subprocess.Popen | None]:
    """ANSWERLOOP_TEST_REDIS_URL, else the local Redis on 6379 (db 15), else a redis-server we start."""
    explicit = os.environ.get("ANSWERLOOP_TEST_REDIS_URL")
    candidates = [explicit] if explicit else ["redis://127.0.0.1:6379/15"]
    for url in candidates:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
            return url, None
        except redis.RedisError:
            if explicit:
                raise
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError(
            "No Redis reachable on 127.0.0.1:6379 and no redis-server binary: "
            "install Redis or set ANSWERLOOP_TEST_REDIS_URL."
        )
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(50):
        try:
            redis.Redis.from_url(url).ping()
            return url, proc
        except redis.RedisError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("redis-server did not start")


class RedisServer:
    """A private redis-server on a fixed port, so a test can stop it (Redis down) and start it again."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: install Redis (apt-get install redis-server).")
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                redis.Redis.from_url(self.url).ping()
                return self
            except redis.RedisError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


class Worker:
    """A real `celery worker` process (its own process group, so it can be killed like a crashed host)."""

    def __init__(self, env: dict[str, str], *, concurrency: int = 1, pool: str = "prefork", queues: str = "answer"):
        self.env = {**os.environ, **env, "C_FORCE_ROOT": "1", "PYTHONUNBUFFERED": "1"}
        self.args = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers.celery_app:celery_app",
            "worker",
            "-Q",
            queues,
            "-c",
            str(concurrency),
            "-P",
            pool,
            "--loglevel",
            "INFO",
            "-n",
            f"test-{free_port()}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        self.proc: subprocess.Popen | None = None
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"answerloop-worker-{os.getpid()}-{free_port()}.log"

    def start(self, ready_timeout: float = 120) -> Worker:
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            self.args, env=self.env, cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if "ready." in self.log_path.read_text(errors="replace"):
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready in {ready_timeout}s: {self.log_path.read_text()[-3000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and children): a crashed machine, no cleanup."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            # SIGTERM to the main process only: Celery's warm shutdown lets running tasks finish
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        if hasattr(self, "_log"):
            self._log.close()
