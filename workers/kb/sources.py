"""Sources of a collection that stay in sync: a local folder, a Git repository (a branch, optionally one
sub-folder), a sitemap or a crawl of a website (workers/kb/web_mirror.py), fetched into the answerloop home and
ingested incrementally; optionally on a schedule (`every_s`), synced by the beat's `sync_due_sources` task."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from core import db
from core.db import Conn
from core.errors import AnswerloopError, NotFound

if TYPE_CHECKING:
    from core.settings import Settings
    from workers.embeddings import Embedder

GIT_TIMEOUT_S = 300
KINDS = ("path", "git", "sitemap", "crawl")
WEB_KINDS = ("sitemap", "crawl")
DEFAULT_MAX_PAGES = 1000
_COLUMNS = (
    "name, collection, kind, location, branch, subdir, url_base, max_pages, same_prefix, delay_s, every_s, max_depth"
)


@dataclass(frozen=True)
class Source:
    name: str
    collection: str
    kind: str  # path | git | sitemap | crawl
    location: str  # a folder, a Git URL, the sitemap's URL or the crawl's start page
    branch: str | None
    subdir: str
    url_base: str | None
    max_pages: int | None = None  # web: pages a sync fetches at most (None: DEFAULT_MAX_PAGES)
    same_prefix: bool = False  # crawl: only pages under the start page's folder
    delay_s: float = 1.0  # web: between two requests (robots.txt's Crawl-delay when longer)
    every_s: int | None = None  # the schedule: synced by the beat once this long has passed since the last try
    max_depth: int | None = None  # crawl: links followed from the start page (None: web_mirror.DEFAULT_MAX_DEPTH)


class SyncBusy(AnswerloopError):
    """Another process is syncing this source right now."""


def parse_every(text: str) -> int:
    """'6h', '30m', '1d', '1h30m', '2w' → seconds (at least a minute)."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    spec = text.strip().lower().replace(" ", "")
    parts = re.findall(r"(\d+)([smhdw])", spec)
    if not parts or "".join(n + u for n, u in parts) != spec:
        raise AnswerloopError(f"--every {text!r} is not a period.", hint="e.g. 6h, 30m, 1d, 1h30m, 1w")
    seconds = sum(int(n) * units[u] for n, u in parts)
    if seconds < 60:
        raise AnswerloopError(f"--every {text!r} is shorter than a minute.", hint="e.g. 15m or 6h")
    if seconds > 366 * 86400:  # the column holds seconds as an integer; a schedule past a year is no schedule
        raise AnswerloopError(f"--every {text!r} is longer than a year.", hint="e.g. 1d or 1w; or --never")
    return seconds


def format_every(seconds: int | None) -> str:
    if not seconds:
        return ""
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def check_git_arguments(location: str, branch: str | None) -> None:
    """A Git URL or branch that git would read as an option (`--upload-pack=COMMAND` runs COMMAND) is refused."""
    if location.startswith("-") or not location.strip():
        raise AnswerloopError(f"{location!r} is not a Git URL.", hint="e.g. https://host/org/repo.git or a path.")
    if branch is not None and (branch.startswith("-") or not re.fullmatch(r"[^\x00-\x20\x7f~^:?*\[\\]+", branch)):
        raise AnswerloopError(f"{branch!r} is not a branch name.", hint="e.g. main or release/2.1")


def check_web_url(location: str) -> None:
    """A page's URL is its citation link: one with a user name or password would show it to everyone."""
    parts = urlsplit(location)
    if parts.username is not None or parts.password is not None:
        raise AnswerloopError(
            f"{parts.scheme}://…@{parts.hostname}: a web source's URL cannot carry a user name or password "
            "(every citation would show it).",
            hint="Web sources read public or network-reachable pages; for a site behind a login, export its pages "
            "to a folder or a Git repository.",
        )


def add_source(conn: Conn, source: Source) -> None:
    existing = conn.execute(
        "SELECT name FROM kb_sources WHERE name = %s OR collection = %s", (source.name, source.collection)
    ).fetchone()
    if existing:
        raise AnswerloopError(
            f"A source named {source.name!r} or a source of collection {source.collection!r} exists already "
            f"({existing['name']}).",
            hint="One source per collection (a sync removes what its source no longer has): "
            "use another collection, or `answerloop kb sources remove NAME` first.",
        )
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}", source.name):
        raise AnswerloopError(f"{source.name!r} is not a source name.", hint="Letters, digits, . _ - (up to 63).")
    if source.kind == "git":
        check_git_arguments(source.location, source.branch)
    if source.kind in WEB_KINDS:
        check_web_url(source.location)
    conn.execute("INSERT INTO collections (name) VALUES (%s) ON CONFLICT DO NOTHING", (source.collection,))
    conn.execute(
        f"INSERT INTO kb_sources ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (source.name, source.collection, source.kind, source.location, source.branch, source.subdir,
         source.url_base, source.max_pages, source.same_prefix, source.delay_s, source.every_s, source.max_depth),
    )  # fmt: skip


