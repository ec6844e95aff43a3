"""Running the bot: Socket Mode (app-level token) or HTTP (signed requests), plus the requeue loop."""

from __future__ import annotations

import logging
import re
import threading
import time

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import build_headers, send_response
from slack_bolt.error import BoltError
from slack_bolt.request import BoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.app import ENVELOPE_HEADER, build_app
from bot.intake import Intake, Requeuer
from core import db
from core.errors import ConfigError
from core.settings import Settings
from workers.guard_config import guard_for
from workers.slack.store import RequestKey

log = logging.getLogger(__name__)


def enqueue_answer(key: RequestKey, priority: int = 0) -> None:
    """One Celery task per question, keyed on (team, channel, ts); `priority` 0 is served first."""
    from workers.tasks import answer_slack_question

    answer_slack_question.apply_async(
        args=key.as_args(), task_id=f"answer:{key.team_id}:{key.channel_id}:{key.message_ts}", priority=priority
    )


def _slack_refused(exc: Exception, settings: Settings, token: str = "SLACK_BOT_TOKEN") -> ConfigError:
    """Starting needs Slack (auth.test, apps.connections.open): a refused token or an unreachable Slack is the
    operator's to fix, said as such instead of Bolt's or urllib's traceback."""
    if isinstance(exc, OSError):  # URLError and friends: nothing answered
        return ConfigError(
            f"Cannot reach Slack at {settings.slack_api_url}: {getattr(exc, 'reason', exc)}",
            hint="Check the network, or ANSWERLOOP_SLACK_API_URL if the bot talks to another Slack endpoint.",
        )
    error = exc.response.get("error") if isinstance(exc, SlackApiError) else None
    if error is None:  # BoltError: auth.test's answer is in its message; other BoltErrors are set-up mistakes
        match = re.search(r"'error': '([^']+)'", str(exc))
        if match is None:
            return ConfigError(
                f"The Slack app could not start: {(str(exc).splitlines() or [type(exc).__name__])[0]}",
                hint="Check the Slack settings: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET or the OAuth client settings.",
            )
        error = match.group(1)
    what = "app-level token" if token == "SLACK_APP_TOKEN" else "bot token"
    example = "xapp-… with connections:write" if token == "SLACK_APP_TOKEN" else "xoxb-…"
    return ConfigError(
        f"Slack refused the {what}: {error}.", hint=f"Set {token} to the app's current token ({example})."
    )


def make_bot(settings: Settings):
    guard = guard_for(settings)
    url = db.database_url(settings)
    intake = Intake(settings, guard, enqueue_answer, url)
    try:
        app = build_app(settings, intake)  # Bolt checks the bot token with auth.test here
    except (BoltError, SlackApiError, OSError) as exc:
        raise _slack_refused(exc, settings) from None
    return app, Requeuer(settings, enqueue_answer, url)


def _serve_metrics(settings: Settings) -> None:
    if settings.metrics_port:
        from core.metrics import serve_bot_metrics

        serve_bot_metrics(settings.metrics_port, settings.redis_url)


def socket_request(req: SocketModeRequest) -> BoltRequest:
    """The Bolt request of a Socket Mode envelope, as Bolt's adapter builds it (the retry headers it mirrors), and
    which envelope it came in (ENVELOPE_HEADER): bot.app tells an interaction Slack redelivered by it."""
    headers = {**(build_headers(req) or {}), ENVELOPE_HEADER: req.envelope_id}
    return BoltRequest(mode="socket_mode", body=req.payload, headers=headers)


class EnvelopeSocketModeHandler(SocketModeHandler):
    """Bolt's Socket Mode handler, each request carrying its envelope (socket_request)."""

    app: App

    def handle(self, client, req: SocketModeRequest) -> None:
        start = time.time()
        send_response(client, req, self.app.dispatch(socket_request(req)), start)


def run_socket_mode(settings: Settings) -> None:
    if not settings.slack_app_token:
        raise ConfigError("Socket Mode needs an app-level token.", hint="Set SLACK_APP_TOKEN (xapp-…), or use --http.")
    app, requeuer = make_bot(settings)
    handler = EnvelopeSocketModeHandler(app, settings.slack_app_token)
    try:
        handler.connect()  # apps.connections.open with the app-level token, then the websocket
    except (SlackApiError, OSError) as exc:
        raise _slack_refused(exc, settings, "SLACK_APP_TOKEN") from None
    requeuer.start()
    _serve_metrics(settings)
    log.warning("Answerloop bot connected to Slack (Socket Mode)")
    threading.Event().wait()  # what handler.start() does after its connect(): the client reconnects by itself


def run_http(settings: Settings, port: int, host: str = "0.0.0.0") -> None:
    if not settings.slack_signing_secret:
        raise ConfigError("HTTP mode needs the signing secret.", hint="Set SLACK_SIGNING_SECRET.")
    from bot.http_server import EVENTS_PATH, make_http_server

    app, requeuer = make_bot(settings)
    try:
        server = make_http_server(app, host, port, signing_secret=settings.slack_signing_secret)
    except (OSError, OverflowError) as exc:  # the port is taken, not ours to use, or no port at all
        raise ConfigError(
            f"Cannot listen on {host}:{port}: {getattr(exc, 'strerror', None) or exc}.",
            hint="Choose another --port (or ANSWERLOOP_SLACK_HTTP_PORT), or stop what is listening there.",
        ) from None
    requeuer.start()
    _serve_metrics(settings)
    log.warning("Answerloop bot listening on http://%s:%d%s", host, port, EVENTS_PATH)
    try:
        server.serve_forever()
    finally:
        requeuer.stop()
        server.server_close()
