"""The admin audit log: every admin action that changes state, with who and when."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from core.db import Conn


def record_action(conn: Conn, actor: str, action: str, target: str, details: dict | None = None) -> None:
    conn.execute(
        "INSERT INTO admin_actions (actor, action, target, details) VALUES (%s, %s, %s, %s)",
        (actor, action, target, Jsonb(details or {})),
    )


def recent_actions(conn: Conn, limit: int = 50) -> list[dict]:
    return conn.execute(
        "SELECT actor, action, target, details, at FROM admin_actions ORDER BY id DESC LIMIT %s", (limit,)
    ).fetchall()
