"""`answerloop kb sources`: named folders and Git repositories that feed a collection and stay in sync."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cli.common import check_collection_name
from cli.output import console, err_console
from core import db
from core.bootstrap import ready_database
from core.errors import AnswerloopError
from core.settings import get_settings

sources_app = typer.Typer(
    help="Sources that stay in sync: local folders, Git repositories, sitemaps and crawled websites.",
    no_args_is_help=True,
)


def _web_url(value: str, option: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AnswerloopError(
            f"{option} {value!r} is not an http(s) URL.", hint=f"e.g. {option} https://docs.example.com/"
        )
    return value


@sources_app.command("add")
def sources_add(
    name: Annotated[str, typer.Argument(help="A name for the source (letters, digits, . _ -).")],
    collection: Annotated[str, typer.Option("--collection", "-c", help="The collection it feeds (one source each).")],
    path: Annotated[Path | None, typer.Option("--path", help="A local folder.")] = None,
    git: Annotated[str | None, typer.Option("--git", help="A Git repository URL (or a local repository path).")] = None,
    sitemap: Annotated[str | None, typer.Option("--sitemap", help="A sitemap's URL: its HTML pages.")] = None,
    crawl: Annotated[str | None, typer.Option("--crawl", help="A start page: it and the pages it links to.")] = None,
    branch: Annotated[str | None, typer.Option(help="Git branch (default: the remote's HEAD).")] = None,
    subdir: Annotated[str, typer.Option(help="Only this sub-folder of the repository or folder.")] = "",
    url_base: Annotated[
        str | None, typer.Option(help="Where the files are published, for links (Git https URLs: derived).")
    ] = None,
    max_pages: Annotated[
        int | None,
        typer.Option("--max-pages", min=1, max=1_000_000, help="Web: at most this many pages a sync (default 1000)."),
    ] = None,
    same_prefix: Annotated[
        bool, typer.Option("--same-prefix", help="Crawl: only pages under the start page's folder.")
    ] = False,
    max_depth: Annotated[
        int | None,
        typer.Option("--max-depth", min=0, max=1000, help="Crawl: links followed from the start page (default 10)."),
    ] = None,
    delay: Annotated[
        float, typer.Option("--delay", min=0, max=60, help="Web: seconds between requests (robots.txt may ask more).")
    ] = 1.0,
    every: Annotated[
        str | None, typer.Option("--every", help="Sync on a schedule (Celery beat), e.g. 6h, 30m, 1d.")
    ] = None,
    sync: Annotated[bool, typer.Option(help="Sync it at once.")] = True,
    inline: Annotated[bool | None, typer.Option("--inline/--queue", help="As for `kb ingest`.")] = None,
) -> None:
    """Add a source: `--path DIR`, `--git URL [--branch B] [--subdir docs]`, `--sitemap URL` or
    `--crawl URL [--max-pages N] [--same-prefix]`; `--every 6h` syncs it on a schedule."""
    from workers.kb import sources

    given = {k: v for k, v in {"--path": path, "--git": git, "--sitemap": sitemap, "--crawl": crawl}.items() if v}
    if len(given) != 1:
        raise AnswerloopError(
            "Give exactly one of --path, --git, --sitemap and --crawl.", hint="answerloop kb sources add --help"
        )
    check_collection_name(collection)
    every_s = sources.parse_every(every) if every else None
    if path is not None and not path.is_dir():
        raise AnswerloopError(f"{path} is not a folder.")
    if git is not None and "://" not in git and Path(git).exists():
        git = str(Path(git).resolve())
    kind = {"--path": "path", "--git": "git", "--sitemap": "sitemap", "--crawl": "crawl"}[next(iter(given))]
    if kind in sources.WEB_KINDS:
        location = _web_url(str(sitemap or crawl), f"--{kind}")
    else:
        location = str(path.resolve()) if path is not None else str(git)
    if same_prefix and kind != "crawl":
        raise AnswerloopError("--same-prefix is for --crawl sources.")
    if max_depth is not None and kind != "crawl":
        raise AnswerloopError("--max-depth is for --crawl sources.", hint="A sitemap lists its pages itself.")
    if (branch or subdir) and kind != "git" and not (subdir and kind == "path"):
        raise AnswerloopError("--branch is for --git sources, --subdir for --git and --path sources.")
    source = sources.Source(
        name, collection, kind, location, branch, subdir.strip("/"), url_base,
        max_pages=max_pages, same_prefix=same_prefix, delay_s=delay, every_s=every_s, max_depth=max_depth,
    )  # fmt: skip
    url = ready_database(get_settings())
    with db.connect(url) as conn:
        try:
            sources.add_source(conn, source)
        except Exception:
            conn.rollback()
            raise
        conn.commit()
    schedule = f", every {sources.format_every(every_s)}" if every_s else ""
    console.print(f"source [bold]{name}[/] → collection {collection} ({source.kind} {escape(location)}{schedule})")
    if sync:
        try:
            _sync(name, inline, as_json=False)
        except AnswerloopError as exc:  # the source is kept: say so, and how to retry or undo (same error type)
            exc.args = (f"{exc} The source {name!r} was added; its first sync failed.", *exc.args[1:])
            exc.hint = (f"{exc.hint}; then " if exc.hint else "Fix that, then ") + (
                f"answerloop kb sources sync {name} (or answerloop kb sources remove {name})."
            )
            raise


@sources_app.command("schedule")
def sources_schedule(
    name: Annotated[str, typer.Argument()],
    every: Annotated[str | None, typer.Option("--every", help="e.g. 6h, 30m, 1d.")] = None,
    never: Annotated[bool, typer.Option("--never", help="No scheduled syncs (only `kb sources sync`).")] = False,
) -> None:
    """Change when the beat syncs a source: `--every 6h`, or `--never`."""
    from workers.kb import sources

    if (every is None) == (not never):
        raise AnswerloopError("Give one of --every PERIOD and --never.")
    every_s = sources.parse_every(every) if every else None
    with db.connect(ready_database(get_settings())) as conn:
        sources.set_schedule(conn, name, every_s)
        conn.commit()
    console.print(f"{name}: " + (f"synced every {sources.format_every(every_s)}" if every_s else "no schedule"))


def _when(value) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else ""


@sources_app.command("list")
def sources_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Sources with their collection, location, schedule, last sync, next due, and what the last sync did (or
    the error of the last try)."""
    from workers.kb import sources

    with db.connect(ready_database(get_settings())) as conn:
        rows = sources.list_sources(conn)
    if as_json:
        print(json.dumps(rows, default=str))
        return
    table = Table("name", "collection", "kind", "location", "every", "last sync", "next due", "last result")
    for r in rows:
        rep = r["last_report"] or {}
        result = (
            f"{rep.get('added', 0)} added, {rep.get('updated', 0)} updated, {rep.get('removed', 0)} removed, "
            f"{len(rep.get('failed', []))} skipped"
            + ("; page limit reached" if rep.get("limit") else "")
            + ("; depth limit reached" if rep.get("depth") else "")
            + ("; pages behind a sign-in? nothing removed" if rep.get("wall") else "")
            if rep
            else "never synced"
        )
        if r["last_error"]:
            result = f"[red]failed {_when(r['last_attempt_at'])}: {escape(r['last_error'])}[/]"
        where = (
            r["location"] + (f" @{r['branch']}" if r["branch"] else "") + (f" /{r['subdir']}" if r["subdir"] else "")
        )
        if r["last_revision"]:
            where += f" ({r['last_revision'][:10]})"
        table.add_row(r["name"], r["collection"], r["kind"], escape(where), sources.format_every(r["every_s"]),
                      _when(r["last_synced_at"]), _when(r["next_due"]), result)  # fmt: skip
    console.print(table)


