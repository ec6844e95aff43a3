"""The app removed from a workspace: Slack sends `tokens_revoked` (the revoked tokens' user ids: bot users under
`tokens.bot`, people under `tokens.oauth`) and `app_uninstalled`, in either order. With OAuth installs the
workspace's installation — its encrypted bot token — is deleted on the first of them (the second finds nothing
and changes nothing), so nothing that loops over installed workspaces (gaps digest targets, retune scopes, …)
visits a dead workspace any more. One audit row and one log line name the workspace; no token is ever logged.

The workspace's knowledge (interactions, labels, verified answers, collections, prompt history) is NOT deleted:
removing a workspace's data is a separate, explicit admin action, and a workspace that installs the app again
finds its knowledge where it was.

Our own listeners rather than Bolt's built-ins (`App.enable_token_revocation_listeners`): those take the team from
the request as it comes (no team id: a delete keyed on an empty team), delete the bot on any `tokens.bot` entry
whichever bot user it names, and say nothing in the logs or the audit log. Events without a usable team id, of a
workspace that is not installed, or revoking another bot user's or only people's tokens (the app keeps no user
token) change nothing. Every one of them is acknowledged (Bolt acks events before the listener runs). With OAuth
installs `register_uninstall`; a bot-token install has nothing to forget: `register_removal_notice` acks the events
and tells the operator in the log that SLACK_BOT_TOKEN no longer works."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from slack_bolt import App, BoltContext
from slack_sdk.errors import SlackApiError

from bot import payload
from core.errors import DatabaseUnavailable
from workers.slack.installations import PostgresInstallationStore

log = logging.getLogger(__name__)

_SLACK_ID = re.compile(r"[A-Z0-9]{2,32}")


def _workspace(body: dict, context: BoltContext) -> tuple[str, str] | None:
    """(enterprise id, team id) of the event's workspace as the store keys it (an org-wide install: no team id);
    None when the event names none usable."""
    team = payload.text(body, "team_id")
    enterprise = context.enterprise_id if isinstance(context.enterprise_id, str) else ""
    if (team and not _SLACK_ID.fullmatch(team)) or (enterprise and not _SLACK_ID.fullmatch(enterprise)):
        return None
    if context.is_enterprise_install is True:
        return (enterprise, "") if enterprise else None
    return (enterprise, team) if team else None


def _bot_user_ids(event: dict) -> list[str] | None:
    """`tokens.bot` of a tokens_revoked event (user ids); None when the event is malformed."""
    tokens = event.get("tokens")
    if not isinstance(tokens, dict):
        return None
    bots = tokens.get("bot", [])
    if not isinstance(bots, list) or not all(isinstance(b, str) for b in bots):
        return None
    return bots


def register_uninstall(app: App, store: PostgresInstallationStore) -> None:
    """Registered with OAuth installs only (`store`: where they are kept); a bot-token install registers
    `register_removal_notice` instead."""

    def remove(kind: str, body: dict, context: BoltContext, bot_user_ids: list[str] | None = None) -> None:
        where = _workspace(body, context)
        if where is None:
            log.warning("%s ignored: the event names no workspace (no or malformed team id)", kind)
            return
        enterprise, team = where
        name = team or f"org {enterprise}"
        sent = body.get("event_time")
        sent_at = datetime.fromtimestamp(sent, UTC) if isinstance(sent, int) and 0 < sent < 2**37 else None
        try:
            removed = store.remove_workspace(
                enterprise_id=enterprise, team_id=team, event=kind, bot_user_ids=bot_user_ids, sent_at=sent_at
            )
        except DatabaseUnavailable:
            log.error("%s for workspace %s not handled: database unavailable; its installation is kept", kind, name)
            return
        if removed:
            log.warning(
                "the app was removed from workspace %s (%s): its installation and bot token deleted, its knowledge "
                "kept",
                name,
                kind,
            )
        else:
            log.info(
                "%s of workspace %s ignored: no installation (of that bot user, saved before the event) to remove",
                kind,
                name,
            )

    @app.event("app_uninstalled")
    def on_app_uninstalled(body: dict, context: BoltContext) -> None:
        remove("app_uninstalled", body, context)

    @app.event("tokens_revoked")
    def on_tokens_revoked(event: dict, body: dict, context: BoltContext) -> None:
        bots = _bot_user_ids(event)
        if bots is None:
            log.warning("tokens_revoked ignored: malformed `tokens`")
            return
        if not bots:  # only people's tokens (tokens.oauth): the app keeps none, its bot token still works
            log.info("tokens_revoked ignored: no bot token revoked")
            return
        remove("tokens_revoked", body, context, bots)


def _token_identity(app: App) -> tuple[str, str] | None:
    """(team id, bot user id) of SLACK_BOT_TOKEN, asked once while it still works (Bolt checked it with
    auth.test a moment ago, but keeps the answer to itself); None when Slack does not say."""
    try:
        said = app.client.auth_test()
    except SlackApiError as exc:
        log.warning("auth.test failed (%s): uninstall events will not be matched to this workspace", exc)
        return None
    team, bot = said.get("team_id"), said.get("user_id")
    return (team, bot) if isinstance(team, str) and isinstance(bot, str) else None


def register_removal_notice(app: App) -> None:
    """A bot-token install (SLACK_BOT_TOKEN, one workspace) stores no token, so there is nothing to forget; the
    events are acked (not left to Bolt's 404, which Slack retries) and the log tells the operator the token is dead:
    only when the event is about this token (its workspace; for tokens_revoked, its bot user). Bolt skips
    authorization for these two events, so the context holds only what the request says.
    """
    identity = _token_identity(app)

    def notice(kind: str, body: dict) -> None:
        team = payload.text(body, "team_id")
        if identity is not None and team != identity[0]:
            log.warning("%s ignored: it names another workspace than SLACK_BOT_TOKEN's, or none", kind)
            return
        log.error(
            "Slack removed the app from workspace %s (%s): SLACK_BOT_TOKEN no longer works. Install the app again "
            "and set its new bot token, or stop this deployment.",
            team if _SLACK_ID.fullmatch(team) else "?",
            kind,
        )

    @app.event("app_uninstalled")
    def on_app_uninstalled(body: dict) -> None:
        notice("app_uninstalled", body)

    @app.event("tokens_revoked")
    def on_tokens_revoked(event: dict, body: dict) -> None:
        bots = _bot_user_ids(event)
        if bots and (identity is None or identity[1] in bots):
            notice("tokens_revoked", body)
        else:  # people's tokens or another bot user's: SLACK_BOT_TOKEN still works
            log.info("tokens_revoked ignored: SLACK_BOT_TOKEN's bot user is not among the revoked tokens")
