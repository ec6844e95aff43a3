"""Celery tasks. Every task is idempotent: a redelivered task never posts a second answer."""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from celery.signals import worker_process_init
from slack_sdk.errors import SlackApiError

from core import db
from core.errors import DatabaseUnavailable
from core.logs import log_context
from core.readiness import announce_ready
from core.settings import Settings, get_settings
from workers.access import SlackMembership, asker_in, scope_for
from workers.attachments import Attachments, Limits, read_attachments
from workers.celery_app import RETUNE_QUEUE, celery_app
from workers.slack import respond as response_url
from workers.slack import store as slack_store
from workers.slack.blocks import (
    StreamedAnswer,
    answer_message,
    attachment_notes,
    ephemeral_feedback,
    failure_message,
    streamed_answer,
)
from workers.slack.client import transient as slack_transient
from workers.slack.client import web_client
from workers.slack.dead_tokens import DEAD_TOKEN_ERRORS
from workers.slack.earlier import earlier_message
from workers.slack.installations import WorkspaceNotInstalled, bot_token_for, oauth_enabled
from workers.slack.live import open_live_stream, start_stream
from workers.slack.store import ClaimedRequest, RequestKey

log = logging.getLogger(__name__)
_pipeline = None
_membership = None
_lock = threading.Lock()
# Citation links are for clicking, not previews: an answer never unfurls them (chat.postMessage).
NO_UNFURLS: dict[str, Any] = {"unfurl_links": False, "unfurl_media": False}
# A membership lookup that takes longer than this is a "no" (never a question left waiting on Slack).
MEMBERSHIP_TIMEOUT_S = 5  # seconds (slack_sdk takes a whole number)


def membership() -> SlackMembership:
    """Who is in which channel or user group, from Slack, per workspace token; cached briefly per process."""
    global _membership
    with _lock:
        if _membership is None:
            settings = get_settings()

            def client_for(team_id: str):
                client = web_client(settings, token=bot_token_for(settings, team_id), retries=False)
                client.timeout = MEMBERSHIP_TIMEOUT_S
                return client

            _membership = SlackMembership(client_for, ttl_s=settings.membership_cache_s)
        return _membership


def pipeline():
    """The process's pipeline: Presidio, the embedding model and the model client load once per process."""
    global _pipeline
    with _lock:
        if _pipeline is None:
            from workers.pipeline import Pipeline

            _pipeline = Pipeline(get_settings())
        return _pipeline


@worker_process_init.connect
def _warm_up(**_: object) -> None:  # pragma: no cover - runs inside worker processes
    if get_settings().embeddings in ("local", "local-int8"):  # both run MiniLM on torch
        import torch

        torch.set_num_threads(get_settings().worker_torch_threads)
    pipeline()
    log.info("worker process %d: pipeline loaded", os.getpid())
    announce_ready()


class TransientFailure(Exception):
    """Worth retrying: Slack 5xx/429 after the client's own retries, a database hiccup."""


@celery_app.task(
    bind=True,
    name="workers.tasks.answer_slack_question",
    autoretry_for=(TransientFailure, DatabaseUnavailable),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=get_settings().answer_task_max_retries,
)
def answer_slack_question(self, team_id: str, channel_id: str, message_ts: str) -> str:
    key = RequestKey(team_id, channel_id, message_ts)
    with log_context(interaction_id=key.interaction_id(), request=f"{team_id}/{channel_id}/{message_ts}"):
        try:
            return _answer(self, key)
        except WorkspaceNotInstalled as exc:  # before the question was taken, or removed while it was answered
            return _not_installed(key, exc)


def _not_installed(key: RequestKey, exc: WorkspaceNotInstalled) -> str:
    """The workspace's installation is gone (OAuth installs): the request ends `failed` saying why, nothing is
    posted (there is no token to post with), and the task is not retried — an uninstall is not transient."""
    with db.connection() as conn:
        row = slack_store.lock_undelivered(conn, key)
        if row is None:
            return "skipped"  # unknown, or delivered before the app was removed
        slack_store.set_status(conn, key, "failed", str(exc))
    log.warning("question %s not answered: %s", key, exc)
    return "failed"


