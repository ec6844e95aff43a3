"""The requeuer gives up on a question nobody answered within `requeue_max_age_s`: the request ends `failed` with
the reason, and the asker's "looking into it" placeholder says so instead of waiting forever. A young question in
flight, an old one a worker is still making progress on, and a delivered one are left alone; a second round
changes nothing.

Real components: the Bolt app behind bot/http_server.py (it saves each question and posts its placeholder),
Postgres, the Slack stand-in recording what the bot posts. The queue is a list."""

from __future__ import annotations

import pytest

from bot.intake import Intake, Requeuer
from core import db
from slack_standin import ALICE, BOT_USER_ID
from tests.support.bot_endpoint import http_settings, serving
from workers.slack.store import RequestKey

FAILURE = "couldn't produce an answer"


@pytest.fixture()
def endpoint(slack, clean_db, pii_guard):
    """The bot in HTTP mode, thread status off: each question gets a "looking into it" placeholder."""
    settings = http_settings(slack, clean_db, slack_signing_secret=slack.signing_secret, slack_streaming=False)
    sent: list = []
    with serving(slack, settings, Intake(settings, pii_guard, lambda key, priority: sent.append(key), clean_db)):
        yield sent


def _row(url: str, key: RequestKey) -> dict:
    with db.connect(url) as conn:
        return conn.execute(
            "SELECT * FROM slack_requests WHERE team_id = %s AND channel_id = %s AND message_ts = %s", key.as_args()
        ).fetchone()


def _set(url: str, key: RequestKey, sql: str) -> None:
    with db.connect(url) as conn:
        conn.execute(
            f"UPDATE slack_requests SET {sql} WHERE team_id = %s AND channel_id = %s AND message_ts = %s",
            key.as_args(),
        )
        conn.commit()


def _placeholder(slack, key: RequestKey, placeholder_ts: str):
    [msg] = [m for m in slack.messages(key.channel_id) if m.ts == placeholder_ts]
    return msg


def _placeholder_text(slack, key: RequestKey, placeholder_ts: str) -> str:
    return _placeholder(slack, key, placeholder_ts).text


def _ask(slack, sent: list, url: str, question: str) -> tuple[RequestKey, str]:
    """Alice asks in #general; the intake saves the question and posts its placeholder: (key, placeholder ts)."""
    asked = len(sent)
    slack.post_message(slack.channel_id("general"), f"<@{BOT_USER_ID}> {question}", user="alice")
    slack.wait_for(lambda: len(sent) > asked, timeout=10)
    key = RequestKey(*sent[-1].as_args())
    placeholder = slack.wait_for(lambda: _row(url, key)["placeholder_ts"], timeout=10)
    return key, placeholder


def test_an_unanswered_question_past_the_max_age_ends_failed_and_its_placeholder_says_so(slack, endpoint, clean_db):
    sent = endpoint
    expired, expired_ph = _ask(slack, sent, clean_db, "what is the hotel cap?")
    young, young_ph = _ask(slack, sent, clean_db, "what is the meal allowance?")
    busy, _ = _ask(slack, sent, clean_db, "how do I book a train?")
    delivered, delivered_ph = _ask(slack, sent, clean_db, "who approves travel?")
    _set(clean_db, expired, "status = 'queued', created_at = now() - interval '2 hours', "
                            "updated_at = now() - interval '2 hours'")  # fmt: skip
    _set(clean_db, young, "status = 'queued'")
    _set(clean_db, busy, "status = 'answering', created_at = now() - interval '2 hours'")  # progress just now
    _set(clean_db, delivered, "status = 'delivered', created_at = now() - interval '2 hours', "
                              "updated_at = now() - interval '2 hours'")  # fmt: skip
    before = {k: _row(clean_db, k) for k in (young, busy, delivered)}

    settings = http_settings(slack, clean_db)
    requeued: list = []
    Requeuer(settings, lambda key, priority: requeued.append(key), clean_db).run_once()

    row = _row(clean_db, expired)
    assert row["status"] == "failed"
    assert row["error"].startswith("expired: not answered within 1 h")
    assert row["response_url"] is None
    text = _placeholder_text(slack, expired, expired_ph)
    assert FAILURE in text and "not answered within 1 h" in text
    for key in (young, busy, delivered):
        assert _row(clean_db, key) == before[key], f"{key} must be left alone"
    assert "Looking into it" in _placeholder_text(slack, young, young_ph)
    assert FAILURE not in _placeholder_text(slack, delivered, delivered_ph)
    assert expired not in [RequestKey(*k.as_args()) for k in requeued], "an expired question is not re-sent"

    after_first = {k: _row(clean_db, k) for k in (expired, young, busy, delivered)}
    versions = len(_placeholder(slack, expired, expired_ph).versions)
    Requeuer(settings, lambda key, priority: requeued.append(key), clean_db).run_once()
    assert {k: _row(clean_db, k) for k in after_first} == after_first, "a second round changes nothing"
    assert len(_placeholder(slack, expired, expired_ph).versions) == versions


