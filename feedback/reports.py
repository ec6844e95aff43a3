"""Stored retune and eval reports: every comparison the flywheel makes can be printed again later."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from core import db
from core.db import Conn
from core.errors import NotFound


def store_report(
    conn: Conn,
    *,
    kind: str,
    actor: str,
    decision: str,
    summary: str,
    report: dict,
    baseline_version_id: int | None,
    candidate_version_id: int | None = None,
    dry_run: bool = False,
    scope: str = "",
) -> int:
    row = db.one(
        conn.execute(
            "INSERT INTO eval_reports (kind, actor, dry_run, baseline_version_id, candidate_version_id, decision, "
            "summary, report, team_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (kind, actor, dry_run, baseline_version_id, candidate_version_id, decision, summary, Jsonb(report), scope),
        )
    )
    return row["id"]


def get_report(conn: Conn, report_id: int | None = None, *, kind: str | None = None, scope: str | None = None) -> dict:
    """One report by id, or the latest (of a kind); with `scope`, only that scope's (another workspace's report
    does not exist)."""
    in_scope = "(%(scope)s::text IS NULL OR team_id = %(scope)s)"
    args = {"id": report_id, "kind": kind, "scope": scope}
    if report_id is not None:
        row = conn.execute(f"SELECT * FROM eval_reports WHERE id = %(id)s AND {in_scope}", args).fetchone()
    else:
        row = conn.execute(
            f"SELECT * FROM eval_reports WHERE (%(kind)s::text IS NULL OR kind = %(kind)s) AND {in_scope} "
            "ORDER BY id DESC LIMIT 1",
            args,
        ).fetchone()
    if row is None:
        what = f"Report {report_id}" if report_id is not None else f"A {kind or ''} report".replace("  ", " ")
        raise NotFound(f"{what} does not exist.", hint="`answerloop retune list` lists the stored reports.")
    return row


def list_reports(conn: Conn, limit: int = 20, scope: str | None = None) -> list[dict]:
    return conn.execute(
        "SELECT id, kind, actor, dry_run, baseline_version_id, candidate_version_id, decision, summary, created_at "
        "FROM eval_reports WHERE (%s::text IS NULL OR team_id = %s) ORDER BY id DESC LIMIT %s",
        (scope, scope, limit),
    ).fetchall()