def _answer(self, key: RequestKey) -> str:
    from core import metrics  # imported after the fork (see workers.celery_app._worker_metrics)

    team_id, channel_id = key.team_id, key.channel_id
    settings = get_settings()
    token = bot_token_for(settings, team_id)  # not installed (any more): nothing to run the pipeline for
    with db.connection() as conn:
        request = slack_store.claim_request(conn, key)
        if request is None:
            return "skipped"  # delivered already (a redelivery) or unknown
        channel = slack_store.channel_settings(conn, team_id, channel_id, settings.default_reply_mode)
        asker = asker_in(team_id, request.user_id, channel_id, is_dm=request.in_dm, orgs=membership())
        scope = scope_for(conn, asker, channel.collections, membership(), defaults=settings.default_collections)
        # A follow-up in a thread ("and in Zurich?") is asked with the thread's earlier turns (Pipeline.ask).
        thread = slack_store.thread_context(conn, key, request.thread_ts)
    streaming = request.delivery == "stream" and request.reply_mode != "ephemeral"
    live = None
    if streaming:
        client = web_client(settings, token=token, retries=False)  # best effort: no retries
        _working_status(client, request, len(scope.post))
        # The answer's stream opens now, with live thinking steps as the pipeline goes (workers/slack/live.py).
        live = open_live_stream(client, key, user_id=request.user_id, collections=len(scope.post))
    stream = None
    # Attached text files: read here (never by the listener), redacted like the question; their salient terms
    # join the question, and the user is told which file was read and which was not, and why.
    attachments = _attachments(settings, request, token)
    notes = attachment_notes(attachments)
    question = (
        attachments.query(request.question_redacted, settings.max_question_chars)
        if attachments
        else request.question_redacted
    )
    try:
        result = pipeline().ask(
            question,
            scope.post,
            source="slack",
            interaction_id=request.interaction_id,
            team_id=team_id,
            thread=thread,
            asker=request.user_id,  # a running canary is sticky per asker
            progress=live.show if live else None,
        )
        text, blocks = answer_message(result, pii=request.pii, expert=channel.expert, notes=notes)
        if streaming:  # only now, with grounding passed: no unverified text is ever shown
            stream = streamed_answer(
                result, pii=request.pii, expert=channel.expert, collections=len(scope.post), notes=notes
            )
        metrics.record_answer(
            result.status,
            result.timings_ms,
            result.scores.get("usage") or {},
            (settings.llm_cost_per_1k_prompt_tokens, settings.llm_cost_per_1k_completion_tokens),
        )
    except Exception as exc:
        if isinstance(exc, DatabaseUnavailable) and self.request.retries < self.max_retries:
            raise
        metrics.QUESTIONS.labels("error").inc()
        log.exception("answer failed for %s", key)
        text, blocks = failure_message(type(exc).__name__)
        _deliver_or_give_up(self, settings, request, text, blocks, status="failed", error=type(exc).__name__)
        return "failed"
    outcome = _deliver_or_give_up(
        self, settings, request, text, blocks, status="delivered", stream=stream, opened=live is not None
    )
    if outcome is None and scope.private and not _is_withdrawn(key):
        _answer_privately(settings, request, scope.private, result.question_redacted, [*scope.post, *scope.private])
    return outcome or result.status


def _is_withdrawn(key: RequestKey) -> bool:
    with db.connection() as conn:
        return slack_store.withdrawn(conn, key) is not None


def _attachments(settings, request: ClaimedRequest, token: str | None) -> Attachments | None:
    """The question's attached files, read (None when it has none). Never raises: a file that cannot be read is
    reported as such, and the question is answered from its text."""
    if not request.file_ids:
        return None
    client = web_client(settings, token=token, retries=False)
    limits = Limits(settings.attachment_max_bytes, settings.attachment_max_lines, settings.attachment_max_terms)
    return read_attachments(client, token, request.file_ids, pipeline().guard, limits)


def _working_status(client, request: ClaimedRequest, collections: int) -> None:
    """The thread status while the pipeline runs, naming what is searched (best effort: the intake set one)."""
    plural = "s" if collections != 1 else ""
    files = len(request.file_ids)
    reading = [f"Reading the attached file{'s' if files > 1 else ''}…"] if files else []
    try:
        client.assistant_threads_setStatus(
            channel_id=request.key.channel_id,
            thread_ts=request.thread_ts,
            status="is looking into it…",
            loading_messages=[
                *reading,
                f"Searching {collections} collection{plural}…",
                "Reading the closest passages…",
                "Checking the answer against its sources…",
            ],
        )
    except SlackApiError as exc:
        log.info("thread status not updated: %s", exc.response.get("error"))
    except OSError as exc:  # Slack unreachable (no retries here): the answer goes on
        log.info("thread status not updated: %s", type(exc).__name__)


