"""Postgres state of the Slack surface: channel settings and the durable record of each question."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from core import db
from core.db import Conn
from guardrails.followup import MAX_TURNS, ThreadContext, Turn, bounded_turns
from workers.slack.respond import MAX_USES, TTL

# Interaction ids derive from the request key, so a redelivered task records the same interaction.
_NAMESPACE = uuid.UUID("5b0c3e2a-8d1f-4f4e-9a57-2f8b1f0f6d11")


@dataclass(frozen=True)
class RequestKey:
    team_id: str
    channel_id: str
    message_ts: str

    def interaction_id(self) -> uuid.UUID:
        return uuid.uuid5(_NAMESPACE, f"{self.team_id}/{self.channel_id}/{self.message_ts}")

    def as_args(self) -> tuple[str, str, str]:
        return (self.team_id, self.channel_id, self.message_ts)

    def message_metadata(self) -> dict[str, Any]:
        """Slack message metadata naming this request, on every message posted for it (the intake's placeholder,
        the worker's answer): an attempt that finds no recorded ts — its commit lost, the process killed after
        Slack's answer — finds the message (workers.slack.earlier) instead of posting a second one.
        Ids only: a message's metadata is readable by anyone in the workspace."""
        payload = {"team_id": self.team_id, "channel_id": self.channel_id, "message_ts": self.message_ts}
        return {"event_type": ANSWER_EVENT, "event_payload": payload}


ANSWER_EVENT = "answerloop_answer"  # the metadata event type of the messages posted for a request
# The metadata of the bot's other messages in a thread (notices, acknowledgements, a failure told): tagged so
# that a retry never takes one for a stream it lost (workers.slack.earlier reads untagged replies as such).
NOTICE_METADATA: dict[str, Any] = {"event_type": "answerloop_notice", "event_payload": {"kind": "notice"}}


@dataclass(frozen=True)
class ClaimedRequest:
    """A Slack question a worker has claimed for answering (the slack_requests row, locked)."""

    key: RequestKey
    thread_ts: str
    user_id: str
    kind: str  # mention | dm | thread | command
    question_redacted: str
    pii: dict[str, Any]  # what the intake removed from the question (types and counts)
    interaction_id: uuid.UUID
    reply_mode: str  # in_channel | ephemeral
    delivery: str  # stream | update | post | ephemeral: how the answer is to reach Slack
    file_ids: tuple[str, ...] = ()  # Slack files attached to the question (ids only; read by the worker)
    # Asked in the asker's own DM with the bot, as Slack said it when the question came in (never from the channel
    # id: a DM between two people is a "D…" too). What it grants: every collection the asker may read is
    # answered in the open (workers.access.scope_for), since the asker is the conversation's only other reader.
    in_dm: bool = False
    # The slash command's response_url while it is usable (not expired; see workers/slack/respond.py): a
    # capability, so never in a repr or a log line. "" for other kinds of question, or once expired.
    response_url: str = field(default="", repr=False)


@dataclass(frozen=True)
class ChannelSettings:
    collections: list[str] | None
    expert: str | None
    reply_mode: str
    thread_followups: bool = True  # replies in a thread the bot answered are questions without a mention


def channel_settings(conn: Conn, team_id: str, channel_id: str, default_mode: str) -> ChannelSettings:
    row = conn.execute(
        "SELECT collections, expert, reply_mode, thread_followups FROM channel_settings "
        "WHERE team_id = %s AND channel_id = %s",
        (team_id, channel_id),
    ).fetchone()
    if row is None:
        return ChannelSettings(None, None, default_mode)
    return ChannelSettings(row["collections"], row["expert"], row["reply_mode"], row["thread_followups"])


def set_channel(
    conn: Conn,
    team_id: str,
    channel_id: str,
    *,
    collections: list[str] | None,
    expert: str | None,
    reply_mode: str | None,
    actor: str,
    thread_followups: bool | None = None,
) -> None:
    conn.execute(
        """
        INSERT INTO channel_settings (team_id, channel_id, collections, expert, reply_mode, thread_followups,
                                      updated_by)
        VALUES (%s, %s, %s, %s, coalesce(%s, 'in_channel'), coalesce(%s, true), %s)
        ON CONFLICT (team_id, channel_id) DO UPDATE SET
            collections = coalesce(EXCLUDED.collections, channel_settings.collections),
            expert = coalesce(EXCLUDED.expert, channel_settings.expert),
            reply_mode = coalesce(%s, channel_settings.reply_mode),
            thread_followups = coalesce(%s, channel_settings.thread_followups),
            updated_at = now(), updated_by = EXCLUDED.updated_by
        """,
        (team_id, channel_id, collections, expert, reply_mode, thread_followups, actor, reply_mode, thread_followups),
    )


def list_channels(conn: Conn) -> list[dict]:
    return conn.execute("SELECT * FROM channel_settings ORDER BY team_id, channel_id").fetchall()


def create_request(
    conn: Conn,
    key: RequestKey,
    *,
    thread_ts: str,
    user_id: str,
    kind: str,
    question_redacted: str,
    pii: Mapping[str, Any],
    reply_mode: str,
    file_ids: Sequence[str] = (),
    in_dm: bool = False,
    response_url: str = "",
) -> bool:
    """Record a new question; False when this (team, channel, ts) was already received (a duplicate). `in_dm`:
    Slack said it was asked in the asker's own DM with the bot (see ClaimedRequest.in_dm). `response_url`: a
    slash command's, kept until the answer is delivered (see workers/slack/respond.py)."""
    row = conn.execute(
        """
        INSERT INTO slack_requests (team_id, channel_id, message_ts, thread_ts, user_id, kind, question_redacted,
                                    pii, interaction_id, reply_mode, file_ids, in_dm, response_url,
                                    response_url_expires_at)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
                CASE WHEN %s::text IS NULL THEN NULL ELSE now() + make_interval(secs => %s) END)
        ON CONFLICT DO NOTHING
        RETURNING message_ts
        """,
        (
            *key.as_args(),
            thread_ts,
            user_id,
            kind,
            question_redacted,
            Jsonb(pii),
            key.interaction_id(),
            reply_mode,
            list(file_ids),
            in_dm,
            response_url or None,
            response_url or None,
            TTL.total_seconds(),
        ),
    ).fetchone()
    return row is not None


@dataclass(frozen=True)
class RecentLoad:
    by_user: int  # this asker's questions in the window
    by_channel: int  # this channel's questions in the window
    in_flight: int  # this asker's questions not answered yet (any channel)


def recent_load(conn: Conn, team_id: str, channel_id: str, user_id: str, window_s: float) -> RecentLoad:
    row = db.one(
        conn.execute(
            """
        SELECT
          (SELECT count(*) FROM slack_requests WHERE team_id = %(t)s AND user_id = %(u)s
             AND created_at > now() - make_interval(secs => %(w)s))::int AS by_user,
          (SELECT count(*) FROM slack_requests WHERE team_id = %(t)s AND channel_id = %(c)s
             AND created_at > now() - make_interval(secs => %(w)s))::int AS by_channel,
          (SELECT count(*) FROM slack_requests WHERE team_id = %(t)s AND user_id = %(u)s
             AND status IN ('received', 'queued', 'answering')
             AND created_at > now() - interval '1 hour')::int AS in_flight
        """,
            {"t": team_id, "c": channel_id, "u": user_id, "w": window_s},
        )
    )
    return RecentLoad(row["by_user"], row["by_channel"], row["in_flight"])


def set_placeholder(conn: Conn, key: RequestKey, placeholder_ts: str) -> None:
    """Remember the placeholder; a question that started no thread (a slash command) lives in its thread."""
    conn.execute(
        "UPDATE slack_requests SET placeholder_ts = %s, thread_ts = coalesce(nullif(thread_ts, ''), %s), "
        "updated_at = now() WHERE team_id = %s AND channel_id = %s AND message_ts = %s",
        (placeholder_ts, placeholder_ts, *key.as_args()),
    )


def may_have_posted(row: Mapping[str, Any]) -> bool:
    """A message for this request may be in Slack with its ts unrecorded: an attempt after another (the claim counts
    them), or the intake's placeholder (delivery 'update') whose ts is missing — the bot died after Slack's answer."""
    return (row.get("attempts") or 0) > 1 or (row.get("delivery") == "update" and not row.get("placeholder_ts"))


def recorded_messages(conn: Conn, team_id: str, channel_id: str, candidates: list[str]) -> set[str]:
    """Which of these message ts some request of the channel holds as its placeholder (its stream, its answer)."""
    rows = conn.execute(
        "SELECT placeholder_ts FROM slack_requests WHERE team_id = %s AND channel_id = %s AND placeholder_ts = ANY(%s)",
        (team_id, channel_id, candidates),
    )
    return {r["placeholder_ts"] for r in rows}


def set_status(conn: Conn, key: RequestKey, status: str, error: str = "") -> None:
    """Delivered or failed, the request needs its response_url no more: it is forgotten (a capability)."""
    conn.execute(
        "UPDATE slack_requests SET status = %s, error = %s, updated_at = now(), "
        "question_redacted = CASE WHEN %s = 'delivered' THEN NULL ELSE question_redacted END, "
        "response_url = CASE WHEN %s IN ('delivered', 'failed') THEN NULL ELSE response_url END "
        "WHERE team_id = %s AND channel_id = %s AND message_ts = %s AND (status <> 'delivered' OR %s = 'delivered')",
        (status, error, status, status, *key.as_args(), status),
    )  # a delivered answer is never downgraded by a late, failing duplicate attempt


def take_response_url_use(conn: Conn, key: RequestKey, *, forgotten_ok: bool = False) -> bool:
    """Count one more message through the request's response_url; False when Slack would refuse it (no
    response_url, past its 30 minutes, or its MAX_USES taken). `forgotten_ok`: the caller holds the URL itself
    (the private answer that follows a delivered one: delivering forgot it here, the count still holds)."""
    row = conn.execute(
        "UPDATE slack_requests SET response_url_uses = response_url_uses + 1, updated_at = now() "
        "WHERE team_id = %s AND channel_id = %s AND message_ts = %s AND (response_url IS NOT NULL OR %s) "
        "AND response_url_expires_at > now() AND response_url_uses < %s RETURNING response_url_uses",
        (*key.as_args(), forgotten_ok, MAX_USES),
    ).fetchone()
    return row is not None


def forget_expired_response_urls(conn: Conn) -> int:
    """Response URLs past Slack's 30 minutes can do nothing: not kept (requests never finished included)."""
    cur = conn.execute(
        "UPDATE slack_requests SET response_url = NULL "
        "WHERE response_url IS NOT NULL AND response_url_expires_at < now()"
    )
    return cur.rowcount


def mark_queued(conn: Conn, key: RequestKey) -> None:
    """The intake sent the question to the broker: `received` → `queued`. Only from `received`: a worker may have
    claimed (or even answered) it between the send and this update, and its state is newer."""
    conn.execute(
        "UPDATE slack_requests SET status = 'queued', updated_at = now() "
        "WHERE team_id = %s AND channel_id = %s AND message_ts = %s AND status = 'received'",
        key.as_args(),
    )


def lock_if_undelivered(conn: Conn, key: RequestKey) -> bool:
    """Row-lock the request for the rest of the transaction; False if an answer was delivered already.

    Concurrent attempts at one question (a redelivery while the first attempt still runs) thus post one at a
    time, and a later one never overwrites an answer that is already there."""
    row = conn.execute(
        "SELECT status FROM slack_requests WHERE team_id = %s AND channel_id = %s AND message_ts = %s FOR UPDATE",
        key.as_args(),
    ).fetchone()
    return row is not None and row["status"] != "delivered"


def lock_undelivered(conn: Conn, key: RequestKey) -> dict | None:
    """Like lock_if_undelivered, and returns the locked row as it is now (another attempt may have started a
    stream since this one claimed the request); None if unknown, delivered already or withdrawn by its asker
    (`withdraw_request`: nothing is to be posted for it any more, not even a failure)."""
    row = conn.execute(
        "SELECT * FROM slack_requests WHERE team_id = %s AND channel_id = %s AND message_ts = %s FOR UPDATE",
        key.as_args(),
    ).fetchone()
    return None if row is None or row["status"] == "delivered" or row["withdrawn_at"] is not None else row


WITHDRAWN = "deleted by its asker"  # the error of a request withdrawn before its answer was delivered


def lock_message(conn: Conn, key: RequestKey) -> None:
    """Serialise, for the rest of the transaction, what is done about one Slack message: taking it as a question
    (`create_request`) and withdrawing it (`withdraw_request` / `note_deleted`). Without it a deletion handled
    while the question's row is being written sees no row, and the question is answered all the same."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", ("/".join(key.as_args()),))


def note_deleted(conn: Conn, key: RequestKey) -> None:
    """A person's message was deleted before it was taken as a question (Slack's events came out of order): keep
    its ids (not its text), so that `deleted_before_taken` drops its event when it arrives. Call after
    `lock_message`, once `withdraw_request` found no request."""
    conn.execute(
        "INSERT INTO slack_deleted_messages (team_id, channel_id, message_ts) VALUES (%s, %s, %s) "
        "ON CONFLICT DO NOTHING",
        key.as_args(),
    )


def deleted_before_taken(conn: Conn, key: RequestKey) -> bool:
    """Was this message deleted before its event reached the intake (`note_deleted`)? Call after `lock_message`."""
    return (
        conn.execute(
            "SELECT 1 FROM slack_deleted_messages WHERE team_id = %s AND channel_id = %s AND message_ts = %s",
            key.as_args(),
        ).fetchone()
        is not None
    )


DELETIONS_KEPT = timedelta(days=1)  # far longer than Slack retries an event (three times within minutes)


def forget_old_deletions(conn: Conn) -> int:
    """Forget deletions noted more than DELETIONS_KEPT ago: no event of theirs is still to come."""
    return conn.execute("DELETE FROM slack_deleted_messages WHERE deleted_at < now() - %s", (DELETIONS_KEPT,)).rowcount


def withdraw_request(conn: Conn, key: RequestKey) -> dict | None:
    """The asker deleted the question's message: under the row lock, mark the request withdrawn (for good: the
    worker posts nothing more for it, agent-DM suggestions and gaps leave it out); not delivered yet, it ends
    `failed` with WITHDRAWN and its redacted copy of the question is dropped. Returns the row as it was before
    (its placeholder_ts: the bot's message to delete, a placeholder, stream or answer), or None for a message
    that is no question of ours, or one withdrawn already (a redelivered event)."""
    row = conn.execute(
        "SELECT * FROM slack_requests WHERE team_id = %s AND channel_id = %s AND message_ts = %s "
        "AND withdrawn_at IS NULL FOR UPDATE",
        key.as_args(),
    ).fetchone()
    if row is None:
        return None
    conn.execute(
        "UPDATE slack_requests SET withdrawn_at = now(), updated_at = now(), question_redacted = NULL, "
        "response_url = NULL, "
        "status = CASE WHEN status = 'delivered' THEN status ELSE 'failed' END, "
        "error = CASE WHEN status = 'delivered' THEN error ELSE %s END "
        "WHERE team_id = %s AND channel_id = %s AND message_ts = %s",
        (WITHDRAWN, *key.as_args()),
    )
    return row


def withdrawn(conn: Conn, key: RequestKey) -> dict | None:
    """The request, if its asker withdrew it (its placeholder_ts: the bot's message posted for it, if any, a
    placeholder or stream recorded after the withdrawal too); None if not withdrawn, or unknown."""
    return conn.execute(
        "SELECT placeholder_ts FROM slack_requests WHERE team_id = %s AND channel_id = %s AND message_ts = %s "
        "AND withdrawn_at IS NOT NULL",
        key.as_args(),
    ).fetchone()


def set_delivery(conn: Conn, key: RequestKey, delivery: str, note: str | None = None) -> None:
    """How the answer reaches Slack: stream | update | post | ephemeral, and why a fallback was taken (None
    keeps the note already there, e.g. the intake's "setStatus: not_allowed")."""
    conn.execute(
        "UPDATE slack_requests SET delivery = %s, delivery_note = coalesce(left(%s, 500), delivery_note), "
        "updated_at = now() "
        "WHERE team_id = %s AND channel_id = %s AND message_ts = %s",
        (delivery, note, *key.as_args()),
    )


def thread_context(conn: Conn, key: RequestKey, thread_ts: str, limit: int = MAX_TURNS) -> ThreadContext | None:
    """The thread a follow-up was asked in and its turns answered before it (redacted; the last `limit`, oldest
    first, each cut short); None for a question that starts its thread or has nothing answered before it."""
    if not thread_ts or thread_ts == key.message_ts:
        return None
    rows = conn.execute(
        """
        SELECT i.id, i.question_redacted, i.answer FROM slack_requests r JOIN interactions i ON i.id = r.interaction_id
        WHERE r.team_id = %(t)s AND r.channel_id = %(c)s AND r.thread_ts = %(th)s AND r.message_ts <> %(m)s
          AND r.withdrawn_at IS NULL
          AND r.created_at < (SELECT created_at FROM slack_requests
                              WHERE team_id = %(t)s AND channel_id = %(c)s AND message_ts = %(m)s)
        ORDER BY r.created_at DESC LIMIT %(n)s
        """,
        {"t": key.team_id, "c": key.channel_id, "th": thread_ts, "m": key.message_ts, "n": limit},
    ).fetchall()
    if not rows:
        return None
    turns = bounded_turns([Turn(r["question_redacted"], r["answer"]) for r in reversed(rows)], max_turns=limit)
    return ThreadContext(thread_ts, rows[0]["id"], turns)


def claim_request(conn: Conn, key: RequestKey) -> ClaimedRequest | None:
    """Lock the request for answering; None if it is unknown, already delivered (a redelivered task) or withdrawn
    by its asker."""
    row = conn.execute(
        "SELECT * FROM slack_requests WHERE team_id = %s AND channel_id = %s AND message_ts = %s FOR UPDATE",
        key.as_args(),
    ).fetchone()
    if row is None or row["status"] == "delivered" or row["withdrawn_at"] is not None:
        return None
    conn.execute(
        "UPDATE slack_requests SET status = 'answering', attempts = attempts + 1, updated_at = now() "
        "WHERE team_id = %s AND channel_id = %s AND message_ts = %s",
        key.as_args(),
    )
    return ClaimedRequest(
        key=key,
        thread_ts=row["thread_ts"],
        user_id=row["user_id"],
        kind=row["kind"],
        question_redacted=row["question_redacted"] or "",
        pii=row["pii"] or {},
        interaction_id=row["interaction_id"],
        reply_mode=row["reply_mode"],
        delivery=row["delivery"],
        file_ids=tuple(row["file_ids"] or ()),
        in_dm=bool(row["in_dm"]),
        response_url=usable_response_url(row),
    )


def usable_response_url(row: Mapping[str, Any]) -> str:
    """The row's response_url if Slack still takes it (its 30 minutes not over, uses left); else ""."""
    url, expires = row.get("response_url"), row.get("response_url_expires_at")
    if not url or expires is None or expires <= datetime.now(UTC):
        return ""
    return url if int(row.get("response_url_uses") or 0) < MAX_USES else ""


def bot_answered_thread(conn: Conn, team_id: str, channel_id: str, thread_ts: str) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM slack_requests WHERE team_id = %s AND channel_id = %s AND thread_ts = %s LIMIT 1",
            (team_id, channel_id, thread_ts),
        ).fetchone()
        is not None
    )


