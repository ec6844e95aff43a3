"""A private, memory-only Redis for runs with no REDIS_URL (the demo): the machine's `redis-server`, on a free
port, stopped with the process that started it."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from core.errors import ConfigError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class EmbeddedRedis:
    def __init__(self, log_dir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ConfigError(
                "No REDIS_URL is set and there is no `redis-server` to start an embedded one.",
                hint="Install Redis (apt-get install redis-server) or set REDIS_URL=redis://host:6379/0.",
            )
        self.binary: str = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = log_dir / "redis.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 10) -> EmbeddedRedis:
        import redis

        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--logfile", str(self.log_path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
                return self
            except redis.RedisError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        self.stop()
        raise ConfigError("The embedded Redis did not start.", hint=f"Look at {self.log_path}.")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
