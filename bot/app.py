"""The Bolt app: which Slack events are questions, and how they are acknowledged and handed to the intake."""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.errors import SlackApiError

from bot import payload
from bot.app_home import AppHome, register_app_home
from bot.feedback_listeners import FeedbackListeners, register_feedback
from bot.intake import UNAVAILABLE, Intake, Question
from bot.uninstall_listeners import register_removal_notice, register_uninstall
from bot.verified_listeners import VerifiedReviewListeners, register_verified
from core import metrics
from core.errors import DatabaseUnavailable
from core.logs import log_context
from core.settings import Settings
from workers.slack import respond as response_url
from workers.slack.client import web_client
from workers.slack.installations import (
    PostgresInstallationStore,
    PostgresOAuthStateStore,
    TokenCipher,
    oauth_enabled,
)
from workers.slack.store import NOTICE_METADATA, RequestKey

log = logging.getLogger(__name__)


def _kind(body: dict) -> str:
    """A bounded label: the event type, the interaction type, or 'command'."""
    if payload.text(body, "command"):
        return "command"
    if payload.text(body, "type") == "event_callback":
        event_type = payload.text(payload.obj(body, "event"), "type")
        return event_type if event_type in _EVENT_KINDS else "other_event"
    kind = payload.text(body, "type")
    return kind if kind in _INTERACTION_KINDS else "other"


_EVENT_KINDS = {"app_mention", "message", "reaction_added", "reaction_removed", "app_home_opened"}
_INTERACTION_KINDS = {"block_actions", "view_submission", "view_closed", "message_action", "shortcut"}


def _bots_own_dm(client, channel_id: str, user_id: str) -> bool:
    """Is this "directmessage" the asker's own DM with the bot? A slash command says `directmessage` for a DM
    between two people too (the other one reads the answer there): only conversations.info showing the bot's IM
    with this very user says yes. Any error (channel_not_found: not the bot's DM) is a no — never a wider scope."""
    try:
        channel = client.conversations_info(channel=channel_id).get("channel") or {}
    except Exception as exc:  # a Slack error or timeout: not known to be the bot's DM
        log.info("/ask in a DM not taken as the bot's own: %s", type(exc).__name__)
        return False
    return isinstance(channel, dict) and channel.get("is_im") is True and channel.get("user") == user_id


def _deleted_persons_message(event: dict) -> str:
    """The ts of a person's message this event says was deleted, else "". Slack sends `message_deleted` (its
    `deleted_ts`), or, for a message with thread replies (a question the bot answered in its thread), a
    `message_changed` whose new message is a `tombstone` ("This message was deleted.") in the thread's place."""
    subtype = payload.text(event, "subtype")
    if subtype == "message_deleted":
        ts, previous = payload.text(event, "deleted_ts"), event.get("previous_message")
    elif subtype == "message_changed" and payload.text(event.get("message"), "subtype") == "tombstone":
        ts, previous = payload.text(event["message"], "ts"), event.get("previous_message")
    else:
        return ""
    return "" if isinstance(previous, dict) and previous.get("bot_id") else ts


def _team(body: dict, event: dict) -> str:
    return payload.event_team(body) or payload.text(event, "team")