def set_schedule(conn: Conn, name: str, every_s: int | None) -> None:
    get_source(conn, name)
    conn.execute("UPDATE kb_sources SET every_s = %s WHERE name = %s", (every_s, name))


def get_source(conn: Conn, name: str) -> Source:
    row = conn.execute(f"SELECT {_COLUMNS} FROM kb_sources WHERE name = %s", (name,)).fetchone()
    if row is None:
        raise NotFound(f"There is no source named {name!r}.", hint="answerloop kb sources list")
    return Source(**row)


# When a scheduled source is next due: a period after its last try (done or failed); never tried: now.
_NEXT_DUE = (
    "CASE WHEN every_s IS NULL THEN NULL ELSE coalesce(last_attempt_at + every_s * interval '1 second', now()) END"
)


def list_sources(conn: Conn) -> list[dict]:
    return conn.execute(
        f"SELECT {_COLUMNS}, last_synced_at, last_attempt_at, last_revision, last_report, last_error, "
        f"{_NEXT_DUE} AS next_due FROM kb_sources ORDER BY name"
    ).fetchall()


def due_sources(conn: Conn) -> list[str]:
    """Scheduled sources whose period has passed since their last try, longest overdue first."""
    rows = conn.execute(
        f"SELECT name FROM kb_sources WHERE every_s IS NOT NULL AND {_NEXT_DUE} <= now() ORDER BY {_NEXT_DUE}, name"
    ).fetchall()
    return [r["name"] for r in rows]


def remove_source(conn: Conn, name: str) -> Source:
    source = get_source(conn, name)
    conn.execute("DELETE FROM kb_sources WHERE name = %s", (name,))
    return source


def forget_source(url: str, name: str, home: Path, *, keep_documents: bool = False) -> tuple[Source, int]:
    """Remove a source (and, unless `keep_documents`, its collection's documents and unfinished ingest jobs; its
    checkout in any case) under its lock: (the source, documents removed). Raises SyncBusy while a sync holds the
    lock — removed under a running sync, the source's documents would come back from that sync with no source
    left to sync or remove them, and its checkout would be deleted under the ingest reading it."""
    from workers.kb import jobs, store

    with source_lock(url, name) as held:
        if not held:
            raise SyncBusy(
                f"Source {name!r} is being synced right now; it was not removed.",
                hint="Try again when the sync is done (answerloop kb sources list shows its last sync).",
            )
        with db.connect(url) as conn:
            source = remove_source(conn, name)
            n = 0 if keep_documents else store.remove_collection(conn, source.collection)
            if not keep_documents:  # a queued sync whose command was stopped: its batches would bring them back
                jobs.stop_unfinished(conn, source.collection, f"source {name!r} and its documents were removed")
            conn.commit()
        remove_tree(checkout_dir(home, name))
    return source, n


def record_sync(conn: Conn, name: str, revision: str | None, report: dict) -> None:
    conn.execute(
        "UPDATE kb_sources SET last_synced_at = now(), last_attempt_at = now(), last_revision = %s, "
        "last_report = %s, last_error = '' WHERE name = %s",
        (revision, json.dumps(report, default=str), name),
    )


def record_failure(conn: Conn, name: str, error: str) -> None:
    conn.execute("UPDATE kb_sources SET last_attempt_at = now(), last_error = %s WHERE name = %s", (error[:2000], name))


@contextmanager
def source_lock(url: str, name: str) -> Iterator[bool]:
    """Whether this process holds the source's lock (a Postgres advisory lock on a connection of its own, held
    while the block runs and released if the process dies): two beats, workers or commands never sync one source
    at the same time."""
    with db.connect(url, autocommit=True) as conn:
        key = "SELECT hashtextextended(%s, 0) AS k"
        k = db.one(conn.execute(key, (f"kb_source:{name}",)))["k"]
        held = bool(db.one(conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (k,)))["ok"])
        try:
            yield held
        finally:
            if held:
                conn.execute("SELECT pg_advisory_unlock(%s)", (k,))


def checkout_dir(home: Path, name: str) -> Path:
    return home / "sources" / name


