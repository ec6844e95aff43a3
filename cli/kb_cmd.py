"""`answerloop kb`: ingest, list, remove and calibrate collections."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli.common import all_collections, check_collection_name, require_collections
from cli.kb_sources_cmd import sources_app
from cli.output import collections_table, console, err_console
from core import db
from core.bootstrap import ready_database
from core.errors import AnswerloopError, NotFound
from core.settings import get_settings

kb_app = typer.Typer(help="Knowledge base: ingest (inline or queued), jobs, sources, list.", no_args_is_help=True)
kb_app.add_typer(sources_app, name="sources")


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
                _calibrate(url, collection, embedder)
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


def _calibrate(url: str, collection: str, embedder) -> dict:
    """Label-free answerability calibration of one collection (a few seconds), stored."""
    from workers.kb.ingest import calibrate_collection

    return calibrate_collection(url, collection, embedder)


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
            info = _calibrate(url, name, embedder)
            console.print(
                f"[bold]{name}[/]: calibrated from {info['positives']} pseudo-questions and {info['negatives']} "
                f"negatives ({info.get('near_misses', 0)} near-misses, {info.get('word_salad', 0)} word salads)"
            )


def _queue_configured(inline: bool | None) -> bool:
    """`--queue`/`--inline` decide; by default the queue when REDIS_URL is set (environment or .env), else inline
    (so a laptop with only a database keeps working)."""
    if inline is not None:
        return not inline
    settings = get_settings()
    return "redis_url" in settings.model_fields_set and bool(settings.redis_url)


def enqueue_and_follow(
    path: Path,
    collection: str,
    url_base: str | None,
    keep_missing: bool,
    team: str | None,
    *,
    batch_files: int,
    wait: bool,
) -> dict:
    """Record a job, send its batches to the ingest queue and follow its progress until it is done."""
    import getpass
    import time

    from workers.celery_app import use_broker
    from workers.ingest_tasks import enqueue_job
    from workers.kb import jobs

    settings = get_settings()
    url = ready_database(settings)
    use_broker(settings.redis_url)
    with db.connect(url) as conn:
        if team:
            _assign_team(conn, collection, team)
        job_id, batches = jobs.create_job(
            conn, path, collection, url_base=url_base, delete_missing=not keep_missing, batch_files=batch_files,
            created_by=getpass.getuser(),
        )  # fmt: skip
        try:
            enqueue_job(job_id, batches)
        except Exception as exc:  # kombu's OperationalError and friends: the broker is not there
            jobs.fail(conn, job_id, f"could not enqueue: {exc}")
            raise AnswerloopError(
                f"Could not send the ingest job to Redis at {settings.redis_url}: {exc}",
                hint="Start Redis, or ingest in this process with --inline.",
            ) from exc
        if not wait:
            return {"job": job_id, "batches": batches, "status": "queued"}
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[note]}", style="dim"),
            console=err_console,
            transient=not err_console.is_terminal,
        ) as bar:
            task = bar.add_task(f"job {job_id} → {collection}", total=None, note="queued")
            last_done, idle_since = -1, time.monotonic()
            while True:
                row = jobs.progress(conn, job_id)
                conn.commit()
                assert row is not None
                note = row["status"] + (f", {row['failed']} skipped" if row["failed"] else "")
                if row["done"] != last_done:
                    last_done, idle_since = row["done"], time.monotonic()
                elif row["status"] == "queued" and time.monotonic() - idle_since > 10:
                    note = "waiting for a worker on the ingest queue (answerloop worker --queues ingest)"
                elif time.monotonic() - idle_since > 120:
                    note = (
                        f"{row['status']}, no file done for {round(time.monotonic() - idle_since)} s: lost batches "
                        f"are sent again after {jobs.STALLED_AFTER_S // 60} min idle (answerloop beat)"
                    )
                bar.update(task, total=row["total"], completed=row["done"], note=note)
                if row["status"] in ("done", "failed"):
                    break
                time.sleep(0.3)
        out = _job_report(conn, job_id)
    return out


def _job_report(conn, job_id: int) -> dict:
    from workers.kb import jobs

    row = jobs.progress(conn, job_id)
    assert row is not None
    chunks = conn.execute(
        "SELECT coalesce(sum(d.chunk_count), 0)::int AS n FROM documents d JOIN ingest_job_files f "
        "ON f.path = d.source_path AND f.job_id = %s AND f.status IN ('added', 'updated') WHERE d.collection = %s",
        (job_id, row["collection"]),
    ).fetchone()
    out = {
        "job": job_id,
        "status": row["status"],
        "collection": row["collection"],
        "added": row["added"],
        "updated": row["updated"],
        "unchanged": row["unchanged"],
        "removed": row["removed"],
        "failed": [{"path": f["path"], "reason": f["reason"]} for f in jobs.failures(conn, job_id)],
        "ignored": row["ignored"],
        "chunks_written": chunks["n"] if chunks else 0,
    }
    if row["calibrated"]:
        out["calibrated"] = True
    if row["error"]:
        out["error"] = row["error"]
    return out


@kb_app.command("ingest")
def kb_ingest(
    path: Annotated[
        Path,
        typer.Argument(help="A folder (searched recursively), or a single file (added or updated; nothing removed)."),
    ],
    collection: Annotated[str, typer.Option("--collection", "-c", help="Collection to ingest into.")],
    url_base: Annotated[str | None, typer.Option(help="Base URL the folder is published at, for links.")] = None,
    keep_missing: Annotated[bool, typer.Option(help="Keep documents whose files are gone.")] = False,
    team: Annotated[
        str | None, typer.Option(help="Workspace (T…) that owns the collection; needed with several installed.")
    ] = None,
    inline: Annotated[
        bool | None,
        typer.Option(
            "--inline/--queue",
            help="In this process, or as a job on the ingest queue (default: the queue when REDIS_URL is set).",
        ),
    ] = None,
    batch_files: Annotated[int, typer.Option(min=1, help="Files per queued task.")] = 16,
    wait: Annotated[bool, typer.Option(help="Follow a queued job until it is done (--no-wait: print its id).")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Ingest Markdown, reStructuredText, HTML, text, PDF, Word (.docx) and PowerPoint (.pptx) files; unchanged
    files are skipped, unreadable ones reported with the reason."""
    if not path.exists():
        raise NotFound(f"{path} does not exist.", hint="Pass a folder or a file of documents.")
    check_collection_name(collection)
    if _queue_configured(inline):
        report = enqueue_and_follow(path, collection, url_base, keep_missing, team, batch_files=batch_files, wait=wait)
    else:
        report = ingest_with_progress(path, collection, url_base, keep_missing, team)
    if as_json:
        print(json.dumps(report))
        return
    if report.get("status") == "queued":
        console.print(f"job {report['job']} queued ({report['batches']} batches): answerloop kb jobs")
        return
    job = f"job {report['job']}: " if "job" in report else ""
    console.print(
        f"{job}[bold]{collection}[/]: {report['added']} added, {report['updated']} updated, "
        f"{report['unchanged']} unchanged, {report['removed']} removed, {len(report['failed'])} skipped, "
        f"{report['chunks_written']} chunks written"
        + (f", {report['ignored']} files of other types ignored" if report["ignored"] else "")
    )
    for f in report["failed"]:
        console.print(f"  [yellow]skipped[/] {f['path']}: {f['reason']}")
    if report.get("error"):
        raise AnswerloopError(f"The ingest job failed: {report['error']}", hint="answerloop kb jobs --job ID")