def _answer_privately(
    settings, request: ClaimedRequest, collections: list[str], question: str, readable: list[str]
) -> None:
    """Restricted documents the asker may read but others in the conversation may not: an ephemeral answer
    only the asker sees (best effort: the public answer is already delivered). `readable`: all the asker may
    read here (a verified answer of these collections made from the public ones too is theirs)."""
    import uuid

    from workers.slack.blocks import private_answer_message

    key = request.key
    try:
        result = pipeline().ask(
            question,  # a follow-up's standalone question
            collections,
            source="slack_private",
            interaction_id=uuid.uuid5(key.interaction_id(), "private"),
            team_id=key.team_id,
            asker=request.user_id,
            readable=readable,
        )
        if result.status != "answered":
            return
        text, blocks = private_answer_message(result)
        try:
            web_client(settings, token=bot_token_for(settings, key.team_id)).chat_postEphemeral(
                channel=key.channel_id, user=request.user_id, text=text, blocks=blocks, thread_ts=request.thread_ts
            )
        except SlackApiError as exc:  # not in the conversation: through the command's response_url, if any
            _raise_if_uninstalled(exc, key)
            if _slack_error(exc) not in response_url.UNREACHABLE or not request.response_url:
                raise
            with db.connection() as conn:
                if not slack_store.take_response_url_use(conn, key, forgotten_ok=True):
                    log.warning("private answer for %s not delivered: response_url used up or expired", key)
                    return
            response_url.post(request.response_url, text, blocks)
    except WorkspaceNotInstalled as exc:  # removed after the public answer went out
        log.warning("private answer for %s not sent: %s", key, exc)
    except Exception:  # never undo the public answer for this
        log.exception("private answer for %s failed", key)


def _deliver_or_give_up(
    task,
    settings,
    request: ClaimedRequest,
    text: str,
    blocks: list[dict],
    *,
    status: str,
    error: str = "",
    stream: StreamedAnswer | None = None,
    opened: bool = False,
) -> str | None:
    """`opened`: this attempt opened the answer's stream (live steps) and finishes it."""
    try:
        _deliver(settings, request, text, blocks, status=status, error=error, stream=stream, opened=opened)
        return None
    except TransientFailure as exc:
        if task.request.retries < task.max_retries:
            raise
        key = request.key
        log.error("giving up on %s after %s retries: %s", key, task.request.retries, exc)
        with db.connection() as conn:
            row = slack_store.lock_undelivered(conn, key)
            if row is None:
                return "skipped"  # another attempt got through meanwhile
            slack_store.set_status(conn, key, "failed", f"delivery failed: {exc}")
            tell_asker_failed(settings, conn, key, row, "Slack kept refusing the reply")
        return "failed"


def tell_asker_failed(settings, conn: db.Conn, key: RequestKey, row: dict, reason: str) -> bool:
    """One last, best-effort word to the asker where the answer would have gone: the command's response_url (when
    the answer goes that way), else the placeholder (or the stream's message) now shows the failure message, else
    (a stream that never opened, or a placeholder deleted meanwhile) a reply in the thread, ephemeral in ephemeral
    mode. `row` is the request as read (and locked) before it was marked failed, which forgot its response_url here.
    False when there was nowhere to say it or Slack refused; never raises for that."""
    fail_text, fail_blocks = failure_message(reason)
    try:
        url = slack_store.usable_response_url(row) if row["delivery"] == "response_url" else ""
        if url and slack_store.take_response_url_use(conn, key, forgotten_ok=True):
            response_url.post(url, fail_text, fail_blocks)
            return True
        if row["placeholder_ts"]:
            try:
                web_client(settings, token=bot_token_for(settings, key.team_id), retries=False).chat_update(
                    channel=key.channel_id, ts=row["placeholder_ts"], text=fail_text, blocks=fail_blocks
                )
                return True
            except SlackApiError as exc:
                if _slack_error(exc) != GONE:  # deleted meanwhile: a reply in the thread says it instead
                    raise
        elif row["delivery"] == "response_url":
            return False
        # a stream never opened (only the thread status showed), or its message is gone: a reply in the thread
        client = web_client(settings, token=bot_token_for(settings, key.team_id), retries=False)
        thread = str(row["thread_ts"] or key.message_ts)
        if row["reply_mode"] == "ephemeral":
            client.chat_postEphemeral(
                channel=key.channel_id, thread_ts=thread, user=row["user_id"], text=fail_text, blocks=fail_blocks
            )
        else:
            client.chat_postMessage(
                channel=key.channel_id,
                thread_ts=thread,
                text=fail_text,
                blocks=fail_blocks,
                metadata=slack_store.NOTICE_METADATA,
            )
    except (SlackApiError, response_url.ResponseUrlFailed, WorkspaceNotInstalled, OSError):  # OSError: unreachable
        return False
    return True


