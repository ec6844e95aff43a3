"""`answerloop stats`, `review sample` and `audit`: what the bot answered and who changed what."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cli.admin import MAX_ROWS, Team, admin_db_url, prompt_scope, shorten, workspace_scope
from cli.output import Format, FormatOption, console, print_records
from core import db
from feedback.audit import recent_actions
from feedback.stats import Rate, VersionStats

review_app = typer.Typer(help="Read what the bot answered.", no_args_is_help=True)
# How far back stats and samples may reach (a hundred years): Postgres intervals overflow far beyond it.
MAX_WEEKS = 5200


def stats_command(
    weeks: Annotated[int, typer.Option(min=1, max=MAX_WEEKS, help="How many weeks back.")] = 8,
    by_version: Annotated[
        bool, typer.Option("--by-version", help="Per prompt version, with counts and 95% intervals (a canary).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout (a script's or a spreadsheet's).")] = False,
    team: Team = None,
) -> None:
    """Questions, answered vs "I don't know", and 👍/👎 rate by week and prompt version; --by-version: live 👍 rate,
    "I don't know" rate, grounding pass rate and latency p50 per version over the whole window."""
    from feedback.stats import weekly_stats

    if by_version:
        _stats_by_version(weeks, as_json, team)
        return
    with db.connect(admin_db_url()) as conn:
        rows = weekly_stats(conn, weeks, workspace_scope(conn, team))
    if as_json:  # the same figures as the table, every row whatever its count; an empty window is an empty list
        print(json.dumps({"weeks_back": weeks, "weeks": rows}, default=str))
        return
    if not rows:
        console.print(f"no questions in the last {weeks} week(s)")
        return
    table = Table("week", "version", "questions", "answered", "I don't know", "👍", "👎", "👍 rate", "corrections")
    for r in rows:
        table.add_row(
            f"{r['week']:%Y-%m-%d}",
            f"v{r['version']}" if r["version"] else "–",
            str(r["questions"]),
            f"{r['answered']} ({r['answered_rate']:.0%})",
            str(r["dont_know"]),
            str(r["ups"]),
            str(r["downs"]),
            f"{r['up_rate']:.0%}" if r["up_rate"] is not None else "–",
            str(r["corrections"]),
        )
    console.print(table)


def _rate(r: Rate) -> str:
    if r.value is None or r.low is None or r.high is None:
        return "– (0)"
    return f"{r.value:.0%} [{r.low:.0%}–{r.high:.0%}] ({r.hits}/{r.n})"


def _stats_by_version(weeks: int, as_json: bool, team: str | None) -> None:
    from feedback import canary
    from feedback import prompt_versions as pv
    from feedback.stats import version_stats

    since = datetime.now(UTC) - timedelta(weeks=weeks)
    with db.connect(admin_db_url()) as conn:
        scope = prompt_scope(conn, team)
        rows = version_stats(conn, since, workspace_scope(conn, team))
        active, test = pv.active_version_id(conn, scope), canary.running(conn, scope)
    roles = {active: "active"} | ({test.version_id: f"canary {test.percent:g}%"} if test else {})
    # The active version and a canary just started are listed before their first question, with zero counts.
    asked = {r.version for r in rows}
    rows = sorted(
        rows + [VersionStats.unasked(v) for v in roles if v not in asked], key=lambda r: r.version, reverse=True
    )
    if as_json:
        out = [r.as_dict() | {"role": roles.get(r.version, "")} for r in rows]
        print(json.dumps({"since": since.isoformat(), "versions": out}))
        return
    if not rows:
        console.print(f"no questions in the last {weeks} week(s)")
        return
    table = Table(
        "version", "questions", "👍 rate [95% CI] (votes)", "I don't know", "grounding pass", "latency p50 ms [95% CI]",
        title=f"Per prompt version since {since:%Y-%m-%d}",
    )  # fmt: skip
    for r in rows:
        lat = r.latency_ms
        latency = f"{lat.value:.0f} [{lat.low:.0f}–{lat.high:.0f}] (n={lat.n})" if lat.value is not None else "–"
        role = f" ({roles[r.version]})" if r.version in roles else ""
        table.add_row(f"v{r.version}{role}", str(r.questions), _rate(r.up), _rate(r.dont_know), _rate(r.grounding),
                      latency)  # fmt: skip
    console.print(table)


@review_app.command("sample")
def review_sample(
    n: Annotated[int, typer.Option("--n", min=1, max=MAX_ROWS, help="How many.")] = 20,
    days: Annotated[int, typer.Option(min=1, max=7 * MAX_WEEKS, help="From the last N days.")] = 7,
    seed: Annotated[str, typer.Option(help="Same seed, same sample (default: today's date).")] = "",
    team: Team = None,
) -> None:
    """A random sample of recent interactions to read (redacted questions only)."""
    from feedback.stats import review_sample as sample

    with db.connect(admin_db_url()) as conn:
        rows = sample(conn, n, days, seed or f"{datetime.now(UTC):%Y-%m-%d}", workspace_scope(conn, team))
    if not rows:
        console.print(f"no interactions in the last {days} day(s)")
        return
    for r in rows:
        votes = f"👍 {r['ups']} 👎 {r['downs']}" + (f" ✎ {r['corrections']}" if r["corrections"] else "")
        status = r["status"] + (f" ({r['reason']})" if r["reason"] else "")
        console.print(
            f"[bold]{r['created_at']:%Y-%m-%d %H:%M}[/] {r['source']} · {', '.join(r['collections'])} · "
            f"v{r['prompt_version_id']} · {status} · {votes}"
        )
        console.print(f"  [cyan]Q[/] {escape(shorten(r['question_redacted'], 200))}")
        console.print(f"  [green]A[/] {escape(shorten(r['answer'], 300))}")
        for c in (r["citations"] or [])[:3]:
            console.print(f"    [dim]{escape(c.get('document_title', ''))} › {escape(c.get('section', ''))}[/]")
        console.print(f"  [dim]id {r['id']}[/]")


def audit_command(
    limit: Annotated[int, typer.Option(min=1, max=MAX_ROWS)] = 30, fmt: FormatOption = Format.table, team: Team = None
) -> None:
    """Recent admin actions of the workspace (who changed what, when), newest first."""
    with db.connect(admin_db_url()) as conn:
        team = workspace_scope(conn, team)
        scope = prompt_scope(conn, team) if team is not None else None
        rows = recent_actions(conn, limit, team, scope)
    if fmt is not Format.table:
        records = [r | {"at": r["at"].isoformat()} for r in rows]
        print_records(fmt, "actions", ("at", "actor", "action", "target", "details"), records)
        return
    if not rows:
        console.print("no admin actions recorded yet")
        return
    table = Table("at", "actor", "action", "target", "details")
    for r in rows:
        table.add_row(
            f"{r['at']:%Y-%m-%d %H:%M:%S}",
            escape(r["actor"]),
            r["action"],
            escape(r["target"]),
            escape(json.dumps(r["details"])),
        )
    console.print(table)