class _SeenEvents:
    """The keys this process saw lately, the last `size` of them. Event ids: Slack retries an event whose ack it did
    not get in time (same event_id, X-Slack-Retry-Num): a question is de-duplicated by its row in Postgres, but
    what the bot answers without storing anything (a greeting, a hint, a refusal) would be posted once per
    delivery. Threads told that the database is down: once a thread per outage (`clear` when it is back)."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        with self._lock:
            if event_id in self._ids:
                return False
            self._ids[event_id] = None
            if len(self._ids) > self.size:
                self._ids.popitem(last=False)
            return True

    def clear(self) -> None:
        with self._lock:
            self._ids.clear()


class _SharedEvents:
    """Deliveries taken by any bot process: Slack's `event_id` of an event, the `trigger_id` of an interaction
    (delivery_key), claimed in the shared Redis (SET NX EX) — with two bot processes (replicas behind a load
    balancer, or two Socket Mode connections) a retry may reach the other one, which knows nothing of the first
    delivery. Redis unreachable: fails open to this process's memory (a reply twice is better than none), said in
    the log once an outage. Every id is remembered here as well, so a retry to this process is caught while Redis is
    away (or was when the first delivery came)."""

    KEY = "answerloop:slack-event:"
    TTL_S = 3600  # Slack retries within minutes (HTTP: 3 times, the last ~5 min later); a reconnect redelivers sooner
    # A claim lasts this long until its delivery was handed on (`taken`): a process that dies between the claim and
    # its ack leaves a claim that expires before Slack's next retry (about a minute later), which is then answered
    # by whichever process it reaches — a question is never dropped for good by a claim nobody finished.
    PENDING_S = 30
    BACKOFF_S = 5.0  # after a failure, Redis is asked again this much later (an unreachable host would slow each ack)
    # What falling back to this process's memory means, for the log.
    LOCAL_ONLY = (
        "Slack's retries are de-duplicated within this bot process only; one reaching another process may be "
        "answered twice until Redis is back"
    )
    SHARED_AGAIN = "Slack's retries are de-duplicated across bot processes"

    def __init__(self, redis_url: str, *, pending_s: float = PENDING_S) -> None:
        import redis

        self._redis = redis.Redis.from_url(redis_url, socket_connect_timeout=0.5, socket_timeout=0.5)
        self._local = _SeenEvents()
        self._down_until: float | None = None  # None: Redis answered last time
        self.pending_ms = max(1, int(pending_s * 1000))

    def taken(self, event_id: str) -> None:
        """The delivery was handed on (Bolt acknowledges it): its claim now lasts TTL_S. Redis failing: the claim
        expires early, and a late retry is answered again — never lost."""
        if self._down_until is None:
            with contextlib.suppress(Exception):
                self._redis.set(self.KEY + event_id, "1", xx=True, ex=self.TTL_S)

    def _ask(self, call: Callable[[Any], Any]) -> tuple[bool, Any]:
        """(True, what `call(redis)` returned), or (False, None) while Redis is unreachable (asked again BACKOFF_S
        after a failure): the caller falls back to this process's memory. Each change is said in the log once."""
        if self._down_until is not None and time.monotonic() < self._down_until:
            return False, None
        try:
            answer = call(self._redis)
        except Exception as exc:  # Redis down or refusing: this process alone remembers, until it is back
            if self._down_until is None:
                log.warning("Redis unreachable (%s): %s", type(exc).__name__, self.LOCAL_ONLY)
            self._down_until = time.monotonic() + self.BACKOFF_S
            return False, None
        if self._down_until is not None:
            log.warning("Redis reachable again: %s", self.SHARED_AGAIN)
            self._down_until = None
        return True, answer

    def first_time(self, event_id: str) -> bool:
        asked, claimed = self._ask(lambda r: r.set(self.KEY + event_id, "1", nx=True, px=self.pending_ms))
        if not asked:
            return self._local.first_time(event_id)
        # Claimed: also remembered here (a delivery this process took while Redis was away is still a retry).
        # Not claimed: not remembered — a later retry, once an unfinished claim expired, is this process's to take.
        return bool(claimed) and self._local.first_time(event_id)


class _SharedNotices(_SharedEvents):
    """Threads told that the database is down, this outage, by any bot process: fields of one Redis hash (HSETNX),
    dropped together (`clear`) once the database answers again — each process remembering its own told its thread
    again from the other. Redis unreachable: this process's memory, as for events."""

    KEY = "answerloop:db-down-told"
    LOCAL_ONLY = "threads told that the database is down are remembered by this bot process only"
    SHARED_AGAIN = "threads told that the database is down are remembered across bot processes"

    def first_time(self, event_id: str) -> bool:
        def claim(r: Any) -> Any:
            return r.pipeline().hsetnx(self.KEY, event_id, "1").expire(self.KEY, self.TTL_S).execute()[0]

        asked, claimed = self._ask(claim)
        local = self._local.first_time(event_id)  # remembered here too, for while Redis is away
        return bool(claimed) if asked else local

    def clear(self) -> None:
        self._local.clear()
        self._ask(lambda r: r.delete(self.KEY))


def delivery_key(body: dict) -> tuple[str, str]:
    """(kind, key) of what Slack may deliver more than once: ("event", app:event_id) for an event; ("interaction",
    app:interaction:trigger_id) for a click, a shortcut or a view submission — Slack's trigger_id names the one
    thing a person did (a new one each click or submission, the same in every redelivery of it; an interaction has
    no event_id). Slash commands are left out: their ack is their reply, and /ask is de-duplicated by its row.
    ("", "") for anything else."""
    app_id, kind = payload.text(body, "api_app_id"), payload.text(body, "type")
    if kind == "event_callback" and (event_id := payload.text(body, "event_id")):
        return "event", f"{app_id}:{event_id}"
    if kind in _INTERACTION_KINDS and (trigger := payload.text(body, "trigger_id")):
        return "interaction", f"{app_id}:interaction:{trigger}"
    return "", ""