def _deliver(
    settings,
    request: ClaimedRequest,
    text: str,
    blocks: list[dict],
    *,
    status: str,
    error: str = "",
    stream: StreamedAnswer | None = None,
    opened: bool = False,
) -> None:
    """Raises TransientFailure for what is worth another attempt: Slack's 429/5xx, or Slack not reached at all
    (connection refused, a timeout) after the client's own retries."""
    try:
        _deliver_once(settings, request, text, blocks, status=status, error=error, stream=stream, opened=opened)
    except OSError as exc:  # urllib's URLError, TimeoutError, ConnectionError: the row lock was rolled back
        raise TransientFailure(f"Slack unreachable: {type(exc).__name__}") from exc


def _deliver_once(
    settings,
    request: ClaimedRequest,
    text: str,
    blocks: list[dict],
    *,
    status: str,
    error: str,
    stream: StreamedAnswer | None,
    opened: bool,
) -> None:
    key = request.key
    client = web_client(settings, token=bot_token_for(settings, key.team_id))
    if stream is not None:
        status = _deliver_stream(client, key, stream, opened=opened, settings=settings)
        from core import metrics

        metrics.DELIVERIES.labels(status).inc()
        return
    with db.connection() as conn:
        row = slack_store.lock_undelivered(conn, key)
        if row is None:
            _not_posting(client, conn, key)
            return
        placeholder_ts = row["placeholder_ts"]  # now: an attempt that started a stream meanwhile set it
        try:
            if row["delivery"] == "response_url":  # the bot is not in the conversation (bot/intake.py found out)
                status, error = _through_response_url(conn, key, row, text, blocks, status, error)
            elif request.reply_mode == "ephemeral":
                client.chat_postEphemeral(
                    channel=key.channel_id,
                    user=request.user_id,
                    text=text,
                    blocks=ephemeral_feedback(blocks, request.interaction_id),
                    thread_ts=request.thread_ts,
                )
                slack_store.set_delivery(conn, key, "ephemeral")
            elif placeholder_ts:
                if request.delivery == "stream":  # a stream an attempt opened: end it before replacing it
                    _stop_quietly(client, key.channel_id, placeholder_ts)
                try:
                    client.chat_update(channel=key.channel_id, ts=placeholder_ts, text=text, blocks=blocks)
                except SlackApiError as exc:
                    if _slack_error(exc) != GONE:
                        raise
                    _post_instead(client, conn, key, row, request.thread_ts, text, blocks)
            else:  # the placeholder could not be posted (or a stream's status was shown): answer in the thread
                slack_store.set_placeholder(
                    conn, key, _post_answer(client, conn, key, row, request.thread_ts, text, blocks)
                )
                slack_store.set_delivery(conn, key, "post")
        except SlackApiError as exc:
            if (transient := _transient(exc)) is not None:
                raise transient from exc
            _raise_if_uninstalled(exc, key)
            refused = _slack_error(exc)
            if refused in response_url.UNREACHABLE and row.get("response_url"):  # the bot left (or never joined)
                log.info("%s: %s: the answer goes through the command's response_url", key, refused)
                note = f"answer: {refused}: ephemeral through response_url"
                slack_store.set_delivery(conn, key, "response_url", note)
                status, error = _through_response_url(conn, key, row, text, blocks, status, error)
            else:
                status, error = "failed", refused
                log.error("Slack refused the answer for %s: %s", key, error)
                tell_asker_failed(settings, conn, key, row, f"Slack refused the reply: {refused}")
        slack_store.set_status(conn, key, status, error)
    from core import metrics

    metrics.DELIVERIES.labels(status).inc()


