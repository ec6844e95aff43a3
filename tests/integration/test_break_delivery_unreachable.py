"""Slack unreachable (connection refused: a network blip, Slack down) while a question is answered. The progress
shown while the pipeline works is best effort: the thread status and the live stream failing to connect never fail
the answer. The final delivery failing to connect is a transient failure the task retries (and, its retries spent,
gives up on saying so), not a crash that leaves the request `answering` with nothing said.
The delivery code of workers/tasks.py against a stopped Slack stand-in and a real Postgres."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from core import db
from core.settings import get_settings, reset_settings_cache
from tests.integration import test_break_delivery_placeholder as placeholder_tests
from tests.integration.test_break_delivery_placeholder import _claimed, _result, _row
from workers.slack.blocks import answer_message
from workers.slack.client import web_client
from workers.slack.live import open_live_stream
from workers.tasks import TransientFailure, _deliver, _deliver_or_give_up, _working_status

# That module's fixture: the stand-in, with the worker's settings pointed at it and the test database.
slack = placeholder_tests.slack


@pytest.fixture(autouse=True)
def _one_retry(slack, monkeypatch) -> None:
    """The client's own retries of a refused connection kept short (Slack is never coming back here)."""
    monkeypatch.setenv("ANSWERLOOP_SLACK_MAX_RETRIES", "1")
    reset_settings_cache()


def test_progress_is_best_effort_when_slack_cannot_be_reached(slack):
    request = _claimed(slack, "stream")
    slack.stop()  # Slack unreachable from here on
    client = web_client(get_settings(), retries=False)

    _working_status(client, request, collections=2)  # must not raise
    assert open_live_stream(client, request.key, user_id=request.user_id, collections=2) is None
    assert _row(request.key)["placeholder_ts"] is None


def test_a_final_delivery_that_cannot_reach_slack_is_retried(slack):
    request = _claimed(slack, "update")
    slack.stop()
    text, blocks = answer_message(_result(), pii={}, expert=None)

    with pytest.raises(TransientFailure):
        _deliver(get_settings(), request, text, blocks, status="delivered")
    with db.connection() as conn:  # nothing recorded as delivered, the row not left locked
        row = conn.execute(
            "SELECT status FROM slack_requests WHERE team_id = %s AND channel_id = %s AND message_ts = %s",
            request.key.as_args(),
        ).fetchone()
    assert row["status"] == "answering"


def test_giving_up_when_slack_cannot_be_reached_records_the_failure(slack):
    request = _claimed(slack, "update")
    with db.connection() as conn:
        conn.execute(
            "UPDATE slack_requests SET placeholder_ts = '1.000001' WHERE team_id = %s AND channel_id = %s "
            "AND message_ts = %s",
            request.key.as_args(),
        )
    slack.stop()
    text, blocks = answer_message(_result(), pii={}, expert=None)
    last_attempt = SimpleNamespace(request=SimpleNamespace(retries=3), max_retries=3)  # the task's retries spent

    assert _deliver_or_give_up(last_attempt, get_settings(), request, text, blocks, status="delivered") == "failed"
    row = _row(request.key)
    assert row["status"] == "failed" and "Slack unreachable" in row["error"], row