# The Socket Mode envelope a request came in (bot.runner's handler sets it): Slack redelivers an interactive envelope
# whose ack it did not get — on this connection or another process's — as it was, with no retry count of its own.
ENVELOPE_HEADER = "x-answerloop-envelope-id"


def _may_be_redelivered(kind: str, headers: dict) -> bool:
    """Can this delivery be one Slack sent before? An event: Slack's X-Slack-Retry-Num (over HTTP on a retry; in
    Socket Mode Bolt mirrors the envelope's retry_attempt into it, 0 the first time: every envelope carries it, so
    the same event_id in a new envelope after a reconnect is one too). An interaction: that header over HTTP, or a
    Socket Mode envelope — a trigger_id seen before there is Slack's redelivery. A request built by hand (tests)
    has neither, and is always taken."""

    def has(name: str) -> bool:
        return bool((headers.get(name) or [""])[0])

    return has("x-slack-retry-num") or (kind == "interaction" and has(ENVELOPE_HEADER))


# How much of a thread is read to see whether the bot took part in it while Postgres cannot say: one page. Slack
# caps the page at 15 for apps distributed outside the Marketplace; the bot's first answer comes right after the
# question, so the first page holds it.
_THREAD_PAGE = 50

# A click on an element no listener of this version knows: a message of an earlier version, whose buttons changed.
OLD_BUTTON = (
    "That button is from an older message of mine and no longer does anything. Ask me again — mention me, "
    "DM me or use `/ask` — and use the buttons on the new answer."
)


def _bot_in_thread(client, channel: str, thread_ts: str, bot_user_id: str, bot_id: str) -> bool:
    """Did this bot post in the thread? Read from Slack (the thread's first page), for when Postgres cannot say."""
    messages = client.conversations_replies(channel=channel, ts=thread_ts, limit=_THREAD_PAGE).get("messages")
    return any(
        isinstance(m, dict)
        and ((bot_user_id and m.get("user") == bot_user_id) or (bot_id and m.get("bot_id") == bot_id))
        for m in messages or []
    )


def _tell_thread_unavailable(client, event: dict, context, told: _SharedNotices, team: str) -> str:
    """A reply in a thread while Postgres is down: whether it follows up an answer is unknown. If the bot took part
    in the thread, the thread is told once (this outage) that questions cannot be taken; elsewhere nothing is said.
    Slack refusing the read or the reply: nothing is said. Returns what was done, for the log."""
    channel, thread_ts, text = event["channel"], payload.text(event, "thread_ts"), payload.text(event, "text")
    bot_user_id, bot_id = context.get("bot_user_id") or "", context.get("bot_id") or ""
    if bot_user_id and bot_user_id in payload.MENTION.findall(text):
        return "a mention: the intake tells it"
    if not told.first_time(f"{team}/{channel}/{thread_ts}"):
        return "thread seen already this outage"
    try:
        if not _bot_in_thread(client, channel, thread_ts, bot_user_id, bot_id):
            return "not a thread of the bot's"
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=UNAVAILABLE, metadata=NOTICE_METADATA)
    except SlackApiError as exc:
        return f"Slack refused: {exc.response.get('error') or exc.response.status_code}"
    except Exception as exc:  # Slack unreachable: nothing to tell anybody through
        return f"Slack unreachable: {type(exc).__name__}"
    return "the thread was told"


class _ClientOverToken(logging.Filter):
    """Bolt warns when SLACK_BOT_TOKEN is set and a client is given; ours carries that token (and the retry
    handlers and base URL), so the warning is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


logging.getLogger("slack_bolt.App").addFilter(_ClientOverToken())


def oauth_settings(settings: Settings, db_url: str) -> OAuthSettings:
    """Installs into any number of workspaces at /slack/install → Slack → /slack/oauth_redirect; every request is
    then authorized with its workspace's bot token from Postgres (encrypted at rest)."""
    cipher = TokenCipher(settings.token_keys)
    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=settings.slack_bot_scopes,
        redirect_uri=settings.slack_oauth_redirect_uri,
        authorization_url=settings.slack_oauth_authorize_url,
        installation_store=PostgresInstallationStore(db_url, cipher),
        installation_store_bot_only=True,
        state_store=PostgresOAuthStateStore(db_url),
    )


