"""Web API: api.test, auth.test, oauth.v2.access (with the codes people are handed), apps.connections.open."""

from __future__ import annotations

import secrets
import time
from typing import Any

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

    def _m_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": self._new_socket_url()}

    def _new_socket_url(self) -> str:  # pragma: no cover - the server overrides this
        raise ApiError("internal_error")
