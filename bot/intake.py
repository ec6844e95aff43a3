"""Taking a question in: validate, redact, record durably, post the placeholder, enqueue — nothing slow."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.payload import MENTION, has_words
from core import db
from core.errors import DatabaseUnavailable
from core.settings import Settings
from guardrails.pii import PiiGuard
from guardrails.small_talk import small_talk, small_talk_reply
from guardrails.text import question_problem
from workers.slack import respond as response_url
from workers.slack import store as slack_store
from workers.slack.blocks import pii_notice
from workers.slack.store import RequestKey

log = logging.getLogger(__name__)

PLACEHOLDER = ":hourglass_flowing_sand: Looking into it…"
# The thread status while a question is worked on (assistant.threads.setStatus); Slack rotates the loading
# messages and clears the status when the answer arrives (or after 2 minutes without one).
STATUS = "is looking into it…"
LOADING_MESSAGES = [
    "Searching the documents…",
    "Reading the closest passages…",
    "Checking the answer against its sources…",
]

# What an asker is told while Postgres is down: nothing was taken, so nothing waits; ask again later.
UNAVAILABLE = (
    ":warning: I can't take questions right now (my database is unreachable). Please ask again in a few minutes."
)

# (key, priority): 0 is served first. A person's first open question gets 0, each further one waits behind
# everybody else's first ones (fair_priority) — one person's burst never delays other people's answers.
Enqueue = Callable[[RequestKey, int], None]


# What to say to a question with nothing in it, by how it was asked: a slash command has no mention to follow.
_EMPTY_HINT = {
    "mention": "Ask me a question after the mention, e.g. `@Answerloop how do I deploy?`",
    "command": "Type your question after the command, e.g. `/ask how do I deploy?`",
    "dm": "Ask me a question in words, e.g. `how do I deploy?`",
}


def fair_priority(in_flight: int) -> int:
    """kombu's Redis transport keeps priorities 0, 3, 6, 9 as separate lists and serves 0 first."""
    return min(9, 3 * max(0, in_flight))


@dataclass(frozen=True)
class Question:
    key: RequestKey
    thread_ts: str
    user_id: str
    kind: str  # mention | dm | thread | command
    text: str
    file_ids: tuple[str, ...] = ()  # Slack files attached to the question: ids only, the worker reads them
    in_dm: bool = False  # asked in the asker's own DM with the bot, as Slack says (bot.app decides; never the id)
    # A slash command's response_url: the only way to reply where the bot is not a member (a DM between two
    # people, a private channel it was not invited to). A capability: never in a repr or a log line.
    response_url: str = field(default="", repr=False)


