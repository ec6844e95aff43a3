"""Three gaps of the Slack surface, end to end with real Bolt (Socket Mode), the Slack stand-in and Postgres.

- A reply without a mention in a thread the bot answered, while Postgres is down: the thread is told once (Slack
  says whether the bot took part: conversations.replies), other threads are not; nothing is taken meanwhile.
- A click on a button no listener of this version knows: acknowledged, and the person told privately.
- An event in a Slack Connect channel another organisation created: the question belongs to the workspace whose
  installation got it (authorizations[0]), not to the channel's creator named by the wrapper's team_id.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from bot.app import build_app
from bot.intake import Intake
from bot.runner import EnvelopeSocketModeHandler
from core import db
from core.settings import Settings
from slack_standin import ALICE, BOB, BOT_USER_ID, GENERAL, SlackStandin
from tests.e2e.test_database_outage import own_postgres  # noqa: F401  (fixture: a Postgres this test can stop)
from workers.slack.store import RequestKey

PARTNER = "T0PARTNER9"


@contextlib.contextmanager
def running_bot(slack: SlackStandin, url: str, pii_guard, enqueued: list[RequestKey]) -> Iterator[None]:
    # No worker here: record what would be enqueued. Streaming off: the bot posts a placeholder in the thread.
    settings = Settings(
        database_url=url,
        slack_bot_token=slack.bot_token,
        slack_api_url=slack.web_api_url,
        db_timeout_s=2,
        slack_streaming=False,
    )
    intake = Intake(settings, pii_guard, lambda key, priority: enqueued.append(key), url)
    handler = EnvelopeSocketModeHandler(build_app(settings, intake), slack.app_token)
    handler.connect()
    slack.wait_until_connected(10)
    try:
        yield
    finally:
        with contextlib.suppress(TimeoutError):
            slack.wait_idle(5)
        handler.close()


def _outcomes(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("thread reply not handled")]


def _notices(slack: SlackStandin, thread_ts: str) -> list[str]:
    return [m.text or "" for m in slack.bot_replies(GENERAL, thread_ts) if "database is unreachable" in (m.text or "")]


def test_a_thread_follow_up_during_an_outage_is_told_once_where_the_bot_answered(own_postgres, pii_guard, caplog):  # noqa: F811
    server, url = own_postgres
    caplog.set_level(logging.INFO, logger="bot.app")
    enqueued: list[RequestKey] = []
    with SlackStandin() as slack, running_bot(slack, url, pii_guard, enqueued):
        asked = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> how do I deploy?")
        slack.wait_for_bot_reply(GENERAL, asked.ts, 20)  # the placeholder: the bot took part in this thread
        slack.wait_for(lambda: enqueued, 10)
        chat = slack.post_message(GENERAL, "lunch at noon?", user=BOB)  # people talking, the bot not in it

        server.stop()
        slack.post_message(GENERAL, "and for staging?", thread_ts=asked.ts)
        notice = slack.wait_for(lambda: _notices(slack, asked.ts), 30, message="the follow-up's thread not told")
        assert "can't take questions" in notice[0] and "ask again" in notice[0]

        slack.post_message(GENERAL, "hello? staging?", thread_ts=asked.ts)  # the same outage: not told twice
        slack.post_message(GENERAL, "sure, see you there", thread_ts=chat.ts)  # the bot never spoke here
        slack.wait_for(lambda: len(_outcomes(caplog)) == 3, 30, message="thread replies not all handled")
        outcomes = _outcomes(caplog)
        assert sum("seen already" in o for o in outcomes) == 1, outcomes
        assert sum("not a thread of the bot's" in o for o in outcomes) == 1, outcomes
        assert len(_notices(slack, asked.ts)) == 1
        assert slack.bot_replies(GENERAL, chat.ts) == []
        assert [k.message_ts for k in enqueued] == [asked.ts]  # nothing was taken during the outage

        server.start()  # back: a follow-up is a question again
        again = slack.post_message(GENERAL, "and for staging, please?", thread_ts=asked.ts)
        slack.wait_for(lambda: len(enqueued) == 2, 30, message="the follow-up after the outage was not taken")
        assert enqueued[-1].message_ts == again.ts


def test_slack_refusing_the_thread_read_during_an_outage_says_nothing(pii_guard, caplog):
    caplog.set_level(logging.INFO, logger="bot.app")
    unreachable = "postgresql://answerloop@127.0.0.1:9/none?connect_timeout=1"  # nothing listens on port 9
    with SlackStandin() as slack, running_bot(slack, unreachable, pii_guard, []):
        parent = slack.post_message(GENERAL, "how do I deploy?")
        slack.web_client().chat_postMessage(channel=GENERAL, thread_ts=parent.ts, text="Run `make deploy`.")
        slack.inject_server_error("conversations.replies", count=10)
        slack.post_message(GENERAL, "and for staging?", thread_ts=parent.ts)
        slack.wait_for(lambda: _outcomes(caplog), 30, message="the thread reply was not handled")
        assert "Slack" in _outcomes(caplog)[0], _outcomes(caplog)
        assert _notices(slack, parent.ts) == []


def test_a_click_on_an_older_messages_button_is_acknowledged_and_explained(pii_guard):
    unreachable = "postgresql://answerloop@127.0.0.1:9/none?connect_timeout=1"
    with SlackStandin() as slack, running_bot(slack, unreachable, pii_guard, []):
        old = slack.web_client().chat_postMessage(
            channel=GENERAL,
            text="An answer of an earlier version",
            blocks=[
                {"type": "section", "text": {"type": "mrkdwn", "text": "An answer of an earlier version"}},
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "answer_helpful_v0",
                            "text": {"type": "plain_text", "text": "Helpful"},
                        }
                    ],
                },
            ],
        )
        click = slack.click_button(GENERAL, old["ts"], "answer_helpful_v0", user="bob")
        slack.wait_for(lambda: click.status != "pending", 30)
        assert click.status == "acked" and len(click.attempts) == 1  # no warning, no retry
        told = slack.wait_for(lambda: slack.ephemerals(GENERAL, BOB), 10, message="the person was not told")
        assert "older message" in told[0].text and "/ask" in told[0].text
        assert slack.ephemerals(GENERAL, ALICE) == []


def test_a_question_in_a_channel_another_organisation_created_is_the_installations(database_url, pii_guard):
    enqueued: list[RequestKey] = []
    with SlackStandin() as slack, running_bot(slack, database_url, pii_guard, enqueued):
        channel = slack.add_channel("partner-launch", members=[ALICE]).id
        slack.share_channel(channel, with_team=PARTNER, created_by_them=True)
        asked = slack.post_message(channel, f"<@{BOT_USER_ID}> when is the launch review?")
        delivered = [d for d in slack.deliveries() if (d.event or {}).get("ts") == asked.ts]
        assert delivered and all(d.payload["team_id"] == PARTNER for d in delivered)  # Slack names the creator
        slack.wait_for(lambda: enqueued, 20, message="the question was not taken")
        assert enqueued[0].team_id == slack.team_id  # … the installation that got the event answers it
        with db.connect(database_url) as conn:
            row = conn.execute(
                "SELECT team_id FROM slack_requests WHERE channel_id = %s AND message_ts = %s", (channel, asked.ts)
            ).fetchone()
        assert row is not None and row["team_id"] == slack.team_id
