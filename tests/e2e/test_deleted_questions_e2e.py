"""A question its asker deletes in Slack is withdrawn (Intake.withdraw): through the Slack stand-in (where its
deletion sends `message_deleted`, or a `message_changed` tombstone for a message with thread replies, as Slack
does), the real intake, a real Celery worker, Redis and Postgres. Before, nothing withdrew a question: one deleted
before its answer was ready was still answered in the thread of a message nobody could see, and one deleted after
its answer stayed in the agent-DM suggestions with its answer still posted.

- not answered yet (queued, or a worker mid-answer): the request ends `failed` "deleted by its asker", the bot's
  placeholder goes and the worker posts nothing;
- answered: the bot's answer goes, the request is withdrawn and no longer suggested; its 👍 is kept."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from bot.agent_dm import popular_prompts
from bot.app import build_app
from bot.intake import Intake
from bot.runner import EnvelopeSocketModeHandler, enqueue_answer
from core import db
from core.settings import Settings, reset_settings_cache
from slack_standin import ALICE, BOT_USER_ID, GENERAL
from tests.integration.test_break_delivery_placeholder import _result
from tests.support.slack_stack import PLACEHOLDER_MARK, SALARY_BANDS_DOC, final, handbook_and_hr, rows
from workers.slack import store as slack_store
from workers.slack.blocks import answer_message
from workers.slack.store import RequestKey
from workers.tasks import _deliver

WAIT = 120


@pytest.fixture(scope="module")
def kb_db(database_url, local_embedder, tmp_path_factory):
    return handbook_and_hr(
        database_url, local_embedder, tmp_path_factory.mktemp("hr"), "salary-bands.md", SALARY_BANDS_DOC
    )


@pytest.fixture(scope="module")
def settings(settings) -> Settings:
    """The stack's (tests/support/slack_stack.py), with the intake's "Looking into it…" placeholder instead of a
    stream: a message of the bot's for every question, to delete with it."""
    return settings.model_copy(update={"slack_streaming": False})


class Enqueue:
    """The bot's enqueue; while `held` is a list, questions are kept there instead (the worker has not got them)."""

    def __init__(self) -> None:
        self.held: list[RequestKey] | None = None

    def __call__(self, key: RequestKey, priority: int = 0) -> None:
        if self.held is not None:
            self.held.append(key)
        else:
            enqueue_answer(key, priority)


@pytest.fixture(scope="module")
def enqueue() -> Enqueue:
    return Enqueue()


@pytest.fixture(scope="module")
def bot(slack, settings, pii_guard, worker, enqueue):
    from workers.celery_app import use_broker

    use_broker(settings.redis_url)
    intake = Intake(settings, pii_guard, enqueue, settings.database_url)
    handler = EnvelopeSocketModeHandler(build_app(settings, intake), settings.slack_app_token)
    handler.connect()
    slack.wait_until_connected(timeout=10)
    yield intake
    with contextlib.suppress(TimeoutError):
        slack.wait_idle(5)
    handler.close()


@pytest.fixture()
def held(enqueue) -> Iterator[list[RequestKey]]:
    enqueue.held = []
    try:
        yield enqueue.held
    finally:
        enqueue.held = None


def _delete(slack, bot: Intake, channel: str, ts: str) -> None:
    """The asker deletes their message in Slack, and the bot withdraws it (Intake.withdraw, what the bot does on
    the `message_deleted` / tombstone event)."""
    slack.delete_message(channel, ts)
    bot.withdraw(RequestKey(slack.team_id, slack.channel(channel).id, ts), slack.web_client())


def _request(settings, ts: str) -> dict:
    [row] = rows(settings.database_url, "SELECT * FROM slack_requests WHERE message_ts = %s", ts)
    return row


def _withdrawn(settings, ts: str) -> dict | None:
    found = rows(
        settings.database_url, "SELECT * FROM slack_requests WHERE message_ts = %s AND withdrawn_at IS NOT NULL", ts
    )
    return found[0] if found else None


def _ask_held(slack, held: list[RequestKey], question: str):
    msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> {question}")
    placeholder = slack.wait_for_bot_reply(GENERAL, msg.ts, WAIT, predicate=lambda m: PLACEHOLDER_MARK in m.text)
    slack.wait_for(lambda: held, WAIT, message="the intake did not enqueue the question")
    return msg, placeholder, held[-1]


