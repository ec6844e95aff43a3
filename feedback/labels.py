"""Labels: what people said about an answer — 👍/👎 votes, reasons, corrections — and their review.

Only redacted text is ever passed in here (the bot redacts comments and corrections first). Each label keeps
the prompt version that produced the answer, and a train/held-out split fixed at creation from a stable hash
of the question, so that a question never feeds demos and judges them at the same time.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from psycopg.types.json import Jsonb

from core import db
from core.db import Conn
from core.errors import AnswerloopError, NotFound
from feedback.audit import record_action

REASONS = {
    "wrong": "Wrong",
    "outdated": "Outdated",
    "incomplete": "Incomplete",
    "off_topic": "Didn't answer my question",
}
KINDS = ("up", "down", "correction")
STATUSES = ("pending", "approved", "rejected", "retracted")
SPLITS = ("train", "heldout")
_SKIN_TONE = re.compile(r"::skin-tone-\d$")


def normalize_reaction(name: str) -> str:
    """`+1::skin-tone-3` and `:+1:` are the same vote as `+1`."""
    return _SKIN_TONE.sub("", name.strip(":"))


# A click on Slack's native feedback buttons is kept among a label's "reactions" as one of these two names, so
# that a vote by button and a vote by reaction are one vote per person per answer and the latest one decides.
BUTTON_UP = "feedback_button:up"
BUTTON_DOWN = "feedback_button:down"
_BUTTONS = {BUTTON_UP: "up", BUTTON_DOWN: "down"}


def button_vote(kind: str) -> str:
    """The name a feedback-button click of this kind ('up' | 'down') is recorded under."""
    return BUTTON_UP if kind == "up" else BUTTON_DOWN


def polarity(reaction: str, positive: list[str], negative: list[str]) -> str | None:
    """'up', 'down' or None (a reaction that is not a vote)."""
    if reaction in _BUTTONS:
        return _BUTTONS[reaction]
    name = normalize_reaction(reaction)
    if name in positive:
        return "up"
    if name in negative:
        return "down"
    return None


def question_key(question: str) -> str:
    """A question's words, lowercased: case, spacing and punctuation do not make another question."""
    return " ".join(re.findall(r"\w+", question.lower()))


def split_for(question: str, heldout_percent: int) -> str:
    """train | heldout from a stable hash of the (redacted, normalised) question."""
    bucket = int(hashlib.sha256(question_key(question).encode()).hexdigest()[:8], 16) % 100
    return "heldout" if bucket < heldout_percent else "train"


@dataclass(frozen=True)
class VoteResult:
    label_id: int
    kind: str | None  # up | down | None when retracted
    changed: bool  # the label's polarity or status changed (a new vote, a flip, a retraction)
    first_down: bool  # became 👎 now, with no reasons given yet: ask why