def stale_requests(
    conn: Conn, *, received_after_s: float, inflight_after_s: float, max_age_s: float
) -> list[RequestKey]:
    """Questions to (re-)send to the queue: saved while the broker was down (`received`), or sent but never
    finished (`queued`/`answering` with no progress for `inflight_after_s`): the broker lost the task (Redis
    restarted without persistence) or its retries ran out while Postgres was down. Tasks are idempotent, so a
    question that was only slow is at worst tried twice, and answered once."""
    rows = conn.execute(
        "SELECT team_id, channel_id, message_ts FROM slack_requests "
        "WHERE created_at > now() - make_interval(secs => %s) "
        "AND ((status = 'received' AND updated_at < now() - make_interval(secs => %s)) "
        "OR (status IN ('queued', 'answering') AND updated_at < now() - make_interval(secs => %s))) "
        "ORDER BY created_at LIMIT 100",
        (max_age_s, received_after_s, inflight_after_s),
    ).fetchall()
    return [RequestKey(r["team_id"], r["channel_id"], r["message_ts"]) for r in rows]


_EXPIRED = (
    "status IN ('received', 'queued', 'answering') "
    "AND created_at <= now() - make_interval(secs => %(max_age)s) "
    "AND updated_at < now() - make_interval(secs => %(idle)s)"
)


