"""A web source's pages kept as files in a folder (ANSWERLOOP_HOME/sources/NAME), so a sync is an ingest of that
folder like any other source: unchanged pages are skipped by content hash, changed ones re-embedded through the
cache, and pages that are gone (out of the sitemap or the crawl, 404/410, disallowed by robots.txt, no longer
HTML) are deleted from the folder and so removed from the collection.

Politeness: one request at a time, `delay_s` apart (or the robots.txt Crawl-delay, up to a minute), conditional
requests with the ETag and Last-Modified of the last copy. A page that fails only this time (unreachable, timed
out, 5xx) keeps its last copy; when the sitemap, the start page or robots.txt cannot be read, the sync stops
with `WebSyncFailed` and nothing is removed."""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from urllib.parse import urlsplit

from workers.kb import web_fetch, web_pages
from workers.kb.web_fetch import FetchFailed

STATE_FILE = ".web-state.json"  # a dot file: ingestion skips it
MAX_SITEMAPS = 50
MAX_SITEMAP_BYTES = 50_000_000  # the sitemaps' protocol limit, for each file and once decompressed
MAX_CRAWL_DELAY_S = 60.0
FETCH_BUDGET_S = 3600.0  # time spent fetching in one sync: at least this, or FETCH_S_PER_PAGE × max_pages
FETCH_S_PER_PAGE = 5.0
MAX_PROBLEMS = 1000  # listed in the report (a sitemap of a million other sites' URLs is one line more)
LEFT_OUT_SHOWN = 3  # URLs named in the report when the page limit stops a sync (the rest are counted)
QUEUE_PER_PAGE = 10  # a crawl keeps at most this many links waiting per page it may fetch


class WebSyncFailed(Exception):
    """The source as a whole could not be read this time (nothing was changed)."""


@dataclass(frozen=True)
class WebSpec:
    kind: str  # sitemap | crawl
    url: str
    max_pages: int
    same_prefix: bool = False
    delay_s: float = 1.0
    max_bytes: int = 5_000_000


@dataclass
class PageState:
    file: str
    link: str  # the page's URL after redirects: what citations point at
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class MirrorReport:
    pages: dict[str, PageState] = field(default_factory=dict)  # url → state, the pages the folder now holds
    fetched: int = 0  # 200: new or changed content downloaded
    not_modified: int = 0  # 304
    kept: int = 0  # failed this time, last copy kept
    removed: list[str] = field(default_factory=list)  # URLs whose file was deleted
    problems: list[dict[str, str]] = field(default_factory=list)  # {"path": url, "reason": …}
    not_fetched: int = 0  # URLs left over when max_pages was reached (at least: the waiting links are capped)
    left_out: list[str] = field(default_factory=list)  # the first of those URLs, for the report

    def links(self) -> dict[str, str]:
        """file → the page's URL (for citations)."""
        return {s.file: s.link for s in self.pages.values()}


def _load_state(folder: Path) -> dict[str, PageState]:
    try:
        data = json.loads((folder / STATE_FILE).read_text())
        return {url: PageState(**s) for url, s in data.get("pages", {}).items()}
    except (OSError, ValueError, TypeError):
        return {}


def page_links(folder: Path) -> dict[str, str]:
    """file → the page's URL, for a folder this module mirrors (empty for any other folder): the ingest links each
    page's document and chunks to its URL when it stores them (a page kept as docs/index.html is cited as
    origin/docs/), on the inline and the queued path alike."""
    if not (folder / STATE_FILE).is_file():
        return {}
    return {s.file: s.link for s in _load_state(folder).values()}


def _save_state(folder: Path, pages: dict[str, PageState]) -> None:
    tmp = folder / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps({"pages": {u: asdict(s) for u, s in sorted(pages.items())}}, indent=1))
    os.replace(tmp, folder / STATE_FILE)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)


def _as_utf8(resp: web_fetch.Response) -> bytes:
    """The page's bytes as UTF-8 (ingestion reads UTF-8 and skips anything else): decoded with the charset the
    server declared, else the page's own <meta charset> (in its first 1024 bytes, as browsers look), else UTF-8;
    a byte that is not of that charset (declared wrongly) becomes U+FFFD rather than losing the page."""
    meta = _META_CHARSET.search(resp.body[:1024])
    return web_fetch.decoded(resp.body, resp.charset, meta.group(1).decode("ascii") if meta else None).encode("utf-8")


