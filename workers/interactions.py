"""Recording interactions: the redacted question only, with everything needed to review and relearn."""

from __future__ import annotations

import uuid

from psycopg.types.json import Jsonb

from core.db import Conn
from guardrails.followup import ThreadContext

# Columns only a thread follow-up fills (migrations/0016_thread_conversations.sql); NULL for any other question.
_THREAD_COLUMNS = ("thread_ts", "parent_interaction_id", "asked_redacted", "standalone_by")


def thread_link(thread: ThreadContext | None, asked_redacted: str, standalone_by: str | None) -> dict:
    """A follow-up's link to its thread: the thread, the interaction of the turn it follows, the turn as written
    (redacted) when it was asked as a rewritten standalone question, and who rewrote it (model | terms)."""
    if thread is None:
        return {}
    return {
        "thread_ts": thread.thread_ts,
        "parent_interaction_id": thread.parent_interaction_id,
        "asked_redacted": asked_redacted if standalone_by else None,
        "standalone_by": standalone_by,
    }


def _parent_still_there(conn: Conn, parent: uuid.UUID | None) -> uuid.UUID | None:
    """The turn a follow-up follows, locked against deletion (FOR KEY SHARE) until this transaction ends, or None
    when it is gone: the retention purge may delete an old thread's turn while its follow-up is being recorded
    (that waits for the purge's lock, then stores no link rather than failing on the foreign key)."""
    if parent is None:
        return None
    found = conn.execute("SELECT id FROM interactions WHERE id = %s FOR KEY SHARE", (parent,)).fetchone()
    return parent if found is not None else None


def record_interaction(conn: Conn, row: dict) -> uuid.UUID:
    interaction_id = row.get("id") or uuid.uuid4()
    row = {**row, "parent_interaction_id": _parent_still_there(conn, row.get("parent_interaction_id"))}
    conn.execute(
        """
        INSERT INTO interactions (id, source, collections, question_redacted, answer, status, reason, answerer,
                                  citations, closest, scores, guard, prompt_version_id, timings_ms, team_id,
                                  thread_ts, parent_interaction_id, asked_redacted, standalone_by)
        VALUES (%(id)s, %(source)s, %(collections)s, %(question_redacted)s, %(answer)s, %(status)s, %(reason)s,
                %(answerer)s, %(citations)s, %(closest)s, %(scores)s, %(guard)s, %(prompt_version_id)s,
                %(timings_ms)s, %(team_id)s, %(thread_ts)s, %(parent_interaction_id)s, %(asked_redacted)s,
                %(standalone_by)s)
        ON CONFLICT (id) DO NOTHING
        """,
        {
            "team_id": "",
            **dict.fromkeys(_THREAD_COLUMNS),
            **row,
            "id": interaction_id,
            "citations": Jsonb(row["citations"]),
            "closest": Jsonb(row["closest"]),
            "scores": Jsonb(row["scores"]),
            "guard": Jsonb(row["guard"]),
            "timings_ms": Jsonb(row["timings_ms"]),
        },
    )
    return interaction_id


def known_teams(conn: Conn) -> list[str]:
    """Workspaces an admin may name, sorted: installed ones and any with interactions here (a bot-token install
    keeps no installation row; an uninstalled workspace keeps its knowledge for a reinstall)."""
    rows = conn.execute(
        "SELECT team_id FROM slack_installations UNION SELECT DISTINCT team_id FROM interactions "
        "WHERE team_id <> '' ORDER BY 1"
    ).fetchall()
    return [r["team_id"] for r in rows]
