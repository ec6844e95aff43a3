"""The one factory for Slack Web API clients (bot and workers), pointed at the configured API URL."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from core.errors import ConfigError
from core.settings import Settings
from workers.slack.dead_tokens import DeadTokenWatch
from workers.slack.installations import installation_store, oauth_enabled


def web_client(
    settings: Settings, *, token: str | None = None, retries: bool = True, anonymous: bool = False
) -> WebClient:
    """A WebClient for `settings.slack_api_url`; with retries, 429s wait out Retry-After and 5xx back off. With
    OAuth installs, `token` is required (a workspace's, from workers.slack.installations.bot_token_for: never the
    configured SLACK_BOT_TOKEN, which is one workspace's), and a call Slack answers `token_revoked` /
    `account_inactive` removes the installation whose stored token it was (workers.slack.dead_tokens).
    `anonymous`: no token (the OAuth app's base client: Bolt gives each request the token of its workspace)."""
    oauth = oauth_enabled(settings)
    if anonymous:
        token = None
    elif not token and oauth:
        raise ConfigError(
            "A Slack client was asked for without a token, and with OAuth installs there is no default one.",
            hint="Pass the workspace's token: token=bot_token_for(settings, team_id).",
        )
    else:
        token = token or settings.slack_bot_token
        if not token:
            raise ConfigError("No Slack bot token configured.", hint="Set SLACK_BOT_TOKEN (xoxb-…).")
    base_url = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    n = settings.slack_max_retries
    handlers: list[RetryHandler] = (
        [
            RateLimitErrorRetryHandler(max_retry_count=n),
            ServerErrorRetryHandler(max_retry_count=n),
            ConnectionErrorRetryHandler(max_retry_count=n),
        ]
        if retries
        else []
    )
    if oauth:  # stored tokens: Slack calling one dead removes its installation (dead_tokens)
        handlers.insert(0, DeadTokenWatch(lambda: installation_store(settings)))
    return WebClient(token=token, base_url=base_url, timeout=30, retry_handlers=handlers)


def transient(exc: SlackApiError) -> bool:
    """Slack refused for now (429, or its own 5xx): worth another attempt later, unlike an error it names."""
    code = exc.response.status_code if exc.response is not None else 0
    return code == 429 or code >= 500
