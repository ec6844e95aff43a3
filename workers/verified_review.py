"""The review DMs of verified answers: the beat sends `request_due_reviews` to the ingest queue every hour; the
worker that gets it asks the owner of each answer flagged for review (past its date, or a cited document changed)
— conversations.open, then chat.postMessage with *Still correct* / *Update* / *Retire* — at most once per review
period. One tick at a time (a Postgres advisory lock); each answer is claimed in Postgres before its DM goes out,
so two ticks, or a redelivered one, never ask twice. A DM Slack refuses for good (no such user, a deactivated
account, an owner who is no Slack user) is recorded on the answer and shown by `verified list`/`show` until it is
reassigned; one that fails for now (rate limit, Slack or the network down) is released for the next tick."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core import db
from core.errors import ConfigError
from core.settings import get_settings
from workers.access import (
    Membership,
    SlackMembership,
    may_read_all,
    may_see_where_asked,
    of_another_organisation,
    verified_made_from,
)
from workers.celery_app import celery_app
from workers.digest_tasks import public_channel_check
from workers.kb import verified
from workers.slack.client import web_client
from workers.slack.installations import WorkspaceNotInstalled, bot_token_for, installed_teams, not_installed
from workers.slack.verified_blocks import review_request

log = logging.getLogger(__name__)

_LOCK_KEY = 0x5EF1ED  # pg advisory lock: one review tick at a time
# Slack's answers that trying again will not change: recorded on the answer until its owner is reassigned.
PERMANENT = {
    "user_not_found",
    "user_disabled",
    "cannot_dm_bot",
    "user_not_visible",
    "channel_not_found",
    "is_archived",
    "account_inactive",
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "missing_scope",
}


@dataclass
class ReviewRun:
    sent: list[int] = field(default_factory=list)  # verified answer ids whose owner was asked
    refused: dict[int, str] = field(default_factory=dict)  # id → why it cannot be asked (kept until reassigned)
    retry: list[int] = field(default_factory=list)  # released: the next tick tries again
    busy: bool = False  # another tick held the lock

    def summary(self) -> str:
        if self.busy:
            return "another review tick is running"
        return f"{len(self.sent)} review DM(s) sent, {len(self.refused)} refused, {len(self.retry)} for later"


ClientFor = Callable[[str], WebClient]  # a workspace's team id ('' for a bot-token install) → its client


def send_review_requests(
    db_url: str, client_for: ClientFor, *, limit: int = 100, membership: Membership | None = None
) -> ReviewRun:
    """Ask the owners of the answers flagged for review and not yet asked this period. An owner who may not read
    the answer's collection (or one it was made from) is not sent it: `owner_cannot_read`, until reassigned."""
    run = ReviewRun()
    membership = membership or SlackMembership(client_for)
    with db.connect(db_url, autocommit=True) as conn:
        if not conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (_LOCK_KEY,)).fetchone()["ok"]:  # type: ignore[index]
            run.busy = True
            return run
        try:
            with conn.transaction():
                due = verified.claim_due_reviews(conn, limit)
            installed = installed_teams(conn)
            for answer in due:
                outcome = _ask_owner(answer, client_for, conn, membership, installed)
                with conn.transaction():
                    if outcome.get("retry"):
                        verified.release_claim(conn, [answer.id])
                        run.retry.append(answer.id)
                    else:
                        verified.record_notice(conn, answer.id, outcome)
                        if "error" in outcome:
                            run.refused[answer.id] = outcome["error"]
                        else:
                            run.sent.append(answer.id)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    return run