def remove_tree(path: Path) -> None:
    """shutil.rmtree(path, ignore_errors=True) without its recursion per level (Python 3.11): a checkout of a
    repository nesting folders a thousand deep raised RecursionError, so its source could not be removed."""
    from workers.kb.ingest import walk

    if not path.is_dir() or path.is_symlink():
        with contextlib.suppress(OSError):
            path.unlink()
        return
    folders = []
    for folder, dirs, files in walk(path):
        folders.append(folder)
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))
    for folder in reversed(folders):
        with contextlib.suppress(OSError):
            os.rmdir(folder)


# Transports that run a command named in the URL (ext::) are never used, whatever the user's git config says.
_GIT_SAFETY = ("-c", "protocol.ext.allow=never", "-c", "protocol.fd.allow=never")


def _git(*args: str, cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(
            ["git", *_GIT_SAFETY, *args], cwd=cwd, capture_output=True, text=True, timeout=GIT_TIMEOUT_S, check=False,
            env={"GIT_TERMINAL_PROMPT": "0", "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(Path.home())},
        )  # fmt: skip
    except FileNotFoundError as exc:
        raise AnswerloopError("git is not installed.", hint="Install git, or add the folder with --path.") from exc
    except subprocess.TimeoutExpired as exc:
        raise AnswerloopError(f"git {args[0]} took longer than {GIT_TIMEOUT_S} s.") from exc
    if done.returncode != 0:
        raise AnswerloopError(f"git {' '.join(args[:2])} failed: {done.stderr.strip()[-500:]}")
    return done.stdout.strip()


@dataclass
class Fetched:
    """A source made ready to ingest: the folder, the Git revision, the links' base, and for web sources each
    file's page URL, the pages that could not be used (with why) and the fetch counts."""

    root: Path
    revision: str | None
    url_base: str | None
    links: dict[str, str] | None = None
    problems: list[dict[str, str]] = field(default_factory=list)
    pages: dict[str, int] | None = None
    limit: str | None = None  # web: the page limit stopped the sync: what was left out, and how to go further
    depth: str | None = None  # crawl: the depth limit left links unfollowed: which, and how to go further
    wall: str | None = None  # web: pages redirected to one (login) page: their last copies kept, none removed


def limit_note(name: str, max_pages: int, not_fetched: int, left_out: list[str]) -> str | None:
    """What a web sync left out because it reached its page limit (a big site, or a trap such as a calendar's
    endless ?month=N pages), and how to fetch more; None when it did not reach it."""
    if not not_fetched:
        return None
    examples = ", ".join(left_out)
    return (
        f"page limit of {max_pages:,} reached: at least {not_fetched:,} more URLs were not fetched "
        f"({examples}{', …' if not_fetched > len(left_out) else ''}). To fetch more: answerloop kb sources remove "
        f"{name} --keep-documents, then add it again with a larger --max-pages (or --same-prefix to stay in one "
        "folder)."
    )


def depth_note(name: str, max_depth: int, beyond: int, deeper: list[str]) -> str | None:
    """What a crawl left out because of its depth limit, and how to go deeper; None when it did not reach it."""
    if not beyond:
        return None
    examples = ", ".join(deeper)
    return (
        f"depth limit of {max_depth:,} reached: at least {beyond:,} linked pages were not followed "
        f"({examples}{', …' if beyond > len(deeper) else ''}). To go deeper: answerloop kb sources remove "
        f"{name} --keep-documents, then add it again with a larger --max-depth."
    )


def fetch(source: Source, home: Path, *, max_bytes: int = 5_000_000) -> Fetched:
    """The folder to ingest for this source: a local folder as it is, the Git branch's latest commit fetched
    (shallow) into the answerloop home, or the website's pages fetched into it. Called under the source's lock
    (sync_source): the checkout is this call's alone."""
    if source.kind in WEB_KINDS:
        return _fetch_web(source, home, max_bytes)
    if source.kind == "path":
        root = Path(source.location) / source.subdir
        if not root.exists():
            raise NotFound(f"The folder of source {source.name!r} is gone: {root}")
        return Fetched(root, None, source.url_base)
    check_git_arguments(source.location, source.branch)
    work = checkout_dir(home, source.name)
    branch = source.branch or "HEAD"
    if not (work / ".git").exists():
        remove_tree(work)
        work.parent.mkdir(parents=True, exist_ok=True)
        _git("init", "--quiet", str(work))
        _git("remote", "add", "origin", "--end-of-options", source.location, cwd=work)
    _clear_stale_locks(work / ".git")
    _git("fetch", "--quiet", "--depth", "1", "--end-of-options", "origin", branch, cwd=work)
    _git("checkout", "--quiet", "--force", "--detach", "FETCH_HEAD", cwd=work)
    _git("clean", "-q", "-f", "-d", "-x", cwd=work)
    revision = _git("rev-parse", "HEAD", cwd=work)
    root = work / source.subdir
    if not _resolves_within(root, work.resolve()):  # --subdir ../.. would ingest (and clean) another folder
        raise AnswerloopError(f"--subdir {source.subdir!r} is not a folder of the repository.", hint="e.g. docs")
    if not root.exists():
        raise NotFound(f"{source.subdir!r} is not a folder of {source.location} at {branch}.")
    problems = _drop_outside_links(work, root)
    url_base = source.url_base or web_url_base(source.location, source.branch, source.subdir)
    return Fetched(root, revision, url_base, problems=problems)


def _clear_stale_locks(git_dir: Path) -> None:
    """Remove the lock files a git killed part-way left in the checkout (index.lock, shallow.lock, a ref's .lock:
    a worker killed during a sync): git then refuses every later command, so each sync after it failed. Only
    called under the source's lock, so no other git is working in this checkout."""
    for lock in git_dir.rglob("*.lock"):
        if lock.is_file() and not lock.is_symlink():
            lock.unlink(missing_ok=True)


def _resolves_within(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder)
    except (RuntimeError, OSError):  # a symlink loop
        return False


def _drop_outside_links(work: Path, root: Path) -> list[dict[str, str]]:
    """Delete the checkout's symlinks that lead out of it (`docs/keys.md -> ~/.ssh/id_rsa` would put this
    machine's files in the knowledge base); each is reported. Links within the repository are kept."""
    from workers.kb.ingest import walk  # no recursion per level: a repository may nest folders thousands deep

    problems = []
    inside = work.resolve()
    found = [Path(folder, name) for folder, dirs, files in walk(root) for name in dirs + files]
    for path in sorted(found):
        if path.is_symlink() and not _resolves_within(path, inside):
            path.unlink()
            rel = path.relative_to(root).as_posix()
            problems.append({"path": rel, "reason": "a symlink to a file outside the repository (left out)"})
    return problems


def _fetch_web(source: Source, home: Path, max_bytes: int) -> Fetched:
    from workers.kb import web_fetch, web_mirror

    check_web_url(source.location)
    max_depth = web_mirror.DEFAULT_MAX_DEPTH if source.max_depth is None else source.max_depth
    spec = web_mirror.WebSpec(source.kind, source.location, source.max_pages or DEFAULT_MAX_PAGES,
                              source.same_prefix, source.delay_s, max_bytes, max_depth)  # fmt: skip
    try:
        mirror = web_mirror.sync_mirror(spec, checkout_dir(home, source.name))
    except web_mirror.WebSyncFailed as exc:
        raise AnswerloopError(
            f"Source {source.name!r} could not be read: {exc}",
            hint=web_mirror.SIGN_IN_FIX
            if isinstance(exc, web_mirror.SignInRequired)
            else "Check that the URL opens from this machine (and from the ingest workers for scheduled syncs).",
        ) from exc
    counts = {"pages": len(mirror.pages), "fetched": mirror.fetched, "not_modified": mirror.not_modified,
              "kept": mirror.kept, "not_fetched": mirror.not_fetched}  # fmt: skip
    root = checkout_dir(home, source.name)
    limit = limit_note(source.name, spec.max_pages, mirror.not_fetched, mirror.left_out)
    depth = depth_note(source.name, max_depth, mirror.beyond_depth, mirror.deeper)
    return Fetched(root, None, web_fetch.origin(spec.url), mirror.links(), mirror.problems, counts, limit, depth,
                   mirror.wall)  # fmt: skip


def point_links_at_pages(conn: Conn, collection: str, links: dict[str, str]) -> int:
    """Make each web page's document and chunk links its real URL (a page kept as docs/index.html was ingested
    with the link origin/docs/index.html; its URL is origin/docs/): the number of documents changed."""
    changed = 0
    rows = conn.execute("SELECT id, source_path, url FROM documents WHERE collection = %s", (collection,)).fetchall()
    for row in rows:
        page = links.get(row["source_path"])
        if page is None or page == row["url"]:
            continue
        old = row["url"]
        conn.execute(
            "UPDATE chunks SET link = %s || substr(link, length(%s) + 1) "
            "WHERE document_id = %s AND (link = %s OR starts_with(link, %s || '#'))",
            (page, old, row["id"], old, old),
        )
        conn.execute("UPDATE documents SET url = %s WHERE id = %s", (page, row["id"]))
        changed += 1
    return changed


# (folder, collection, links' base) → the ingest's report (IngestReport.as_dict(), + "calibrated" or "job")
Ingest = Callable[[Path, str, str | None], dict]


def sync_source(url: str, name: str, home: Path, ingest: Ingest, *, max_bytes: int = 5_000_000,
                only_if_due: bool = False) -> dict | None:  # fmt: skip
    """Sync one source under its lock: fetch, ingest, point web links at the pages, record the report (or the
    error, raised again). Raises SyncBusy when another process holds the lock; with `only_if_due`, None when the
    source is no longer due (another beat's tick synced it a moment ago)."""
    with source_lock(url, name) as held:
        if not held:
            raise SyncBusy(f"Source {name!r} is being synced by another process.", hint="Try again when it is done.")
        with db.connect(url) as conn:
            source = get_source(conn, name)
            if only_if_due and name not in due_sources(conn):
                return None
        try:
            fetched = fetch(source, home, max_bytes=max_bytes)
            if source.kind == "path":
                _refuse_empty_folder(url, source, fetched.root)
            report = ingest(fetched.root, source.collection, fetched.url_base)
            if report.get("status") == "failed":  # a queued ingest job that failed as a whole
                raise AnswerloopError(f"ingest job {report.get('job')} failed: {report.get('error', '')}")
            if fetched.links is not None:
                with db.connect(url) as conn:
                    point_links_at_pages(conn, source.collection, fetched.links)
                    conn.commit()
                failed = [{**f, "path": fetched.links.get(f["path"], f["path"])} for f in report.get("failed", [])]
                report = {**report, "failed": fetched.problems + failed, "pages": fetched.pages}
                if fetched.limit:
                    report["limit"] = fetched.limit
                if fetched.depth:
                    report["depth"] = fetched.depth
                if fetched.wall:
                    report["wall"] = fetched.wall
            elif fetched.problems:
                report = {**report, "failed": fetched.problems + report.get("failed", [])}
            report = {"source": name, "revision": fetched.revision, **report}
        except Exception as exc:
            with db.connect(url) as conn:
                record_failure(conn, name, exc.describe() if isinstance(exc, AnswerloopError) else
                               f"{type(exc).__name__}: {exc}")  # fmt: skip
                conn.commit()
            raise
        with db.connect(url) as conn:
            record_sync(conn, name, fetched.revision, report)
            conn.commit()
    return report


def _refuse_empty_folder(url: str, source: Source, root: Path) -> None:
    """A folder source found empty while its collection has documents: the mount point of a share that is not
    mounted (or a folder being replaced) far more often than a team deleting every document, and a sync would
    remove them all (a web source with no page fails the same way)."""
    if not root.is_dir() or any(not p.name.startswith(".") for p in root.iterdir()):
        return
    with db.connect(url) as conn:
        n = db.one(conn.execute("SELECT count(*) AS n FROM documents WHERE collection = %s", (source.collection,)))
    if n["n"]:
        raise AnswerloopError(
            f"The folder of source {source.name!r} is empty ({root}): nothing was removed; the {n['n']} "
            f"document(s) of {source.collection!r} are kept.",
            hint="Is it a share that is not mounted? Check the folder. If the documents should go: "
            f"answerloop kb sources remove {source.name}.",
        )


def inline_ingest(url: str, settings: Settings, embedder: Embedder) -> Ingest:
    """An ingest in this process (a worker's, for scheduled syncs): the folder, then the collection's
    answerability recalibrated if anything changed."""
    from workers.kb.ingest import calibrate_collection, ingest_folder

    def run(root: Path, collection: str, url_base: str | None) -> dict:
        with db.connect(url) as conn:
            report = ingest_folder(conn, root, collection, embedder=embedder, settings=settings, url_base=url_base)
            conn.commit()
        out = report.as_dict()
        if report.added or report.updated or report.removed:
            calibrate_collection(url, collection, embedder)
            out["calibrated"] = True
        return out

    return run


def web_url_base(location: str, branch: str | None, subdir: str) -> str | None:
    """Where a Git host shows the files: https://host/org/repo(.git) → https://host/org/repo/blob/BRANCH/SUBDIR
    (GitHub, Gitea, and GitLab, which redirects /blob/); None for other URLs (links are then file paths)."""
    m = re.match(r"^https://(?:[^/@]*@)?([^/@]+/[^?#]+?)(?:\.git)?/?$", location)  # never a user:token@ in a link
    if not m or not branch:
        return None
    return "/".join(p.strip("/") for p in ("https://" + m.group(1), "blob", branch, subdir) if p.strip("/"))