def _interaction(conn: Conn, interaction_id: uuid.UUID | str) -> dict:
    row = conn.execute(
        "SELECT id, question_redacted, prompt_version_id, status FROM interactions WHERE id = %s", (interaction_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"Interaction {interaction_id} does not exist.")
    return row


def _locked_vote(conn: Conn, interaction_id: uuid.UUID | str, user_id: str) -> dict | None:
    """This person's 👍/👎 of this answer, locked until the transaction ends."""
    return conn.execute(
        "SELECT id, kind, status, reasons, reactions FROM labels WHERE interaction_id = %s AND user_id = %s "
        "AND kind IN ('up', 'down') FOR UPDATE",
        (interaction_id, user_id),
    ).fetchone()


def record_vote(
    conn: Conn,
    interaction_id: uuid.UUID | str,
    *,
    kind: str,
    reaction: str,
    user_id: str,
    team_id: str = "",
    channel_id: str = "",
    permalink: str = "",
    heldout_percent: int = 30,
) -> VoteResult:
    """A reaction was added, or a feedback button clicked: one vote per user per answer; the most recent reaction
    or click decides its polarity. A click replaces the person's earlier click (Slack sends no "deselect")."""
    assert kind in ("up", "down")
    inter = _interaction(conn, interaction_id)
    reaction = reaction if reaction in _BUTTONS else normalize_reaction(reaction)
    # The names this one replaces in the list: itself, and for a click, the other button too.
    replaced = list(_BUTTONS) if reaction in _BUTTONS else [reaction]
    before = _locked_vote(conn, inter["id"], user_id)
    if before is None:
        # Slack delivers events concurrently: a 👍 and a ✅ added together both find no vote. The one that loses the
        # insert (one vote per person per answer) waits for the other's commit, then updates that vote.
        row = conn.execute(
            "INSERT INTO labels (interaction_id, kind, source, team_id, channel_id, user_id, reactions, permalink, "
            "split, prompt_version_id) VALUES (%s, %s, 'reaction', %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (interaction_id, user_id) WHERE kind IN ('up', 'down') DO NOTHING RETURNING id",
            (
                inter["id"],
                kind,
                team_id,
                channel_id,
                user_id,
                [reaction],
                permalink,
                split_for(inter["question_redacted"], heldout_percent),
                inter["prompt_version_id"],
            ),
        ).fetchone()
        if row is not None:
            return VoteResult(row["id"], kind, True, kind == "down")
        before = _locked_vote(conn, inter["id"], user_id)
        assert before is not None  # the conflicting vote is committed: this statement's snapshot sees it
    # A flip, or a vote coming back after a retraction, needs review again; an approved, unchanged vote stays.
    reset = before["status"] == "retracted" or before["kind"] != kind
    conn.execute(
        "UPDATE labels SET kind = %s, "
        "reactions = array_append(ARRAY(SELECT r FROM unnest(reactions) r WHERE r <> ALL(%s)), %s), "
        "status = CASE WHEN %s THEN 'pending' ELSE status END, updated_at = now() WHERE id = %s",
        (kind, replaced, reaction, reset, before["id"]),
    )
    changed = reset
    return VoteResult(before["id"], kind, changed, changed and kind == "down" and not before["reasons"])


def retract_vote(
    conn: Conn,
    interaction_id: uuid.UUID | str,
    *,
    reaction: str,
    user_id: str,
    positive: list[str],
    negative: list[str],
) -> VoteResult | None:
    """A reaction was removed. With no vote reaction left the label is retracted; otherwise the remaining
    reaction decides. None when the user had no vote on this answer."""
    reaction = normalize_reaction(reaction)
    row = _locked_vote(conn, interaction_id, user_id)
    if row is None or reaction not in row["reactions"]:
        return None
    left = [r for r in row["reactions"] if r != reaction]
    if not left:
        conn.execute(
            "UPDATE labels SET reactions = '{}', status = 'retracted', updated_at = now() WHERE id = %s", (row["id"],)
        )
        return VoteResult(row["id"], None, row["status"] != "retracted", False)
    kind = polarity(left[-1], positive, negative) or row["kind"]
    flipped = kind != row["kind"]
    conn.execute(
        "UPDATE labels SET reactions = %s, kind = %s, status = CASE WHEN %s THEN 'pending' ELSE status END, "
        "updated_at = now() WHERE id = %s",
        (left, kind, flipped, row["id"]),
    )
    return VoteResult(row["id"], kind, flipped, False)


def add_reasons(
    conn: Conn, label_id: int, user_id: str, *, reasons: Sequence[str] = (), comment: str | None = None
) -> dict:
    """The 👎 follow-up: reasons (merged) and an optional, already-redacted comment. Only the voter may."""
    unknown = [r for r in reasons if r not in REASONS]
    if unknown:
        raise AnswerloopError(f"Unknown reason(s): {', '.join(unknown)}.", hint=f"One of {', '.join(REASONS)}.")
    row = conn.execute(
        "UPDATE labels SET reasons = ARRAY(SELECT DISTINCT unnest(reasons || %s::text[]) ORDER BY 1), "
        "comment = coalesce(%s, comment), updated_at = now() "
        "WHERE id = %s AND user_id = %s AND kind IN ('up', 'down') RETURNING id, reasons, comment",
        (list(reasons), comment, label_id, user_id),
    ).fetchone()
    if row is None:
        raise NotFound(f"No vote {label_id} by {user_id}.")
    return row


def record_correction(
    conn: Conn,
    interaction_id: uuid.UUID | str,
    *,
    correction: str,
    user_id: str,
    user_name: str = "",
    source: str = "modal",
    comment: str = "",
    pii: Mapping[str, Any] | None = None,
    team_id: str = "",
    channel_id: str = "",
    permalink: str = "",
    heldout_percent: int = 30,
) -> int:
    """A corrected answer (from the modal, or an expert's reply to an "I don't know"), pending review."""
    inter = _interaction(conn, interaction_id)
    if not correction.strip():
        raise AnswerloopError("The corrected answer is empty.", hint="Write the answer you would have given.")
    row = db.one(
        conn.execute(
            "INSERT INTO labels (interaction_id, kind, source, team_id, channel_id, user_id, user_name, correction, "
            "comment, pii, permalink, split, prompt_version_id) "
            "VALUES (%s, 'correction', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (
                inter["id"],
                source,
                team_id,
                channel_id,
                user_id,
                user_name,
                correction.strip(),
                comment,
                Jsonb(pii or {}),
                permalink,
                split_for(inter["question_redacted"], heldout_percent),
                inter["prompt_version_id"],
            ),
        )
    )
    return row["id"]


