"""Running the bot: Socket Mode (app-level token) or HTTP (signed requests), plus the requeue loop."""

from __future__ import annotations

import logging

from bot.app import build_app
from bot.intake import Intake, Requeuer
from core import db
from core.errors import ConfigError
from core.settings import Settings
from guardrails.pii import shared_guard
from workers.slack.store import RequestKey

log = logging.getLogger(__name__)


def enqueue_answer(key: RequestKey, priority: int = 0) -> None:
    """One Celery task per question, keyed on (team, channel, ts); `priority` 0 is served first."""
    from workers.tasks import answer_slack_question

    answer_slack_question.apply_async(
        args=key.as_args(), task_id=f"answer:{key.team_id}:{key.channel_id}:{key.message_ts}", priority=priority
    )


def make_bot(settings: Settings):
    guard = shared_guard(
        entities=settings.pii_entities,
        score_threshold=settings.pii_score_threshold,
        spacy_model=settings.spacy_model,
        require_ner=settings.pii_require_ner,
    )
    url = db.database_url(settings)
    intake = Intake(settings, guard, enqueue_answer, url)
    return build_app(settings, intake), Requeuer(settings, enqueue_answer, url)


def _serve_metrics(settings: Settings) -> None:
    if settings.metrics_port:
        from core.metrics import serve_bot_metrics

        serve_bot_metrics(settings.metrics_port, settings.redis_url)


def run_socket_mode(settings: Settings) -> None:
    if not settings.slack_app_token:
        raise ConfigError("Socket Mode needs an app-level token.", hint="Set SLACK_APP_TOKEN (xapp-…), or use --http.")
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    app, requeuer = make_bot(settings)
    requeuer.start()
    _serve_metrics(settings)
    SocketModeHandler(app, settings.slack_app_token).start()


def run_http(settings: Settings, port: int, host: str = "0.0.0.0") -> None:
    if not settings.slack_signing_secret:
        raise ConfigError("HTTP mode needs the signing secret.", hint="Set SLACK_SIGNING_SECRET.")
    from bot.http_server import EVENTS_PATH, make_http_server

    app, requeuer = make_bot(settings)
    requeuer.start()
    _serve_metrics(settings)
    server = make_http_server(app, host, port)
    log.warning("Answerloop bot listening on http://%s:%d%s", host, port, EVENTS_PATH)
    try:
        server.serve_forever()
    finally:
        requeuer.stop()
        server.server_close()