def _through_response_url(
    conn, key: RequestKey, row: dict, text: str, blocks: list[dict], status: str, error: str
) -> tuple[str, str]:
    """The answer, ephemeral to the asker, through the slash command's response_url (the bot cannot post where
    it is not a member); returns the (status, error) to record. Slack takes a response_url 5 times within 30
    minutes: past either, nothing can reach the asker any more — the answer is stored (interactions) and the
    request says why it was not delivered. Never logs the URL, nor the question."""
    url = slack_store.usable_response_url(row)
    if not url:
        reason = "expired_url" if row.get("response_url") else "no response_url"
        return _undeliverable(key, reason)
    if not slack_store.take_response_url_use(conn, key):
        return _undeliverable(key, "expired_url")
    try:
        response_url.post(url, text, ephemeral_feedback(blocks, row["interaction_id"]))
    except response_url.ResponseUrlFailed as exc:
        if exc.transient:
            raise TransientFailure(f"response_url: {exc.error}") from None
        return _undeliverable(key, exc.error)
    slack_store.set_delivery(conn, key, "response_url")
    return status, error


def _undeliverable(key: RequestKey, reason: str) -> tuple[str, str]:
    log.error("answer for %s not delivered: response_url %s (the answer is stored)", key, reason)
    return "failed", f"response_url {reason}: the answer is stored, but the asker could not be told"


def _raise_if_uninstalled(exc: SlackApiError, key: RequestKey) -> None:
    """With OAuth installs, Slack answering that the workspace's token is dead for good (token_revoked,
    account_inactive) means the app was removed from it, whether or not its uninstall event has arrived yet
    (workers.slack.dead_tokens). With a bot-token install it is the one token of the install: an error to see."""
    if _slack_error(exc) in DEAD_TOKEN_ERRORS and oauth_enabled(get_settings()):
        raise WorkspaceNotInstalled(key.team_id) from exc


def _transient(exc: SlackApiError) -> TransientFailure | None:
    code = exc.response.status_code if exc.response is not None else 0
    return TransientFailure(f"Slack answered {code}") if slack_transient(exc) else None


def _slack_error(exc: SlackApiError) -> str:
    return str(exc.response.get("error", "slack_error")) if exc.response is not None else "slack_error"


# chat.update / appendStream: the message the answer was to replace is gone (deleted while the answer was made).
GONE = "message_not_found"


def _post_instead(
    client, conn: db.Conn, key: RequestKey, row: dict, thread_ts: str, text: str, blocks: list[dict]
) -> None:
    """The answer as a new reply in the question's thread, its message deleted (GONE): nothing is lost, and its ts
    becomes the request's placeholder, so a later attempt updates this one rather than post another."""
    log.info("%s: the message to replace is gone; the answer is posted in the thread", key)
    slack_store.set_placeholder(conn, key, _post_answer(client, conn, key, row, thread_ts, text, blocks))
    slack_store.set_delivery(conn, key, "post", f"{GONE}: posted in the thread")


def _post_answer(
    client, conn: db.Conn, key: RequestKey, row: dict, thread_ts: str, text: str, blocks: list[dict]
) -> str:
    """The answer as a new reply in the thread (in the channel: no thread), tagged with its request
    (RequestKey.message_metadata); returns its ts. Where a message may already have been posted for this request
    without its ts recorded (slack_store.may_have_posted), that one is updated instead, never a second one posted."""
    earlier = earlier_message(client, conn, key, row, thread_ts) if slack_store.may_have_posted(row) else None
    if earlier:
        log.info("%s: an earlier attempt posted the answer (its ts was never recorded): updating it", key)
        _stop_quietly(client, key.channel_id, earlier)  # a stream that attempt lost is ended first
        client.chat_update(channel=key.channel_id, ts=earlier, text=text, blocks=blocks)
        return earlier
    return client.chat_postMessage(
        channel=key.channel_id,
        thread_ts=thread_ts,
        text=text,
        blocks=blocks,
        metadata=key.message_metadata(),
        **NO_UNFURLS,
    )["ts"]


