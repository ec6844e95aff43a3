"""The whole product on one machine: Redis, the Slack stand-in, Celery worker processes and the bot in Socket Mode.

Used by the main job (`answerloop demo`) and the Slack benchmark. Everything talks over real sockets: the bot is
the unmodified Bolt app on the stand-in's Socket Mode websocket, workers are `celery worker` processes on Redis,
and every Slack call from them goes through slack_sdk to the stand-in's Web API.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from core.embedded_redis import EmbeddedRedis
from core.errors import ConfigError
from core.readiness import READY_DIR_ENV, ready_count
from core.settings import Settings, reset_settings_cache

if TYPE_CHECKING:
    from slack_standin import SlackStandin


class WorkerProcess:
    """One `celery worker` (its own process group) whose output goes to a log file."""

    def __init__(
        self, env: dict[str, str], log_path: Path, *, concurrency: int = 1, name: str = "w1", queues: str = "answer"
    ) -> None:
        self.log_path = log_path
        self.ready_dir = log_path.with_name(log_path.name + ".ready")  # one file per warmed-up pool process
        self.env = {  # containers run as root
            "C_FORCE_ROOT": "1", **os.environ, **env, "PYTHONUNBUFFERED": "1", READY_DIR_ENV: str(self.ready_dir)
        }  # fmt: skip
        self.args = [sys.executable, "-m", "celery", "-A", "workers.celery_app:celery_app", "worker", "-Q", queues,
                     "-c", str(concurrency), "-P", "prefork", "--loglevel", "INFO", "-n", f"{name}@%h",
                     "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
        self.concurrency = concurrency
        self.proc: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.ready_dir, ignore_errors=True)  # a restarted worker announces itself afresh
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            self.args, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    def wait_ready(self, timeout: float = 300) -> None:
        """Until every pool process has loaded Presidio and the embedding model."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready_count(self.ready_dir) >= self.concurrency:
                return
            if self.proc is not None and self.proc.poll() is not None:
                raise ConfigError("The Celery worker exited.", hint=f"Look at {self.log_path}.")
            time.sleep(0.2)
        raise ConfigError(f"The Celery worker was not ready in {timeout:.0f} s.", hint=f"Look at {self.log_path}.")

    def kill(self) -> None:
        """SIGKILL the main process and its pool: a crashed machine, no cleanup."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)  # warm shutdown: running tasks finish first
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        if hasattr(self, "_log"):
            self._log.close()


class LocalSlackStack(contextlib.AbstractContextManager):
    def __init__(self, settings: Settings, database_url: str, *, redis_url: str | None = None, workers: int = 1,
                 concurrency: int = 1, log_dir: Path | None = None,
                 worker_env: dict[str, str] | None = None) -> None:  # fmt: skip
        """`redis_url` None: an embedded Redis for the life of the stack. This process's Celery client keeps its
        connection pool, so stacks created one after another in a process must share one `redis_url`."""
        self.settings = settings
        self.configured_redis = redis_url
        self.extra_worker_env = worker_env or {}
        self.database_url = database_url
        self.n_workers = workers
        self.concurrency = concurrency
        self.log_dir = log_dir or settings.home / "logs"
        self._stack = contextlib.ExitStack()
        self._slack: SlackStandin | None = None
        self.workers: list[WorkerProcess] = []
        self.redis_url = ""

    @property
    def slack(self) -> SlackStandin:
        """The stand-in; there is one once the stack has been entered."""
        if self._slack is None:
            raise RuntimeError("the local stack is not started: use it in a `with` block")
        return self._slack

    def __enter__(self) -> LocalSlackStack:
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def _start(self) -> None:
        from slack_standin import SlackStandin

        if self.configured_redis:
            self.redis_url = self.configured_redis
        else:
            redis = EmbeddedRedis(self.log_dir).start()
            self._stack.callback(redis.stop)
            self.redis_url = redis.url
        self._slack = self._stack.enter_context(SlackStandin())
        env = {
            "DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url,
            "SLACK_BOT_TOKEN": self.slack.bot_token, "SLACK_APP_TOKEN": self.slack.app_token,
            "ANSWERLOOP_SLACK_API_URL": self.slack.web_api_url,
        }  # fmt: skip
        saved = {k: os.environ.get(k) for k in env}
        self._stack.callback(_restore_environ, saved)
        os.environ.update(env)  # this process's bot enqueues to the same Redis
        reset_settings_cache()
        for i in range(self.n_workers):
            log = self.log_dir / f"worker-{i + 1}.log"
            w = WorkerProcess({**env, **self.extra_worker_env}, log, concurrency=self.concurrency, name=f"w{i + 1}")
            self._stack.callback(w.stop)
            self.workers.append(w.start())
        self._start_bot()

    def _start_bot(self) -> None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        from bot.runner import make_bot
        from core.settings import get_settings
        from workers.celery_app import use_broker

        use_broker(self.redis_url)
        settings = get_settings()
        app, requeuer = make_bot(settings)
        self._stack.callback(requeuer.stop)
        requeuer.start()
        handler = SocketModeHandler(app, settings.slack_app_token)
        handler.connect()
        self._stack.callback(handler.close)
        self._stack.callback(self._quiesce)  # runs first: let in-flight envelopes be acked before closing
        self.slack.wait_until_connected(timeout=10)

    def _quiesce(self) -> None:
        with contextlib.suppress(TimeoutError):
            self.slack.wait_idle(5)

    def wait_ready(self, timeout: float = 300) -> None:
        for w in self.workers:
            w.wait_ready(timeout)


def _restore_environ(saved: dict[str, str | None]) -> None:
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    reset_settings_cache()