def test_a_question_deleted_while_queued_is_never_answered_and_its_placeholder_goes(slack, bot, settings, worker, held):
    msg, placeholder, key = _ask_held(slack, held, "What is the L5 salary band for Platform engineers?")

    _delete(slack, bot, GENERAL, msg.ts)  # it has a reply (the placeholder): Slack leaves a tombstone

    row = slack.wait_for(lambda: _withdrawn(settings, msg.ts), WAIT, message="the question was not withdrawn")
    assert (row["status"], row["error"]) == ("failed", "deleted by its asker")
    assert row["question_redacted"] is None, "the asker took the question back: no copy of it waits any more"
    slack.wait_for(lambda: slack.message(GENERAL, placeholder.ts).deleted, WAIT, message="placeholder kept")

    enqueue_answer(key)  # the worker gets the question only now
    task = f"[answer:{key.team_id}:{key.channel_id}:{key.message_ts}] succeeded"
    slack.wait_for(lambda: task in worker.log(), WAIT, message="the worker did not run the task")
    assert slack.bot_replies(GENERAL, msg.ts) == [], "nothing was posted for the deleted question"
    assert _request(settings, msg.ts)["status"] == "failed"


def test_a_question_deleted_while_a_worker_answers_it_gets_no_answer(slack, bot, settings, held, monkeypatch):
    msg, placeholder, key = _ask_held(slack, held, "When is the L5 salary band reviewed?")
    monkeypatch.setenv("DATABASE_URL", settings.database_url)  # this process plays the worker from here on
    reset_settings_cache()
    try:
        with db.connection() as conn:
            request = slack_store.claim_request(conn, key)  # the worker took it and is answering
        assert request is not None

        _delete(slack, bot, GENERAL, msg.ts)
        slack.wait_for(lambda: _withdrawn(settings, msg.ts), WAIT, message="the question was not withdrawn")

        text, blocks = answer_message(_result(), pii={}, expert=None)
        _deliver(settings, request, text, blocks, status="delivered")  # its answer is ready: too late
    finally:
        monkeypatch.undo()
        reset_settings_cache()
    assert slack.message(GENERAL, placeholder.ts).deleted
    assert slack.bot_replies(GENERAL, msg.ts) == [], "the answer was not posted, the placeholder not updated"
    row = _request(settings, msg.ts)
    assert (row["status"], row["error"]) == ("failed", "deleted by its asker")


def _suggested(settings, team: str, question: str) -> bool:
    [row] = rows(settings.database_url, "SELECT collections FROM interactions WHERE question_redacted = %s", question)
    with db.connect(settings.database_url) as conn:
        prompts = popular_prompts(conn, team, list(row["collections"]), asker=ALICE)
    return any(p["message"] == question for p in prompts)


def test_an_answered_question_deleted_loses_its_answer_and_is_no_longer_suggested(slack, bot, settings):
    question = "How long before an unacknowledged page escalates to the secondary?"
    msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> {question}")
    reply = slack.wait_for_bot_reply(GENERAL, msg.ts, WAIT, predicate=final)
    slack.wait_for(lambda: _request(settings, msg.ts)["status"] == "delivered", WAIT)
    iid = _request(settings, msg.ts)["interaction_id"]
    slack.click_feedback(GENERAL, reply.ts, positive=True)
    liked = "SELECT kind FROM labels WHERE interaction_id = %s"
    slack.wait_for(lambda: rows(settings.database_url, liked, iid), WAIT, message="no 👍 recorded")
    assert _suggested(settings, slack.team_id, question), "liked, it was suggested before it was deleted"

    _delete(slack, bot, GENERAL, msg.ts)  # answered in its thread: Slack sends a message_changed tombstone

    slack.wait_for(lambda: slack.message(GENERAL, reply.ts).deleted, WAIT, message="the answer was kept")
    row = slack.wait_for(lambda: _withdrawn(settings, msg.ts), WAIT)
    assert row["status"] == "delivered", "it was answered: a withdrawal does not rewrite that"
    assert not _suggested(settings, slack.team_id, question)
    assert [r["kind"] for r in rows(settings.database_url, liked, iid)] == ["up"], "labels are curated: kept"


def test_a_deleted_thread_follow_up_loses_its_answer_and_the_first_answer_stays(slack, bot, settings):
    msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> What is the L5 salary band for Platform engineers?")
    first = slack.wait_for_bot_reply(GENERAL, msg.ts, WAIT, predicate=final)
    follow = slack.post_message(GENERAL, "and when is it reviewed?", thread_ts=msg.ts)
    second = slack.wait_for_bot_reply(GENERAL, msg.ts, WAIT, predicate=lambda m: m.ts != first.ts and final(m))
    slack.wait_for(lambda: _request(settings, follow.ts)["status"] == "delivered", WAIT)

    _delete(slack, bot, GENERAL, follow.ts)  # a reply without replies of its own: message_deleted

    slack.wait_for(lambda: slack.message(GENERAL, second.ts).deleted, WAIT, message="the follow-up's answer kept")
    assert [m.ts for m in slack.bot_replies(GENERAL, msg.ts)] == [first.ts]
    assert _withdrawn(settings, follow.ts) is not None and _withdrawn(settings, msg.ts) is None


