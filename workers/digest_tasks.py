"""The weekly coverage-gaps digest task (Celery beat, ingest queue: its workers hold the embedding model)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core import db
from core.settings import Settings, get_settings
from feedback.gaps import EmbedQuestions
from feedback.gaps_digest import DigestOutcome, digest_targets, post_weekly_digest
from workers.access import readable_by_all
from workers.celery_app import celery_app
from workers.slack.client import web_client
from workers.slack.dead_tokens import DEAD_TOKEN_ERRORS
from workers.slack.installations import WorkspaceNotInstalled, bot_token_for, installed_teams, not_installed

log = logging.getLogger(__name__)


def public_channel_check(client: WebClient) -> Callable[[str], bool]:
    """Whether a channel of the client's workspace is public, from Slack (conversations.info): a private channel,
    a DM or a group DM is not, and neither is one Slack will not describe (deleted, not visible to the bot, an
    error): a question from it is then counted in the gaps digest but never quoted."""

    def is_public(channel: str) -> bool:
        try:
            info = client.conversations_info(channel=channel)["channel"]
        except SlackApiError as exc:
            log.info("gaps: channel %s not described (%s): treated as private", channel,
                     exc.response.get("error"))  # fmt: skip
            return False
        except Exception as exc:  # the network: fail closed, the digest still counts it
            log.info("gaps: channel %s not described (%s): treated as private", channel, type(exc).__name__)
            return False
        return not (info.get("is_private") or info.get("is_im") or info.get("is_mpim") or info.get("is_group"))

    return is_public


def shared_channel_check(client: WebClient) -> Callable[[str], bool]:
    """Whether a channel is shared with another organisation (Slack Connect), from conversations.info; one Slack
    will not describe is taken as shared (fail closed: the digest then quotes only what was asked in it)."""

    def is_shared(channel: str) -> bool:
        try:
            info = client.conversations_info(channel=channel)["channel"]
        except Exception as exc:  # a Slack error or the network
            log.info("gaps: channel %s not described (%s): treated as shared", channel, type(exc).__name__)
            return True
        return bool(info.get("is_ext_shared") or info.get("is_pending_ext_shared"))

    return is_shared


def _embed() -> EmbedQuestions | None:
    """The process pipeline's embedder (loaded once per worker process); None without embeddings."""
    from workers.tasks import pipeline

    embedder = pipeline().embedder
    if not embedder.dim:
        return None
    return lambda texts: np.asarray(embedder.embed(texts), dtype=float)


def send_gaps_digests(
    settings: Settings, now: datetime | None = None, embedder: Callable[[], EmbedQuestions | None] = _embed
) -> list[DigestOutcome]:
    """Each configured workspace's digest of the week, posted once (feedback.gaps_digest). `embedder` is only
    called when a digest is computed (a run that finds this week's digests posted loads nothing)."""
    if not settings.gaps_channel:
        return []
    now = now or datetime.now(UTC)
    with db.connect(db.database_url(settings)) as conn:
        installed = installed_teams(conn)
        targets = digest_targets(settings.gaps_channel, installed)
        outcomes = []
        for target in targets:
            if not_installed(target.team, installed):  # uninstalled: its entry is stale
                log.info("gaps digest for %s skipped: the app is not installed there", target.team)
                continue
            try:
                client = web_client(settings, token=bot_token_for(settings, target.team))

                def post(channel: str, text: str, blocks: list[dict], client=client) -> str:
                    return str(client.chat_postMessage(channel=channel, text=text, blocks=blocks)["ts"])

                outcomes.append(
                    post_weekly_digest(
                        conn,
                        target,
                        post,
                        now=now,
                        embed=embedder,
                        readable_by=readable_by_all,
                        is_public=public_channel_check(client),
                        is_shared=shared_channel_check(client),
                    )
                )
            except WorkspaceNotInstalled:  # uninstalled since the installs were read: as skipped above
                log.info("gaps digest for %s skipped: the app is not installed there", target.team)
            except SlackApiError as exc:
                if exc.response.get("error") not in DEAD_TOKEN_ERRORS:
                    log.exception("gaps digest for %s not posted", target.team or "the workspace")
                else:  # removed from the workspace, its event not in yet: the installation goes (dead_tokens)
                    log.info("gaps digest for %s skipped: the app was removed from it", target.team)
            except Exception:  # one workspace's failure (a removed channel) doesn't stop the others' digests
                log.exception("gaps digest for %s not posted", target.team or "the workspace")
        return outcomes


@celery_app.task(name="workers.digest_tasks.post_gaps_digests", acks_late=False)
def post_gaps_digests() -> list[str]:
    return [f"{o.target.team or '-'}:{o.status}" for o in send_gaps_digests(get_settings())]
