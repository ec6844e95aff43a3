"""Break-it review of data lifetime at the Slack surface: questions full of PII taken through the real HTTP
endpoint into the real Redis broker (no worker: the tasks stay queued), then edited (`message_changed`) and deleted
(`message_deleted`) with new raw values, and a file shared under a name full of them. Postgres, every Redis key and
the product's log handler at DEBUG must hold no raw value, and an edit or deletion must never store a question."""

from __future__ import annotations

import io
import logging
import sys
import time

import pytest
import redis as redis_lib

from bot.intake import Intake
from bot.runner import enqueue_answer
from core import db
from core.logs import configure_logging
from slack_standin import GENERAL
from tests.support.bot_endpoint import http_settings, serving
from tests.support.pii_scan import RAW, all_text, redis_text


@pytest.fixture()
def product_log(monkeypatch) -> io.StringIO:
    """The product's own log handler (core.logs.configure_logging) at DEBUG, writing to a buffer."""
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buffer)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging("DEBUG")
    try:
        yield buffer
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def _statuses(url: str) -> dict[str, str]:
    with db.connect(url) as conn:
        return {r["message_ts"]: r["status"] for r in conn.execute("SELECT message_ts, status FROM slack_requests")}


def _leaks(text: str) -> list[str]:
    return sorted(k for k, v in RAW.items() if v in text or v.replace(" ", "") in text)


def test_edits_deletions_and_file_names_leave_no_raw_value_in_postgres_redis_or_debug_logs(
    slack, clean_db, pii_guard, redis_url, product_log
):
    from workers.celery_app import use_broker

    use_broker(redis_url)
    redis_lib.Redis.from_url(redis_url).flushall()
    settings = http_settings(slack, clean_db, slack_signing_secret=slack.signing_secret, redis_url=redis_url)
    intake = Intake(settings, pii_guard, enqueue_answer, clean_db)
    first = f"I'm {RAW['email']}, call me at {RAW['phone']}: how long before a page escalates?"
    edited = f"My card is {RAW['card']} and IBAN {RAW['iban']}; how long before a page escalates?"
    with serving(slack, settings, intake):
        asked = slack.send_dm(first)
        payroll = slack.add_file(f"{RAW['email']} payroll {RAW['ssn']}.txt", "What is the nightly hotel cap?\n")
        with_file = slack.send_dm(f"what does this say? {RAW['aws']}", files=[payroll])
        dm = asked.channel
        original = {"type": "message", "user": slack.user("alice").id, "text": first, "ts": asked.ts}
        events = [
            {"type": "message", "subtype": "message_changed", "channel": dm, "channel_type": "im", "hidden": True,
             "ts": "1700000001.000100", "message": {**original, "text": edited, "edited": {"ts": "1700000001.0"}},
             "previous_message": original},
            {"type": "message", "subtype": "message_deleted", "channel": dm, "channel_type": "im", "hidden": True,
             "ts": "1700000002.000200", "deleted_ts": asked.ts, "previous_message": {**original, "text": edited}},
            {"type": "message", "subtype": "message_changed", "channel": GENERAL, "hidden": True,
             "ts": "1700000003.000300", "message": {**original, "ts": "1690000000.000100",
                                                    "text": f"<@{slack.bot_user_id}> {edited}"}},
        ]  # fmt: skip
        # Both questions taken first (a deletion that overtakes its question's row is not handled: see the note on
        # bot.intake.Intake.withdraw), then the edit and the deletions.
        slack.wait_for(lambda: _statuses(clean_db) == {asked.ts: "queued", with_file.ts: "queued"}, timeout=15)
        for event in events:
            delivery = slack.send_event(event)
            assert delivery.wait(5) and delivery.status == "acked"
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with db.connect(clean_db) as conn:
                rows = conn.execute("SELECT message_ts, status, question_redacted FROM slack_requests").fetchall()
            status = {r["message_ts"]: r["status"] for r in rows}
            if status == {asked.ts: "failed", with_file.ts: "queued"}:
                break
            time.sleep(0.2)
    assert sorted(r["message_ts"] for r in rows) == sorted([asked.ts, with_file.ts]), "an edit is not a question"
    status = {r["message_ts"]: (r["status"], r["question_redacted"]) for r in rows}
    assert status[asked.ts] == ("failed", None), "its asker deleted it: withdrawn, the redacted copy dropped"
    assert status[with_file.ts][0] == "queued" and status[with_file.ts][1], "the redacted question is kept"
    broker = redis_text(redis_url)
    assert f'"{asked.channel}", "{asked.ts}"]' in broker, "the task's arguments, decoded, are scanned"
    assert with_file.ts in broker
    logged = product_log.getvalue()
    assert "DEBUG" in logged, "the handler wrote at DEBUG"
    assert _leaks(all_text(clean_db)) == []
    assert _leaks(broker) == []
    assert _leaks(logged) == []
