"""`answerloop retune` and `eval`: build, evaluate and promote a better prompt version from the labels."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cli.admin import MAX_ROWS, Actor, Team, acting_admin, admin_db_url, default_actor, prompt_scope, shorten
from cli.common import build_pipeline
from cli.output import console, err_console
from cli.reports import print_eval_report, print_retune_report
from core import db
from feedback import prompt_versions as pv

retune_app = typer.Typer(help="Build, evaluate and promote a better prompt version from the labels.")


@retune_app.callback(invoke_without_command=True)
def retune(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Compare and report; create and activate nothing.")
    ] = False,
    candidate: Annotated[
        list[int] | None,
        typer.Option(
            "--candidate", help="Also judge this existing version (e.g. one an admin wrote) through the gate."
        ),
    ] = None,
    actor: Actor = "",
    team: Team = None,
) -> None:
    """Build candidates from the workspace's labels, score them against its active version on its held-out
    split, and promote the best one if it is better (or leave it for `prompts approve`)."""
    if ctx.invoked_subcommand is not None:
        return
    from workers.retune_job import options_from, run_retune

    with db.connect(admin_db_url()) as conn:  # a wrong --team or --candidate fails before the models load
        scope = prompt_scope(conn, team)
        extra = [pv.get_version(conn, v, scope) for v in candidate or []]
    who = (actor or default_actor()) if dry_run else acting_admin(actor, scope)  # a dry run changes nothing
    pipeline = build_pipeline()
    options = options_from(pipeline.settings)
    options.extra_candidates = extra
    with err_console.status("Retuning: answering the labeled questions under each candidate…"):
        result = run_retune(pipeline, actor=who, dry_run=dry_run, options=options, scope=scope)
    with db.connect(admin_db_url()) as conn:
        from feedback.reports import get_report

        row = get_report(conn, result.report_id, scope=scope) if result.report_id else None
    if row is not None:
        print_retune_report(row)
    else:
        console.print(result.summary)
    if result.decision == "busy":
        raise typer.Exit(1)


@retune_app.command("list")
def retune_list(limit: Annotated[int, typer.Option(min=1, max=MAX_ROWS)] = 20, team: Team = None) -> None:
    """The workspace's stored retune and eval reports, newest first."""
    from feedback.reports import list_reports

    with db.connect(admin_db_url()) as conn:
        rows = list_reports(conn, limit, prompt_scope(conn, team))
    if not rows:
        console.print("no retune or eval reports yet: `answerloop retune` or `answerloop eval` makes one")
        return
    table = Table("id", "kind", "at", "actor", "baseline", "candidate", "decision", "summary")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["kind"] + (" (dry run)" if r["dry_run"] else ""),
            f"{r['created_at']:%Y-%m-%d %H:%M}",
            escape(r["actor"]),
            f"v{r['baseline_version_id']}" if r["baseline_version_id"] else "–",
            f"v{r['candidate_version_id']}" if r["candidate_version_id"] else "–",
            r["decision"],
            escape(shorten(r["summary"], 80)),
        )
    console.print(table)


@retune_app.command("show")
def retune_show(
    report_id: Annotated[int | None, typer.Argument(help="Report id (default: the latest).")] = None,
    team: Team = None,
) -> None:
    """Print a stored report of the workspace again."""
    from feedback.reports import get_report

    with db.connect(admin_db_url()) as conn:
        row = get_report(conn, report_id, scope=prompt_scope(conn, team))
    (print_retune_report if row["kind"] == "retune" else print_eval_report)(row)


def eval_command(
    version: Annotated[int | None, typer.Option("--version", help="Version id (default: the active one).")] = None,
    actor: Actor = "",
    team: Team = None,
) -> None:
    """Score a prompt version on the workspace's held-out labels (the report is stored)."""
    from feedback.reports import get_report
    from workers.retune_job import run_eval

    with db.connect(admin_db_url()) as conn:
        scope = prompt_scope(conn, team)
        if version is not None:
            pv.get_version(conn, version, scope)  # another workspace's version fails before the models load
    pipeline = build_pipeline()
    with err_console.status("Evaluating on the held-out split…"):
        report_id, _, _ = run_eval(pipeline, version, actor=actor or default_actor(), scope=scope)
    with db.connect(admin_db_url()) as conn:
        print_eval_report(get_report(conn, report_id, scope=scope))
