"""The Slack stack of end-to-end tests: a private Redis, the Slack stand-in, a real Celery worker process and the
Socket Mode bot, all module-scoped. A test module imports these fixtures and defines `kb_db` (its database,
migrated, with its knowledge base ingested).

Also the set-up that modules building a stack of their own share: knowledge bases (`handbook_and_hr`,
`handbook_and_restricted_hr`, `bravo_pages`) and workers' environments (`worker_env`, `oauth_worker_env`)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from bot.app import build_app
from bot.intake import Intake
from bot.runner import EnvelopeSocketModeHandler, enqueue_answer
from core import db
from core.settings import Settings
from slack_standin import ALICE, BOT_USER_ID, GENERAL, PRIVATE, SlackStandin
from tests.conftest import SAMPLE_KB, reset_database
from tests.support import services
from workers.kb.ingest import ingest_folder

PLACEHOLDER_MARK = "Looking into it"
# HR's page in the access tests: a number no answer outside HR may show.
SALARY_BANDS_DOC = """# Salary bands 2027

## Band L5

The L5 salary band for Platform engineers is 142,000 to 171,000 EUR, reviewed every March.
"""


def handbook_and_hr(
    database_url: str, embedder, hr_dir, hr_file: str, hr_doc: str, general_expert: str | None = "<@U0BOB00001>"
) -> str:
    """A fresh database with the sample handbook and one HR document, #general searching the handbook (expert
    bob unless told otherwise) and the private channel searching HR only."""
    with db.connect(database_url) as conn:
        reset_database(conn)
        conn.commit()
    (hr_dir / hr_file).write_text(hr_doc)
    settings = Settings(database_url=database_url, embeddings="local")
    with db.connect(database_url) as conn:
        ingest_folder(conn, SAMPLE_KB / "handbook", "handbook", embedder=embedder, settings=settings)
        ingest_folder(conn, hr_dir, "hr", embedder=embedder, settings=settings)
        conn.execute(
            "INSERT INTO channel_settings (team_id, channel_id, collections, expert) VALUES "
            "('T0STANDIN1', %s, '{handbook}', %s), ('T0STANDIN1', %s, '{hr}', NULL)",
            (GENERAL, general_expert, PRIVATE),
        )
        conn.commit()
    return database_url


def handbook_and_restricted_hr(database_url: str, embedder, hr_dir) -> str:
    """`handbook_and_hr` with HR's salary bands (SALARY_BANDS_DOC), the hr collection restricted to the private
    channel; the handbook is public."""
    url = handbook_and_hr(database_url, embedder, hr_dir, "salary-bands.md", SALARY_BANDS_DOC)
    with db.connect(url) as conn:
        conn.execute(
            "UPDATE collections SET visibility = 'restricted', allowed_channels = %s WHERE name = 'hr'", ([PRIVATE],)
        )
        conn.commit()
    return url


def bravo_pages(folder: Path) -> Path:
    """Into `folder`, a second workspace's own on-call and travel pages (files named bravo-…): the handbook's with
    other numbers (7 and 14 minutes, 310 euros), so an answer from the wrong workspace shows in the text."""
    handbook = SAMPLE_KB / "handbook"
    (folder / "bravo-on-call.md").write_text(
        (handbook / "on-call.md").read_text().replace("10 minutes", "7 minutes").replace("20 minutes", "14 minutes")
    )
    (folder / "bravo-travel-policy.txt").write_text(
        (handbook / "expense-and-travel-policy.txt").read_text().replace("250 euros", "310 euros")
    )
    return folder


def final(m) -> bool:
    """A bot message that is no longer the placeholder, nor a stream still being written."""
    return PLACEHOLDER_MARK not in (m.text or "") and getattr(m, "stream_state", None) != "streaming" and bool(m.text)


@pytest.fixture(scope="module")
def redis_server():
    """A Redis of this module's own: one test stops and restarts it."""
    server = services.RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def redis_url(redis_server):
    return redis_server.url


@pytest.fixture(scope="module")
def slack():
    with SlackStandin() as s:
        yield s


@pytest.fixture(scope="module")
def settings(slack, kb_db, redis_url) -> Settings:
    return Settings(
        database_url=kb_db,
        redis_url=redis_url,
        slack_bot_token=slack.bot_token,
        slack_app_token=slack.app_token,
        slack_api_url=slack.web_api_url,
        embeddings="local",
        llm=None,
        visibility_timeout_s=5,
        requeue_interval_s=0.5,
        slack_max_retries=6,
        admins=[ALICE],  # alice may use the App Home review queue; bob may not
        # A module's tests share this database and mostly one asker: on a fast machine they ask more than the
        # per-person limit within a minute, and a later test's question got the rate-limit reply. The limits
        # have their own tests (test_intake_limits.py).
        rate_limit_user_per_minute=0,
        rate_limit_channel_per_minute=0,
    )


def worker_env(settings: Settings, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "SLACK_BOT_TOKEN": settings.slack_bot_token,
        "ANSWERLOOP_SLACK_API_URL": settings.slack_api_url,
        "ANSWERLOOP_EMBEDDINGS": "local",
        "ANSWERLOOP_LLM": "",
        "ANSWERLOOP_VISIBILITY_TIMEOUT_S": "5",
        "ANSWERLOOP_SLACK_MAX_RETRIES": "6",
        **extra,
    }


def oauth_worker_env(
    slack: SlackStandin, database_url: str, redis_url: str, token_keys: list[str], **extra: str
) -> dict[str, str]:
    """A worker's environment for an OAuth install against the stand-in: every workspace's token read from Postgres
    (encrypted with `token_keys`), local embeddings, no single bot token unless `extra` sets SLACK_BOT_TOKEN."""
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "ANSWERLOOP_SLACK_API_URL": slack.web_api_url,
        "SLACK_CLIENT_ID": slack.client_id,
        "SLACK_CLIENT_SECRET": slack.client_secret,
        "ANSWERLOOP_TOKEN_KEYS": json.dumps(token_keys),
        "ANSWERLOOP_EMBEDDINGS": "local",
        "SLACK_BOT_TOKEN": "",
        **extra,
    }


@pytest.fixture(scope="module")
def worker(settings):
    w = services.Worker(worker_env(settings), queues="answer,ingest").start()
    yield w
    w.stop()


@pytest.fixture(scope="module")
def bot(slack, settings, pii_guard, worker):
    from workers.celery_app import use_broker

    use_broker(settings.redis_url)
    intake = Intake(settings, pii_guard, enqueue_answer, settings.database_url)
    app = build_app(settings, intake)
    handler = EnvelopeSocketModeHandler(app, settings.slack_app_token)
    handler.connect()
    slack.wait_until_connected(timeout=10)
    yield intake
    with contextlib.suppress(TimeoutError):
        slack.wait_idle(5)  # acks in flight go out before the socket closes
    handler.close()


def ask(slack, text: str, channel: str = GENERAL, timeout: float = 120):
    msg = slack.post_message(channel, f"<@{BOT_USER_ID}> {text}")
    reply = slack.wait_for_bot_reply(channel, msg.ts, timeout=timeout, predicate=final)
    return msg, reply


def rows(url: str, sql: str, *args) -> list[dict]:
    with db.connect(url) as conn:
        return conn.execute(sql, args).fetchall()
