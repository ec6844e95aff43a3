"""`answerloop db`: migrations and the embedded server."""

from __future__ import annotations

import typer

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
