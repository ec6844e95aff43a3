"""Feedback from Slack: reactions on answers, the 👎 follow-up, "Improve this answer", expert replies.

Every listener acks first (Bolt does it before the body runs, or the body calls `ack()` at once), does a few
milliseconds of Postgres work, and tells the person what happened. Text people type (comments, corrections,
replies) is redacted before it is stored; a dead database is said out loud, never silently dropped.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import feedback_blocks as fb
from bot import payload
from bot.bot_users import BotUsers
from core import db, metrics
from core.errors import AnswerloopError, DatabaseUnavailable
from core.settings import Settings
from feedback import labels
from feedback.document_weights import refresh_for_interactions
from guardrails.pii import PiiGuard
from workers.slack import respond as response_url
from workers.slack import store as slack_store
from workers.slack.blocks import FEEDBACK_ACTION, FEEDBACK_VALUES, ephemeral_feedback_of, pii_notice

log = logging.getLogger(__name__)

DB_DOWN = ":warning: I couldn't record that: my database is unreachable right now. Please try again in a few minutes."


COMMENT_NOT_SAVED = (
    "Your comment was not saved: it was for a :-1: that is not yours, or that no longer exists. React :-1: on the "
    "answer yourself, then use *Add a comment* on the follow-up I send you."
)


def _team(body: dict) -> str:
    return payload.event_team(body) or payload.text(payload.obj(body, "team"), "id")


def _ephemeral(
    client: WebClient,
    channel: str,
    user: str,
    text: str,
    *,
    thread_ts: str | None = None,
    blocks: list[dict] | None = None,
) -> None:
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks, thread_ts=thread_ts)
    except SlackApiError as exc:
        log.warning("ephemeral to %s not posted: %s", user, exc.response.get("error"))


def _respond(respond, **kwargs: object) -> None:
    """Reply through the payload's response_url; a malformed or unreachable one is logged, never raised."""
    try:
        respond(**kwargs)
    except (ValueError, OSError) as exc:
        log.warning("response_url reply failed: %s", type(exc).__name__)


def _display_name(client: WebClient, user_id: str) -> str:
    try:
        user = client.users_info(user=user_id)["user"]
    except (SlackApiError, KeyError, TypeError):
        return user_id
    profile = user.get("profile") or {}
    return (
        profile.get("display_name") or user.get("real_name") or profile.get("real_name") or user.get("name") or user_id
    )


# A redaction placeholder ("<EMAIL_ADDRESS>") cut short at the end of a text.
_CUT_PLACEHOLDER = re.compile(r"<[A-Z_]*$")


