"""A request's status only moves forward: the intake's "sent to the broker" never overwrites a worker's claim."""

from __future__ import annotations

from core import db
from workers.slack import store as slack_store
from workers.slack.store import RequestKey

TEAM, CHANNEL = "T0STATUS1", "C0STATUS1"


def _request(conn, ts: str) -> RequestKey:
    key = RequestKey(TEAM, CHANNEL, ts)
    slack_store.create_request(
        conn, key, thread_ts=ts, user_id="U0ALICE001", kind="mention",
        question_redacted="What is the hotel cap?", pii={}, reply_mode="in_channel",
    )  # fmt: skip
    return key


def _status(conn, key: RequestKey) -> str:
    row = conn.execute(
        "SELECT status FROM slack_requests WHERE team_id = %s AND channel_id = %s AND message_ts = %s", key.as_args()
    ).fetchone()
    return row["status"]


def test_marking_queued_moves_a_received_request_only(clean_db):
    with db.connect(clean_db) as conn:
        waiting = _request(conn, "1700000000.000100")
        claimed = _request(conn, "1700000000.000200")
        answered = _request(conn, "1700000000.000300")
        assert slack_store.claim_request(conn, claimed) is not None
        assert slack_store.claim_request(conn, answered) is not None
        slack_store.set_status(conn, answered, "delivered")
        for key in (waiting, claimed, answered):  # the worker was faster than the intake's update
            slack_store.mark_queued(conn, key)
        conn.commit()
        assert _status(conn, waiting) == "queued"
        assert _status(conn, claimed) == "answering", "a claimed request must not look unclaimed again"
        assert _status(conn, answered) == "delivered"