# ---------------------------------------------------------------------------------------- review


# Where a label's question (`l`) was asked: its Slack request, else the conversation the label was given in — who
# may see it (workers.access.AskedIn, may_see_where_asked). `asked_by_asker_only`: an /ask whose answer only its
# asker saw, or the private part of a Slack question (answered to its asker alone: it has no request row).
ASKED_COLUMNS = """
       coalesce(r.channel_id, l.channel_id, '') AS asked_channel, coalesce(r.user_id, '') AS asked_by,
       coalesce(r.in_dm OR r.kind = 'dm', false) AS asked_in_dm,
       coalesce(r.kind = 'command' AND (r.reply_mode = 'ephemeral' OR r.delivery = 'response_url'),
                (SELECT x.source = 'slack_private' FROM interactions x WHERE x.id = l.interaction_id),
                false) AS asked_by_asker_only
"""
ASKED_JOIN = """
LEFT JOIN LATERAL (SELECT * FROM slack_requests s WHERE s.interaction_id = l.interaction_id LIMIT 1) r ON true
"""

_LIST_SQL = (
    """
SELECT l.*, i.question_redacted AS question, i.answer, i.status AS answer_status, i.collections,
       i.citations, i.created_at AS asked_at,"""
    + ASKED_COLUMNS
    + "FROM labels l JOIN interactions i ON i.id = l.interaction_id"
    + ASKED_JOIN
    + """WHERE (%(status)s::text IS NULL OR l.status = %(status)s)
  AND (%(kind)s::text IS NULL OR l.kind = %(kind)s)
  AND (%(channel)s::text IS NULL OR l.channel_id = %(channel)s)
  AND (%(split)s::text IS NULL OR l.split = %(split)s)
  AND (%(since)s::timestamptz IS NULL OR l.created_at >= %(since)s)
  AND (%(team)s::text IS NULL OR l.team_id = %(team)s)
ORDER BY l.id DESC
LIMIT %(limit)s
"""
)


def list_labels(
    conn: Conn,
    *,
    status: str | None = None,
    kind: str | None = None,
    channel: str | None = None,
    split: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
    team: str | None = None,
) -> list[dict]:
    if status is not None and status not in STATUSES:
        raise AnswerloopError(f"Unknown status {status!r}.", hint=f"One of {', '.join(STATUSES)}.")
    if kind is not None and kind not in KINDS:
        raise AnswerloopError(f"Unknown kind {kind!r}.", hint=f"One of {', '.join(KINDS)}.")
    if split is not None and split not in SPLITS:
        raise AnswerloopError(f"Unknown split {split!r}.", hint=f"One of {', '.join(SPLITS)}.")
    return conn.execute(
        _LIST_SQL,
        {
            "status": status,
            "kind": kind,
            "channel": channel,
            "split": split,
            "since": since,
            "limit": limit,
            "team": team,
        },
    ).fetchall()


