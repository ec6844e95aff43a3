"""`answerloop kb sources`: named folders and Git repositories that feed a collection and stay in sync."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cli.output import console
from core import db
from core.bootstrap import ready_database
from core.errors import AnswerloopError
from core.settings import get_settings

sources_app = typer.Typer(help="Sources that stay in sync: local folders and Git repositories.", no_args_is_help=True)


@sources_app.command("add")
def sources_add(
    name: Annotated[str, typer.Argument(help="A name for the source (letters, digits, . _ -).")],
    collection: Annotated[str, typer.Option("--collection", "-c", help="The collection it feeds (one source each).")],
    path: Annotated[Path | None, typer.Option("--path", help="A local folder.")] = None,
    git: Annotated[str | None, typer.Option("--git", help="A Git repository URL (or a local repository path).")] = None,
    branch: Annotated[str | None, typer.Option(help="Git branch (default: the remote's HEAD).")] = None,
    subdir: Annotated[str, typer.Option(help="Only this sub-folder of the repository or folder.")] = "",
    url_base: Annotated[
        str | None, typer.Option(help="Where the files are published, for links (Git https URLs: derived).")
    ] = None,
    sync: Annotated[bool, typer.Option(help="Sync it at once.")] = True,
    inline: Annotated[bool | None, typer.Option("--inline/--queue", help="As for `kb ingest`.")] = None,
) -> None:
    """Add a source: `--path DIR` or `--git URL [--branch B] [--subdir docs]`."""
    from workers.kb import sources

    if (path is None) == (git is None):
        raise AnswerloopError("Give exactly one of --path and --git.", hint="answerloop kb sources add --help")
    if path is not None and not path.is_dir():
        raise AnswerloopError(f"{path} is not a folder.")
    if git is not None and "://" not in git and Path(git).exists():
        git = str(Path(git).resolve())
    location = str(path.resolve()) if path is not None else str(git)
    source = sources.Source(
        name, collection, "path" if path is not None else "git", location, branch, subdir.strip("/"), url_base
    )
    url = ready_database(get_settings())
    with db.connect(url) as conn:
        try:
            sources.add_source(conn, source)
        except Exception:
            conn.rollback()
            raise
        conn.commit()
    console.print(f"source [bold]{name}[/] → collection {collection} ({source.kind} {location})")
    if sync:
        _sync(name, inline, as_json=False)


@sources_app.command("list")
def sources_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Sources with their collection, location, last sync and what it did."""
    from workers.kb import sources

    with db.connect(ready_database(get_settings())) as conn:
        rows = sources.list_sources(conn)
    if as_json:
        print(json.dumps(rows, default=str))
        return
    table = Table("name", "collection", "kind", "location", "last sync", "revision", "last result")
    for r in rows:
        rep = r["last_report"] or {}
        result = (
            f"{rep.get('added', 0)} added, {rep.get('updated', 0)} updated, {rep.get('removed', 0)} removed, "
            f"{len(rep.get('failed', []))} skipped"
            if rep
            else "never synced"
        )
        where = (
            r["location"] + (f" @{r['branch']}" if r["branch"] else "") + (f" /{r['subdir']}" if r["subdir"] else "")
        )
        synced = f"{r['last_synced_at']:%Y-%m-%d %H:%M}" if r["last_synced_at"] else ""
        table.add_row(r["name"], r["collection"], r["kind"], where, synced, (r["last_revision"] or "")[:10], result)
    console.print(table)


def _sync(name: str, inline: bool | None, *, as_json: bool) -> dict:
    from cli.kb_cmd import _queue_configured, enqueue_and_follow, ingest_with_progress
    from workers.kb import sources

    settings = get_settings()
    url = ready_database(settings)
    with db.connect(url) as conn:
        source = sources.get_source(conn, name)
    root, revision = sources.fetch(source, settings.home)
    url_base = source.url_base or (
        sources.web_url_base(source.location, source.branch, source.subdir) if source.kind == "git" else None
    )
    if _queue_configured(inline):
        report = enqueue_and_follow(root, source.collection, url_base, False, None, batch_files=16, wait=True)
    else:
        report = ingest_with_progress(root, source.collection, url_base, False)
    with db.connect(url) as conn:
        sources.record_sync(conn, name, revision, report)
        conn.commit()
    report = {"source": name, "revision": revision, **report}
    if as_json:
        print(json.dumps(report))
    else:
        console.print(
            f"[bold]{name}[/] → {source.collection}"
            + (f" at {revision[:10]}" if revision else "")
            + f": {report['added']} added, {report['updated']} updated, {report['unchanged']} unchanged, "
            f"{report['removed']} removed, {len(report['failed'])} skipped"
        )
        for f in report["failed"]:
            console.print(f"  [yellow]skipped[/] {f['path']}: {f['reason']}")
    return report


@sources_app.command("sync")
def sources_sync(
    names: Annotated[list[str] | None, typer.Argument(help="Sources to sync (default: all).")] = None,
    inline: Annotated[bool | None, typer.Option("--inline/--queue", help="As for `kb ingest`.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON report per line.")] = False,
) -> None:
    """Bring each source's collection in line with the folder or the branch's latest commit: only changed files
    are parsed, only new passages embedded, deleted files removed."""
    from workers.kb import sources

    if not names:
        with db.connect(ready_database(get_settings())) as conn:
            names = [r["name"] for r in sources.list_sources(conn)]
    for name in names:
        _sync(name, inline, as_json=as_json)


@sources_app.command("remove")
def sources_remove(
    name: Annotated[str, typer.Argument()],
    keep_documents: Annotated[bool, typer.Option(help="Keep the collection and its documents.")] = False,
) -> None:
    """Forget a source and, unless --keep-documents, remove its collection's documents."""
    import shutil

    from workers.kb import sources, store

    settings = get_settings()
    with db.connect(ready_database(settings)) as conn:
        source = sources.remove_source(conn, name)
        n = 0 if keep_documents else store.remove_collection(conn, source.collection)
        conn.commit()
    shutil.rmtree(sources.checkout_dir(settings.home, name), ignore_errors=True)
    console.print(f"removed source {name}" + ("" if keep_documents else f" and {n} document(s) of {source.collection}"))