def test_the_bot_withdraws_a_question_on_slacks_deletion_events(slack, bot, settings, held):
    """No call to Intake.withdraw here: the stand-in's events alone (a tombstone, then message_deleted)."""
    msg, placeholder, _ = _ask_held(slack, held, "Is the L5 salary band the same in every office?")
    follow = slack.post_message(GENERAL, "and in Zurich?", thread_ts=msg.ts)
    slack.wait_for(lambda: len(held) == 2, WAIT, message="the follow-up was not taken as a question")

    slack.delete_message(GENERAL, follow.ts)  # message_deleted
    slack.delete_message(GENERAL, msg.ts)  # replies under it: a message_changed tombstone

    for ts in (follow.ts, msg.ts):
        row = slack.wait_for(lambda ts=ts: _withdrawn(settings, ts), WAIT, message=f"{ts} not withdrawn")
        assert (row["status"], row["error"]) == ("failed", "deleted by its asker")
    slack.wait_for(lambda: slack.message(GENERAL, placeholder.ts).deleted, WAIT, message="placeholder kept")


def _event_kind(delivery) -> str:
    event = delivery.payload.get("event", {})
    return event.get("subtype") or event.get("type", "")


def test_a_deletion_that_overtakes_its_questions_event_still_withdraws_it(slack, bot, settings, held):
    """Slack does not deliver events in order: here the `message_deleted` of a question deleted at once reaches
    the bot before the question's own events. Before, the deletion found nothing to withdraw and the question
    was then answered, in the thread of a message nobody can see, its text kept."""
    noted = "SELECT 1 FROM slack_deleted_messages WHERE channel_id = %s AND message_ts = %s"
    channel = slack.channel(GENERAL).id
    slack.hold_deliveries()
    try:
        msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> What is the L5 salary band in Zurich?")
        slack.delete_message(GENERAL, msg.ts)
    finally:

        def settled(delivery) -> None:  # the bot acks before its listener ran: wait for the deletion's effect
            if _event_kind(delivery) == "message_deleted":
                slack.wait_for(lambda: rows(settings.database_url, noted, channel, msg.ts), WAIT)

        sent = slack.release_held(reverse=True, after_each=settled)
    kinds = [_event_kind(d) for d in sent]
    assert kinds[0] == "message_deleted" and "app_mention" in kinds, kinds

    with contextlib.suppress(TimeoutError):
        slack.wait_idle(5)
    assert rows(settings.database_url, "SELECT * FROM slack_requests WHERE message_ts = %s", msg.ts) == []
    assert held == [], "the deleted question was not queued"
    assert slack.bot_replies(GENERAL, msg.ts) == [], "nothing was posted under the deleted question"


def test_a_deletion_noted_and_a_question_taken_at_once_never_both_miss(settings):
    """The deletion and the question's event can be handled at the same moment, in two processes: each takes
    the message's lock (slack_store.lock_message), so either the question is taken and then withdrawn, or the
    deletion is noted and the question dropped; never the deletion seeing no row while the question is written."""
    key = RequestKey("T-race", "C-race", "1700000000.000100")
    with db.connect(settings.database_url) as first, db.connect(settings.database_url) as second:
        slack_store.lock_message(first, key)
        assert slack_store.withdraw_request(first, key) is None
        slack_store.note_deleted(first, key)
        locked = second.execute(
            "SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0)) AS ok", ("/".join(key.as_args()),)
        )
        assert locked.fetchone()["ok"] is False, "the question's intake waits for the deletion's transaction"
        first.commit()
        slack_store.lock_message(second, key)
        assert slack_store.deleted_before_taken(second, key)
        second.rollback()
    with db.connect(settings.database_url) as conn:
        conn.execute("DELETE FROM slack_deleted_messages WHERE team_id = 'T-race'")
        conn.commit()


def test_noted_deletions_are_forgotten_after_a_day(settings):
    old, recent = RequestKey("T-age", "C-age", "1.000001"), RequestKey("T-age", "C-age", "1.000002")
    with db.connect(settings.database_url) as conn:
        for key in (old, recent):
            slack_store.note_deleted(conn, key)
        conn.execute(
            "UPDATE slack_deleted_messages SET deleted_at = now() - interval '25 hours' WHERE message_ts = %s",
            (old.message_ts,),
        )
        assert slack_store.forget_old_deletions(conn) >= 1
        assert not slack_store.deleted_before_taken(conn, old)
        assert slack_store.deleted_before_taken(conn, recent)
        conn.rollback()