@kb_app.command("jobs")
def kb_jobs(
    job: Annotated[int | None, typer.Option("--job", help="One job, with every skipped file and why.")] = None,
    collection: Annotated[str | None, typer.Option("--collection", "-c")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many recent jobs.")] = 20,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Ingest jobs: progress (files done of all), outcome counts and failures."""
    from rich.table import Table

    from workers.kb import jobs

    url = ready_database(get_settings())
    with db.connect(url) as conn:
        if job is not None:
            row = jobs.progress(conn, job)
            if row is None:
                raise NotFound(f"Ingest job {job} does not exist.", hint="answerloop kb jobs")
            rows = [row]
        else:
            rows = jobs.list_jobs(conn, limit=limit, collection=collection)
            if collection is not None and not rows:  # a typo would read as "no jobs"; a removed one keeps its jobs
                require_collections(conn, [collection])
        failed = {r["id"]: jobs.failures(conn, r["id"]) for r in rows if r["failed"]}
    if as_json:
        print(json.dumps([{**r, "failures": failed.get(r["id"], [])} for r in rows], default=str))
        return
    table = Table("job", "collection", "status", "progress", "added", "updated", "unchanged", "removed",
                  "skipped", "started", "took")  # fmt: skip
    for r in rows:
        took = ""
        if r["started_at"] and r["finished_at"]:
            took = f"{(r['finished_at'] - r['started_at']).total_seconds():.1f} s"
        pct = f"{r['done']}/{r['total']}" + (f" ({r['done'] / r['total']:.0%})" if r["total"] else "")
        table.add_row(
            str(r["id"]), r["collection"], r["status"], pct, str(r["added"]), str(r["updated"]), str(r["unchanged"]),
            str(r["removed"]), str(r["failed"]), f"{r['created_at']:%Y-%m-%d %H:%M}", took,
        )  # fmt: skip
    console.print(table)
    for r in rows:
        if r["error"]:
            console.print(f"[red]job {r['id']} failed[/]: {r['error']}")
        shown = failed.get(r["id"], [])
        if shown and (job is not None or len(shown) <= 5):
            for f in shown:
                console.print(f"  job {r['id']} [yellow]skipped[/] {f['path']}: {f['reason']}")
        elif shown:
            console.print(f"  job {r['id']}: {len(shown)} files skipped — answerloop kb jobs --job {r['id']}")


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
