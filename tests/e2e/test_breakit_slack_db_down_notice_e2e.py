"""Break-it: with Postgres down, a thread the bot took part in is told once an outage that questions cannot be taken —
once, whichever bot process its replies reach. The threads told were remembered per process: with two bot
processes (replicas, or two Socket Mode connections) each told the same thread again."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from bot.http_server import EVENTS_PATH
from bot.intake import UNAVAILABLE, Intake
from slack_standin import GENERAL
from tests.support.bot_endpoint import http_settings, serving

DEAD_DB = "postgresql://answerloop@127.0.0.1:1/nothing"  # nothing listens there: every query is DatabaseUnavailable


@contextlib.contextmanager
def _two_bots_without_postgres(slack, pii_guard, redis_url: str) -> Iterator[tuple[int, int]]:
    settings = http_settings(slack, DEAD_DB, slack_signing_secret=slack.signing_secret, redis_url=redis_url)

    def intake() -> Intake:
        return Intake(settings, pii_guard, lambda key, priority: None, DEAD_DB)

    with serving(slack, settings, intake()) as first, serving(slack, settings, intake()) as second:
        yield first, second


def _deliver_to(slack, port: int) -> None:
    slack.set_request_url(f"http://127.0.0.1:{port}{EVENTS_PATH}")


def _told(slack, thread_ts: str) -> int:
    return sum(1 for m in slack.bot_replies(GENERAL, thread_ts) if m.text == UNAVAILABLE)


def test_a_thread_is_told_once_that_the_database_is_down_whichever_bot_its_replies_reach(
    slack, pii_guard, redis_url, caplog
):
    caplog.set_level(logging.INFO, logger="bot.app")

    def handled() -> int:
        return sum(1 for r in caplog.records if r.getMessage().startswith("thread reply not handled"))

    with _two_bots_without_postgres(slack, pii_guard, redis_url) as (first, second):
        question = slack.post_message(GENERAL, "how do I rotate the on-call pager?")
        slack.web_client().chat_postMessage(channel=GENERAL, thread_ts=question.ts, text="Here is how: …")
        _deliver_to(slack, first)
        slack.post_message(GENERAL, "and on weekends?", thread_ts=question.ts)
        slack.wait_for(lambda: _told(slack, question.ts) == 1, timeout=15)
        _deliver_to(slack, second)
        slack.post_message(GENERAL, "and on holidays?", thread_ts=question.ts)
        slack.wait_for(lambda: handled() == 2, timeout=15)
        assert _told(slack, question.ts) == 1, [m.text for m in slack.bot_replies(GENERAL, question.ts)]
        assert any("thread seen already this outage" in r.getMessage() for r in caplog.records)