def expired_requests(conn: Conn, *, max_age_s: float, inflight_after_s: float, limit: int = 100) -> list[RequestKey]:
    """Questions too old for `stale_requests` to re-send (older than `max_age_s`), still unfinished and with no
    progress for `inflight_after_s`: nobody will answer them; the requeuer gives up on them (`expire_request`)."""
    rows = conn.execute(
        f"SELECT team_id, channel_id, message_ts FROM slack_requests WHERE {_EXPIRED} ORDER BY created_at LIMIT %(n)s",
        {"max_age": max_age_s, "idle": inflight_after_s, "n": limit},
    ).fetchall()
    return [RequestKey(r["team_id"], r["channel_id"], r["message_ts"]) for r in rows]


def expire_request(
    conn: Conn, key: RequestKey, *, max_age_s: float, inflight_after_s: float, reason: str
) -> dict | None:
    """Mark one expired request `failed` with `reason`, under its row lock, if it still is expired: a worker that
    delivered it (or made progress) meanwhile wins. Returns the row as it was before (its placeholder and
    response_url, to tell the asker), the lock held for the rest of the transaction; None if left alone."""
    row = conn.execute(
        f"SELECT * FROM slack_requests WHERE team_id = %(t)s AND channel_id = %(c)s AND message_ts = %(m)s "
        f"AND {_EXPIRED} FOR UPDATE",
        {"t": key.team_id, "c": key.channel_id, "m": key.message_ts, "max_age": max_age_s, "idle": inflight_after_s},
    ).fetchone()
    if row is None:
        return None
    set_status(conn, key, "failed", reason)
    return row