def _cut(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, without the stump of a placeholder the cut went through."""
    return text if len(text) <= limit else _CUT_PLACEHOLDER.sub("", text[:limit])


def _permalink(client: WebClient, channel: str, ts: str) -> str:
    try:
        return client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
    except (SlackApiError, KeyError):
        return ""


class FeedbackListeners:
    def __init__(self, settings: Settings, guard: PiiGuard, db_url: str) -> None:
        self.settings = settings
        self.guard = guard
        self.db_url = db_url
        self.bot_users = BotUsers()

    # ------------------------------------------------------------------------------------------ reactions

    def on_reaction(self, event: dict, body: dict, client: WebClient, context: dict, added: bool) -> str:
        """Returns what happened (for logs and tests): ignored | recorded | retracted | unavailable."""
        item = event.get("item")
        user, reaction = event.get("user"), event.get("reaction")
        if (
            not isinstance(item, dict)
            or item.get("type") != "message"
            or not isinstance(user, str)
            or not isinstance(reaction, str)
        ):
            return "ignored"
        channel, ts = item.get("channel"), item.get("ts")
        if not isinstance(channel, str) or not isinstance(ts, str) or user == context.get("bot_user_id"):
            return "ignored"
        pos, neg = self.settings.feedback_positive_reactions, self.settings.feedback_negative_reactions
        kind = labels.polarity(reaction, pos, neg)
        if kind is None or reaction in (labels.BUTTON_UP, labels.BUTTON_DOWN):
            return "ignored"  # 🎉 and friends are not votes
        team = _team(body)
        if self.bot_users.is_bot(client, team, user):
            return "ignored"  # another app's bot reacting: no one's opinion of the answer
        return self._vote(client, team, channel, ts, user, kind, reaction, added=added)

    def on_feedback_button(self, ack, body: dict, action: dict, client: WebClient, respond) -> None:
        """A click on the native 👍/👎 under an answer: the same vote as a reaction, through the same path (one
        vote per person per answer; the latest click or reaction decides; the first 👎 asks what was wrong).
        Slack sends no event when a click is undone, so a click is never a retraction.

        On an ephemeral answer (reply mode ephemeral, or an /ask where the bot is not a member) the click names
        no message the bot can find: the buttons' block_id names the answer, only its asker may vote (only they
        see it), and what follows is said through the click's response_url (the bot may not post there)."""
        ack()
        container = payload.obj(body, "container")
        user = payload.text(payload.obj(body, "user"), "id")
        channel, ts = payload.text(container, "channel_id"), payload.text(container, "message_ts")
        kind = FEEDBACK_VALUES.get(payload.text(action, "value"))
        ephemeral = container.get("is_ephemeral") is True
        interaction = ephemeral_feedback_of(payload.text(action, "block_id")) if ephemeral else None
        if not user or not channel or not ts or kind is None or (ephemeral and interaction is None):
            log.warning("malformed feedback button click ignored")
            return
        reply = None
        if ephemeral and payload.text(body, "response_url"):

            def reply(**kwargs: object) -> None:
                _respond(respond, response_type="ephemeral", replace_original=False, **kwargs)

        outcome = self._vote(
            client,
            _team(body),
            channel,
            ts,
            user,
            kind,
            labels.button_vote(kind),
            added=True,
            interaction=interaction,
            reply=reply,
        )
        log.info("feedback button: %s", outcome)

    def _vote(
        self,
        client: WebClient,
        team: str,
        channel: str,
        ts: str,
        user: str,
        kind: str,
        reaction: str,
        *,
        added: bool,
        interaction: uuid.UUID | None = None,
        reply: Callable[..., None] | None = None,
    ) -> str:
        """`interaction`: the answer an ephemeral one's buttons name (then only its asker may vote); `reply`: how
        to answer the voter (the click's response_url), else an ephemeral message in the channel."""
        pos, neg = self.settings.feedback_positive_reactions, self.settings.feedback_negative_reactions

        def say(text: str, *, thread_ts: str | None = None, blocks: list[dict] | None = None) -> None:
            if reply is not None:
                reply(text=text, blocks=blocks)
            else:
                _ephemeral(client, channel, user, text, thread_ts=thread_ts, blocks=blocks)

        try:
            with db.connection(self.db_url) as conn:
                if interaction is not None:
                    answer = slack_store.answer_of(conn, team, channel, interaction)
                    if answer is None or answer.asker != user:
                        return "ignored"  # a forged block_id, or someone else's answer
                else:
                    answer = slack_store.answer_at(conn, team, channel, ts)
                if answer is None:
                    return "ignored"  # a reaction on someone else's message, or on a placeholder
                result: labels.VoteResult | None
                if added:
                    result = labels.record_vote(
                        conn,
                        answer.interaction_id,
                        kind=kind,
                        reaction=reaction,
                        user_id=user,
                        team_id=team,
                        channel_id=channel,
                        heldout_percent=self.settings.feedback_heldout_percent,
                    )
                else:
                    result = labels.retract_vote(
                        conn, answer.interaction_id, reaction=reaction, user_id=user, positive=pos, negative=neg
                    )
                if result is not None and result.changed:
                    refresh_for_interactions(conn, [answer.interaction_id])
        except DatabaseUnavailable:
            log.error("feedback not recorded (database unavailable)")
            say(DB_DOWN)
            return "unavailable"
        if result is None:
            return "ignored"
        if result.changed:
            metrics.FEEDBACK.labels(result.kind or "retracted").inc()
        log.info("vote label=%s kind=%s", result.label_id, result.kind)
        if result.first_down:
            text, blocks = fb.reasons_message(result.label_id)
            say(text, thread_ts=answer.thread_ts, blocks=blocks)
        return "recorded" if result.kind else "retracted"

    # ------------------------------------------------------------------------------------------ 👎 reasons

    def on_reason(self, ack, body: dict, action: dict, respond) -> None:
        ack()
        user, label_id = payload.text(payload.obj(body, "user"), "id"), payload.row_id(action.get("value"))
        reason = payload.text(action, "action_id").removeprefix(fb.REASON_ACTION_PREFIX)
        if not user or label_id is None or not payload.text(body, "response_url"):
            log.warning("malformed feedback click ignored")
            return
        try:
            with db.connection(self.db_url) as conn:
                row = labels.add_reasons(conn, label_id, user, reasons=[reason])
        except DatabaseUnavailable:
            _respond(respond, text=DB_DOWN, replace_original=False)
            return
        except AnswerloopError as exc:
            _respond(respond, text=f"I couldn't record that: {exc}", replace_original=False)
            return
        metrics.FEEDBACK.labels("reason").inc()
        text, blocks = fb.reasons_message(row["id"], row["reasons"], row["comment"])
        _respond(respond, text=text, blocks=blocks, replace_original=True)

    def on_comment_button(self, ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        container = payload.obj(body, "container")
        label_id, trigger = payload.row_id(action.get("value")), payload.text(body, "trigger_id")
        if label_id is None or not trigger:
            log.warning("malformed comment click ignored")
            return
        # The click's response_url rides in the modal: where the bot is not a member it is the only way to tell the
        # person their comment was saved in the conversation they voted in (Slack keeps it 30 minutes, 5 uses).
        url = payload.text(body, "response_url")
        # Only well-formed ids ride in the modal: a payload's strings go into private_metadata, which Slack caps.
        view = fb.comment_modal(
            label_id,
            payload.conversation_id(container, "channel_id"),
            payload.slack_ts(container, "message_ts"),
            url if response_url.acceptable(url, self.settings.slack_api_url) else "",
        )
        try:
            client.views_open(trigger_id=trigger, view=view)
        except SlackApiError as exc:
            log.warning("comment modal not opened: %s", exc.response.get("error"))

    def on_comment_submit(self, ack, body: dict, view: dict, client: WebClient, context: dict | None = None) -> None:
        raw = fb.view_value(view, "comment")
        text = raw.strip()
        if not payload.has_words(text):  # zero-width spaces, joiners, a BOM: Slack sends them, strip() keeps them
            error = fb.NO_WORDS.format(what="your comment") if raw else "Write a comment, or cancel."
            ack(response_action="errors", errors={"comment": error})
            return
        ack()
        if payload.redelivered(context):
            return
        meta = payload.metadata(view)
        user, label_id, channel = (
            payload.text(payload.obj(body, "user"), "id"),
            payload.row_id(meta.get("label_id")),
            payload.text(meta, "channel"),
        )
        if not user or label_id is None:
            log.warning("malformed comment submission ignored")
            return
        url = payload.text(meta, "response_url")
        back = url if response_url.acceptable(url, self.settings.slack_api_url) else ""
        redaction = self.guard.redact(text)
        try:
            with db.connection(self.db_url) as conn:
                labels.add_reasons(conn, label_id, user, comment=redaction.text)
        except DatabaseUnavailable:
            self._acknowledge(client, channel, user, DB_DOWN + " Your comment was not saved.", back)
            return
        except AnswerloopError as exc:  # not their vote (a forged or forwarded button), or it is gone
            log.warning("comment not recorded: %s", type(exc).__name__)
            self._acknowledge(client, channel, user, COMMENT_NOT_SAVED, back)
            return
        notice = pii_notice(redaction.verdict())
        thanks = "Thanks — your comment was saved." + (f"\n{notice}" if notice else "")
        log.info("comment acknowledged: %s", self._acknowledge(client, channel, user, thanks, back))

    @staticmethod
    def _acknowledge(client: WebClient, channel: str, user: str, text: str, url: str) -> str:
        """Tell the person, wherever they voted: an ephemeral message in the conversation; where the bot may not
        post (a DM between two people, a private channel it is not in: channel_not_found / not_in_channel, or any
        other refusal) through the modal's response_url; when that is spent or missing, in their DM with the bot.
        Returns the way it went (ephemeral | response_url | dm | none); the URL itself is never logged."""
        if channel:
            try:
                client.chat_postEphemeral(channel=channel, user=user, text=text)
                return "ephemeral"
            except SlackApiError as exc:
                error = exc.response.get("error")
                if error not in response_url.UNREACHABLE:
                    log.warning("ephemeral to %s not posted: %s", user, error)
        if url:
            try:
                response_url.post(url, text)
                return "response_url"
            except response_url.ResponseUrlFailed as exc:
                log.info("response_url reply to %s not delivered: %s", user, exc.error)
        try:
            client.chat_postMessage(channel=user, text=text)  # the person's DM with the bot (opened on first use)
            return "dm"
        except SlackApiError as exc:
            log.warning("acknowledgement to %s not posted in their DM: %s", user, exc.response.get("error"))
            return "none"

    # ------------------------------------------------------------------------------------------ corrections

    def on_improve_shortcut(self, ack, body: dict, shortcut: dict, client: WebClient, respond) -> None:
        ack()  # the trigger_id is valid for 3 s: look up and open the modal straight away
        channel = payload.text(payload.obj(shortcut, "channel"), "id")
        message_ts = payload.text(payload.obj(shortcut, "message"), "ts")
        trigger, user = payload.text(shortcut, "trigger_id"), payload.text(payload.obj(body, "user"), "id")
        reply = respond if payload.text(body, "response_url") else None  # else an ephemeral message
        if not channel or not message_ts or not trigger:
            log.warning("malformed shortcut ignored")
            return
        team = _team(body)
        try:
            with db.connection(self.db_url) as conn:
                answer = slack_store.answer_at(conn, team, channel, message_ts)
        except DatabaseUnavailable:
            self._tell(client, reply, channel, user, DB_DOWN)
            return
        if answer is None:
            self._tell(
                client,
                reply,
                channel,
                user,
                "*Improve this answer* works on my answers: open the ⋮ menu on one of my replies.",
            )
            return
        metadata = {
            "team": team,
            "channel": channel,
            "ts": message_ts,
            "thread_ts": answer.thread_ts,
            "interaction_id": str(answer.interaction_id),
        }
        view = fb.improve_modal(
            question=answer.question, answer=answer.answer, answered=answer.status == "answered", metadata=metadata
        )
        try:
            client.views_open(trigger_id=trigger, view=view)
        except SlackApiError as exc:
            log.warning("improve modal not opened: %s", exc.response.get("error"))
            self._tell(
                client,
                reply,
                channel,
                user,
                "I couldn't open the form in time; please try the shortcut again.",
            )

    @staticmethod
    def _tell(client: WebClient, respond, channel: str, user: str, text: str) -> None:
        if respond is not None:
            _respond(respond, text=text, response_type="ephemeral")
        elif user:
            _ephemeral(client, channel, user, text)

    def on_improve_submit(self, ack, body: dict, view: dict, client: WebClient, context: dict | None = None) -> None:
        raw = fb.view_value(view, "correction")
        text = raw.strip()
        if not payload.has_words(text):  # nothing, or only spaces, emoji, punctuation or invisible characters
            error = (
                fb.NO_WORDS.format(what="the answer you would give")
                if raw
                else "Write the answer you would have given."
            )
            ack(response_action="errors", errors={"correction": error})
            return
        if len(text) > fb.CORRECTION_MAX_CHARS:
            ack(response_action="errors", errors={"correction": f"Keep it under {fb.CORRECTION_MAX_CHARS} characters."})
            return
        ack()
        if payload.redelivered(context):
            return
        meta = payload.metadata(view)
        user, channel = payload.text(payload.obj(body, "user"), "id"), payload.text(meta, "channel")
        interaction_id = payload.text(meta, "interaction_id")
        try:
            uuid.UUID(interaction_id)
        except ValueError:
            interaction_id = ""
        if not user or not channel or not interaction_id:
            log.warning("malformed correction submission ignored")
            return
        correction = self.guard.redact(text)
        note_text = fb.view_value(view, "note").strip()
        note = self.guard.redact(note_text if payload.has_words(note_text) else "")  # optional: invisible = none
        found = correction.verdict()
        message_ts = payload.text(meta, "ts")
        try:
            with db.connection(self.db_url) as conn:
                label_id = labels.record_correction(
                    conn,
                    interaction_id,
                    correction=correction.text,
                    comment=note.text,
                    pii=found,
                    user_id=user,
                    user_name=_display_name(client, user),
                    source="modal",
                    team_id=payload.text(meta, "team"),
                    channel_id=channel,
                    permalink=_permalink(client, channel, message_ts) if message_ts else "",
                    heldout_percent=self.settings.feedback_heldout_percent,
                )
        except DatabaseUnavailable:
            _ephemeral(client, channel, user, DB_DOWN + " Your correction was not saved.")
            return
        except AnswerloopError as exc:  # the answer is gone (e.g. the interaction log was purged)
            log.warning("correction not recorded: %s", exc)
            _ephemeral(client, channel, user, "I couldn't save that correction: the answer no longer exists.")
            return
        metrics.FEEDBACK.labels("correction").inc()
        log.info("correction label=%s", label_id)
        try:
            client.chat_postMessage(
                channel=channel,
                thread_ts=payload.text(meta, "thread_ts") or message_ts or None,
                text=f"<@{user}> suggested a better answer — thank you! An admin will review it; once approved, "
                "I'll answer questions like this from it.",
                metadata=slack_store.NOTICE_METADATA,
            )
        except SlackApiError as exc:
            log.warning("correction acknowledgement not posted: %s", exc.response.get("error"))
        notice = pii_notice(found)
        if notice:
            _ephemeral(client, channel, user, notice.replace("your question", "your correction"))

    # ------------------------------------------------------------------------------------------ expert replies

    def capture_expert_reply(self, event: dict, team: str, client: WebClient, bot_user_id: str | None) -> bool:
        """A reply in a thread where the bot last said "I don't know", by someone other than the asker and not
        addressed to the bot: kept as a candidate correction for review. True when captured."""
        text = payload.text(event, "text")
        fields = [payload.text(event, k) for k in ("user", "ts", "channel", "thread_ts")]
        # A 👍 or 🙏 (":+1:") under the "I don't know" answers nothing: not a candidate answer.
        addressed_to_bot = bool(bot_user_id) and bot_user_id in payload.MENTION.findall(text)
        if not all(fields) or not payload.has_words(text) or addressed_to_bot:
            return False
        with db.connection(self.db_url) as conn:
            answer = slack_store.latest_answer_in_thread(conn, team, event["channel"], event["thread_ts"])
            if answer is None or answer.status != "dont_know" or answer.asker == event.get("user"):
                return False
            # Redacted whole, then cut: a value cut first ("maria.garcia@northw") is no value to any recognizer.
            redaction = self.guard.redact(text)
            label_id = labels.record_correction(
                conn,
                answer.interaction_id,
                correction=_cut(redaction.text, fb.CORRECTION_MAX_CHARS),
                pii=redaction.verdict(),
                user_id=event["user"],
                user_name=_display_name(client, event["user"]),
                source="thread_reply",
                team_id=team,
                channel_id=event["channel"],
                permalink=_permalink(client, event["channel"], event["ts"]),
                heldout_percent=self.settings.feedback_heldout_percent,
            )
        metrics.FEEDBACK.labels("expert_reply").inc()
        log.info("expert reply captured as candidate correction label=%s", label_id)
        _ephemeral(
            client,
            event["channel"],
            event["user"],
            "Thanks — I saved your reply as a candidate answer to this question. Once an admin approves it, "
            "I'll answer questions like this from it.",
            thread_ts=event["thread_ts"],
        )
        return True


def register_feedback(app: App, listeners: FeedbackListeners) -> None:
    @app.event("reaction_added")
    def on_reaction_added(event: dict, body: dict, client, context) -> None:
        outcome = listeners.on_reaction(event, body, client, context, added=True)
        log.info("reaction_added: %s", outcome)

    @app.event("reaction_removed")
    def on_reaction_removed(event: dict, body: dict, client, context) -> None:
        outcome = listeners.on_reaction(event, body, client, context, added=False)
        log.info("reaction_removed: %s", outcome)

    app.action(FEEDBACK_ACTION)(listeners.on_feedback_button)
    app.action(re.compile(f"^{fb.REASON_ACTION_PREFIX}"))(listeners.on_reason)
    app.action(fb.COMMENT_ACTION)(listeners.on_comment_button)
    app.view(fb.COMMENT_VIEW)(listeners.on_comment_submit)
    app.shortcut(fb.IMPROVE_SHORTCUT)(listeners.on_improve_shortcut)
    app.view(fb.IMPROVE_VIEW)(listeners.on_improve_submit)
