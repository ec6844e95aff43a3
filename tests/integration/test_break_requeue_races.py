"""The requeuer re-sends a question saved while the broker was down, then marks it `queued`. A worker may take the
task and finish it between the send and that mark — fast when it ends at once, e.g. the workspace uninstalled
(`_not_installed`: `failed`, "not installed"). The mark must not turn that `failed` back into `queued`: the
question would be re-sent again and again until it expires, and the reason it failed would be lost. The real
requeuer and the worker's own ending, against the real Postgres; the queue is the worker's code run at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.intake import Requeuer
from core import db
from core.settings import reset_settings_cache
from tests.conftest import make_settings
from workers.slack import store as slack_store
from workers.slack.installations import WorkspaceNotInstalled
from workers.slack.store import RequestKey
from workers.tasks import _not_installed

KEY = RequestKey("T0GONE0001", "C0GENERAL1", "1700000000.000100")


@pytest.fixture()
def worker_db(clean_db, monkeypatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", clean_db)  # the worker's code reads the database from its settings
    reset_settings_cache()
    try:
        yield clean_db
    finally:
        monkeypatch.undo()
        reset_settings_cache()


def _saved_while_the_broker_was_down(url: str) -> None:
    with db.connection(url) as conn:
        slack_store.create_request(
            conn, KEY, thread_ts=KEY.message_ts, user_id="U0ALICE001", kind="mention",
            question_redacted="What is the hotel cap?", pii={}, reply_mode="in_channel",
        )  # fmt: skip
        conn.execute("UPDATE slack_requests SET updated_at = now() - interval '5 minutes'")


def _status(url: str) -> dict:
    with db.connection(url) as conn:
        return conn.execute("SELECT status, error FROM slack_requests").fetchone()


def test_a_question_a_worker_failed_right_after_the_resend_stays_failed(worker_db):
    _saved_while_the_broker_was_down(worker_db)
    sent: list[RequestKey] = []

    def enqueue_and_fail_at_once(key: RequestKey, priority: int) -> None:
        sent.append(key)
        _not_installed(key, WorkspaceNotInstalled(key.team_id))  # the worker, before the requeuer's next line

    requeuer = Requeuer(make_settings(worker_db, requeue_interval_s=1.0), enqueue_and_fail_at_once, worker_db)
    assert requeuer.run_once() == 1 and sent == [KEY]

    row = _status(worker_db)
    assert row["status"] == "failed", row
    assert KEY.team_id in row["error"]


def test_a_resent_question_still_waiting_is_marked_queued(worker_db):
    _saved_while_the_broker_was_down(worker_db)
    requeuer = Requeuer(make_settings(worker_db, requeue_interval_s=1.0), lambda key, priority: None, worker_db)
    assert requeuer.run_once() == 1
    assert _status(worker_db)["status"] == "queued"
    assert requeuer.run_once() == 0, "just re-sent: not sent again in the next round"
