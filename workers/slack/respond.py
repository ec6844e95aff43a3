"""Replies through a slash command's response_url, for an /ask typed where the bot is not a member.

The bot cannot post — not even ephemerally — in a DM between two people or a private channel it was not invited
to (Slack: channel_not_found / not_in_channel). A slash command's response_url can: ephemeral to the person who
typed it, at most MAX_USES times, for TTL after the command. The URL is a capability: it is never logged (nor put
in an exception's message), and kept with the request only until the answer is delivered (workers/slack/store.py).
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from slack_sdk.webhook import WebhookClient

MAX_USES = 5  # Slack: a response_url takes at most 5 messages …
TTL = timedelta(minutes=30)  # … within 30 minutes of the command
# The Web API errors that mean "the bot is not in this conversation": the response_url is the only way in.
UNREACHABLE = frozenset({"channel_not_found", "not_in_channel"})
TIMEOUT_S = 10
# slack_sdk's WebhookClient logs the URL it posts to (debug) and retries (info): its own logger, never below ERROR,
# whatever the log level of the rest (LOG_LEVEL=DEBUG must not put a capability in the logs).
_SDK_LOG = logging.getLogger(f"{__name__}.webhook")
_SDK_LOG.setLevel(logging.ERROR)


class ResponseUrlFailed(Exception):
    """Slack refused (or never answered) a reply through a response_url; `error` is Slack's word for why
    (used_url, expired_url, …) or the HTTP status — never the URL."""

    def __init__(self, error: str, *, transient: bool = False) -> None:
        super().__init__(error)
        self.error = error
        self.transient = transient


MAX_URL_CHARS = 1024  # Slack's response URLs are ~100 characters


def acceptable(url: str, slack_api_url: str) -> bool:
    """Only a URL Slack can have handed out is ever posted to: https://hooks.slack.com/…, or the host of the Web
    API the bot talks to (the stand-in, a proxy). Anything else in a payload is ignored, and so is a URL longer than
    any Slack hands out (it would overflow a modal's private_metadata, 3,000 characters, where it rides)."""
    if len(url) > MAX_URL_CHARS:
        return False
    try:
        parts, api = urlsplit(url), urlsplit(slack_api_url)
    except ValueError:
        return False
    if parts.scheme == "https" and parts.hostname == "hooks.slack.com":
        return True
    return bool(parts.netloc) and (parts.scheme, parts.netloc) == (api.scheme, api.netloc)


def post(url: str, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
    """One ephemeral message to the command's asker; raises ResponseUrlFailed."""
    try:
        client = WebhookClient(url, timeout=TIMEOUT_S, logger=_SDK_LOG)
        resp = client.send(text=text, blocks=blocks, response_type="ephemeral")
    except Exception as exc:  # unreachable, timeout, a malformed URL: never with the URL in what is logged
        raise ResponseUrlFailed(type(exc).__name__, transient=True) from None
    body = (resp.body or "").strip()
    if resp.status_code == 200 and _ok(body):
        return
    raise ResponseUrlFailed(_error(body) or f"HTTP {resp.status_code}", transient=_transient(resp.status_code))


def _ok(body: str) -> bool:
    if body == "ok":  # Slack's plain-text answer
        return True
    try:
        return json.loads(body).get("ok") is True
    except (ValueError, AttributeError):
        return False


def _error(body: str) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body[:80] if body.replace("_", "").isalnum() else ""
    return str(data.get("error") or "")[:80] if isinstance(data, dict) else ""


def _transient(status: int) -> bool:
    return status == 429 or status >= 500