def build_app(
    settings: Settings, intake: Intake, feedback: FeedbackListeners | None = None, home: AppHome | None = None
) -> App:
    """Socket Mode and HTTP mode share this app. HTTP requests are verified (forged/stale → 401) by the guard in
    front of it (bot/http_server.py, given the signing secret where the server is built); Bolt's own check would
    verify each one a second time, so it is off. Socket Mode requests carry no signature."""
    feedback = feedback or FeedbackListeners(settings, intake.guard, intake.db_url)
    home = home or AppHome(settings, intake.db_url)
    oauth = oauth_settings(settings, intake.db_url) if oauth_enabled(settings) else None
    app = App(
        client=web_client(settings, anonymous=oauth is not None),
        signing_secret=settings.slack_signing_secret or "",
        request_verification_enabled=False,  # bot/http_server.py's guard verifies every HTTP request, once
        process_before_response=False,  # ack first; the listener body runs after the ack is sent
        oauth_settings=oauth,
    )

    @app.middleware
    def sanitize(body: dict, next) -> None:
        """First of all: no NUL character goes further (Postgres text cannot hold one; Slack strips them from
        what people type, but a payload must not be able to break a listener's transaction)."""
        payload.strip_nul(body)
        next()

    seen = _SharedEvents(settings.redis_url)
    told_down = _SharedNotices(settings.redis_url)  # threads told that the database is down, this outage

    @app.middleware
    def once(body: dict, request, context, next) -> BoltResponse | None:
        """A delivery any bot process took already (delivery_key, claimed in Redis) that may be Slack's retry or
        redelivery (_may_be_redelivered) is acknowledged and goes no further; any other is taken. A redelivered view
        submission goes on, marked (payload.REDELIVERED): its values are checked again — the field errors of the
        first ack may be what Slack did not get — but nothing is saved twice."""
        kind, key = delivery_key(body)
        if kind and not seen.first_time(key) and _may_be_redelivered(kind, request.headers):
            if kind == "event":
                log.info("retry of event %s ignored: taken already", payload.text(body, "event_id"))
                return BoltResponse(status=200, body="")
            log.info("redelivery of interaction %s ignored: taken already", payload.text(body, "trigger_id"))
            if payload.text(body, "type") != "view_submission":
                return BoltResponse(status=200, body="")
            context[payload.REDELIVERED] = True
        next()
        if kind:
            seen.taken(key)
        return None

    @app.middleware
    def measure(body: dict, next) -> None:
        """Requests by kind and the time until Bolt has acknowledged them (listeners run after the ack)."""
        kind = _kind(body)
        metrics.EVENTS.labels(kind).inc()
        started = time.perf_counter()
        try:
            next()
        finally:
            metrics.ACK_SECONDS.labels(kind).observe(time.perf_counter() - started)

    def take(event: dict, body: dict, client, kind: str) -> None:
        if not all(isinstance(event.get(f), str) and event.get(f) for f in ("channel", "ts")) or not isinstance(
            event.get("text", ""), str
        ):
            log.warning("malformed %s event ignored: channel, ts and text must be strings", kind)
            return
        team = _team(body, event)
        q = Question(
            RequestKey(team, event["channel"], event["ts"]),
            payload.text(event, "thread_ts") or event["ts"],
            payload.text(event, "user"),
            kind,
            event.get("text") or "",
            payload.file_ids(event),
            in_dm=event.get("channel_type") == "im",  # Slack's word for the bot's DM; never the "D…" of the id
        )
        with log_context(
            interaction_id=q.key.interaction_id(), request=f"{team}/{q.key.channel_id}/{q.key.message_ts}"
        ):
            outcome = intake.receive(q, client)
            log.info("question %s/%s/%s (%s): %s", team, q.key.channel_id, q.key.message_ts, kind, outcome)
        metrics.INTAKE.labels(outcome).inc()

    @app.event("app_mention")
    def on_mention(event: dict, body: dict, client) -> None:
        if event.get("bot_id") or not payload.question_subtype(event):
            return
        take(event, body, client, "mention")

    @app.event("message")
    def on_message(event: dict, body: dict, client, context) -> None:
        if (deleted_ts := _deleted_persons_message(event)) and payload.text(event, "channel"):
            team = _team(body, event)
            try:
                outcome = intake.withdraw(RequestKey(team, event["channel"], deleted_ts), client)
            except DatabaseUnavailable:
                outcome = "database unavailable"
            log.info("message %s/%s/%s deleted: %s", team, event["channel"], deleted_ts, outcome)
            return
        # Bots (ourselves included), edits, joins, deletions… are never questions; a message sharing files is.
        if event.get("bot_id") or not payload.question_subtype(event) or not payload.text(event, "user"):
            return
        if event.get("channel_type") == "im":
            take(event, body, client, "dm")
            return
        thread_ts = payload.text(event, "thread_ts")
        if thread_ts and thread_ts != payload.text(event, "ts") and payload.text(event, "channel"):
            team = _team(body, event)
            try:
                # Someone else answering the bot's "I don't know" is teaching, not asking.
                if feedback.capture_expert_reply(event, team, client, context.get("bot_user_id")):
                    return
                known = intake.follows_up(team, event["channel"], thread_ts)
            except DatabaseUnavailable:
                told = _tell_thread_unavailable(client, event, context, told_down, team)
                log.error("thread reply not handled: database unavailable (%s)", told)
                return
            told_down.clear()  # the database answers: a next outage tells each thread again
            if known:
                take(event, body, client, "thread")
        # Other channel messages: a mention arrives separately as app_mention (same ts, de-duplicated).

    api = settings.slack_api_url

    @app.command("/ask")
    def on_ask(ack, command: dict, client, context) -> None:
        ack()  # first: everything else may wait, Slack's 3 seconds may not
        fields = {k: payload.text(command, k) for k in ("team_id", "channel_id", "trigger_id", "user_id", "text")}
        if not all(fields[k] for k in ("channel_id", "trigger_id", "user_id")):
            log.warning("malformed /ask ignored: channel_id, trigger_id and user_id must be strings")
            return
        in_dm = payload.text(command, "channel_name") == "directmessage" and _bots_own_dm(
            client, fields["channel_id"], fields["user_id"]
        )
        q = Question(
            RequestKey(fields["team_id"], fields["channel_id"], f"cmd-{fields['trigger_id']}"),
            "",
            fields["user_id"],
            "command",
            payload.without_bot_address(fields["text"], context.get("bot_user_id")),
            in_dm=in_dm,
            # Where the bot is not a member, the only way back to the asker (kept until answered, never logged).
            response_url=url if response_url.acceptable(url := payload.text(command, "response_url"), api) else "",
        )
        with log_context(interaction_id=q.key.interaction_id()):
            metrics.INTAKE.labels(intake.receive(q, client)).inc()

    @app.command(re.compile(r"^/(?!ask$).+"))
    def on_unknown_command(ack, command: dict) -> None:
        name = payload.text(command, "command")[:40].replace("`", "")
        ack(f"I don't know `{name}`. Ask me with `/ask <your question>`, mention me, or DM me.")

    register_feedback(app, feedback)
    register_app_home(app, home)
    register_verified(app, VerifiedReviewListeners(settings, intake.db_url))
    if oauth is not None:
        register_uninstall(app, PostgresInstallationStore(intake.db_url, TokenCipher(settings.token_keys)))
    else:  # a bot-token install stores no token: nothing to forget, but the operator is told
        register_removal_notice(app)

    @app.action(re.compile(".*"))  # registered last: Bolt runs the first listener that matches
    def on_unknown_action(ack, body: dict, client) -> None:
        """A click no listener knows (an older message's button): acknowledged — unacknowledged, Slack shows the
        person a warning and retries — and the person is told, privately, what to do instead."""
        ack()
        actions = body.get("actions")
        first = actions[0] if isinstance(actions, list) and actions else None
        log.warning("click on an unknown element acknowledged: %.60r", payload.text(first, "action_id"))
        user, channel = payload.text(payload.obj(body, "user"), "id"), payload.text(payload.obj(body, "channel"), "id")
        url = payload.text(body, "response_url")
        if not user:
            return
        if response_url.acceptable(url, api):
            try:
                response_url.post(url, OLD_BUTTON)
                return
            except response_url.ResponseUrlFailed as exc:
                log.info("unknown click: response_url refused (%s)", exc.error)
        if channel:
            try:
                client.chat_postEphemeral(channel=channel, user=user, text=OLD_BUTTON)
            except SlackApiError as exc:
                log.info("unknown click: the person could not be told (%s)", exc.response.get("error"))
            except Exception as exc:  # Slack unreachable: the click is acknowledged all the same
                log.info("unknown click: the person could not be told (%s)", type(exc).__name__)

    @app.error
    def on_error(error: Exception) -> None:
        # Never log the request body: it holds the raw question.
        log.error("listener failed: %s", type(error).__name__)

    return app
