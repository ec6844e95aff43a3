"""The admin audit log: every admin action that changes state, with who and when."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from core.db import Conn


def record_action(conn: Conn, actor: str, action: str, target: str, details: dict | None = None) -> None:
    conn.execute(
        "INSERT INTO admin_actions (actor, action, target, details) VALUES (%s, %s, %s, %s)",
        (actor, action, target, Jsonb(details or {})),
    )


def recent_actions(conn: Conn, limit: int = 50, team: str | None = None, scope: str | None = None) -> list[dict]:
    """The latest admin actions; with `team`, only that workspace's: reviews of its labels and changes of its
    verified answers (target `verified:<label id>`), prompt moves and reviews in its prompt scope (`scope`,
    recorded as `details.team`), changes of its channels (target `TEAM/CHANNEL`) and of its collections (owned by
    it, or given to it: `details.team`), and anything else recorded with it as `details.team` (a purge of its
    questions, its uninstall). Install-wide actions (key rotation) are no workspace's."""
    return conn.execute(
        "SELECT a.actor, a.action, a.target, a.details, a.at FROM admin_actions a "
        "LEFT JOIN labels l ON l.id::text = CASE WHEN a.target LIKE 'label:%%' THEN substr(a.target, 7) "
        "WHEN a.target LIKE 'verified:%%' THEN substr(a.target, 10) END "
        "LEFT JOIN collections c ON a.action = 'collections.set' AND c.name = a.target "
        "WHERE %(team)s::text IS NULL OR l.team_id = %(team)s "
        "OR (a.action LIKE 'prompts.%%' AND a.details->>'team' = coalesce(%(scope)s, %(team)s)) "
        "OR (a.action NOT LIKE 'prompts.%%' AND a.details->>'team' = %(team)s) "
        "OR (a.action = 'channels.set' AND split_part(a.target, '/', 1) = %(team)s) "
        "OR c.team_id = %(team)s "
        "ORDER BY a.id DESC LIMIT %(limit)s",
        {"team": team, "scope": scope, "limit": limit},
    ).fetchall()
