"""The App Home tab: how to use the bot for everyone, and for admins (ANSWERLOOP_ADMINS) the review queue —
pending corrections and retuned prompt versions waiting for approval, with Approve / Reject buttons.

Every admin action is checked again on the server from the user id in Slack's (signed) payload: a button
payload from someone not on the list changes nothing and gets a refusal.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import payload
from bot.agent_dm import AgentDm
from core import db
from core.errors import AnswerloopError, DatabaseUnavailable
from core.settings import Settings
from feedback import canary, labels
from feedback import prompt_versions as pv
from feedback.gaps_digest import IsPublic, gap_section, home_gaps
from feedback.stats import weekly_stats
from workers.access import AskedIn, may_read_all, may_see_where_asked, readable_by_all, verified_made_from
from workers.digest_tasks import public_channel_check
from workers.slack.blocks import SECTION_LIMIT, escape
from workers.slack.mrkdwn import split

log = logging.getLogger(__name__)

APPROVE_LABEL = "admin_approve_label"
REJECT_LABEL = "admin_reject_label"
APPROVE_PROMPT = "admin_approve_prompt"
REJECT_PROMPT = "admin_reject_prompt"
# The tab lists pending corrections: its buttons decide only those (another admin may have decided since it was drawn).
_UNDECIDED = ("pending",)
REFUSED = (
    "Only Answerloop admins can review feedback; nothing was changed. Ask an admin to add you to ANSWERLOOP_ADMINS."
)

PublishVerified = Callable[[int, str], None]  # (label id, actor): make an approved correction a verified answer


def enqueue_publish_verified(label_id: int, actor: str) -> None:
    """Workers publish verified answers (they hold the embedding model; the bot process does not)."""
    from workers.tasks import publish_verified

    publish_verified.apply_async(args=(label_id, actor), task_id=f"verify:{label_id}")


def _text(text: str) -> dict:
    """A section of mrkdwn; longer than a section holds (3,000 characters), its start, cut where mrkdwn.split cuts:
    never inside an escaped character, a mention or a link, nor a bold run left open."""
    shown = text if len(text) <= SECTION_LIMIT else split(text, SECTION_LIMIT)[0]
    return SectionBlock(text=MarkdownTextObject(text=shown)).to_dict()


def _header(text: str) -> dict:
    return HeaderBlock(text=PlainTextObject(text=text)).to_dict()


def _buttons(block_id: str, *buttons: tuple[str, str, str, str]) -> dict:
    """An actions block of (text, action_id, value, style) buttons."""
    elements = [
        ButtonElement(text=PlainTextObject(text=text), action_id=action_id, value=value, style=style)
        for text, action_id, value, style in buttons
    ]
    return ActionsBlock(block_id=block_id, elements=elements).to_dict()


def everyone_blocks() -> list[dict]:
    return [
        _header("Answerloop"),
        _text(
            "I answer questions from your team's documents, with sources, and say *I don't know* when they don't "
            "cover it.\n• Mention me in a channel, DM me, or use `/ask <question>`.\n• React :+1: or :-1: on an "
            "answer; use *Improve this answer* from its message menu to correct it."
        ),
    ]


def gaps_blocks(conn, team: str | None, is_public: IsPublic | None = None) -> list[dict]:
    """The workspace's top coverage gaps, as in the weekly digest: which document to write next. Any admin may
    open the App Home, member of a private channel or not: a question asked in a DM or a private channel
    (`is_public`: Slack's word, public_channel_check) is counted, never quoted."""
    source, gaps, private = home_gaps(
        conn, team, now=datetime.now(UTC), readable_by=readable_by_all, is_public=is_public
    )
    if not gaps:
        if private:
            return [
                _text(
                    f"*Coverage gaps:* {private} unanswered or :-1: question(s) in the last 7 days, all asked in "
                    "DMs or private channels: counted here, not quoted."
                )
            ]
        return [_text("*Coverage gaps:* no unanswered or :-1: question in the last 7 days.")]
    head = _text(
        f"*Coverage gaps* ({source}) — questions the documents don't answer yet"
        + (f" ({private} more asked in DMs or private channels are counted here, not quoted)" if private else "")
        + ":"
    )
    return [head, *(gap_section(i, g, examples=1).to_dict() for i, g in enumerate(gaps, 1))]


def verified_due_blocks(
    conn,
    team: str | None,
    limit: int = 5,
    may_read: Callable[[list[str]], bool] | None = None,
    may_see: Callable[[AskedIn], bool] | None = None,
) -> list[dict]:
    """Verified answers flagged for review (past their date, or a cited document changed): still served, marked
    "last verified on …", and their owners were sent a DM; here an admin sees who has not answered it yet — of
    those the admin `may_read` (workers.access): each is listed by its question, the title only the readers of
    what it was made from are shown (verified_made_from, the rule that decides who is served it), and who `may_see`
    where the question was asked (as the pending corrections: a DM's question stays its asker's)."""
    from workers.kb import verified  # on opening: the bot starts without the knowledge base layer

    due = verified.list_answers(conn, team=team, needs_review=True)
    hidden = 0
    if may_read is not None:
        readable = []
        for a in due:
            made_from = verified_made_from(conn, a.document_id) if a.document_id is not None else [None]
            if made_from and None not in made_from and may_read([n for n in made_from if n is not None]):
                readable.append(a)
        hidden, due = len(due) - len(readable), readable
    seen = [a for a in due if may_see is None or may_see(a.asked_in)]
    unseen, due = len(due) - len(seen), seen
    notes = [
        f"{hidden} more due for review concern documents you may not read" if hidden else "",
        f"{unseen} more due for review were asked in DMs or private channels you are not in" if unseen else "",
    ]
    others = (
        _text("; ".join(n for n in notes if n) + ": `answerloop verified list --due`.") if hidden or unseen else None
    )
    if not due:
        return [_text("*Verified answers:* none due for review."), *([others] if others else [])]
    blocks = [_text(f"*Verified answers due for review* ({len(due)}) — each owner was asked in a DM:")]
    for a in due[:limit]:
        owner = f"<@{a.owner}>" if a.owner_is_slack_user else escape(a.owner)
        blocks.append(
            _text(
                f"*{a.id}* {escape(a.question[:200])}\nOwner {owner} · {a.state} · last verified on "
                f"{a.verified_at:%Y-%m-%d} · `answerloop verified show {a.id}`"
            )
        )
    if len(due) > limit:
        blocks.append(_text(f"… and {len(due) - limit} more: `answerloop verified list --due`."))
    if others:
        blocks.append(others)
    return blocks


def admin_blocks(
    conn,
    *,
    team: str | None = None,
    limit: int = 10,
    may_read: Callable[[list[str]], bool] | None = None,
    is_public: IsPublic | None = None,
    may_see: Callable[[AskedIn], bool] | None = None,
) -> list[dict]:
    """The review queue of one workspace (`team`): its week's figures and its pending corrections — those whose
    question searched only collections the admin `may_read` (workers.access), and was asked where the admin
    `may_see` it (workers.access.may_see_where_asked: its asker, a public channel, a member of a private one): a
    correction quotes its question and answer. `is_public`: which channels are public (the coverage gaps quote only
    their questions; without `may_see`, the review queue only theirs too)."""
    blocks: list[dict] = [DividerBlock().to_dict(), _header("Review")]
    week = weekly_stats(conn, 1, team)
    if week:
        q = sum(r["questions"] for r in week)
        answered = sum(r["answered"] for r in week)
        ups, downs = sum(r["ups"] for r in week), sum(r["downs"] for r in week)
        rate = f"{ups / (ups + downs):.0%}" if ups + downs else "–"
        blocks.append(
            _text(f"This week: {q} questions, {answered} answered, :+1: {ups} / :-1: {downs} ({rate} positive).")
        )
    scope = pv.scope_of(conn, team)  # the workspace's own prompt versions (and the shared seed)
    active = pv.active_version_id(conn, scope)
    pending_versions = [v for v in pv.list_versions(conn, scope) if v.review == "pending"]
    blocks.append(_text(f"Active prompt version: *v{active}*."))
    for v in pending_versions[:5]:
        blocks.append(_text(f"*v{v.id}* waits for approval (held-out score {v.score or 0:.3f}): {escape(v.note)}"))
        blocks.append(
            _buttons(
                f"prompt-{v.id}",
                ("Approve and activate", APPROVE_PROMPT, str(v.id), "primary"),
                ("Reject", REJECT_PROMPT, str(v.id), "danger"),
            )
        )
    blocks += gaps_blocks(conn, team, is_public)
    # What someone asked in a DM or a private channel is theirs (redacted or not): like the coverage gaps, quoted
    # only to who could read it there, else counted.
    if may_see is None:

        def may_see(asked: AskedIn) -> bool:
            return may_see_where_asked(team or "", "", asked, is_public=is_public, membership=None)

    blocks += verified_due_blocks(conn, team, may_read=may_read, may_see=may_see)
    pending = labels.list_labels(conn, status="pending", kind="correction", limit=limit, team=team)
    # A question that searched nothing (nothing could be posted where it was asked; an answer only its asker saw
    # may have come from restricted documents) can be vouched for by nobody, like a verified answer made from
    # nothing known (workers.access): counted, not quoted.
    hidden = [
        r for r in pending if may_read is not None and not (r["collections"] and may_read(list(r["collections"])))
    ]
    pending = [r for r in pending if r not in hidden]
    unseen = [r for r in pending if not may_see(AskedIn.of_label(r))]
    pending = [r for r in pending if r not in unseen]
    if not pending:
        blocks.append(_text("No corrections waiting for review."))
    if hidden:
        blocks.append(
            _text(
                f"{len(hidden)} more correction(s) concern documents you may not read (or none known): an admin "
                "who may, or `answerloop labels list --status pending`, reviews them."
            )
        )
    if unseen:
        blocks.append(
            _text(
                f"{len(unseen)} more correction(s) of questions asked in DMs or private channels you are not in are "
                "counted here, not quoted: an admin who was there, or `answerloop labels list --status pending`, "
                "reviews them."
            )
        )
    for r in pending:
        who = r["user_name"] or r["user_id"]
        blocks.append(
            _text(
                f"*Q:* {escape(r['question'][:300])}\n"
                f"*Correction by {escape(who)}:* {escape(r['correction'][:1500])}"
                + (f"\n_{escape(r['comment'][:300])}_" if r["comment"] else "")
            )
        )
        blocks.append(
            _buttons(
                f"label-{r['id']}",
                ("Approve", APPROVE_LABEL, str(r["id"]), "primary"),
                ("Reject", REJECT_LABEL, str(r["id"]), "danger"),
            )
        )
    return blocks[:100]


class AppHome:
    def __init__(
        self,
        settings: Settings,
        db_url: str,
        publish_verified: PublishVerified = enqueue_publish_verified,
        agent_dm: AgentDm | None = None,
    ) -> None:
        self.settings = settings
        self.db_url = db_url
        self.publish_verified = publish_verified
        self.agent_dm = agent_dm or AgentDm(settings, db_url)

    def is_admin(self, user_id: str, team_id: str | None = None) -> bool:
        """ANSWERLOOP_ADMINS holds user ids (admins wherever the bot is installed: a single workspace) or
        `TEAM:USER` (an admin of that workspace only)."""
        admins = self.settings.admins
        return user_id in admins or (team_id is not None and f"{team_id}:{user_id}" in admins)

    def publish(self, client: WebClient, user_id: str, team_id: str | None = None) -> None:
        """The Home tab of `user_id` in workspace `team_id`. The review queue is that workspace's: without one (a
        payload naming none) it is not shown — to the queries behind it, no workspace means every workspace."""
        blocks = everyone_blocks()
        if self.is_admin(user_id, team_id) and not team_id:
            blocks.append(_text(":warning: The review queue is not shown: Slack did not say which workspace this is."))
        elif self.is_admin(user_id, team_id):
            try:
                with db.connection(self.db_url) as conn:
                    membership = self.agent_dm.membership()

                    # asked once per channel for the whole tab (the gaps and the review queue)
                    is_public = functools.cache(public_channel_check(client))

                    def may_read(names: list[str]) -> bool:
                        return may_read_all(conn, team_id or "", user_id, names, membership)

                    def may_see(asked: AskedIn) -> bool:
                        return may_see_where_asked(
                            team_id or "", user_id, asked, is_public=is_public, membership=membership
                        )

                    blocks += admin_blocks(conn, team=team_id, may_read=may_read, is_public=is_public, may_see=may_see)
            except DatabaseUnavailable:
                blocks.append(_text(":warning: The review queue is unavailable: my database is unreachable."))
        try:
            client.views_publish(user_id=user_id, view=View(type="home", blocks=blocks[:100]))  # a Home tab holds 100
        except SlackApiError as exc:
            log.warning("home tab not published: %s", exc.response.get("error"))

    def on_opened(self, event: dict, body: dict, client: WebClient) -> None:
        if event.get("tab") == "messages":  # the agent DM: suggested prompts
            log.info("agent DM opened: %s", self.agent_dm.on_messages_tab(event, body, client))
            return
        if event.get("tab", "home") == "home" and isinstance(event.get("user"), str):
            # The installation's workspace, as every event of the bot (bot.payload.event_team): opened through a
            # Slack Connect connection, the wrapper's team_id is the other organisation's.
            self.publish(client, event["user"], payload.event_team(body) or None)

    def on_admin_action(self, ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        user = payload.text(payload.obj(body, "user"), "id")
        team = payload.action_team(body)  # the workspace whose review queue this Home tab shows
        if not self.is_admin(user, team or None):
            log.warning("admin action %s refused for non-admin %s", action.get("action_id"), user)
            self._tell(client, user, REFUSED)
            return
        actor = f"slack:{user}"
        target = payload.row_id(action.get("value"))
        if target is None:
            self._tell(client, user, "Nothing changed: that button carried no valid id.")
            return
        try:
            with db.connection(self.db_url) as conn:
                self._same_workspace(conn, payload.text(action, "action_id"), target, team)
                message = self._apply(conn, payload.text(action, "action_id"), target, actor, team)
        except AnswerloopError as exc:
            message = f"Nothing changed: {exc}"
        self._tell(client, user, message)
        self.publish(client, user, team or None)

    @staticmethod
    def _same_workspace(conn, action_id: str, target: int, team: str) -> None:
        """A button carries a label id: it must be a label of the admin's own workspace."""
        if action_id not in (APPROVE_LABEL, REJECT_LABEL):
            return
        row = conn.execute("SELECT team_id FROM labels WHERE id = %s", (target,)).fetchone()
        if row is not None and row["team_id"] not in ("", team):
            raise AnswerloopError(f"correction {target} belongs to another workspace.")

    def _apply(self, conn, action_id: str, target: int, actor: str, team: str = "") -> str:
        if action_id == APPROVE_LABEL:
            labels.review(conn, target, "approved", actor, "approved in Slack", only_from=_UNDECIDED)
            conn.commit()
            try:
                self.publish_verified(target, actor)
            except Exception as exc:  # the queue is down: the approval stands, publishing can be redone
                log.error("verified answer %s not queued: %s", target, type(exc).__name__)
                return (
                    f"Correction {target} approved, but I couldn't queue its publishing (work queue unreachable). "
                    f"Run `answerloop labels approve {target}` to publish it."
                )
            return f"Correction {target} approved: it becomes a verified answer in a moment."
        if action_id == REJECT_LABEL:
            from workers.kb import verified  # on a click: the bot starts without the knowledge base layer

            rejection = verified.reject_label(
                conn, target, actor, "rejected in Slack", team=team or None, only_from=_UNDECIDED
            )
            return f"Correction {target} rejected" + (
                " and its verified answer withdrawn." if rejection.withdrawn else "."
            )
        if action_id == APPROVE_PROMPT:
            scope = pv.scope_of(conn, team)
            previous = pv.approve(conn, target, actor, "approved in Slack", scope=scope)
            return f"Prompt version v{target} approved and active (was v{previous})." + _end_canary_of(
                conn, target, actor, scope
            )
        if action_id == REJECT_PROMPT:
            ended = canary.reject(conn, target, actor, "rejected in Slack", scope=pv.scope_of(conn, team))
            return f"Prompt version v{target} rejected." + (
                f" Its canary ({ended.canary.percent:g}% of askers) has ended: everyone gets v{ended.active} again."
                if ended
                else ""
            )
        raise AnswerloopError(f"Unknown review action {action_id!r}.")

    @staticmethod
    def _tell(client: WebClient, user: str, text: str) -> None:
        try:
            client.chat_postMessage(channel=user, text=text)  # a DM from the app
        except SlackApiError as exc:
            log.warning("could not tell %s: %s", user, exc.response.get("error"))


def _end_canary_of(conn, version: int, actor: str, scope: str) -> str:
    """A version in a canary that was just made active for everyone has nothing left to test: its canary ends at
    once, through canary.promote as `answerloop prompts approve|activate` end it (audit row, outcome promoted)."""
    test = canary.running(conn, scope)
    if test is None or test.version_id != version:
        return ""
    canary.promote(conn, version, actor, scope=scope, reason="approved in Slack")
    return " Its canary has ended."


def register_app_home(app: App, home: AppHome) -> None:
    app.event("app_home_opened")(home.on_opened)
    app.action(re.compile(rf"\A({APPROVE_LABEL}|{REJECT_LABEL}|{APPROVE_PROMPT}|{REJECT_PROMPT})\Z"))(
        home.on_admin_action
    )