def _folders(name: str) -> list[str]:
    """'a/b/c.html' → ['a', 'a/b']."""
    parts = name.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


class _Pacer:
    """One request at a time, `delay_s` apart; and a budget for the time spent fetching (pauses not counted), so a
    site that answers each page just under the page deadline cannot hold a sync (and the sources after it) for
    days."""

    def __init__(self, delay_s: float, budget_s: float) -> None:
        self.delay_s = delay_s
        self.budget_s = budget_s
        self.last = 0.0
        self.busy = 0.0

    def wait(self) -> None:
        if self.last:
            self.busy += time.monotonic() - self.last
        if self.busy > self.budget_s:
            raise WebSyncFailed(
                f"the site took more than {self.budget_s:,.0f} s to send its pages (the pauses between requests "
                "not counted); nothing was removed"
            )
        pause = self.last + self.delay_s - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self.last = time.monotonic()


def _sitemap_pages(spec: WebSpec, pacer: _Pacer, public_only: bool) -> tuple[list[str], int]:
    """The page URLs of the sitemap (index files followed, same site only, MAX_SITEMAPS files at most), in order,
    without repeats; and the number of sitemap files left unread."""
    pages: dict[str, None] = {}
    queue, seen = deque([spec.url]), {spec.url}
    read = 0
    while queue and read < MAX_SITEMAPS:
        url = queue.popleft()
        read += 1
        pacer.wait()
        try:
            resp = web_fetch.get(
                url, max_bytes=max(spec.max_bytes, MAX_SITEMAP_BYTES), accept=None, public_only=public_only
            )
            found, nested = web_pages.parse_sitemap(resp.body, max_bytes=MAX_SITEMAP_BYTES)
        except (FetchFailed, web_pages.SitemapError) as exc:
            raise WebSyncFailed(f"sitemap {url}: {exc}") from exc
        for loc in nested:
            nested_url = web_pages.normalise(loc)
            if nested_url and web_pages.same_site(nested_url, spec.url) and nested_url not in seen:
                seen.add(nested_url)
                queue.append(nested_url)
        for loc in found:
            page = web_pages.normalise(loc)
            if page:
                pages.setdefault(page, None)
    return list(pages), len(queue)


