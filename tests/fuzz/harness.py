"""The harness: the REAL Bolt app dispatched in-process (Socket Mode), with its error paths and listener pool
recorded, against real Postgres and the Slack stand-in's Web API."""

from __future__ import annotations

import concurrent.futures
import logging
import os
import tempfile
import threading
import time
import traceback
from typing import Any

import psycopg
from hypothesis import note
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.control import currently_in_test_context
from psycopg.rows import dict_row
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.app import build_app
from bot.app_home import AppHome
from bot.intake import Intake
from core import db
from slack_standin import ALICE, SlackStandin
from tests.conftest import make_settings, reset_database
from tests.fuzz.seeded import RESET_SQL, SEED_SQL, SEEDED_KEYS, SQL_ARGS
from workers.slack.store import RequestKey

# Hypothesis' caches (unicode data, constants) go to the temp dir, not to a .hypothesis/ in the checkout.
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "answerloop-hypothesis"))


class _RecordingErrorHandler:
    """Wraps one of Bolt's error handlers (both end in bot/app.py's `on_error`): records, then hands on."""

    def __init__(self, inner: Any, where: str, errors: list[str]) -> None:
        self.inner, self.where, self.errors = inner, where, errors

    def handle(self, error: Exception, request: BoltRequest, response: BoltResponse | None) -> None:
        self.errors.append(f"[{self.where}] " + "".join(traceback.format_exception(error)))
        return self.inner.handle(error=error, request=request, response=response)


class _TrackingExecutor(concurrent.futures.Executor):
    """Bolt's listener pool, keeping the futures of the current request so that we can wait for them."""

    def __init__(self, inner: concurrent.futures.Executor) -> None:
        self.inner = inner
        self.lock = threading.Lock()
        self.futures: list[concurrent.futures.Future] = []

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        future = self.inner.submit(fn, *args, **kwargs)
        with self.lock:
            self.futures.append(future)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.inner.shutdown(wait=wait, cancel_futures=cancel_futures)

    def drain(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                pending = [f for f in self.futures if not f.done()]
                if not pending:
                    self.futures.clear()
                    return
            left = deadline - time.monotonic()
            assert left > 0, f"{len(pending)} listener(s) still running after {timeout}s"
            concurrent.futures.wait(pending, timeout=left)


class _ErrorLogs(logging.Handler):
    """ERROR records of the bot's own loggers (`bot.*`): "listener failed", "database unavailable", …"""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()}")


class Harness:
    def __init__(self, url: str, slack: SlackStandin, pii_guard) -> None:
        self.url = url
        self.slack = slack
        self.settings = make_settings(
            url,
            slack_bot_token=slack.bot_token,
            slack_api_url=slack.web_api_url,
            slack_max_retries=0,  # the stand-in injects no faults here; a retry would only hide a bad call
            admins=[ALICE],  # alice may use the App Home review queue; bob may not
        )
        self.enqueued: list[RequestKey] = []  # the broker is not under test: record what would be sent
        self.published: list[tuple[int, str]] = []  # nor is the Celery task publishing verified answers
        intake = Intake(self.settings, pii_guard, lambda key, priority: self.enqueued.append(key), url)
        home = AppHome(self.settings, url, publish_verified=lambda label, actor: self.published.append((label, actor)))
        self.app = build_app(self.settings, intake, home=home)
        runner = self.app.listener_runner
        self.executor = _TrackingExecutor(runner.listener_executor)
        runner.listener_executor = self.executor
        runner.lazy_listener_runner.executor = self.executor
        self.errors: list[str] = []
        runner.listener_error_handler = _RecordingErrorHandler(runner.listener_error_handler, "listener", self.errors)
        self.app._middleware_error_handler = _RecordingErrorHandler(
            self.app._middleware_error_handler, "middleware", self.errors
        )
        self.error_logs = _ErrorLogs()
        logging.getLogger("bot").addHandler(self.error_logs)
        # Client-side binding: the seed and reset scripts are several statements with parameters.
        self.conn = psycopg.connect(url, autocommit=True, row_factory=dict_row, cursor_factory=psycopg.ClientCursor)
        self.conn.execute(SEED_SQL, SQL_ARGS)
        self.reset()

    def close(self) -> None:
        logging.getLogger("bot").removeHandler(self.error_logs)
        reset_database(self.conn)  # no seeded answers, labels or prompt version 2 left for the next module
        self.conn.close()
        self.executor.shutdown(wait=True)

    def reset(self) -> None:
        """Before each example: the two answers, bob's 👎 (label 1), bob's pending correction (label 2), prompt
        version 1 active and version 2 pending; nothing enqueued, no error seen."""
        self.conn.execute(RESET_SQL, SQL_ARGS)
        self.enqueued.clear()
        self.published.clear()
        self.errors.clear()
        self.error_logs.records.clear()

    def dispatch(self, body: dict) -> BoltResponse:
        """One request through the whole app; returns once Bolt's listener threads for it are done."""
        if currently_in_test_context():  # shown with a failing example (huge strings abbreviated)
            note(f"body: {_short(body)}")
        response = self.app.dispatch(BoltRequest(body=body, mode="socket_mode"))
        self.executor.drain(timeout=30)
        return response

    def labels(self) -> list[dict]:
        return self.conn.execute(
            "SELECT id, interaction_id, kind, source, status, user_id, reactions, reasons, comment, correction "
            "FROM labels ORDER BY id"
        ).fetchall()

    def prompts(self) -> dict:
        return self.conn.execute(
            "SELECT (SELECT version_id FROM prompt_pointer) AS active, "
            "(SELECT status FROM prompt_reviews WHERE version_id = 2) AS review"
        ).fetchone()

    def new_requests(self) -> list[RequestKey]:
        rows = self.conn.execute("SELECT team_id, channel_id, message_ts FROM slack_requests").fetchall()
        keys = [RequestKey(r["team_id"], r["channel_id"], r["message_ts"]) for r in rows]
        return [k for k in keys if k not in SEEDED_KEYS]

    def assert_healthy(self, response: BoltResponse, expected_status: int | set[int]) -> None:
        """The properties every example shares."""
        assert not self.errors, "the app's error handler was reached:\n" + "\n".join(self.errors)
        assert not self.error_logs.records, f"errors logged: {self.error_logs.records}"
        assert isinstance(response, BoltResponse)
        expected = expected_status if isinstance(expected_status, set) else {expected_status}
        assert response.status in expected, (response.status, response.body)
        with db.connection(self.url) as conn:  # the product's pool still hands out working connections
            assert conn.execute("SELECT 1 AS ok").fetchone()["ok"] == 1
        stuck = self.conn.execute(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() "
            "AND state LIKE 'idle in transaction%%'"
        ).fetchone()["n"]
        assert stuck == 0, f"{stuck} connection(s) left idle in a transaction"


def _short(value: Any, limit: int = 120) -> Any:
    """The payload for hypothesis' notes, with huge strings abbreviated."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:40]!r}…({len(value)} chars)"
    if isinstance(value, dict):
        return {k: _short(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [_short(v, limit) for v in value]
    return value
