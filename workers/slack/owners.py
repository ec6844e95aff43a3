"""Who may own a verified answer: a person with an active Slack account in the answer's workspace, whom its review
DM (workers.verified_review) can reach. Asked of Slack (users.info, with the workspace's own client) when an admin
names an owner — `verified reassign --owner`, `labels approve --owner` —, so a typo, a deactivated account or a
bot is refused before it owns anything instead of its review DM failing later, unseen. When Slack cannot be asked
(no token for the workspace, unreachable, a 5xx, rate-limited), the owner is taken unchecked and the caller
says why."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core.db import Conn
from core.errors import AnswerloopError
from core.settings import Settings
from workers.access import SlackMembership
from workers.kb.verified import VerifiedAnswer
from workers.slack.client import web_client
from workers.slack.installations import bot_token_for

SLACKBOT = "USLACKBOT"  # users.info says is_bot: false for Slackbot, which is no person either
# users.info's answers that the id is no one this workspace's bot can see: Slack would refuse the review DM too.
_NO_SUCH_USER = {"user_not_found", "user_not_visible"}


@dataclass(frozen=True)
class OwnerCheck:
    owner: str
    name: str = ""  # the person's name as Slack shows it ('' : not checked, or none set)
    unchecked: str = ""  # why Slack could not be asked ('' : it was, and the owner is a person)

    @property
    def named(self) -> str:
        """'U0123ABCD (Ann Example)', or the id alone when Slack did not say."""
        return f"{self.owner} ({self.name})" if self.name else self.owner

    @property
    def warning(self) -> str:
        return f"owner {self.owner} not checked with Slack: {self.unchecked}" if self.unchecked else ""


def check_owner_in_slack(settings: Settings, owner: str, teams: Iterable[str]) -> OwnerCheck:
    """Ask Slack whether `owner` (a well-formed user id: workers.kb.verified.check_owner) is a person with an
    active account in each workspace of `teams` (those of the answers it is to own; '' : a bot-token install's),
    with that workspace's client. Raises AnswerloopError when Slack says it is not; `unchecked` says why Slack
    could not be asked. One attempt each, no retries: an admin is waiting."""
    checks = [_check(settings, team_id, owner) for team_id in sorted(set(teams))]
    return OwnerCheck(
        owner,
        name=next((c.name for c in checks if c.name), ""),
        unchecked="; ".join(c.unchecked for c in checks if c.unchecked),
    )


def _check(settings: Settings, team_id: str, owner: str) -> OwnerCheck:
    hint = "Name a person with an active account by Slack member ID (their profile → ⋮ → Copy member ID)."
    if owner == SLACKBOT:
        raise AnswerloopError(f"{owner} is Slackbot, not a person: it cannot own verified answers.", hint=hint)
    try:
        client = _client(settings, team_id)
    except AnswerloopError as exc:  # no bot token configured; with OAuth, the workspace not installed (or no key)
        return OwnerCheck(owner, unchecked=f"{exc} → {exc.hint}" if exc.hint else str(exc))
    try:
        user = client.users_info(user=owner)["user"]
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "")
        if error in _NO_SUCH_USER:
            where = f"workspace {team_id}" if team_id else "the workspace"
            raise AnswerloopError(
                f"Slack has no user {owner} in {where} (users.info: {error}): they cannot own verified answers.",
                hint=hint,
            ) from None
        return OwnerCheck(owner, unchecked=f"Slack answered {error or 'an error'} (HTTP {exc.response.status_code})")
    except OSError as exc:  # connection refused, DNS, timeout
        return OwnerCheck(owner, unchecked=f"could not reach Slack at {settings.slack_api_url} ({type(exc).__name__})")
    name = str(user.get("real_name") or user.get("profile", {}).get("real_name") or user.get("name") or "")
    if user.get("deleted"):
        raise AnswerloopError(
            f"{owner} ({name}) is a deactivated Slack account: they cannot own verified answers.", hint=hint
        )
    if user.get("is_bot"):
        raise AnswerloopError(f"{owner} ({name}) is a bot, not a person: it cannot own verified answers.", hint=hint)
    return OwnerCheck(owner, name=name)


def check_owner_may_read(settings: Settings, conn: Conn, owner: str, answers: Sequence[VerifiedAnswer]) -> None:
    """Refuse an owner who may not read everything an answer was made from (workers.verified_review.may_review,
    the rule its review DM is sent by): they would own an answer whose review is never sent (`owner_cannot_read`).
    Call once Slack answered users.info for the owner: membership is read from Slack, failing closed."""
    # the review's own rule (its module starts the Celery app: imported when needed)
    from workers.verified_review import collections_made_from, may_review

    membership = SlackMembership(lambda team_id: _client(settings, team_id))
    for answer in answers:
        if not may_review(conn, answer, owner, membership):
            made_from = sorted(n for n in collections_made_from(conn, answer) if n is not None)
            raise AnswerloopError(
                f"{owner} may not read what verified answer {answer.id} was made from (collection(s): "
                f"{', '.join(made_from) or 'unknown'}): its review request would never be sent to them.",
                hint="Name an owner who may read those collections (`answerloop collections show NAME` says which "
                "workspace owns one and who may read it), or change that first (`answerloop collections set NAME "
                "--team T --channel C…`).",
            )


def _client(settings: Settings, team_id: str) -> WebClient:
    """The workspace's own client, one attempt per call: an admin is waiting."""
    return web_client(settings, token=bot_token_for(settings, team_id), retries=False)
