"""Text Slack can deliver that Postgres cannot store: a lone UTF-16 surrogate (JSON `"\\ud800"`, which Slack's
event JSON may carry from a client that cut an emoji in half). The question is still taken, with the broken
character shown as U+FFFD, instead of failing to save and being dropped with only a log line.

Real components: the Bolt app behind bot/http_server.py, Postgres, and the Slack stand-in delivering the event."""

from __future__ import annotations

from core import db
from slack_standin import BOT_USER_ID, GENERAL
from tests.support.bot_endpoint import endpoint_keys

endpoint = endpoint_keys


def test_a_question_with_a_lone_surrogate_is_taken_with_a_replacement_character(slack, endpoint, clean_db):
    sent = endpoint
    msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> what is the hotel cap \ud83d in London?")
    slack.wait_for(lambda: sent, timeout=10)
    with db.connect(clean_db) as conn:
        [row] = conn.execute("SELECT message_ts, question_redacted FROM slack_requests").fetchall()
    assert row["message_ts"] == msg.ts
    assert row["question_redacted"] == "what is the hotel cap \ufffd in London?"
