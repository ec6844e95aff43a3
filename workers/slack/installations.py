"""Slack installations in Postgres, bot tokens encrypted at rest: the store Bolt's OAuth flow saves to and
authorizes requests from, and where workers find the token of the workspace a question came from.

Tokens are Fernet-encrypted with the first key of ANSWERLOOP_TOKEN_KEYS; every key decrypts (MultiFernet), so a
key is rotated by putting a new one first, running `answerloop slack rotate-keys` (re-encrypts every token with
it), then dropping the old key.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from logging import Logger

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from core import db
from core.errors import AnswerloopError, ConfigError
from core.settings import Settings
from feedback.audit import record_action

log = logging.getLogger(__name__)


class WorkspaceNotInstalled(AnswerloopError):
    """With OAuth installs, a workspace with no installation (removed from it, or never installed): there is no
    token to act there with, and the configured SLACK_BOT_TOKEN (another workspace's, if set) is never used
    instead. Not a configuration mistake: what was for that workspace ends, nothing is sent there."""

    hint = "Nothing is sent there until the workspace installs the app again; its knowledge is kept."

    def __init__(self, team_id: str) -> None:
        super().__init__(f"the app is no longer installed in workspace {team_id or '(none)'} (or never was)")
        self.team_id = team_id


class TokenCipher:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ConfigError(
                "Multi-workspace installs need a key to encrypt bot tokens at rest.",
                hint="Set ANSWERLOOP_TOKEN_KEYS='[\"<key>\"]' with a key from `answerloop slack new-key`.",
            )
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        except ValueError as exc:
            raise ConfigError(
                "ANSWERLOOP_TOKEN_KEYS holds something that is not a Fernet key.",
                hint="Each key is 32 url-safe base64-encoded bytes: make one with `answerloop slack new-key`.",
            ) from exc

    def encrypt(self, token: str) -> str:
        return self._fernet.encrypt(token.encode()).decode()

    def decrypt(self, blob: str) -> str:
        try:
            return self._fernet.decrypt(blob.encode()).decode()
        except InvalidToken as exc:
            raise ConfigError(
                "A stored Slack token cannot be decrypted with ANSWERLOOP_TOKEN_KEYS.",
                hint="Keep the key it was encrypted with in the list until `answerloop slack rotate-keys` has run.",
            ) from exc

    def rotate(self, blob: str) -> str:
        """Re-encrypt with the first key."""
        return self._fernet.rotate(blob.encode()).decode()


def new_key() -> str:
    return Fernet.generate_key().decode()


class PostgresInstallationStore(InstallationStore):
    """Bot installations only (the app never acts as a user): one row per workspace (or org)."""

    def __init__(self, db_url: str, cipher: TokenCipher) -> None:
        self.db_url = db_url
        self.cipher = cipher

    @property
    def logger(self) -> Logger:
        return log

    def save(self, installation: Installation) -> None:
        self.save_bot(installation.to_bot())
        if installation.user_id:
            with db.connection(self.db_url) as conn:
                conn.execute(
                    "UPDATE slack_installations SET installer_user_id = %s WHERE enterprise_id = %s AND team_id = %s",
                    (installation.user_id, installation.enterprise_id or "", installation.team_id or ""),
                )

    def save_bot(self, bot: Bot) -> None:
        scopes = ",".join(bot.bot_scopes) if isinstance(bot.bot_scopes, list | tuple) else (bot.bot_scopes or "")
        with db.connection(self.db_url) as conn:
            conn.execute(
                """
                INSERT INTO slack_installations (enterprise_id, team_id, team_name, app_id, bot_user_id, bot_id,
                                                 bot_scopes, bot_token_encrypted, is_enterprise_install)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
                ON CONFLICT (enterprise_id, team_id) DO UPDATE SET
                    team_name = EXCLUDED.team_name, app_id = EXCLUDED.app_id, bot_user_id = EXCLUDED.bot_user_id,
                    bot_id = EXCLUDED.bot_id, bot_scopes = EXCLUDED.bot_scopes,
                    bot_token_encrypted = EXCLUDED.bot_token_encrypted,
                    is_enterprise_install = EXCLUDED.is_enterprise_install, updated_at = now()
                """,
                (
                    bot.enterprise_id or "",
                    bot.team_id or "",
                    getattr(bot, "team_name", None) or "",
                    bot.app_id or "",
                    bot.bot_user_id,
                    bot.bot_id,
                    scopes,
                    self.cipher.encrypt(bot.bot_token),
                    bool(bot.is_enterprise_install),
                ),
            )
            moved = hand_over_token_era_prompts(conn, bot.team_id or "")
        log.warning("Slack installation saved for team %s", bot.team_id)
        if moved:
            log.warning("team %s took over the token era's prompt history (%d versions)", bot.team_id, moved)

    def _row(self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> dict | None:
        team = "" if is_enterprise_install else (team_id or "")
        with db.connection(self.db_url) as conn:
            return conn.execute(
                "SELECT * FROM slack_installations WHERE enterprise_id = %s AND team_id = %s",
                (enterprise_id or "", team),
            ).fetchone()

    def find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        row = self._row(enterprise_id, team_id, is_enterprise_install)
        if row is None:
            return None
        return Bot(
            app_id=row["app_id"] or None,
            enterprise_id=row["enterprise_id"] or None,
            team_id=row["team_id"] or None,
            team_name=row["team_name"] or None,
            bot_token=self.cipher.decrypt(row["bot_token_encrypted"]),
            bot_id=row["bot_id"],
            bot_user_id=row["bot_user_id"],
            bot_scopes=row["bot_scopes"],
            is_enterprise_install=row["is_enterprise_install"],
            installed_at=row["installed_at"].timestamp(),
        )

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        if user_id is not None:
            return None  # no user tokens are ever requested or kept
        row = self._row(enterprise_id, team_id, is_enterprise_install)
        if row is None:
            return None
        bot = self.find_bot(enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install)
        if bot is None:
            return None
        return Installation(
            app_id=bot.app_id,
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            team_name=bot.team_name,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
            user_id=row["installer_user_id"] or "",
            is_enterprise_install=bot.is_enterprise_install,
            installed_at=bot.installed_at,
        )

    def remove_workspace(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        event: str,
        bot_user_ids: Sequence[str] | None = None,
        sent_at: datetime | None = None,
        stored_token: str | None = None,
        details: Mapping[str, str] | None = None,
    ) -> bool:
        """Slack removed the app from a workspace (`app_uninstalled`) or revoked its bot token (`tokens_revoked`):
        forget its installation — the encrypted token and the bot's identity — and record it in the audit log, in
        one transaction. With `bot_user_ids` (a `tokens_revoked` event's `tokens.bot`), only if the stored bot user
        is one of them. True when an installation was removed; False (nothing changed) for a workspace that is not
        installed (a forged event, or the second of the two events Slack sends).

        The workspace's knowledge — interactions, labels, verified answers, collections, prompt history — is NOT
        deleted: removing a workspace's data is a separate, explicit admin action, and a workspace that installs
        the app again finds it where it was. With `sent_at` (the event's event_time), an installation saved after
        it (the workspace installed the app again before a late or retried event arrived) is kept. With
        `stored_token` (the encrypted token as read), only while it is still the stored one. `details` add to the
        audit row's."""
        if not team_id and not enterprise_id:
            return False
        sql = "DELETE FROM slack_installations WHERE enterprise_id = %s AND team_id = %s"
        params: list[object] = [enterprise_id or "", team_id or ""]
        if bot_user_ids is not None:
            sql += " AND bot_user_id = ANY(%s)"
            params.append(list(bot_user_ids))
        if sent_at is not None:  # event_time has whole seconds: an install saved within that second still goes
            sql += " AND updated_at < %s"
            params.append(sent_at + timedelta(seconds=1))
        if stored_token is not None:
            sql += " AND bot_token_encrypted = %s"
            params.append(stored_token)
        with db.connection(self.db_url) as conn:
            row = conn.execute(sql + " RETURNING team_id, team_name, bot_user_id", params).fetchone()
            if row is None:
                return False
            record_action(
                conn,
                "slack",
                "slack.uninstalled",
                f"team:{row['team_id']}",
                {"team": row["team_id"], "enterprise": enterprise_id or "", "event": event, **(details or {})},
            )
        return True

    def remove_dead_token(self, token: str, *, error: str, method: str) -> str | None:
        """Slack answered `error` (token_revoked, account_inactive) to a Web API call made with `token`: if it is a
        workspace's stored bot token, the app was removed from that workspace and its uninstall event was missed
        (Bolt acks events before the listener runs, so a delete that failed is never retried). Removes that
        installation with remove_workspace — only while the token is still the stored one: a workspace that
        installed the app again meanwhile keeps its new token. Returns the team (`org <id>` for an org-wide install)
        whose installation was removed; None when no stored token is `token` or it was removed already."""
        with db.connection(self.db_url) as conn:
            rows = conn.execute(
                "SELECT enterprise_id, team_id, bot_token_encrypted FROM slack_installations"
            ).fetchall()
        for row in rows:  # Fernet ciphertexts differ for one token: each is decrypted (only on this rare error)
            try:
                stored = self.cipher.decrypt(row["bot_token_encrypted"])
            except ConfigError:
                continue  # not decryptable with these keys: not the token that failed
            if not hmac.compare_digest(stored.encode(), token.encode()):
                continue
            removed = self.remove_workspace(
                enterprise_id=row["enterprise_id"],
                team_id=row["team_id"],
                event=error,
                stored_token=row["bot_token_encrypted"],
                details={"detected": "api_error", "method": method},
            )
            return (row["team_id"] or f"org {row['enterprise_id']}") if removed else None
        return None

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.delete_all(enterprise_id=enterprise_id, team_id=team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:
            self.delete_all(enterprise_id=enterprise_id, team_id=team_id)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        with db.connection(self.db_url) as conn:
            conn.execute(
                "DELETE FROM slack_installations WHERE enterprise_id = %s AND team_id = %s",
                (enterprise_id or "", team_id or ""),
            )


def installed_teams(conn: db.Conn) -> list[str]:
    """The workspaces installed through OAuth (none: a bot-token install)."""
    return [r["team_id"] for r in conn.execute("SELECT DISTINCT team_id FROM slack_installations ORDER BY team_id")]


def not_installed(team_id: str, installed: Sequence[str]) -> bool:
    """OAuth installs are on (`installed`: installed_teams) and this workspace is not one of them: it uninstalled
    the app (its token was deleted) or never installed it. A bot-token install ('' or none installed) never is."""
    return bool(team_id) and bool(installed) and team_id not in installed


def hand_over_token_era_prompts(conn: db.Conn, team_id: str) -> int:
    """The first OAuth install of a single-workspace install that ran with a bot token takes over the token era's
    prompt history (the default scope's versions, pointer, activations, reports, canary and digest weeks): from
    now on its questions resolve to its own scope (`feedback.prompt_versions.scope_of`), which would otherwise
    start from the seed.

    Only when this workspace is the only one installed, has no prompt history of its own, and no label of another
    workspace exists (the token era's labels, which built those versions, must be this workspace's: a bot token
    answers one workspace). Otherwise nothing moves and the workspace starts from the shared seed. Returns how
    many versions moved (0: nothing handed over)."""
    if not team_id:
        return 0
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('answerloop.prompt_history_handover'))")
    eligible = db.one(
        conn.execute(
            """
            SELECT NOT EXISTS (SELECT 1 FROM slack_installations WHERE team_id <> %(team)s)
               AND NOT EXISTS (SELECT 1 FROM prompt_versions WHERE team_id = %(team)s)
               AND NOT EXISTS (SELECT 1 FROM prompt_pointer WHERE team_id = %(team)s)
               AND NOT EXISTS (SELECT 1 FROM labels WHERE team_id NOT IN ('', %(team)s))
               AND EXISTS (SELECT 1 FROM prompt_versions WHERE team_id = '') AS ok
            """,
            {"team": team_id},
        )
    )["ok"]
    if not eligible:
        return 0
    moved = conn.execute("UPDATE prompt_versions SET team_id = %s WHERE team_id = ''", (team_id,)).rowcount
    conn.execute("UPDATE prompt_pointer SET team_id = %s WHERE team_id = ''", (team_id,))
    conn.execute("UPDATE prompt_activations SET team_id = %s WHERE team_id = ''", (team_id,))
    conn.execute("UPDATE eval_reports SET team_id = %s WHERE team_id = ''", (team_id,))
    # A canary the token era started goes on for the same people, and the weeks whose gaps digest was posted
    # stay posted (the same workspace, now under its own id).
    conn.execute("UPDATE prompt_canaries SET team_id = %s WHERE team_id = ''", (team_id,))
    conn.execute("UPDATE gaps_digests SET team_id = %s WHERE team_id = ''", (team_id,))
    return moved


class PostgresOAuthStateStore(OAuthStateStore):
    """OAuth `state` values, one use each, valid for `expiration_seconds` (shared by every bot replica)."""

    def __init__(self, db_url: str, expiration_seconds: int = 600) -> None:
        self.db_url = db_url
        self.expiration_seconds = expiration_seconds

    @property
    def logger(self) -> Logger:
        return log

    def issue(self, *args: object, **kwargs: object) -> str:
        state = secrets.token_urlsafe(24)
        with db.connection(self.db_url) as conn:
            conn.execute("DELETE FROM slack_oauth_states WHERE expires_at < now()")
            conn.execute(
                "INSERT INTO slack_oauth_states (state, expires_at) VALUES (%s, %s)",
                (state, datetime.now(UTC) + timedelta(seconds=self.expiration_seconds)),
            )
        return state

    def consume(self, state: str) -> bool:
        with db.connection(self.db_url) as conn:
            row = conn.execute(
                "DELETE FROM slack_oauth_states WHERE state = %s RETURNING expires_at", (state,)
            ).fetchone()
        return row is not None and row["expires_at"] > datetime.now(UTC)


def oauth_enabled(settings: Settings) -> bool:
    return bool(settings.slack_client_id and settings.slack_client_secret)


def installation_store(settings: Settings) -> PostgresInstallationStore:
    """The OAuth installations of `settings`' database, tokens decrypted with its keys."""
    return PostgresInstallationStore(db.database_url(settings), TokenCipher(settings.token_keys))


def bot_token_for(settings: Settings, team_id: str, enterprise_id: str | None = None) -> str | None:
    """The token to answer a workspace with: its installation's when installs go through OAuth, else the one
    configured bot token (None: not configured). With OAuth, a workspace with no installation raises
    WorkspaceNotInstalled: never the configured bot token, which belongs to another workspace (over a Slack
    Connect channel it would even reach this one's people)."""
    if not oauth_enabled(settings):
        return settings.slack_bot_token
    bot = installation_store(settings).find_bot(enterprise_id=enterprise_id, team_id=team_id)
    if bot is None:
        raise WorkspaceNotInstalled(team_id)
    return bot.bot_token


def rotate_keys(db_url: str, cipher: TokenCipher) -> int:
    """Re-encrypt every stored token with the first key; returns how many.

    Each row is rewritten only while it still holds the ciphertext read: a workspace that installed the app again
    meanwhile keeps its new token (never the old, revoked one written back), and that new token is read again and
    re-encrypted in turn, so none is left under a key about to be dropped. `updated_at` is left alone: it says
    when the installation was saved, which an uninstall event is compared with (`remove_workspace`'s `sent_at`),
    and re-encrypting the same token is not installing again."""
    rotated = 0
    with db.connection(db_url) as conn:
        rows = conn.execute("SELECT enterprise_id, team_id, bot_token_encrypted FROM slack_installations").fetchall()
        for _ in range(_ROTATE_ROUNDS):
            missed = []
            for r in rows:
                blob = r["bot_token_encrypted"]
                done = conn.execute(
                    "UPDATE slack_installations SET bot_token_encrypted = %s "
                    "WHERE enterprise_id = %s AND team_id = %s AND bot_token_encrypted = %s",
                    (cipher.rotate(blob), r["enterprise_id"], r["team_id"], blob),
                ).rowcount
                rotated += done
                if not done:
                    missed.append((r["enterprise_id"], r["team_id"]))
            if not missed:
                break
            rows = conn.execute(  # saved again meanwhile (a reinstall): its new ciphertext; removed ones are gone
                "SELECT enterprise_id, team_id, bot_token_encrypted FROM slack_installations "
                "WHERE (enterprise_id, team_id) IN (SELECT * FROM unnest(%s::text[], %s::text[]))",
                ([e for e, _ in missed], [t for _, t in missed]),
            ).fetchall()
    return rotated


_ROTATE_ROUNDS = 5  # a workspace reinstalling during each of them is not a case to wait for