def get_label(conn: Conn, label_id: int, team: str | None = None, *, lock: bool = False) -> dict:
    """One label; with `team`, only a label of that workspace — another workspace's is reported exactly like a
    missing one. `lock`: the label row is locked until the transaction ends."""
    row = conn.execute(
        "SELECT l.*, i.question_redacted AS question, i.answer, i.status AS answer_status, i.collections, "
        "i.citations, i.closest, i.created_at AS asked_at FROM labels l JOIN interactions i ON i.id = l.interaction_id "
        "WHERE l.id = %s AND (%s::text IS NULL OR l.team_id = %s)" + (" FOR UPDATE OF l" if lock else ""),
        (label_id, team, team),
    ).fetchone()
    if row is None:
        raise NotFound(f"Label {label_id} does not exist.", hint="`answerloop labels list` shows the labels.")
    return row


def _decided_by(label: dict) -> str:
    """'by ann on 2026-12-07 09:30 UTC ("note")' — who last decided a label, as far as it says."""
    if label["status"] == "retracted":
        return "by its author (the reaction was removed)"
    who = f"by {label['reviewed_by']}" if label.get("reviewed_by") else "by an admin"
    when = f" on {label['reviewed_at'].astimezone(UTC):%Y-%m-%d %H:%M} UTC" if label.get("reviewed_at") else ""
    note = f' ("{label["review_note"]}")' if label.get("review_note") else ""
    return who + when + note


def _decided_already(label: dict, decision: str) -> AnswerloopError:
    """A decision taken since the caller looked (a stale App Home, or a rejection the CLI would overturn)."""
    if label["status"] == "rejected" and decision == "approved":
        hint = f"Nothing changed. To overturn it on purpose: `answerloop labels approve {label['id']} --force`."
    else:
        hint = f"Nothing changed. `answerloop labels show {label['id']}` shows it as it is now."
    return AnswerloopError(f"Label {label['id']} was {label['status']} {_decided_by(label)}.", hint=hint)


def review(
    conn: Conn,
    label_id: int,
    decision: str,
    actor: str,
    note: str = "",
    *,
    team: str | None = None,
    only_from: tuple[str, ...] | None = None,
) -> dict:
    """Approve or reject one label (a retracted vote cannot be approved), of workspace `team` when given.
    `only_from`: the statuses the label may be decided from — another admin's decision made since the caller
    looked (a stale App Home, a rejection the CLI would overturn) is refused, naming who decided and when.
    Returns the label as it now is."""
    assert decision in ("approved", "rejected")
    # Locked before it is read: a second admin deciding at the same time waits, then sees (and records as
    # `previous`) the first one's decision rather than the status both read before either wrote.
    label = get_label(conn, label_id, team, lock=True)
    if label["status"] == "retracted" and decision == "approved":
        raise AnswerloopError(
            f"Label {label_id} was retracted by its author (the reaction was removed).",
            hint="Only current feedback can be approved.",
        )
    if only_from is not None and label["status"] not in only_from:
        raise _decided_already(label, decision)
    conn.execute(
        "UPDATE labels SET status = %s, reviewed_by = %s, reviewed_at = now(), review_note = %s, updated_at = now() "
        "WHERE id = %s",
        (decision, actor, note, label_id),
    )
    action = "labels.approve" if decision == "approved" else "labels.reject"
    details: dict[str, Any] = {"note": note, "previous": label["status"]}
    if label["status"] == "rejected" and decision == "approved":  # forced: said in the audit, like prompts'
        details.update(overrode_rejection=True, rejected_by=label["reviewed_by"])
    record_action(conn, actor, action, f"label:{label_id}", details)
    return get_label(conn, label_id)


# The fields of an exported label (`labels export`, `labels list --format json|csv`), all redacted.
EXPORT_FIELDS = (
    "id",
    "kind",
    "source",
    "status",
    "split",
    "team_id",
    "channel_id",
    "user_id",
    "user_name",
    "reactions",
    "reasons",
    "comment",
    "correction",
    "permalink",
    "prompt_version_id",
    "question",
    "answer",
    "answer_status",
    "collections",
    "citations",
    "created_at",
    "reviewed_by",
    "reviewed_at",
    "review_note",
    "interaction_id",
)


def as_export(row: dict) -> dict:
    """One JSONL record of `labels export`: everything needed to reuse the label elsewhere (all redacted)."""
    out = {k: row.get(k) for k in EXPORT_FIELDS if k != "interaction_id"}
    out["interaction_id"] = str(row["interaction_id"])
    for k in ("created_at", "reviewed_at"):
        value = out.get(k)
        if isinstance(value, datetime):
            out[k] = value.isoformat()
    return out
