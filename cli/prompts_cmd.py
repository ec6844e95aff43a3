"""`answerloop prompts`: prompt versions of one workspace — list, show, diff, activate, rollback, review, export,
and canary tests (canary, promote; rollback ends one)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cli.admin import (
    MAX_ROWS,
    Actor,
    Note,
    Reason,
    Team,
    acting_admin,
    admin_db_url,
    parse_since,
    prompt_scope,
    shorten,
    workspace_scope,
)
from cli.output import Format, FormatOption, console, err_console, print_records, write_file
from core import db
from feedback import canary
from feedback import prompt_versions as pv
from feedback.stats import VersionStats, version_stats

# Serving a version an admin rejected: refused without it, recorded as an override with it.
Force = Annotated[
    bool,
    typer.Option(
        "--force", help="Serve the version even though an admin rejected it (recorded in the audit log as an override)."
    ),
]

prompts_app = typer.Typer(
    help="Prompt versions: list, show, diff, activate, rollback, approve, export, canary, promote.",
    no_args_is_help=True,
)


# `prompts list --format json|csv`: a version's summary and its share of askers in a running canary (null: none).
_LISTED = (*pv.VersionSummary.model_fields, "canary_percent")


@prompts_app.command("list")
def prompts_list(fmt: FormatOption = Format.table, team: Team = None) -> None:
    """Prompt versions of the workspace (and the shared seed), newest first; * marks its active one, N% a canary."""
    with db.connect(admin_db_url()) as conn:
        scope = prompt_scope(conn, team)
        versions = pv.list_versions(conn, scope)
        test = canary.running(conn, scope)
    if fmt is not Format.table:
        records = [
            v.model_dump(mode="json") | {"canary_percent": test.percent if test and test.version_id == v.id else None}
            for v in versions
        ]
        print_records(fmt, "versions", _LISTED, records)
        return
    table = Table("", "version", "created", "author", "parent", "demos", "held-out score", "review", "note")
    for v in versions:
        table.add_row(
            "*" if v.active else f"{test.percent:g}%" if test and test.version_id == v.id else "",
            f"v{v.id}",
            f"{v.created_at:%Y-%m-%d %H:%M}",
            escape(v.author) + (" (shared)" if v.shared else ""),
            f"v{v.parent_id}" if v.parent_id else "–",
            str(v.few_shot),
            f"{v.score:.3f}" if v.score is not None else "–",
            v.review or "–",
            escape(shorten(v.note, 70)),
        )
    console.print(table)


@prompts_app.command("show")
def prompts_show(
    version: Annotated[int, typer.Argument(help="Version id.")],
    since: Annotated[str, typer.Option(help="Live figures from: 30d, 2w, 12h or a date.")] = "30d",
    team: Team = None,
) -> None:
    """One version's instructions, few-shot examples and parameters, its review, its running canary and its live figures
    (👍 rate, "I don't know" rate, grounding pass rate, latency p50, with counts and 95% intervals) as JSON."""
    start = parse_since(since) or datetime.now(UTC) - timedelta(days=30)
    with db.connect(admin_db_url()) as conn:
        scope = prompt_scope(conn, team)
        v = pv.get_version(conn, version, scope)
        active = pv.active_version_id(conn, scope)
        test = canary.running(conn, scope)
        review = pv.review(conn, version)
        live = version_stats(conn, start, workspace_scope(conn, team), version)
    shown = pv.export(v) | {
        "active": v.id == active,
        "review": review,  # who approved or rejected it, when and why
        "canary": test.as_dict() if test is not None and test.version_id == version else None,
        "live": {"since": start.isoformat(), **(live[0] if live else VersionStats.unasked(version)).as_dict()},
    }
    print(json.dumps(shown, indent=2))


@prompts_app.command("diff")
def prompts_diff(a: Annotated[int, typer.Argument()], b: Annotated[int, typer.Argument()], team: Team = None) -> None:
    """What changed from version A to version B."""
    with db.connect(admin_db_url()) as conn:
        scope = prompt_scope(conn, team)
        d = pv.diff(pv.get_version(conn, a, scope), pv.get_version(conn, b, scope))
    console.print(f"[bold]v{a} → v{b}[/]")
    if d["params"]:
        table = Table("parameter", f"v{a}", f"v{b}")
        for k, (x, y) in d["params"].items():
            table.add_row(k, str(x), str(y))
        console.print(table)
    else:
        console.print("parameters: identical")
    for line in d["instructions"] or ["instructions: identical"]:
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
        console.print(f"[{style}]{escape(line)}[/]" if style else escape(line))
    for s in d["few_shot_added"]:
        console.print(f"[green]+ demo[/] {escape(shorten(s['question']))} → {escape(shorten(s['answer']))}")
    for s in d["few_shot_removed"]:
        console.print(f"[red]- demo[/] {escape(shorten(s['question']))} → {escape(shorten(s['answer']))}")


@prompts_app.command("activate")
def prompts_activate(
    version: Annotated[int, typer.Argument(help="Version id.")],
    reason: Reason = "",
    force: Force = False,
    actor: Actor = "",
    team: Team = None,
) -> None:
    """Make a version (the workspace's own or the shared seed) the workspace's active one. A version an admin
    rejected is refused unless --force."""
    with db.connect(admin_db_url()) as conn:
        scope = prompt_scope(conn, team)
        who = acting_admin(actor, scope)
        previous = pv.activate(conn, version, who, reason=reason, scope=scope, force=force)
        overrode = _overridden(conn, version)
        ended = _end_canary_of(conn, version, who, scope)
        conn.commit()
    console.print(f"v{version} is active (was v{previous})" + ended + overrode)


def _overridden(conn, version: int) -> str:
    """The output's note on a rejected version served by --force (read under the move's lock, before commit)."""
    rejected = pv.rejection(conn, version)
    return f" — overriding the rejection: {escape(rejected.describe())} (recorded)" if rejected else ""


def _end_canary_of(conn, version: int, actor: str, scope: str) -> str:
    """A version in a canary that is made active for everyone another way: its canary has nothing left to test."""
    test = canary.running(conn, scope)
    if test is None or test.version_id != version:
        return ""
    canary.promote(conn, version, actor, scope=scope, reason="activated for everyone")
    return "; its canary has ended"


@prompts_app.command("rollback")
def prompts_rollback(reason: Reason = "", actor: Actor = "", team: Team = None) -> None:
    """End the workspace's canary (everyone back on the active version); with no canary running, move the active
    pointer back to the version that was active before."""
    with db.connect(admin_db_url()) as conn:
        scope = prompt_scope(conn, team)
        who = acting_admin(actor, scope)
        ended = canary.end(conn, who, scope=scope, reason=reason)
        if ended is None:
            current, target = pv.rollback(conn, who, reason=reason, scope=scope)
            rejected = pv.rejection(conn, target)
        conn.commit()
    if ended is not None:
        console.print(
            f"canary of v{ended.canary.version_id} ended: every question is answered with v{ended.active} again"
        )
        return
    console.print(f"rolled back: v{target} is active again (was v{current})")
    if rejected is not None:  # rollback is the emergency path: never refused, but never silent about this
        console.print(
            f"[yellow]warning:[/] {escape(rejected.describe())}; it answers every question now. "
            f"`answerloop prompts activate V` moves to another version."
        )


@prompts_app.command("canary")
def prompts_canary(
    version: Annotated[int, typer.Argument(help="The version to try on a share of askers.")],
    percent: Annotated[
        float,
        typer.Option(
            "--percent", "-p", help="Percent of askers, 0.01 to 100 (kept to two decimals), sticky per asker."
        ),
    ],
    reason: Reason = "",
    force: Force = False,
    actor: Actor = "",
    team: Team = None,
) -> None:
    """Serve a version to a share of the workspace's askers (the same people keep it); again with another
    --percent changes the share. `prompts show V` and `stats --by-version` compare it; `prompts promote V` or
    `prompts rollback` ends it. A version an admin rejected is refused unless --force."""
    with db.connect(admin_db_url()) as conn:
        scope = prompt_scope(conn, team)
        who = acting_admin(actor, scope)
        previous = canary.start(conn, version, percent, who, scope=scope, reason=reason, force=force)
        active = pv.active_version_id(conn, scope)
        overrode = _overridden(conn, version)
        conn.commit()
    was = f" (was {previous:g}%)" if previous is not None else ""
    console.print(f"v{version} answers {round(percent, 2):g}% of askers{was}; the others keep v{active}" + overrode)


@prompts_app.command("promote")
def prompts_promote(
    version: Annotated[int, typer.Argument(help="The version in a canary.")],
    reason: Reason = "",
    force: Force = False,
    actor: Actor = "",
    team: Team = None,
) -> None:
    """End the workspace's canary by making its version the active one for everyone. A version an admin rejected
    is refused unless --force."""
    with db.connect(admin_db_url()) as conn:
        scope = prompt_scope(conn, team)
        who = acting_admin(actor, scope)
        previous = pv.active_version_id(conn, scope)
        canary.promote(conn, version, who, scope=scope, reason=reason, force=force)
        overrode = _overridden(conn, version)
        conn.commit()
    console.print(f"v{version} promoted: active for every question (was v{previous}); its canary has ended" + overrode)


@prompts_app.command("approve")
def prompts_approve(
    version: Annotated[int, typer.Argument(help="A retuned version waiting for approval.")],
    note: Note = "",
    force: Annotated[
        bool,
        typer.Option("--force", help="Approve a version an admin rejected: reverses the rejection (recorded)."),
    ] = False,
    actor: Actor = "",
    team: Team = None,
) -> None:
    """Approve a retuned candidate of the workspace and activate it there. A rejected version needs --force, which
    reverses the rejection (recorded in the audit log as such)."""
    with db.connect(admin_db_url()) as conn:
        scope = prompt_scope(conn, team)
        who = acting_admin(actor, scope)
        pv.lock_pointer(conn, scope)  # the rejection read here is the one the approval reverses
        rejected = pv.rejection(conn, version)
        previous = pv.approve(conn, version, who, note, scope=scope, force=force)
        ended = _end_canary_of(conn, version, who, scope)
        conn.commit()
    was = "it was already active" if previous == version else f"was v{previous}"
    reversed_ = f"; this reverses the rejection: {escape(rejected.describe())} (recorded)" if rejected else ""
    console.print(f"v{version} approved and active ({was})" + ended + reversed_)


@prompts_app.command("reject")
def prompts_reject(
    version: Annotated[int, typer.Argument(help="A retuned version waiting for approval.")],
    note: Note = "",
    actor: Actor = "",
    team: Team = None,
) -> None:
    """Reject a retuned candidate of the workspace (it stays stored, never active); a canary of it ends at once."""
    with db.connect(admin_db_url()) as conn:
        scope = prompt_scope(conn, team)
        ended = canary.reject(conn, version, acting_admin(actor, scope), note, scope=scope)
        conn.commit()
    if ended is None:
        console.print(f"v{version} rejected")
        return
    console.print(
        f"v{version} rejected; its canary ({ended.canary.percent:g}% of askers) has ended: every question is "
        f"answered with v{ended.active} again"
    )


@prompts_app.command("export")
def prompts_export(
    version: Annotated[int, typer.Argument(help="Version id.")],
    out: Annotated[Path | None, typer.Option("--out", "-o")] = None,
    team: Team = None,
) -> None:
    """A version as JSON (to review, archive or load elsewhere)."""
    with db.connect(admin_db_url()) as conn:
        text = json.dumps(pv.export(pv.get_version(conn, version, prompt_scope(conn, team))), indent=2)
    if out is None:
        print(text)
    else:
        write_file(out, text + "\n")
        err_console.print(f"wrote v{version} to {escape(str(out))}")


@prompts_app.command("history")
def prompts_history(limit: Annotated[int, typer.Option(min=1, max=MAX_ROWS)] = 20, team: Team = None) -> None:
    """Who moved the workspace's active pointer, when and why."""
    with db.connect(admin_db_url()) as conn:
        rows = pv.activations(conn, limit, prompt_scope(conn, team))
    table = Table("at", "kind", "to", "from", "actor", "reason")
    for r in rows:
        prev = f"v{r['previous_version_id']}" if r["previous_version_id"] else "–"
        table.add_row(
            f"{r['at']:%Y-%m-%d %H:%M:%S}",
            r["kind"],
            f"v{r['version_id']}",
            prev,
            escape(r["actor"]),
            escape(r["reason"]),
        )
    console.print(table)