def test_an_expired_ask_answered_through_its_response_url_is_told_there(slack, endpoint, clean_db):
    """/ask where the bot is not a member: the asker alone saw the placeholder, through the command's response_url;
    the failure goes the same way (while Slack still takes the URL: here the max age is shorter than its 30 min)."""
    sent = endpoint
    people = slack.open_dm_between("alice", "bob")
    slack.slash_command("/ask", "what is the hotel cap?", channel=people, user="alice")
    slack.wait_for(lambda: sent, timeout=10)
    key = RequestKey(*sent[0].as_args())
    slack.wait_for(lambda: _row(clean_db, key)["response_url_uses"] == 1, timeout=10)
    _set(clean_db, key, "status = 'queued', created_at = now() - interval '10 minutes', "
                        "updated_at = now() - interval '10 minutes'")  # fmt: skip
    settings = http_settings(slack, clean_db, requeue_max_age_s=300, visibility_timeout_s=5)

    Requeuer(settings, lambda key, priority: None, clean_db).run_once()

    row = _row(clean_db, key)
    assert row["status"] == "failed" and row["error"] == "expired: not answered within 5 min"
    assert row["response_url"] is None and row["response_url_uses"] == 2
    placeholder, failure = slack.ephemerals(people, user=ALICE)
    assert "Looking into it" in placeholder.text
    assert FAILURE in failure.text and "not answered within 5 min" in failure.text
    assert failure.source == "response_url"
    assert slack.ephemerals(people, user="bob") == []


def test_a_placeholder_slack_refuses_to_update_does_not_stop_the_round(slack, endpoint, clean_db):
    """Telling the asker is best effort: a placeholder that is gone (deleted in Slack) leaves the request failed all
    the same, and the round goes on to the next expired question."""
    sent = endpoint
    gone, _ = _ask(slack, sent, clean_db, "what is the hotel cap?")
    other, other_ph = _ask(slack, sent, clean_db, "what is the meal allowance?")
    _set(clean_db, gone, "placeholder_ts = '1.000001'")  # no such message: chat.update is refused
    for key, age in ((gone, "3 hours"), (other, "2 hours")):  # the refused one first
        _set(clean_db, key, f"status = 'answering', created_at = now() - interval '{age}', "
                            f"updated_at = now() - interval '{age}'")  # fmt: skip

    Requeuer(http_settings(slack, clean_db), lambda key, priority: None, clean_db).run_once()

    assert [_row(clean_db, k)["status"] for k in (gone, other)] == ["failed", "failed"]
    assert FAILURE in _placeholder_text(slack, other, other_ph)


def test_an_expired_streamed_question_with_no_placeholder_is_told_in_its_thread(slack, clean_db, pii_guard):
    """With streaming (the default), the intake shows a thread status, not a placeholder message: the failure goes
    to the thread as a reply, so the asker is not left with a status that never resolves."""
    settings = http_settings(slack, clean_db, slack_signing_secret=slack.signing_secret)
    sent: list = []
    with serving(slack, settings, Intake(settings, pii_guard, lambda key, priority: sent.append(key), clean_db)):
        general = slack.channel_id("general")
        slack.post_message(general, f"<@{BOT_USER_ID}> what is the hotel cap?", user="alice")
        slack.wait_for(lambda: sent, timeout=10)
        key = RequestKey(*sent[0].as_args())
        row = slack.wait_for(lambda: _row(clean_db, key), timeout=10)
        assert row["placeholder_ts"] is None and row["delivery"] == "stream", row
        _set(clean_db, key, "status = 'queued', created_at = now() - interval '2 hours', "
                            "updated_at = now() - interval '2 hours'")  # fmt: skip
        Requeuer(http_settings(slack, clean_db), lambda key, priority: None, clean_db).run_once()

    assert _row(clean_db, key)["status"] == "failed"
    replies = [m for m in slack.messages(general) if m.thread_ts == key.message_ts and m.user == BOT_USER_ID]
    assert len(replies) == 1 and FAILURE in replies[0].text, [m.text for m in replies]