def delete_for_withdrawn(client, channel: str, ts: str | None) -> bool:
    """Delete the bot's message (placeholder, stream, answer) posted for a question its asker deleted: it
    answers a question nobody can see any more. Best effort, never raises: gone already (message_not_found) is
    what was wanted; any other refusal is logged. True when the message is gone."""
    if not ts:
        return True
    try:
        client.chat_delete(channel=channel, ts=ts)
    except SlackApiError as exc:
        if _slack_error(exc) == GONE:
            return True
        log.warning("the bot's message %s/%s of a deleted question not deleted: %s", channel, ts, _slack_error(exc))
        return False
    except OSError as exc:  # Slack unreachable
        log.warning("the bot's message %s/%s of a deleted question not deleted: %s", channel, ts, exc)
        return False
    return True


def _not_posting(client, conn: db.Conn, key: RequestKey) -> None:
    """lock_undelivered found nothing to post: delivered by another attempt, or withdrawn by its asker — then any
    message of the bot's recorded for it (a stream this attempt opened before the withdrawal committed) goes."""
    row = slack_store.withdrawn(conn, key)
    if row is None:
        log.info("%s was answered by another attempt; not posting again", key)
        return
    log.info("%s was deleted by its asker; its answer is not posted", key)
    delete_for_withdrawn(client, key.channel_id, row["placeholder_ts"])


def _earlier_or_retry(client, conn: db.Conn, key: RequestKey, row: dict, thread_ts: str) -> str | None:
    """workers.slack.earlier's find, Slack's transient refusals raised for a retry."""
    try:
        return earlier_message(client, conn, key, row, thread_ts)
    except SlackApiError as exc:
        if (transient := _transient(exc)) is not None:
            raise transient from exc
        raise


def _stop_quietly(client, channel: str, ts: str) -> None:
    """End a stream if it is still open (an over one answers message_not_in_streaming_state: fine)."""
    try:
        client.chat_stopStream(channel=channel, ts=ts)
    except SlackApiError as exc:
        if (transient := _transient(exc)) is not None:
            raise transient from exc


