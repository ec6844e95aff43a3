"""`answerloop db`: migrations and the embedded server."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from cli.admin import Actor, acting_admin, admin_db_url
from cli.output import console, err_console
from core import db, migrate
from core.settings import get_settings

db_app = typer.Typer(help="Database: migrations and the embedded server.", no_args_is_help=True)


def _index_unindexed_chunks(url: str) -> None:
    """After an upgrade: chunks written before the BM25 index (migration 0007) get their postings."""
    from workers.search import keyword

    with db.connect(url) as conn:
        n = keyword.backfill(conn)
        conn.commit()
    if n:
        err_console.print(f"[dim]indexed {n} chunk(s) for keyword search[/]")


migrate.AFTER_UPGRADE.append(_index_unindexed_chunks)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations (idempotent)."""
    url = db.database_url(get_settings())
    applied = migrate.upgrade(url)
    console.print(f"applied {len(applied)} migration(s)" + (f": {', '.join(applied)}" if applied else " (up to date)"))


@db_app.command("status")
def db_status() -> None:
    """Which migrations are applied."""
    url = db.database_url(get_settings())
    for m in migrate.status(url):
        console.print(f"{'[green]applied[/]' if m.applied else '[yellow]pending[/]'}  {m.id}")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded Postgres (it keeps running between commands otherwise)."""
    from core.embedded_pg import stop_embedded

    stopped = stop_embedded(get_settings().home)
    console.print("stopped the embedded Postgres" if stopped else "the embedded Postgres was not running")


@db_app.command("purge")
def db_purge(
    older_than: Annotated[
        str,
        typer.Option("--older-than", help="Age of the interactions to delete: Nd or Nw (at least 1 day), e.g. 180d."),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be deleted, per table; delete nothing.")
    ] = False,
    team: Annotated[
        str | None,
        typer.Option(
            "--team",
            help="Only this workspace's (T…) interactions, digests and reports; a bot-token install's (stored "
            "unnamed) only while it is the one workspace with questions here. Default: every workspace's.",
        ),
    ] = None,
    actor: Actor = "",
) -> None:
    """Delete interactions older than --older-than and what exists only because of them: their question vectors
    and Slack request rows (and old finished Slack requests that never got an interaction). Every other copy of
    a question older than the cut goes too: weekly gaps digests whose week reaches back before it are deleted
    (this week's keeps its counts, as the week's claim, without the questions), and retune/eval reports made
    before it keep their numbers but lose the questions and answers they quote.

    Kept however old: an interaction a label refers to (👍/👎 votes with reasons, corrections, and so verified
    answers), one a prompt version's few-shot demo was made from, one whose Slack request is not finished or whose
    Slack thread had a question after the cut (a follow-up's context). Labels, verified answers, prompt versions
    (their few-shot demos) and the audit log are never touched. Deletes run in batches of 5,000 rows, one short
    transaction each; rows a worker holds are left for the next run. Every purge (not a dry run) is recorded in
    the audit log with its counts. ANSWERLOOP_RETENTION_DAYS runs the same purge daily.
    """
    from workers.retention import STRIPPED, TABLES, parse_older_than, purge

    age = parse_older_than(older_than)
    url = admin_db_url()
    who = actor if dry_run else acting_admin(actor, team)
    result = purge(url, older_than=age, actor=who, team=team, dry_run=dry_run)
    if result.busy:
        err_console.print("[yellow]another purge is running[/]: nothing was done; try again when it has finished")
        raise typer.Exit(1)
    scope = f"workspace {team}" if team is not None else "every workspace"
    title = f"{'Dry run: would delete' if dry_run else 'Deleted'} — older than {result.cut:%Y-%m-%d %H:%M} UTC, {scope}"
    console.print(f"[bold]{title}[/]")
    table = Table("table", "rows deleted", "rows kept, quoted questions removed")
    for name in dict.fromkeys(TABLES + STRIPPED):
        table.add_row(
            name,
            f"{result.deleted[name]:,}" if name in result.deleted else "",
            f"{result.stripped[name]:,}" if name in result.stripped else "",
        )
    console.print(table)
    console.print(
        f"kept {result.kept:,} older interaction(s): labelled, a few-shot demo's source, or needed by a live thread"
    )
    if result.stopped:
        err_console.print(f"[yellow]stopped early[/]: {result.stopped}; run it again to continue")
    if dry_run:
        console.print("[dim]dry run: nothing was deleted[/]")
