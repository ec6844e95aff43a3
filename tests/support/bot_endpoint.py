"""The bot in HTTP mode for tests of its Slack surface: the Bolt app behind bot/http_server.py on a free port, the
Slack stand-in signing and delivering requests to it. The queue is a list (what was enqueued is what is asserted).

Context managers, and one fixture built on them (`endpoint_keys`) that a module binds to the name its tests use,
`endpoint = endpoint_keys`; a module whose tests want more (the port, say) keeps its own fixture around
`bot_endpoint` (the stand-in itself is the `slack` fixture of tests/support/slack_stack.py)."""

from __future__ import annotations

import contextlib
import http.client
from collections.abc import Iterator

import pytest

from bot.app import build_app
from bot.http_server import EVENTS_PATH, make_http_server, serve_in_thread
from bot.intake import Intake
from core.settings import Settings
from slack_standin import SlackStandin


def http_settings(slack: SlackStandin, database_url: str, **extra) -> Settings:
    """Settings that talk to the stand-in, without per-person or per-channel rate limits (a module's tests ask
    often); no signing secret unless `extra` gives one."""
    return Settings(
        database_url=database_url,
        slack_bot_token=slack.bot_token,
        slack_api_url=slack.web_api_url,
        rate_limit_user_per_minute=0,
        rate_limit_channel_per_minute=0,
        **extra,
    )


def oauth_settings(slack: SlackStandin, database_url: str, token_keys: list[str], **extra) -> Settings:
    """Settings of an OAuth install (every workspace installs itself, tokens kept encrypted with `token_keys`)
    against the stand-in, without per-person or per-channel rate limits."""
    return Settings(
        database_url=database_url,
        slack_api_url=slack.web_api_url,
        slack_signing_secret=slack.signing_secret,
        slack_client_id=slack.client_id,
        slack_client_secret=slack.client_secret,
        token_keys=token_keys,
        rate_limit_user_per_minute=0,
        rate_limit_channel_per_minute=0,
        **extra,
    )


@contextlib.contextmanager
def serving(slack: SlackStandin, settings: Settings, intake: Intake) -> Iterator[int]:
    """The app of `settings` and `intake` served over HTTP (verified with the stand-in's signing secret) while the
    block runs, the stand-in delivering to it; yields the port."""
    server = make_http_server(build_app(settings, intake), "127.0.0.1", 0, signing_secret=slack.signing_secret)
    serve_in_thread(server)
    slack.set_request_url(f"http://127.0.0.1:{server.server_port}{EVENTS_PATH}")
    try:
        yield server.server_port
    finally:
        slack.set_request_url(None)
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def bot_endpoint(slack: SlackStandin, database_url: str, pii_guard) -> Iterator[tuple[int, list]]:
    """The bot in HTTP mode on a free port, the stand-in delivering to it; yields (port, enqueued keys)."""
    settings = http_settings(slack, database_url, slack_signing_secret=slack.signing_secret)
    sent: list = []
    intake = Intake(settings, pii_guard, lambda key, priority: sent.append(key), database_url)
    with serving(slack, settings, intake) as port:
        yield port, sent


@pytest.fixture()
def endpoint_keys(slack: SlackStandin, clean_db: str, pii_guard) -> Iterator[list]:
    """The bot in HTTP mode on a free port over conftest's clean database, the stand-in delivering to it; yields
    the enqueued keys."""
    with bot_endpoint(slack, clean_db, pii_guard) as (_port, sent):
        yield sent


def post_events(port: int, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST `body` to the events path of the bot on `port`, as is: (status, response text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", EVENTS_PATH, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read().decode(errors="replace")
    finally:
        conn.close()
