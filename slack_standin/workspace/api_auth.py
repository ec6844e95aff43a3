"""Web API: api.test, auth.test, oauth.v2.access (with the codes people are handed), apps.connections.open; the
app's removal from the workspace (uninstall_app)."""

from __future__ import annotations

import secrets
import time
from typing import Any

from .. import payloads
from ..model import Delivery
from .base import BOT_SCOPES, ApiError, WorkspaceCore


class AuthApi(WorkspaceCore):
    def _m_api_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"args": {k: v for k, v in args.items() if k != "token"}} if args else {}

    def _m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        ident = self.identity
        return {
            "url": ident.team_url,
            "team": ident.team_name,
            "user": self._users[ident.bot_user_id].name,
            "team_id": ident.team_id,
            "user_id": ident.bot_user_id,
            "bot_id": ident.bot_id,
            "is_enterprise_install": False,
        }

    def _m_oauth_v2_access(self, args: dict[str, Any]) -> dict[str, Any]:
        """Exchange a code from issue_oauth_code() for the bot token (client credentials in the body or Basic)."""
        if args.get("client_id") != self.client_id:
            raise ApiError("invalid_client_id")
        if args.get("client_secret") != self.client_secret:
            raise ApiError("bad_client_secret")
        entry = self._oauth_codes.pop(str(args.get("code") or ""), None)
        if entry is None or time.time() - entry[1] > 600:
            raise ApiError("invalid_code")
        if not self.installed:  # installing again after an uninstall: a new token (the old one stays revoked)
            digits = f"{secrets.randbelow(10**12):012d}"
            self.bot_token = f"xoxb-{digits}-{digits[::-1]}-{secrets.token_hex(12)}"
            self.installed = True
        ident = self.identity
        return {
            "access_token": self.bot_token,
            "token_type": "bot",
            "scope": BOT_SCOPES,
            "bot_user_id": ident.bot_user_id,
            "app_id": ident.app_id,
            "team": {"id": ident.team_id, "name": ident.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": entry[0]},
        }

    def issue_oauth_code(self, *, user: str = "alice") -> str:
        """A person approves the install on Slack's authorize page: Slack redirects with this one-use code."""
        code = f"{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"
        with self.lock:
            self._oauth_codes[code] = (self.user(user).id, time.time())
        return code

    def uninstall_app(self) -> list[Delivery]:
        """Someone removes the app from this workspace: Slack revokes its bot token (every Web API call with it
        answers `token_revoked`, Slack's error for a token of a removed app), then sends `tokens_revoked` (the
        revoked tokens' user ids: the bot user under `bot`; `oauth` is empty, the app holds no user token) and
        `app_uninstalled`, as event_callbacks of this workspace — whatever the subscriptions, as an app always
        hears of its own removal. From then on the workspace's people's messages reach the app no more. Returns
        the two deliveries; ValueError when the app is not installed here."""
        with self.lock:
            if not self.installed:
                raise ValueError(f"the app is not installed in {self.team_id}")
            self.installed = False
            self._revoked_tokens.add(self.bot_token)
            events: list[dict[str, Any]] = [
                {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [self.bot_user_id]}},
                {"type": "app_uninstalled"},
            ]
        return [self._emit("events_api", payloads.event_callback(self.identity, event)) for event in events]

    def _m_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": self._new_socket_url()}

    def _new_socket_url(self) -> str:  # pragma: no cover - the server overrides this
        raise ApiError("internal_error")