def _deliver_stream(
    client, key: RequestKey, stream: StreamedAnswer, *, opened: bool = False, settings: Settings | None = None
) -> str:
    """chat.startStream → appendStream → stopStream, idempotent across redeliveries; returns the status recorded.

    1. Under the row lock: start the stream with the "thinking steps" only (no answer text yet) and commit its
       message ts — from then on every attempt finishes THAT message, so a redelivered task never opens a second
       stream or posts a second message. Refused (streaming not allowed here, a missing scope, …): the answer is
       posted as a message instead, and why is recorded.
    2. Under the row lock again: stream the checked answer in pieces and stop with the final blocks (sources,
       notices, 👍/👎). A stream that is over (expired, stopped) — or that an interrupted attempt had started —
       gets the whole answer with chat.update instead (ChatStream.ts, the fallback Slack documents).

    `opened`: this attempt opened the stream before the pipeline ran (workers/slack/live.py): step 1 is done, and
    step 2 first brings its thinking steps to their final state. Slack refusing the answer for good: the asker is
    told in its place (tell_asker_failed), never left with a message that still says it is working."""
    channel = key.channel_id
    settings = settings or get_settings()
    with db.connection() as conn:
        row = slack_store.lock_undelivered(conn, key)
        if row is None:
            _not_posting(client, conn, key)
            return "delivered"
        ts, thread_ts = row["placeholder_ts"], row["thread_ts"]
        lost = ts is None and slack_store.may_have_posted(row)  # an earlier attempt's stream, its ts unrecorded?
        if lost and (ts := _earlier_or_retry(client, conn, key, row, thread_ts)) is not None:
            slack_store.set_placeholder(conn, key, ts)
        resumed = ts is not None and not opened
        if ts is None:
            try:
                ts = start_stream(client, key, thread_ts=thread_ts, user_id=row["user_id"], chunks=stream.steps)
            except SlackApiError as exc:
                if (transient := _transient(exc)) is not None:
                    raise transient from exc
                _raise_if_uninstalled(exc, key)
                note = f"startStream: {_slack_error(exc)}"
                log.info("%s: streaming refused (%s); posting the answer instead", key, note)
                try:
                    posted = _post_answer(client, conn, key, row, thread_ts, stream.text, stream.blocks)
                except SlackApiError as post_exc:
                    if (transient := _transient(post_exc)) is not None:
                        raise transient from post_exc
                    _raise_if_uninstalled(post_exc, key)
                    slack_store.set_delivery(conn, key, "post", note)
                    slack_store.set_status(conn, key, "failed", _slack_error(post_exc))
                    tell_asker_failed(settings, conn, key, row, f"Slack refused the reply: {_slack_error(post_exc)}")
                    return "failed"
                slack_store.set_placeholder(conn, key, posted)
                slack_store.set_delivery(conn, key, "post", note)
                slack_store.set_status(conn, key, "delivered")
                return "delivered"
            slack_store.set_placeholder(conn, key, ts)
    with db.connection() as conn:
        row = slack_store.lock_undelivered(conn, key)
        if row is None:
            _not_posting(client, conn, key)
            return "delivered"
        note = "resumed after an interrupted attempt: chat.update" if resumed else ""
        try:
            if not resumed:
                try:
                    if opened:
                        client.chat_appendStream(channel=channel, ts=ts, chunks=stream.steps)
                    for piece in stream.pieces:
                        client.chat_appendStream(channel=channel, ts=ts, markdown_text=piece)
                    # metadata: a later attempt knows this message as this request's (workers.slack.earlier)
                    client.chat_stopStream(
                        channel=channel, ts=ts, blocks=stream.final_blocks, metadata=key.message_metadata()
                    )
                except SlackApiError as exc:
                    if (transient := _transient(exc)) is not None:
                        raise transient from exc
                    _raise_if_uninstalled(exc, key)
                    note = f"stream {_slack_error(exc)}: chat.update"
                    log.info("%s: %s", key, note)
            if note:
                _stop_quietly(client, channel, ts)
                client.chat_update(channel=channel, ts=ts, text=stream.text, blocks=stream.blocks)
        except SlackApiError as exc:
            if (transient := _transient(exc)) is not None:
                raise transient from exc
            _raise_if_uninstalled(exc, key)
            if _slack_error(exc) == GONE:
                try:
                    _post_instead(client, conn, key, row, thread_ts, stream.text, stream.blocks)
                except SlackApiError as post_exc:
                    if (transient := _transient(post_exc)) is not None:
                        raise transient from post_exc
                    _raise_if_uninstalled(post_exc, key)
                    exc = post_exc
                else:
                    slack_store.set_status(conn, key, "delivered")
                    return "delivered"
            log.error("Slack refused the answer for %s: %s", key, _slack_error(exc))
            slack_store.set_delivery(conn, key, "stream", note or None)
            slack_store.set_status(conn, key, "failed", _slack_error(exc))
            tell_asker_failed(settings, conn, key, row, f"Slack refused the reply: {_slack_error(exc)}")
            return "failed"
        slack_store.set_delivery(conn, key, "update" if note else "stream", note)
        slack_store.set_status(conn, key, "delivered")
    return "delivered"


@celery_app.task(name="workers.tasks.retune", acks_late=False)
def retune(actor: str = "beat", dry_run: bool = False, team: str | None = None) -> str:
    """The periodic retune (Celery beat, retune queue). Without `team` (a beat tick) it queues one retune per
    installed workspace (`retune_job.retune_scopes`), each on that workspace's labels only; with it, it retunes
    that scope. Not acks_late: a retune killed half-way is simply run again at the next tick, and a redelivery
    must not start a second, concurrent one."""
    from workers.retune_job import retune_scopes, run_retune

    if team is None:
        with db.connection() as conn:
            scopes = retune_scopes(conn)
        for scope in scopes:
            kwargs = {"actor": actor, "dry_run": dry_run, "team": scope}
            retune.apply_async(kwargs=kwargs, queue=RETUNE_QUEUE, expires=6 * 3600)
        return f"queued {len(scopes)} retune(s)"
    result = run_retune(pipeline(), actor=actor, dry_run=dry_run, scope=team)
    return f"{result.decision}: {result.summary}"


@celery_app.task(
    name="workers.tasks.publish_verified",
    autoretry_for=(DatabaseUnavailable,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=5,
)
def publish_verified(label_id: int, actor: str) -> str:
    """An approved correction becomes a verified answer (embedded here: workers hold the model)."""
    from feedback.labels import get_label
    from workers.kb import verified

    with db.connection() as conn:
        label = get_label(conn, label_id)
        if label["kind"] != "correction" or label["status"] != "approved":
            return "skipped: not an approved correction"
        document_id = verified.publish(conn, label, embedder=pipeline().embedder, approved_by=actor)
    return f"published as document {document_id}"