@dataclass(frozen=True)
class AnswerRef:
    """One of our delivered answers, found from the Slack message that shows it."""

    interaction_id: uuid.UUID
    asker: str
    thread_ts: str
    status: str  # the interaction's: answered | dont_know
    question: str  # redacted
    answer: str
    collections: list[str]


_ANSWER_SQL = """
SELECT r.interaction_id, r.user_id, r.thread_ts, i.status, i.question_redacted, i.answer, i.collections
FROM slack_requests r JOIN interactions i ON i.id = r.interaction_id
WHERE r.team_id = %s AND r.channel_id = %s AND {where}
ORDER BY r.created_at DESC LIMIT 1
"""


def _answer_ref(row: dict | None) -> AnswerRef | None:
    if row is None:
        return None
    return AnswerRef(
        row["interaction_id"],
        row["user_id"],
        row["thread_ts"],
        row["status"],
        row["question_redacted"],
        row["answer"],
        list(row["collections"]),
    )


def answer_at(conn: Conn, team_id: str, channel_id: str, message_ts: str) -> AnswerRef | None:
    """The answer shown by the bot message at `message_ts` (the placeholder it replaced), or None. The recorded
    interaction is what counts, not the delivery status: a quick reaction can land between `chat.update` and
    the worker's commit."""
    row = conn.execute(_ANSWER_SQL.format(where="r.placeholder_ts = %s"), (team_id, channel_id, message_ts)).fetchone()
    return _answer_ref(row)


def answer_of(conn: Conn, team_id: str, channel_id: str, interaction_id: uuid.UUID) -> AnswerRef | None:
    """The answer of this interaction, asked in this conversation (an ephemeral answer's 👍/👎 names it: see
    workers.slack.blocks.ephemeral_feedback); None for another workspace's or conversation's."""
    row = conn.execute(
        _ANSWER_SQL.format(where="r.interaction_id = %s"), (team_id, channel_id, interaction_id)
    ).fetchone()
    return _answer_ref(row)


def latest_answer_in_thread(conn: Conn, team_id: str, channel_id: str, thread_ts: str) -> AnswerRef | None:
    row = conn.execute(_ANSWER_SQL.format(where="r.thread_ts = %s"), (team_id, channel_id, thread_ts)).fetchone()
    return _answer_ref(row)
