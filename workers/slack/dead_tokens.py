"""Self-healing of a missed uninstall: when Slack answers a Web API call `token_revoked` or `account_inactive`,
the token is dead for good; if it is a workspace's stored bot token (OAuth installs), that installation is removed
as the uninstall listener would have (`PostgresInstallationStore.remove_dead_token`). Bolt acks `app_uninstalled`
before its listener runs, so a delete that failed then (Postgres down) or an event that never arrived is not sent
again: without this the dead token would stay stored and every loop over installed workspaces would visit it.

Attached by the client factory (`workers.slack.client.web_client`) to every client as a retry handler that never
retries, so one place sees every call — the workers' clients and Bolt's per-request clients, which copy the base
client's handlers — whatever the caller does with the error afterwards.

`invalid_auth` removes nothing: Slack also answers it for a request from outside the workspace's allowed IP
ranges, and a wrong SLACK_API_URL (another Slack, a stand-in) answers it for every workspace's token at once;
deleting on it would uninstall every workspace because of a configuration mistake. (A wrong ANSWERLOOP_TOKEN_KEYS
never reaches Slack: the stored token fails to decrypt first.)"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from urllib.parse import urlparse

from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from core.errors import ConfigError, DatabaseUnavailable
from workers.slack.installations import PostgresInstallationStore

log = logging.getLogger(__name__)

DEAD_TOKEN_ERRORS = frozenset({"token_revoked", "account_inactive"})


class DeadTokenWatch(RetryHandler):
    """Watches every answer of the client (never asks for a retry): a dead token's installation is removed."""

    def __init__(self, store: Callable[[], PostgresInstallationStore]) -> None:
        super().__init__(max_retry_count=0)
        self._store = store  # built at the first dead token only: most clients never see one

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        body = response.body if response is not None else None
        if isinstance(body, dict) and body.get("ok") is False and body.get("error") in DEAD_TOKEN_ERRORS:
            token = _bearer(request.headers)
            if token:
                self._forget(token, str(body["error"]), urlparse(request.url).path.rsplit("/", 1)[-1])
        return False

    def _forget(self, token: str, error: str, method: str) -> None:
        """Never raises: the caller gets Slack's error, as without this watch."""
        try:
            removed = self._store().remove_dead_token(token, error=error, method=method)
        except (DatabaseUnavailable, ConfigError) as exc:
            why = f"database unavailable: {exc}" if isinstance(exc, DatabaseUnavailable) else str(exc)
            log.warning(
                "Slack answered %s to %s; whether it was a workspace's stored bot token could not be checked (%s): "
                "the next call with it checks again",
                error,
                method,
                why,
            )
            return
        except Exception:  # a watch must not turn Slack's error into another one
            log.warning("Slack answered %s to %s; removing a dead stored token failed", error, method, exc_info=True)
            return
        if removed:
            log.warning(
                "Slack answered %s to %s with workspace %s's bot token: the app was removed from it and the "
                "uninstall event missed; its installation and bot token deleted, its knowledge kept",
                error,
                method,
                removed,
            )


def _bearer(headers: Mapping[str, str | list[str]]) -> str | None:
    """The request's bot token (slack_sdk sends it as `Authorization: Bearer`)."""
    for name, values in headers.items():
        value = values if isinstance(values, str) else (values[0] if values else "")
        if name.lower() == "authorization" and value.startswith("Bearer "):
            return value[len("Bearer ") :].strip() or None
    return None
