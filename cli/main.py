"""`answerloop` — the main job (`demo`), asking, the knowledge base and the database."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli import admin
from cli.collections_cmd import collections_app
from cli.output import collections_table, console, err_console, print_answer
from core import db, migrate
from core.bootstrap import ready_database
from core.errors import AnswerloopError, NotFound
from core.logs import configure_logging
from core.settings import get_settings
from feedback.audit import record_action

app = typer.Typer(
    help="Answerloop: answers from your team's documents, guarded.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
kb_app = typer.Typer(help="Knowledge base: ingest, list, remove.", no_args_is_help=True)
db_app = typer.Typer(help="Database: migrations and the embedded server.", no_args_is_help=True)
channels_app = typer.Typer(help="Per-channel settings: collections, expert, reply mode.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")
app.add_typer(db_app, name="db")
app.add_typer(channels_app, name="channels")
app.add_typer(collections_app, name="collections")
app.add_typer(admin.labels_app, name="labels")
app.add_typer(admin.prompts_app, name="prompts")
app.add_typer(admin.retune_app, name="retune")
app.add_typer(admin.review_app, name="review")
app.add_typer(admin.slack_app, name="slack")


SAMPLE_KB = Path(__file__).resolve().parent.parent / "core" / "sample_kb"


@app.callback()
def _setup(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log at INFO level.")] = False) -> None:
    settings = get_settings()
    configure_logging("INFO" if verbose else settings.log_level, settings.log_json)


# ---------------------------------------------------------------- knowledge base
def _ingest(path: Path, collection: str, url_base: str | None, keep_missing: bool, team: str | None = None) -> dict:
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
        names = collection or _all_collections(conn)
        _require_collections(conn, names)
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
    """Ingest Markdown, reStructuredText, HTML and text files; unchanged files are skipped."""
    if not path.exists():
        raise NotFound(f"{path} does not exist.", hint="Pass a folder or a file of documents.")
    report = _ingest(path, collection, url_base, keep_missing, team)
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
        _require_collections(conn, [collection])
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
        _require_collections(conn, [collection])
        if paths:
            n = store.remove_paths(conn, collection, paths)
            if n < len(paths):
                console.print(f"[yellow]{len(paths) - n} of the paths were not in {collection}[/]")
        else:
            n = store.remove_collection(conn, collection)
        conn.commit()
    console.print(f"removed {n} document(s) from {collection}")


def _require_collections(conn, names: list[str]) -> None:
    known = {r["name"] for r in conn.execute("SELECT name FROM collections").fetchall()}
    missing = [n for n in names if n not in known]
    if missing:
        raise NotFound(
            f"Unknown collection(s): {', '.join(missing)}.",
            hint=f"Known: {', '.join(sorted(known)) or 'none yet'}. Ingest with `answerloop kb ingest PATH -c NAME`.",
        )


def _all_collections(conn) -> list[str]:
    return [r["name"] for r in conn.execute("SELECT name FROM collections ORDER BY name").fetchall()]


# ---------------------------------------------------------------- asking
def _pipeline():
    from workers.pipeline import Pipeline

    settings = get_settings()
    return Pipeline(settings, database_url=ready_database(settings))


def _resolve_collections(pipeline, names: list[str] | None) -> list[str]:
    with db.connect(pipeline.database_url) as conn:
        if names:
            _require_collections(conn, names)
            return names
        return _all_collections(conn)


def _batch(pipeline, default: list[str]) -> int:
    failures = 0
    for line_no, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        ident = None
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or "question" not in item:
                raise ValueError('each line must be a JSON object with a "question"')
            ident = item.get("id")
            names = item.get("collection") or item.get("collections") or default
            names = [names] if isinstance(names, str) else list(names)
            result = pipeline.ask(str(item["question"]), _resolve_collections(pipeline, names), source="batch")
            out = {"id": ident, **result.as_dict()}
        except AnswerloopError as exc:
            failures += 1
            out = {"id": ident, "line": line_no, "error": {"message": str(exc), "hint": exc.hint}}
        except ValueError as exc:  # malformed JSON or shape
            failures += 1
            out = {
                "id": ident,
                "line": line_no,
                "error": {
                    "message": f"line {line_no}: {exc}",
                    "hint": '{"id": "q1", "question": "…", "collection": "…"}',
                },
            }
        print(json.dumps(out, default=str), flush=True)
    return failures


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="The question. Omit with --batch.")] = None,
    collection: Annotated[list[str] | None, typer.Option("--collection", "-c", help="Search only these.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full answer record as JSON.")] = False,
    batch: Annotated[
        bool, typer.Option("--batch", help="Read JSON lines {id, question, collection} on stdin.")
    ] = False,
    details: Annotated[bool, typer.Option("--details", "-d", help="Show scores, verdicts and timings.")] = False,
) -> None:
    """Answer a question from the knowledge base (or many, with --batch)."""
    pipeline = _pipeline()
    if batch:
        failures = _batch(pipeline, collection or [])
        raise typer.Exit(1 if failures else 0)
    if question is None:
        raise AnswerloopError("No question given.", hint='answerloop ask "How do I …?"  (or --batch < file.jsonl)')
    result = pipeline.ask(question, _resolve_collections(pipeline, collection))
    if as_json:
        print(json.dumps(result.as_dict(), default=str, indent=2))
    else:
        print_answer(result, verbose=details)


@app.command()
def demo(
    question: Annotated[str | None, typer.Argument(help="Ask this; omit for an interactive prompt.")] = None,
    direct: Annotated[
        bool, typer.Option("--direct", help="Answer in this process, without Slack, Redis and workers.")
    ] = False,
) -> None:
    """The main job: Postgres, Redis, a Celery worker and the bot on a local Slack; you chat as a Slack user."""
    settings = get_settings()
    where = "configured DATABASE_URL" if settings.database_url else f"embedded Postgres in {settings.home / 'pgdata'}"
    err_console.print(f"[dim]Database: {where}[/]")
    url = ready_database(settings, auto_migrate=True)
    _ensure_sample_kb(url)
    questions = [question] if question else None if sys.stdin.isatty() else [q for q in sys.stdin if q.strip()]
    if direct:
        _demo_direct(questions)
    else:
        _demo_slack(settings, url, questions)


def _ensure_sample_kb(url: str) -> None:
    with db.connect(url) as conn:
        empty = not _all_collections(conn)
    if empty:
        err_console.print(f"[dim]Knowledge base is empty: ingesting the sample documents from {SAMPLE_KB}[/]")
        for folder in sorted(p for p in SAMPLE_KB.iterdir() if p.is_dir()):
            report = _ingest(folder, folder.name, None, keep_missing=False)
            err_console.print(
                f"[dim]  {folder.name}: {report['added']} documents, {report['chunks_written']} chunks[/]"
            )


def _interactive(prompt_help: str, handle) -> None:
    console.print(f"{prompt_help} Empty line or Ctrl-D to quit.")
    while True:
        try:
            line = console.input("[bold cyan]you>[/] ")
        except (EOFError, KeyboardInterrupt):
            break
        if not line.strip() or line.strip() in ("quit", "exit"):
            break
        handle(line.strip())


def _demo_slack(settings, url: str, questions: list[str] | None) -> None:
    from cli.local_stack import LocalSlackStack
    from cli.slack_chat import ask_in_slack
    from slack_standin import GENERAL

    with LocalSlackStack(settings, url, redis_url=os.environ.get("REDIS_URL")) as stack:
        err_console.print(
            f"[dim]Redis {stack.redis_url} · Slack stand-in {stack.slack.base_url} · "
            f"worker log {stack.workers[0].log_path}[/]"
        )
        with err_console.status("Starting the Celery worker (it loads Presidio and the embedding model once)…"):
            stack.wait_ready()

        def handle(q: str) -> None:
            console.print(f"[bold]alice in #general:[/] @answerloop {q}")
            ask_in_slack(stack.slack, console, q, channel=GENERAL)

        if questions is not None:
            for q in questions:
                handle(q.strip())
            return
        _interactive("You are alice in #general; each line mentions @answerloop.", handle)


def _demo_direct(questions: list[str] | None) -> None:
    pipeline = _pipeline()
    collections = _resolve_collections(pipeline, None)
    if questions is not None:
        for q in questions:
            console.print(f"[bold]> {q.strip()}[/]")
            _ask_and_print(pipeline, q, collections)
        return
    _interactive(f"Ask about: {', '.join(collections)}.", lambda q: _ask_and_print(pipeline, q, collections))


def _ask_and_print(pipeline, question: str, collections: list[str]) -> None:
    try:
        print_answer(pipeline.ask(question, collections), verbose=True)
    except AnswerloopError as exc:
        err_console.print(f"[red]{exc.describe()}[/]")


# ---------------------------------------------------------------- database
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


# ---------------------------------------------------------------- Slack and workers
@app.command()
def bot(
    http: Annotated[bool, typer.Option("--http", help="Serve signed HTTP events instead of Socket Mode.")] = False,
    port: Annotated[int | None, typer.Option(help="HTTP port (default ANSWERLOOP_SLACK_HTTP_PORT).")] = None,
) -> None:
    """Run the Slack bot (it only acknowledges, posts placeholders and enqueues; workers answer)."""
    from bot.runner import run_http, run_socket_mode

    settings = get_settings()
    ready_database(settings)
    if http:
        run_http(settings, port or settings.slack_http_port)
    else:
        run_socket_mode(settings)


@app.command()
def worker(
    queues: Annotated[str, typer.Option(help="Comma-separated queues.")] = "answer,ingest,retune",
    concurrency: Annotated[
        int | None, typer.Option(help="Pool processes (default: one per CPU core; see bench/results/slack.md).")
    ] = None,
    pool: Annotated[str, typer.Option(help="Celery pool: prefork, solo, threads.")] = "prefork",
) -> None:
    """Run a Celery worker (Presidio and the embedding model load once per process)."""
    os.environ.setdefault("C_FORCE_ROOT", "1")  # containers commonly run as root
    settings = get_settings()
    url = ready_database(settings)
    os.environ.setdefault("DATABASE_URL", url)  # child processes reach the same (possibly embedded) database
    from workers.celery_app import celery_app

    celery_app.worker_main(
        [
            "worker",
            "-Q",
            queues,
            "-c",
            str(concurrency or os.cpu_count() or 1),
            "-P",
            pool,
            "--loglevel",
            settings.log_level,
            "-n",
            f"answerloop-{os.getpid()}@%h",
        ]
    )


@app.command()
def beat() -> None:
    """Run Celery beat: it sends the periodic retune to the retune queue (ANSWERLOOP_RETUNE_SCHEDULE).
    Run exactly one beat per deployment."""
    settings = get_settings()
    ready_database(settings)
    from workers.celery_app import celery_app

    schedule_file = settings.home / "celerybeat-schedule"
    schedule_file.parent.mkdir(parents=True, exist_ok=True)
    celery_app.start(["beat", "--loglevel", settings.log_level, "--schedule", str(schedule_file)])


def _parse_channel(ref: str) -> tuple[str, str]:
    team, sep, channel = ref.partition("/")
    if not sep or not team or not channel:
        raise AnswerloopError(f"{ref!r} is not TEAM/CHANNEL.", hint="e.g. T0123ABC/C0456DEF")
    return team, channel


@channels_app.command("set")
def channels_set(
    channel: Annotated[str, typer.Argument(help="TEAM_ID/CHANNEL_ID")],
    collection: Annotated[list[str] | None, typer.Option("--collection", "-c", help="Allowed collections.")] = None,
    expert: Annotated[str | None, typer.Option(help="Who to tag on 'I don't know', e.g. <@U123>.")] = None,
    mode: Annotated[str | None, typer.Option(help="in_channel or ephemeral (for /ask).")] = None,
    actor: admin.Actor = "",
) -> None:
    """Configure a channel; options not given keep their value."""
    from workers import slack_store

    actor = admin.acting_admin(actor)
    if mode not in (None, "in_channel", "ephemeral"):
        raise AnswerloopError(f"Unknown mode {mode!r}.", hint="Use in_channel or ephemeral.")
    team, chan = _parse_channel(channel)
    url = ready_database(get_settings())
    with db.connect(url) as conn:
        if collection:
            _require_collections(conn, collection)
        slack_store.set_channel(conn, team, chan, collections=collection, expert=expert, reply_mode=mode, actor=actor)
        record_action(
            conn, actor, "channels.set", f"{team}/{chan}", {"collections": collection, "expert": expert, "mode": mode}
        )
        conn.commit()
    console.print(f"updated {team}/{chan}")


@channels_app.command("show")
def channels_show() -> None:
    """Configured channels."""
    from workers import slack_store

    url = ready_database(get_settings())
    with db.connect(url) as conn:
        rows = slack_store.list_channels(conn)
    if not rows:
        console.print("no channel is configured: every channel searches the default collections")
    for r in rows:
        cols = ", ".join(r["collections"]) if r["collections"] is not None else "(default)"
        console.print(
            f"{r['team_id']}/{r['channel_id']}  collections: {cols}  expert: {r['expert'] or '—'}  "
            f"mode: {r['reply_mode']}  [dim]by {r['updated_by']} at {r['updated_at']:%Y-%m-%d %H:%M}[/]"
        )


app.command("eval")(admin.eval_command)
app.command("stats")(admin.stats_command)
app.command("audit")(admin.audit_command)


def main() -> None:
    """Console entry point: user errors print as a message and a hint, never a traceback."""
    try:
        app()
    except AnswerloopError as exc:
        err_console.print(f"[red]error:[/] {exc}")
        if exc.hint:
            err_console.print(f"[dim]→ {exc.hint}[/]")
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        db.close_pools()