class Intake:
    def __init__(self, settings: Settings, guard: PiiGuard, enqueue: Enqueue, db_url: str) -> None:
        self.settings = settings
        self.guard = guard
        self.enqueue = enqueue
        self.db_url = db_url

    def receive(self, q: Question, client: WebClient) -> str:
        """Returns what happened: queued | duplicate | rejected | small_talk | saved_for_later | unavailable |
        deleted (its asker deleted the message before its event came: nothing is recorded or posted)."""
        text = _LONE_SURROGATE.sub("\ufffd", MENTION.sub(" ", q.text)).strip()
        if not has_words(text):  # nothing, or only emoji, punctuation or invisible characters: nothing was asked
            if q.kind == "thread" and not q.file_ids:
                return "small_talk"  # a 👍 or "?!" in a thread the bot answered is a reaction to it, not to reply to
            ask = _EMPTY_HINT.get(q.kind, _EMPTY_HINT["mention"])
            if q.file_ids:  # a file alone says what to read, not what to answer
                ask = (
                    "I can read the file, but what should I answer? Share it again with a question, "
                    "e.g. `@Answerloop what does this error mean?`"
                )
            self._reply(client, q, ask)
            return "rejected"
        chat = small_talk(text)
        if chat is not None:  # "hi", "thanks!", "who are you?": a friendly word, not retrieval's "I don't know"
            if q.kind != "thread":  # people thanking each other in a thread the bot answered are not talking to it
                self._reply(client, q, small_talk_reply(chat, bot_mention="`@Answerloop`"))
            return "small_talk"
        problem = question_problem(text, self.settings.max_question_chars)
        if problem:
            self._reply(client, q, f"{problem.message} Ask about one thing, without pasted logs.")
            return "rejected"
        redaction = self.guard.redact(text)
        try:
            with db.connection(self.db_url) as conn:
                slack_store.lock_message(conn, q.key)
                if slack_store.deleted_before_taken(conn, q.key):
                    return "deleted"
                load = slack_store.recent_load(conn, q.key.team_id, q.key.channel_id, q.user_id, 60.0)
                limited = self._rate_limited(load)
                if limited:
                    self._reply(client, q, limited)
                    return "rate_limited"
                channel = slack_store.channel_settings(
                    conn, q.key.team_id, q.key.channel_id, self.settings.default_reply_mode
                )
                mode = channel.reply_mode if q.kind == "command" else "in_channel"
                if not slack_store.create_request(
                    conn,
                    q.key,
                    thread_ts=q.thread_ts,
                    user_id=q.user_id,
                    kind=q.kind,
                    question_redacted=redaction.text,
                    pii=redaction.verdict(),
                    reply_mode=mode,
                    file_ids=q.file_ids,
                    in_dm=q.in_dm,
                    response_url=q.response_url,
                ):
                    return "duplicate"
        except DatabaseUnavailable:
            log.error("database unavailable: question %s not taken", q.key)
            self._reply(client, q, UNAVAILABLE)
            return "unavailable"
        placeholder_ts = None
        notice = pii_notice(redaction.verdict())
        refused = self._status(client, q) if mode == "in_channel" else "not in channel"
        if refused is None:  # the thread shows the status; the worker streams the answer (no placeholder)
            self._record_delivery(q, "stream", "")
        elif mode == "in_channel":
            if refused != "off":
                self._record_delivery(q, "update", f"setStatus: {refused}")
            placeholder_ts = self._placeholder(client, q, notice, redaction.text)
        else:  # ephemeral replies cannot be updated: the answer will be a second ephemeral message
            if self._reply(client, q, PLACEHOLDER + (f"\n{notice}" if notice else ""), recorded=True):
                self._record_delivery(q, "response_url", "not in the conversation: ephemeral through response_url")
        try:
            self.enqueue(q.key, fair_priority(load.in_flight) if self.settings.fair_queue else 0)
        except Exception as exc:  # broker down: the question is saved, the requeue loop will send it
            log.error("could not enqueue %s: %s", q.key, type(exc).__name__)
            msg = (
                ":warning: My work queue is unreachable right now. Your question is saved and I'll answer "
                "here as soon as it's back."
            )
            if refused is None:  # no placeholder to edit: the notice becomes the message the answer replaces
                self._record_delivery(q, "update", "queue unreachable: the notice is updated")
                self._placeholder(client, q, None, redaction.text, text=msg)
            else:
                self._update(client, q, placeholder_ts, msg)
            return "saved_for_later"
        with db.connection(self.db_url) as conn:
            slack_store.mark_queued(conn, q.key)
        return "queued"

    def withdraw(self, key: RequestKey, client: WebClient) -> str:
        """The message at `key` was deleted (its asker regretted it, most often): if it is a question of ours, it
        is withdrawn (workers.slack.store.withdraw_request: never answered if it was not yet, never suggested or
        shown as a gap) and the bot's message for it (placeholder, stream or answer) is deleted. Returns what
        happened: noted | withdrawn | withdrawn_not_deleted. Raises DatabaseUnavailable. A message that is no
        question of ours (yet) is `noted`: Slack's events come in any order, and a question deleted at once can
        have its deletion handled first; its own event, when it comes, is then dropped (see `receive`)."""
        from workers.tasks import delete_for_withdrawn  # the worker's words for it (imported late, as below)

        with db.connection(self.db_url) as conn:
            slack_store.lock_message(conn, key)
            row = slack_store.withdraw_request(conn, key)
            if row is None:
                slack_store.note_deleted(conn, key)
        if row is None:
            return "noted"
        gone = delete_for_withdrawn(client, key.channel_id, row["placeholder_ts"])
        return "withdrawn" if gone else "withdrawn_not_deleted"

    def follows_up(self, team_id: str, channel_id: str, thread_ts: str) -> bool:
        """Is a reply without a mention in this thread a question? Yes once the bot answered in the thread, unless
        the channel turned thread follow-ups off (`answerloop channels set … --thread-followups off`): there, a
        mention is needed as anywhere else. Raises DatabaseUnavailable."""
        with db.connection(self.db_url) as conn:
            if not slack_store.bot_answered_thread(conn, team_id, channel_id, thread_ts):
                return False
            channel = slack_store.channel_settings(conn, team_id, channel_id, self.settings.default_reply_mode)
        return channel.thread_followups

    def _rate_limited(self, load: slack_store.RecentLoad) -> str | None:
        """The friendly reply when someone (or a channel) asks faster than the limits; None when within them."""
        per_user, per_channel = self.settings.rate_limit_user_per_minute, self.settings.rate_limit_channel_per_minute
        if per_user and load.by_user >= per_user:
            return (
                f":hourglass: You've asked {load.by_user} questions in the last minute — more than the {per_user} "
                "I take from one person. I'm still working on the earlier ones; ask this again in a minute."
            )
        if per_channel and load.by_channel >= per_channel:
            return (
                f":hourglass: This channel asked {load.by_channel} questions in the last minute (the limit is "
                f"{per_channel}). Please ask again in a minute, or DM me."
            )
        return None

    def _status(self, client: WebClient, q: Question) -> str | None:
        """Show Slack's thread status while the question is worked on. None when shown; else why not — the
        question then gets the placeholder and chat.update instead (a slash command has no thread to show it
        in; a workspace or plan may refuse the method, or the app lack its scope)."""
        if not self.settings.slack_streaming:
            return "off"
        if q.kind == "command":
            return "slash command: no thread"
        try:
            client.assistant_threads_setStatus(
                channel_id=q.key.channel_id,
                thread_ts=q.thread_ts or q.key.message_ts,
                status=STATUS,
                loading_messages=LOADING_MESSAGES,
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error") or exc.response.status_code)
            log.info("thread status refused for %s (%s): placeholder instead", q.key, error)
            return error
        return None

    def _record_delivery(self, q: Question, delivery: str, note: str) -> None:
        with db.connection(self.db_url) as conn:
            slack_store.set_delivery(conn, q.key, delivery, note)

    def _placeholder(
        self, client: WebClient, q: Question, notice: str | None, asked: str, *, text: str = PLACEHOLDER
    ) -> str | None:
        text += f"\n{notice}" if notice else ""
        only_asker = text  # through a response_url the asker alone reads it: no "you asked" to themself
        if q.kind == "command":  # the command's text is invisible to the channel: show what was asked
            text = f"<@{q.user_id}> asked: {_as_text(asked)}\n{text}"
        try:
            # Tagged with its request like the worker's own posted answers: an attempt that finds no recorded ts
            # (the bot died between Slack's answer and the commit below) can find this message in the thread.
            ts = client.chat_postMessage(
                channel=q.key.channel_id,
                thread_ts=q.thread_ts or None,
                text=text,
                metadata=q.key.message_metadata(),
            )["ts"]
        except SlackApiError as exc:
            error = exc.response.get("error")
            log.warning("placeholder not posted for %s: %s", q.key, error)
            if error in response_url.UNREACHABLE and q.response_url:
                # An /ask where the bot is not a member: the asker alone sees the placeholder, then the answer.
                self._record_delivery(q, "response_url", f"placeholder: {error}: ephemeral through response_url")
                self._through_response_url(q, only_asker, recorded=True)
            return None
        return ts if self._record_placeholder(client, q, ts) else None

    def _record_placeholder(self, client: WebClient, q: Question, ts: str) -> bool:
        """Record the placeholder's ts (again on a fresh connection if the first commit is lost). Postgres refusing
        both: the placeholder is deleted — unrecorded, the worker would answer in a second message under one that
        says "Looking into it…" for ever — and the answer, when it comes, is the thread's one message."""
        for attempt in (1, 2):
            try:
                with db.connection(self.db_url) as conn:
                    slack_store.set_placeholder(conn, q.key, ts)
                return True
            except DatabaseUnavailable as exc:
                log.warning("placeholder of %s not recorded (attempt %d): %s", q.key, attempt, type(exc).__name__)
        try:
            client.chat_delete(channel=q.key.channel_id, ts=ts)
        except SlackApiError as exc:
            log.warning("unrecorded placeholder of %s not deleted: %s", q.key, exc.response.get("error"))
        return False

    def _reply(self, client: WebClient, q: Question, text: str, *, recorded: bool = False) -> bool:
        """True when the reply went through the command's response_url (the bot is not in the conversation).
        `recorded`: the request is in Postgres, and the use of its response_url is counted there."""
        try:
            if q.kind == "command":
                client.chat_postEphemeral(channel=q.key.channel_id, user=q.user_id, text=text)
            else:
                client.chat_postMessage(
                    channel=q.key.channel_id,
                    thread_ts=q.thread_ts or None,
                    text=text,
                    metadata=slack_store.NOTICE_METADATA,
                )
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error in response_url.UNREACHABLE and q.response_url:
                return self._through_response_url(q, text, recorded=recorded)
            log.warning("could not reply to %s: %s", q.key, error)
        return False

    def _through_response_url(self, q: Question, text: str, *, recorded: bool) -> bool:
        """One ephemeral message to the asker through the command's response_url (Slack takes 5 of them)."""
        if recorded:
            try:
                with db.connection(self.db_url) as conn:
                    if not slack_store.take_response_url_use(conn, q.key):
                        return False
            except DatabaseUnavailable:
                pass  # the reply matters more than the count; Slack refuses a sixth use itself
        try:
            response_url.post(q.response_url, text)
        except response_url.ResponseUrlFailed as exc:
            log.warning("could not reply to %s through its response_url: %s", q.key, exc.error)
            return False
        return True

    def _update(self, client: WebClient, q: Question, ts: str | None, text: str) -> None:
        if ts is None:
            self._reply(client, q, text, recorded=True)
            return
        try:
            client.chat_update(channel=q.key.channel_id, ts=ts, text=text)
        except SlackApiError as exc:
            log.warning("could not update %s: %s", q.key, exc.response.get("error"))


# Half of a UTF-16 pair, which JSON can carry ("\ud83d") and no UTF-8 text (Postgres, Redis, Slack) can hold.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _as_text(asked: str) -> str:
    """A question shown as what it says: its < and > escaped, so that neither a redaction's placeholder
    (<EMAIL_ADDRESS>) nor a control sequence (<!channel>) becomes a link or a ping the bot sends. Slack's own
    escapes (&amp; &lt; &gt;) already stand for & < >: escaping & again would show them as typed entities."""
    return asked.replace("<", "&lt;").replace(">", "&gt;")


def _duration(seconds: float) -> str:
    """A whole number of hours or minutes when it is one ("1 h", "30 min"), else seconds."""
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{int(seconds // 3600)} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    return f"{seconds:g} s"


def _mark_resent(conn: db.Conn, key: RequestKey) -> None:
    """A re-sent question is `queued` again, its clock restarted (not re-sent next round) — unless a worker took
    the task and finished it between the send and this update: `delivered` or `failed` (an uninstalled workspace
    ends at once) is newer and stays, or it would be re-sent until it expires and why it failed be lost."""
    conn.execute(
        "UPDATE slack_requests SET status = 'queued', updated_at = now() WHERE team_id = %s AND channel_id = %s "
        "AND message_ts = %s AND status IN ('received', 'queued', 'answering')",
        key.as_args(),
    )


class Requeuer:
    """Sends questions that were saved while the broker was down once it is back, and re-sends those whose
    task was lost (see `slack_store.stale_requests`); gives up on those older than `requeue_max_age_s`."""

    def __init__(self, settings: Settings, enqueue: Enqueue, db_url: str) -> None:
        self.settings = settings
        self.enqueue = enqueue
        self.db_url = db_url
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="answerloop-requeue", daemon=True)

    def start(self) -> Requeuer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def run_once(self) -> int:
        sent = 0
        with db.connection(self.db_url) as conn:
            slack_store.forget_expired_response_urls(conn)  # a capability past its 30 minutes: not kept
            slack_store.forget_old_deletions(conn)  # no event of theirs is still to come
            keys = slack_store.stale_requests(
                conn,
                received_after_s=self.settings.requeue_interval_s,
                inflight_after_s=2 * self.settings.visibility_timeout_s,
                max_age_s=self.settings.requeue_max_age_s,
            )
        for key in keys:
            try:
                self.enqueue(key, 0)  # it waited already
            except Exception as exc:
                log.warning(
                    "requeue: broker still unreachable (%s); next round in %.1fs",
                    type(exc).__name__,
                    self.settings.requeue_interval_s,
                )
                break  # still down; try again next round
            with db.connection(self.db_url) as conn:
                _mark_resent(conn, key)
            sent += 1
        self._give_up_on_expired()
        return sent

    def _give_up_on_expired(self) -> int:
        """Questions older than `requeue_max_age_s` are not re-sent: rather than leave their asker looking at
        "looking into it" forever (and retention keeping them), they end `failed` and the asker is told. One
        bounded batch a round; never raises. Returns how many were given up on."""
        from workers.tasks import tell_asker_failed  # the worker's failure message, in the worker's words

        max_age = self.settings.requeue_max_age_s
        inflight = 2 * self.settings.visibility_timeout_s
        reason = f"expired: not answered within {_duration(max_age)}"
        expired = told = 0
        try:
            with db.connection(self.db_url) as conn:
                keys = slack_store.expired_requests(conn, max_age_s=max_age, inflight_after_s=inflight, limit=100)
            for key in keys:
                with db.connection(self.db_url) as conn:
                    row = slack_store.expire_request(
                        conn, key, max_age_s=max_age, inflight_after_s=inflight, reason=reason
                    )
                    if row is None:
                        continue  # a worker finished it (or moved it on) meanwhile: it wins
                    expired += 1
                    try:
                        told += tell_asker_failed(self.settings, conn, key, row, reason)
                    except Exception as exc:  # Slack unreachable: failed all the same, the asker not told
                        log.warning("expired %s: the asker could not be told (%s)", key, type(exc).__name__)
        except Exception as exc:  # never let the loop die; the rest wait for the next round
            log.warning("expiring unanswered questions failed after %d: %s", expired, type(exc).__name__)
        if expired:
            log.info("gave up on %d question(s) not answered within %s; %d asker(s) told", expired,
                     _duration(max_age), told)  # fmt: skip
        return expired

    def _run(self) -> None:
        while not self._stop.wait(self.settings.requeue_interval_s):
            try:
                self.run_once()
            except Exception as exc:  # never let the loop die
                log.warning("requeue round failed: %s", type(exc).__name__)