def _ask_owner(
    answer: verified.VerifiedAnswer, client_for: ClientFor, conn, membership: Membership, installed: Sequence[str]
) -> dict:
    """{channel, ts, owner} when the DM went out, {error, owner} when it never will, {retry: True} for later."""
    if not answer.owner_is_slack_user:
        return {"error": "owner_not_a_slack_user", "owner": answer.owner}
    if not_installed(answer.team_id, installed):  # no token to DM with until installed again: refused this period
        return {"error": "workspace_not_installed", "owner": answer.owner}
    try:  # the client first: a workspace uninstalled since the run read the installs is that, not "may not read"
        client = client_for(answer.team_id)
    except WorkspaceNotInstalled:
        return {"error": "workspace_not_installed", "owner": answer.owner}
    except (ConfigError, OSError) as exc:  # no token for that workspace yet
        log.warning("review DM for verified answer %s not sent: %s", answer.id, type(exc).__name__)
        return {"retry": True}
    try:
        if answer.team_id:  # whose account it is (may_review): Slack not saying now is for later, not for the period
            client.users_info(user=answer.owner)
        if not may_review(conn, answer, answer.owner, membership):
            log.warning(
                "review DM for verified answer %s not sent: its owner may not read %s", answer.id, answer.collection
            )
            return {"error": "owner_cannot_read", "owner": answer.owner}
        text, blocks = review_request(answer, quote_question=may_see_question(answer, answer.owner, client, membership))
        channel = client.conversations_open(users=answer.owner)["channel"]["id"]
        posted = client.chat_postMessage(channel=channel, text=text, blocks=blocks, unfurl_links=False)
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "unknown_error")
        if error in PERMANENT:
            log.warning("review DM for verified answer %s refused: %s", answer.id, error)
            return {"error": error, "owner": answer.owner}
        log.warning("review DM for verified answer %s failed for now: %s", answer.id, error)
        return {"retry": True}
    except OSError as exc:  # Slack unreachable
        log.warning("review DM for verified answer %s not sent: %s", answer.id, type(exc).__name__)
        return {"retry": True}
    return {"channel": channel, "ts": posted["ts"], "owner": answer.owner}


def collections_made_from(conn, answer: verified.VerifiedAnswer) -> set[str | None]:
    """The collections an answer was made from: its own, those of the documents it cited, and those its verified
    answer's document records (None: one no longer known, which no one may be said to read)."""
    made = verified_made_from(conn, answer.document_id) if answer.document_id is not None else []
    return {answer.collection, *(s.collection for s in answer.sources), *made}


def may_review(conn, answer: verified.VerifiedAnswer, user: str, membership: Membership) -> bool:
    """May `user` read everything the answer was made from, by the same rule that decides who is served it
    (workers.access.verified_beyond)? Who may not is never sent its review DM, and decides nothing from one sent
    before their access was taken away (bot.verified_listeners). A person of another organisation (a Slack Connect
    guest named owner: their id looks like anyone's) may read nothing of the workspace in a DM, which lists no
    collection (workers.access.scope_for); when Slack can't say whose account it is: not the workspace's."""
    made_from = collections_made_from(conn, answer)
    names = sorted(n for n in made_from if n is not None)
    if None in made_from or not may_read_all(conn, answer.team_id, user, names, membership):
        return False
    return not answer.team_id or not of_another_organisation(membership, answer.team_id, user)


def may_see_question(answer: verified.VerifiedAnswer, user: str, client: WebClient, membership: Membership) -> bool:
    """Could `user` read the answer's question where it was asked (workers.access.may_see_where_asked: its asker,
    a public channel, a member of a private one)? Who may review the answer may not have been there: their review
    DM, and the form its Update opens, show the answer without the question."""
    return may_see_where_asked(
        answer.team_id, user, answer.asked_in, is_public=public_channel_check(client), membership=membership
    )


@celery_app.task(name="workers.verified_review.request_due_reviews", acks_late=False)
def request_due_reviews() -> str:
    """The beat's tick: a summary for the worker's log."""
    settings = get_settings()

    def client_for(team_id: str) -> WebClient:
        return web_client(settings, token=bot_token_for(settings, team_id))

    run = send_review_requests(db.database_url(settings), client_for)
    log.info("verified reviews: %s", run.summary())
    return run.summary()
