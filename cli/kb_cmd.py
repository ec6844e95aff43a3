"""`answerloop kb`: ingest, list, remove and calibrate collections."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli.common import all_collections, require_collections
from cli.output import collections_table, console, err_console
from core import db
from core.bootstrap import ready_database
from core.errors import AnswerloopError, NotFound
from core.settings import get_settings

kb_app = typer.Typer(help="Knowledge base: ingest, list, remove.", no_args_is_help=True)


def ingest_with_progress(
    path: Path, collection: str, url_base: str | None, keep_missing: bool, team: str | None = None
) -> dict:
    from workers.embeddings import get_embedder
    from workers.kb.ingest import ingest_folder

    settings = get_settings()
    url = ready_database(settings)
    embedder = get_embedder(settings)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[file]}", style="dim"),
        console=err_console,
        transient=not err_console.is_terminal,
    ) as bar:
        task = bar.add_task(f"ingest → {collection}", total=None, file="")

        def progress(file: str, total: int) -> None:
            bar.update(task, total=total, advance=1, file=file[-60:])

        with db.connect(url) as conn:
            if team:
                _assign_team(conn, collection, team)
            report = ingest_folder(
                conn,
                path,
                collection,
                embedder=embedder,
                settings=settings,
                url_base=url_base,
                delete_missing=not keep_missing,
                progress=progress,
            )
            conn.commit()
            out = report.as_dict()
            if report.added or report.updated or report.removed:
                bar.update(task, file="calibrating answerability")
                _calibrate(conn, collection, embedder)
                out["calibrated"] = True
    return out


def _assign_team(conn, collection: str, team: str) -> None:
    """The workspace that owns a new collection; an existing one keeps its owner (refused if it differs)."""
    from workers.kb import store

    store.ensure_collection(conn, collection)
    row = conn.execute("SELECT team_id FROM collections WHERE name = %s FOR UPDATE", (collection,)).fetchone()
    if row["team_id"] not in (None, team):
        raise AnswerloopError(
            f"Collection {collection!r} belongs to workspace {row['team_id']}, not {team}.",
            hint="Use another collection name, or move it: `answerloop collections set NAME --team T`.",
        )
    conn.execute("UPDATE collections SET team_id = %s WHERE name = %s", (team, collection))
    conn.commit()


def _calibrate(conn, collection: str, embedder) -> dict:
    """Label-free answerability calibration of one collection (a few seconds), stored."""
    from workers.answerability.calibration import calibrate

    normaliser = calibrate(conn, collection, embedder)
    conn.commit()
    return normaliser.info


@kb_app.command("calibrate")
def kb_calibrate(
    collection: Annotated[
        list[str] | None, typer.Option("--collection", "-c", help="Collections to calibrate (default: all).")
    ] = None,
) -> None:
    """Recompute how "I don't know" is decided for a collection (ingestion does it; this is for after changes
    made some other way). Uses no labels: pseudo-questions from the collection vs off-topic questions."""
    from workers.embeddings import get_embedder

    settings = get_settings()
    url = ready_database(settings)
    embedder = get_embedder(settings)
    with db.connect(url) as conn:
        names = collection or all_collections(conn)
        require_collections(conn, names)
        for name in names:
            info = _calibrate(conn, name, embedder)
            console.print(
                f"[bold]{name}[/]: calibrated from {info['positives']} pseudo-questions and {info['negatives']} "
                f"negatives ({info.get('near_misses', 0)} near-misses, {info.get('word_salad', 0)} word salads)"
            )


@kb_app.command("ingest")
def kb_ingest(
    path: Annotated[Path, typer.Argument(help="A folder (searched recursively) or a single file.")],
    collection: Annotated[str, typer.Option("--collection", "-c", help="Collection to ingest into.")],
    url_base: Annotated[str | None, typer.Option(help="Base URL the folder is published at, for links.")] = None,
    keep_missing: Annotated[bool, typer.Option(help="Keep documents whose files are gone.")] = False,
    team: Annotated[
        str | None, typer.Option(help="Workspace (T…) that owns the collection; needed with several installed.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Ingest Markdown, reStructuredText, HTML, text, PDF, Word (.docx) and PowerPoint (.pptx) files; unchanged
    files are skipped, unreadable ones reported with the reason."""
    if not path.exists():
        raise NotFound(f"{path} does not exist.", hint="Pass a folder or a file of documents.")
    report = ingest_with_progress(path, collection, url_base, keep_missing, team)
    if as_json:
        print(json.dumps(report))
        return
    console.print(
        f"[bold]{collection}[/]: {report['added']} added, {report['updated']} updated, "
        f"{report['unchanged']} unchanged, {report['removed']} removed, {len(report['failed'])} skipped, "
        f"{report['chunks_written']} chunks written"
        + (f", {report['ignored']} files of other types ignored" if report["ignored"] else "")
    )
    for f in report["failed"]:
        console.print(f"  [yellow]skipped[/] {f['path']}: {f['reason']}")


@kb_app.command("list")
def kb_list(
    collection: Annotated[
        str | None, typer.Option("--collection", "-c", help="List this collection's documents.")
    ] = None,
) -> None:
    """Collections with their sizes, or the documents of one collection."""
    from workers.kb import store

    url = ready_database(get_settings())
    with db.connect(url) as conn:
        if collection is None:
            console.print(collections_table(store.list_collections(conn)))
            return
        require_collections(conn, [collection])
        for d in store.list_documents(conn, collection):
            console.print(f"{d['chunk_count']:5d} chunks  {d['source_path']}  [dim]{d['title']}[/]")


@kb_app.command("remove")
def kb_remove(
    collection: Annotated[str, typer.Option("--collection", "-c")],
    paths: Annotated[
        list[str] | None, typer.Argument(help="Document paths to remove; none → whole collection.")
    ] = None,
) -> None:
    """Remove a whole collection, or some of its documents."""
    from workers.kb import store

    url = ready_database(get_settings())
    with db.connect(url) as conn:
        require_collections(conn, [collection])
        if paths:
            n = store.remove_paths(conn, collection, paths)
            if n < len(paths):
                console.print(f"[yellow]{len(paths) - n} of the paths were not in {collection}[/]")
        else:
            n = store.remove_collection(conn, collection)
        conn.commit()
    console.print(f"removed {n} document(s) from {collection}")