def _sync(name: str, inline: bool | None, *, as_json: bool) -> dict | None:
    from cli.kb_cmd import _queue_configured, enqueue_and_follow, ingest_with_progress
    from workers.kb import sources

    settings = get_settings()
    url = ready_database(settings)
    queued = _queue_configured(inline)

    def ingest(root: Path, collection: str, url_base: str | None) -> dict:
        if queued:
            return enqueue_and_follow(root, collection, url_base, False, None, batch_files=16, wait=True)
        return ingest_with_progress(root, collection, url_base, False)

    try:
        report = sources.sync_source(url, name, settings.home, ingest, max_bytes=settings.max_file_bytes)
    except sources.SyncBusy as exc:
        console.print(f"[yellow]skipped[/] {escape(str(exc))}")
        return None
    assert report is not None
    if as_json:
        print(json.dumps(report, default=str))
        return report
    revision = report["revision"]
    pages = report.get("pages") or {}
    fetched = f" ({pages.get('pages')} pages: {pages.get('fetched')} downloaded, {pages.get('not_modified')} unchanged)"
    console.print(
        f"[bold]{name}[/] → {report['collection']}"
        + (f" at {revision[:10]}" if revision else "")
        + (fetched if pages else "")
        + f": {report['added']} added, {report['updated']} updated, {report['unchanged']} unchanged, "
        f"{report['removed']} removed, {len(report['failed'])} skipped"
    )
    if report.get("limit"):
        console.print(f"  [yellow]stopped[/] {escape(report['limit'])}")
    if report.get("depth"):
        console.print(f"  [yellow]stopped[/] {escape(report['depth'])}")
    if report.get("wall"):
        console.print(f"  [yellow]kept[/] {escape(report['wall'])}")
    for f in report["failed"]:
        # what a site or repository names (URLs, paths, reasons) is text, not Rich markup: 'a[/b].html'
        console.print(f"  [yellow]skipped[/] {escape(f['path'])}: {escape(f['reason'])}")
    return report


@sources_app.command("sync")
def sources_sync(
    names: Annotated[list[str] | None, typer.Argument(help="Sources to sync (default: all).")] = None,
    inline: Annotated[bool | None, typer.Option("--inline/--queue", help="As for `kb ingest`.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON report per line.")] = False,
) -> None:
    """Bring each source's collection in line with the folder, the branch's latest commit or the website: only
    changed files or pages are parsed, only new passages embedded, deleted ones removed."""
    from workers.kb import sources

    if not names:
        with db.connect(ready_database(get_settings())) as conn:
            names = [r["name"] for r in sources.list_sources(conn)]
    failed = []
    for name in names:
        try:
            _sync(name, inline, as_json=as_json)
        except AnswerloopError as exc:  # recorded on the source; the other sources still sync
            if len(names) == 1:
                raise
            err_console.print(f"[red]{name}[/]: {escape(exc.describe())}")
            failed.append(name)
    if failed:
        raise AnswerloopError(
            f"{len(failed)} of {len(names)} sources could not be synced: {', '.join(failed)}.",
            hint="answerloop kb sources list shows each one's error",
        )


@sources_app.command("remove")
def sources_remove(
    name: Annotated[str, typer.Argument()],
    keep_documents: Annotated[bool, typer.Option(help="Keep the collection and its documents.")] = False,
) -> None:
    """Forget a source and, unless --keep-documents, remove its collection's documents."""
    from workers.kb import sources

    settings = get_settings()
    source, n = sources.forget_source(ready_database(settings), name, settings.home, keep_documents=keep_documents)
    console.print(f"removed source {name}" + ("" if keep_documents else f" and {n} document(s) of {source.collection}"))