def sync_mirror(spec: WebSpec, folder: Path, *, log: Callable[[str], None] | None = None) -> MirrorReport:
    """Bring `folder` in line with the site: the pages of the sitemap, or those reached from the start page."""
    folder.mkdir(parents=True, exist_ok=True)
    start = web_pages.normalise(spec.url)
    if start is None:
        raise WebSyncFailed(f"{spec.url!r} is not an http(s) URL")
    spec = WebSpec(spec.kind, start, spec.max_pages, spec.same_prefix, spec.delay_s, spec.max_bytes)
    previous = _load_state(folder)
    # A public site's pages (and redirects) never lead into a private network: 10.x, 127.x, 169.254.169.254…
    # An intranet source (its own host private) may use private addresses.
    public_only = web_fetch.is_public_host(urlsplit(start).hostname or "")
    try:
        robots = web_fetch.Robots.load(start, public_only=public_only)
    except FetchFailed as exc:
        raise WebSyncFailed(f"{exc.reason}; nothing was changed") from exc
    budget = max(FETCH_BUDGET_S, FETCH_S_PER_PAGE * spec.max_pages)
    pacer = _Pacer(min(max(spec.delay_s, robots.crawl_delay or 0.0), MAX_CRAWL_DELAY_S), budget)
    report = MirrorReport()
    listed, unread = _sitemap_pages(spec, pacer, public_only) if spec.kind == "sitemap" else ([start], 0)
    queue = deque(listed)
    queued = set(queue)
    files_taken: dict[str, str] = {s.file: u for u, s in previous.items()}
    folders_taken = {f for name in files_taken for f in _folders(name)}
    attempts = 0
    dropped: set[str] = set()  # pages failing for good whose earlier copy is removed

    unlisted = 0

    def problem(url: str, reason: str) -> None:
        nonlocal unlisted
        if len(report.problems) < MAX_PROBLEMS:
            report.problems.append({"path": url, "reason": reason})
        else:
            unlisted += 1
        if log:
            log(f"{url}: {reason}")

    def file_for(url: str) -> str:
        if url in previous:
            return previous[url].file
        name = web_pages.page_file(url)
        if files_taken.get(name, url) != url:  # two URLs, one name (/a/b and /a/b.html)
            stem = name.removesuffix(".html")
            name = f"{stem}-{hashlib.sha256(url.encode()).hexdigest()[:10]}.html"
        if name in folders_taken or any(f in files_taken for f in _folders(name)):  # /x.html and /x.html/
            name = web_pages.hashed_file(url)
        files_taken[name] = url
        folders_taken.update(_folders(name))
        return name

    if unread:
        problem(spec.url, f"{unread:,} more sitemaps of the index not read (at most {MAX_SITEMAPS} are)")
    while queue:
        url = queue.popleft()
        if spec.kind == "sitemap" and not web_pages.same_site(url, start):
            problem(url, "on another site than the sitemap (skipped)")
            continue
        if not robots.allowed(url):
            problem(url, "disallowed by robots.txt")
            continue
        if attempts >= spec.max_pages:
            report.not_fetched = len(queue) + 1
            report.left_out = [url, *islice(queue, LEFT_OUT_SHOWN - 1)]
            break
        attempts += 1
        old = previous.get(url)
        old_copy = folder / old.file if old else None
        has_copy = bool(old_copy and old_copy.is_file())
        pacer.wait()
        html: str | None = None
        try:
            resp = web_fetch.get(
                url,
                etag=old.etag if old and has_copy else None,
                last_modified=old.last_modified if old and has_copy else None,
                max_bytes=spec.max_bytes,
                public_only=public_only,
            )
            if resp.status == 304 and old and old_copy is not None and has_copy:
                report.not_modified += 1
                report.pages[url] = old
                html = old_copy.read_text(errors="replace")
            else:
                final = web_pages.normalise(resp.url) or url
                if not web_pages.same_site(final, start):
                    raise FetchFailed(f"redirected to another site ({final})")
                body = _as_utf8(resp)
                name = file_for(url)
                target = folder / name
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    if not target.is_file() or target.read_bytes() != body:
                        target.write_bytes(body)
                except OSError as exc:  # a full disk, a folder the ingest cannot write
                    raise WebSyncFailed(f"{url} could not be saved as {target}: {exc}; nothing was removed") from exc
                report.fetched += 1
                report.pages[url] = PageState(name, final, resp.etag, resp.last_modified)
                html = body.decode("utf-8", errors="replace")
        except FetchFailed as exc:
            if exc.transient and old and old_copy is not None and has_copy:
                problem(url, f"{exc.reason} (the last copy is kept)")
                report.kept += 1
                report.pages[url] = old
                html = old_copy.read_text(errors="replace")
            else:
                problem(url, exc.reason)
                if has_copy:  # gone or unusable now: its copy leaves the folder, so its document the collection
                    dropped.add(url)
        if html is not None:
            found = web_pages.links_of(html, report.pages[url].link)
            if found.noindex:
                del report.pages[url]  # the page asks not to be indexed; its links may still be followed
            if spec.kind == "crawl" and not found.nofollow:
                for link in found.links:
                    if len(queue) >= max(QUEUE_PER_PAGE * spec.max_pages, 1000):  # a page of 100k links each
                        break
                    if (
                        link not in queued
                        and not web_pages.is_asset(link)
                        and web_pages.in_scope(link, start, same_prefix=spec.same_prefix)
                    ):
                        queued.add(link)
                        queue.append(link)
    if unlisted:
        report.problems.append({"path": start, "reason": f"and {unlisted:,} more URLs with a problem (not listed)"})
    if not report.pages and (previous or report.problems):  # not even the start page: no sync, no removals
        raise WebSyncFailed(
            f"no page of {start} could be read ({len(report.problems)} problem(s), first: "
            f"{report.problems[0]['reason'] if report.problems else 'none'}); nothing was removed"
        )
    for entry in report.problems:  # the sync goes ahead: say which failing pages no longer answer
        if entry["path"] in dropped:
            entry["reason"] += " (the copy fetched before is removed from the knowledge base)"
    keep = {s.file for s in report.pages.values()}
    report.removed = sorted(u for u, s in previous.items() if u not in report.pages and s.file not in keep)
    for path in sorted(folder.rglob("*")):  # the folder holds exactly the pages: stray files from a crash too
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and not rel.startswith(".") and rel not in keep:
            path.unlink()
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    _save_state(folder, report.pages)
    return report
