"""The intake posts its "Looking into it…" placeholder (chat.postMessage answers ok) and then Postgres fails the
commit that records its ts. Before: the listener ended there — the question was never enqueued (it waited for the
requeue loop), a redelivered event was a "duplicate", and the worker, finding no placeholder, posted the answer as
a second message under a placeholder that said "Looking into it…" for ever. Now the intake records the ts again on
a fresh connection and, if Postgres still refuses, deletes the placeholder it cannot record: the question is
enqueued once and the thread ends with one message of the bot's, the answer. The commit is failed by the real
Postgres (a deferred constraint trigger ends the intake's own session at that commit); the intake and the
worker's delivery code against the Slack stand-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.intake import PLACEHOLDER, Intake, Question
from core import db
from core.settings import get_settings
from slack_standin import GENERAL
from tests.conftest import make_settings
from tests.integration import test_break_delivery_placeholder as placeholder_tests
from tests.integration.test_break_delivery_placeholder import _result, _row
from workers.slack import store as slack_store
from workers.slack.blocks import answer_message
from workers.slack.store import ANSWER_EVENT, RequestKey
from workers.tasks import _deliver

# That module's fixture: the stand-in, with the worker's settings pointed at it and the test database.
slack = placeholder_tests.slack


def _fail_placeholder_commits(times: int) -> None:
    """The first `times` commits that record a request's placeholder ts (NULL → set) lose their connection."""
    with db.connection() as conn:
        conn.execute("CREATE SEQUENCE IF NOT EXISTS test_intake_fault_seq")
        conn.execute(
            f"""
            CREATE OR REPLACE FUNCTION test_intake_fault() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF nextval('test_intake_fault_seq') <= {int(times)} THEN  -- not rolled back with the transaction
                    PERFORM pg_terminate_backend(pg_backend_pid());
                END IF;
                RETURN NULL;
            END $$
            """
        )
        conn.execute(
            "CREATE CONSTRAINT TRIGGER test_intake_fault AFTER UPDATE ON slack_requests "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "WHEN (OLD.placeholder_ts IS NULL AND NEW.placeholder_ts IS NOT NULL) EXECUTE FUNCTION test_intake_fault()"
        )


@pytest.fixture()
def placeholder_fault(slack) -> Iterator[type[_fail_placeholder_commits]]:
    try:
        yield _fail_placeholder_commits  # type: ignore[misc]
    finally:
        with db.connection() as conn:
            conn.execute("DROP TRIGGER IF EXISTS test_intake_fault ON slack_requests")
            conn.execute("DROP FUNCTION IF EXISTS test_intake_fault()")
            conn.execute("DROP SEQUENCE IF EXISTS test_intake_fault_seq")


def _ask(slack, pii_guard, clean_db):
    """A mention taken by the real intake (no thread status: the placeholder path); returns the intake, its
    question, the client and the list of enqueued keys."""
    sent: list[RequestKey] = []
    intake = Intake(
        make_settings(clean_db, slack_streaming=False), pii_guard, lambda key, priority: sent.append(key), clean_db
    )
    asked = slack.post_message(GENERAL, f"<@{slack.bot_user_id}> What is the hotel cap?")
    key = RequestKey(slack.team_id, slack.channel(GENERAL).id, asked.ts)
    question = Question(key, asked.ts, asked.user, "mention", asked.text)
    return intake, question, slack.web_client(), sent


def _answer_like_the_worker(key: RequestKey) -> None:
    with db.connection() as conn:
        request = slack_store.claim_request(conn, key)
    assert request is not None
    text, blocks = answer_message(_result(), pii={}, expert=None)
    _deliver(get_settings(), request, text, blocks, status="delivered")


def _bot_messages(slack, thread_ts: str) -> list:
    return [m for m in slack.thread(GENERAL, thread_ts)[1:] if m.user == slack.bot_user_id or m.bot_id]


@pytest.mark.parametrize("failed_commits", [1, 2], ids=["once", "again-on-a-fresh-connection"])
def test_a_placeholder_whose_commit_failed_leaves_one_message_and_one_enqueue(
    slack, clean_db, pii_guard, placeholder_fault, failed_commits
):
    placeholder_fault(failed_commits)
    intake, question, client, sent = _ask(slack, pii_guard, clean_db)

    assert intake.receive(question, client) == "queued"
    assert sent == [question.key]
    assert intake.receive(question, client) == "duplicate"  # Slack redelivers the event: nothing more
    assert sent == [question.key]
    waiting = _bot_messages(slack, question.thread_ts)
    assert len(waiting) <= 1 and all(PLACEHOLDER in (m.text or "") for m in waiting)

    _answer_like_the_worker(question.key)

    [answer] = _bot_messages(slack, question.thread_ts)
    assert "180 EUR" in (answer.text or "")
    row = _row(question.key)
    assert (row["status"], row["placeholder_ts"]) == ("delivered", answer.ts), row["error"]


def test_the_placeholder_names_its_request_for_a_worker_to_find(slack, clean_db, pii_guard):
    """The placeholder carries the worker's answer metadata: an attempt that finds no recorded ts (the bot killed
    between Slack's answer and the commit) can look it up in the thread, as it does for its own posted answers."""
    intake, question, client, _ = _ask(slack, pii_guard, clean_db)
    assert intake.receive(question, client) == "queued"
    [shown] = client.conversations_replies(channel=GENERAL, ts=question.thread_ts, include_all_metadata=True)[
        "messages"
    ][1:]
    assert shown["metadata"]["event_type"] == ANSWER_EVENT
    assert shown["metadata"]["event_payload"]["message_ts"] == question.key.message_ts


def test_a_placeholder_whose_ts_was_never_recorded_is_found_by_the_first_attempt(slack, clean_db, pii_guard):
    """The bot died between Slack's answer to the placeholder and the commit of its ts (no commit failed: nothing
    was deleted). The requeue loop sends the question; the worker's very first attempt must find the tagged
    placeholder and update it, not post the answer under a "Looking into it…" that stays for ever."""
    intake, question, client, _ = _ask(slack, pii_guard, clean_db)
    assert intake.receive(question, client) == "queued"
    with db.connection() as conn:  # as if the commit of the ts had never happened
        conn.execute(
            "UPDATE slack_requests SET placeholder_ts = NULL WHERE team_id = %s AND channel_id = %s "
            "AND message_ts = %s",
            question.key.as_args(),
        )
    [placeholder] = _bot_messages(slack, question.thread_ts)

    _answer_like_the_worker(question.key)

    [answer] = _bot_messages(slack, question.thread_ts)
    assert answer.ts == placeholder.ts and "180 EUR" in (answer.text or "")
    row = _row(question.key)
    assert (row["status"], row["placeholder_ts"], row["attempts"]) == ("delivered", placeholder.ts, 1), row["error"]
