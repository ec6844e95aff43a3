"""A web source's pages kept as files in a folder (ANSWERLOOP_HOME/sources/NAME), so a sync is an ingest of that
folder like any other source: unchanged pages are skipped by content hash, changed ones re-embedded through the
cache, and pages that are gone (out of the sitemap or the crawl, 404/410, disallowed by robots.txt, no longer
HTML) are deleted from the folder and so removed from the collection.

A page that is a sign-in form (a password field, little else) is never kept as documentation: it is reported and
skipped (a copy fetched before is kept). A crawl whose start page is a sign-in (a form, a redirect to a login URL
of the site or of a sign-in service elsewhere), or a sitemap that is one, stores nothing and changes nothing.

Politeness: one request at a time, `delay_s` apart (or the robots.txt Crawl-delay, up to a minute), conditional
requests with the ETag and Last-Modified of the last copy. A page that fails only this time (unreachable, timed
out, 5xx) keeps its last copy; when the sitemap, the start page or robots.txt cannot be read, the sync stops
with `WebSyncFailed` and nothing is removed."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from html.parser import HTMLParser
from itertools import islice
from pathlib import Path
from urllib.parse import urlsplit

from workers.kb import web_fetch, web_pages
from workers.kb.parsing import defuse_unclosed
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
DEFAULT_MAX_DEPTH = 10  # links followed from the start page (0: the start page alone); a source may set its own
WALL_PAGES = 3  # pages redirected to one landing page that make it a login page (fewer: all the pages fetched)
SIGN_IN_MAX_WORDS = 400  # a page with a password field and at most this many words of its own: a sign-in
# A page whose own content (outside the site's chrome and its forms) has no heading, no code and fewer words than
# this shows no documentation: a password field in its chrome (a side panel, the banner) is its sign-in form. Any
# documentation page, even a line long, has a title of its own; a login page puts its "Sign in" with the form and
# leaves beside it a logo, an illustration, a tagline (about 10 words).
SIGN_IN_BARE_WORDS = 30
SIGN_IN = "a sign-in page: does the source need credentials?"
SIGN_IN_FIX = (
    "A web source is fetched without signing in (no password, cookie or header can be given to it): add the "
    "source again (answerloop kb sources remove NAME, then add) with a public address of the documentation, or "
    "export the pages to a folder or a Git repository and add that with --path or --git."
)


class WebSyncFailed(Exception):
    """The source as a whole could not be read this time (nothing was changed)."""


class SignInRequired(WebSyncFailed):
    """The source's pages are behind a sign-in (its fix is SIGN_IN_FIX, not a network check)."""


class _SignInPage(Exception):
    """A page fetched is a sign-in page (never kept as documentation)."""


@dataclass(frozen=True)
class WebSpec:
    kind: str  # sitemap | crawl
    url: str
    max_pages: int
    same_prefix: bool = False
    delay_s: float = 1.0
    max_bytes: int = 5_000_000
    max_depth: int = DEFAULT_MAX_DEPTH  # crawl: links followed from the start page


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
    beyond_depth: int = 0  # crawl: links in scope not followed because the depth limit was reached (at least)
    deeper: list[str] = field(default_factory=list)  # the first of those URLs, for the report
    wall: str | None = None  # the pages were redirected to one page, or the start page is a sign-in: kept, none removed

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
    pages: dict[str, str] = {}  # page_key → the URL first listed
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
            try:
                found, nested = web_pages.parse_sitemap(resp.body, max_bytes=MAX_SITEMAP_BYTES)
            except web_pages.SitemapError as exc:
                landing = _landing(url, web_pages.normalise(resp.url) or resp.url)
                if _sign_in(resp.body, landing):
                    raise _start_behind_sign_in("sitemap", url, landing) from exc
                raise
        except (FetchFailed, web_pages.SitemapError) as exc:
            if isinstance(exc, web_fetch.Refused) and exc.location and _sign_in_url(exc.location):
                raise _start_behind_sign_in("sitemap", url, exc.location) from exc
            raise WebSyncFailed(f"sitemap {url}: {exc}") from exc
        for loc in nested:
            nested_url = web_pages.normalise(loc)
            if nested_url and web_pages.same_site(nested_url, spec.url) and nested_url not in seen:
                seen.add(nested_url)
                queue.append(nested_url)
        for loc in found:
            page = web_pages.normalise(loc)
            if page:
                pages.setdefault(web_pages.page_key(page), page)  # one page listed as http and https: once
    return list(pages.values()), len(queue)


_NOT_HTML = (  # what a body starts with when it is a file, whatever the Content-Type says
    (b"%PDF-", "a PDF file"),
    (b"PK\x03\x04", "a ZIP archive (or a Word, Excel or PowerPoint file)"),
    (b"\x89PNG", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "a gzip file"),
    (b"\xd0\xcf\x11\xe0", "an old Office file"),
)


def _not_html(body: bytes) -> str | None:
    """What the body is when it cannot be an HTML page although the server says so (a PDF served as text/html):
    a file type's signature, or NUL bytes (never in HTML: a binary file)."""
    head = body[:1024].lstrip()
    for signature, what in _NOT_HTML:
        if head.startswith(signature):
            return what
    return "a binary file" if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")) else None


class _SignInScan(HTMLParser):
    """What a page shows of its own, outside its site's chrome — the banner, navigation, sidebars, footer and
    dialogs, as elements or ARIA landmarks (a site's login box beside or over every page's content is no sign-in
    page, and its legal text, link lists and cookie notice are no page's words): whether it shows a password field
    there or only in the chrome, how many words outside its forms (and scripts, and what is hidden), whether it has
    a heading of its own, and whether it shows code anywhere (a component library's page with a live password
    field: no sign-in page shows code). A <header> or <footer> inside an article, section, main, aside or nav is
    that part's own (a page's title sits in its article's header), as browsers and screen readers map them.

    Open elements are kept on a stack, with where each tag name's stand, so an end tag ends what its start tag
    began and every element left unclosed inside it: an element left unclosed inside a landmark ends with it, a
    void element (<img role="banner">) holds nothing. Each element is opened and ended once: linear on any page."""

    CHROME, SECTION, UNSEEN, FORM, CODE, HEADING = (1 << i for i in range(6))  # an element's kinds (bits)
    UNSEEN_TAGS = frozenset({"script", "style", "template", "noscript", "svg"})
    CHROME_TAGS = frozenset({"nav", "aside", "dialog"})
    BANNER_TAGS = frozenset({"header", "footer"})  # chrome outside sectioning content only
    SECTION_TAGS = frozenset({"article", "aside", "main", "nav", "section"})
    CHROME_ROLES = frozenset({"banner", "navigation", "contentinfo", "complementary", "dialog", "alertdialog"})
    SECTION_ROLES = frozenset({"article", "complementary", "main", "navigation", "region"})
    CODE_TAGS = frozenset({"pre", "code"})
    HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
    VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
         "wbr", "keygen"}
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.password = False  # a password field in the page's own content
        self.chrome_password = False  # one in its chrome only (a login box in a sidebar, or a side panel's form)
        self.words = 0  # the page's own: outside the chrome, forms, scripts and what is hidden
        self.heading = False  # a heading with text among them
        self.code = False
        self.stack: list[tuple[str, int]] = []  # the elements open, outermost first: (tag name, kinds)
        self.open: dict[str, list[int]] = {}  # tag name: where in `stack` each element of that name stands
        self.inside = dict.fromkeys((self.CHROME, self.SECTION, self.UNSEEN, self.FORM, self.CODE, self.HEADING), 0)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "input" and any(k == "type" and (v or "").strip().lower() == "password" for k, v in attrs):
            self._password_field(shown=not any(k == "hidden" for k, _ in attrs))
        if tag in self.VOID:
            return
        kinds = self._kinds(tag, dict(attrs))
        self.open.setdefault(tag, []).append(len(self.stack))
        self.stack.append((tag, kinds))
        self._enter(kinds, 1)

    def handle_endtag(self, tag: str) -> None:
        """An end tag ends its element and every element left unclosed inside it (each element is ended once:
        linear); one with no element of its name open (or a void one's) ends nothing."""
        if not (where := self.open.get(tag)):
            return
        target = where[-1]
        while len(self.stack) > target:
            name, kinds = self.stack.pop()
            self.open[name].pop()
            self._enter(kinds, -1)

    def handle_data(self, data: str) -> None:
        words = len(data.split())
        if not words or self.inside[self.FORM] or self.inside[self.UNSEEN]:
            return
        self.code = self.code or bool(self.inside[self.CODE])
        if not self.inside[self.CHROME]:
            self.words += words
            self.heading = self.heading or bool(self.inside[self.HEADING])

    def bare(self) -> bool:
        """Whether the page shows no content of its own: no heading, no code, fewer than SIGN_IN_BARE_WORDS."""
        return not self.heading and not self.code and self.words < SIGN_IN_BARE_WORDS

    def _password_field(self, shown: bool) -> None:
        if not shown or self.inside[self.UNSEEN]:  # an autofill trap, a login dialog not opened: none a reader sees
            return
        if self.inside[self.CHROME]:
            self.chrome_password = True
        else:
            self.password = True

    def _kinds(self, tag: str, attrs: dict[str, str | None]) -> int:
        """What an element opened here is: chrome, sectioning content, unseen, a form, code, a heading."""
        roles = set((attrs.get("role") or "").lower().split())
        chrome = tag in self.CHROME_TAGS or bool(roles & self.CHROME_ROLES)
        chrome = chrome or (tag in self.BANNER_TAGS and not self.inside[self.SECTION])
        unseen = tag in self.UNSEEN_TAGS or "hidden" in attrs or (tag == "dialog" and "open" not in attrs)
        return (
            self.CHROME * chrome
            | self.SECTION * (tag in self.SECTION_TAGS or bool(roles & self.SECTION_ROLES))
            | self.UNSEEN * unseen
            | self.FORM * (tag == "form")
            | self.CODE * (tag in self.CODE_TAGS)
            | self.HEADING * (tag in self.HEADING_TAGS or "heading" in roles)
        )

    def _enter(self, kinds: int, step: int) -> None:
        for kind in self.inside:
            if kinds & kind:
                self.inside[kind] += step


_PASSWORD_FIELD = re.compile(rb"""type\s*=\s*["']?\s*password""", re.IGNORECASE)


def _sign_in(body: bytes, landing: str | None = None) -> bool:
    """Whether the page is a sign-in: a password field, or `landing`, the sign-in page of the site the start page
    or sitemap was redirected to (a login page with only a "Sign in with Okta" button); and little text of its own
    besides its forms (documentation may show a live demo of a login form among its explanations; a page that
    talks about passwords or links to a login has no field), and no code shown. Its own: a login page's footer of
    legal text and link lists, its banner and sidebars are the site's, not the page's. A password field in the
    chrome counts only on a page with no content of its own (a login panel beside a tagline): beside a page's
    content it is the site's login box. The landing is named by its path's last segment (/login,
    /users/sign_in, /sso/saml): /display/SSO/Home is a page of a wiki's space about single sign-on, and the
    site's own host name (auth.example.com) says nothing about one of its pages."""
    by_url = bool(landing and _SIGN_IN_PAGE.search(urlsplit(landing).path))
    if not by_url and not _PASSWORD_FIELD.search(body):
        return False
    scan = _SignInScan()
    scan.feed(defuse_unclosed(body.decode("utf-8", errors="replace")))  # linear: an unclosed `<` rescans
    scan.close()
    form = scan.password or (scan.chrome_password and scan.bare())
    return (by_url or form) and scan.words <= SIGN_IN_MAX_WORDS and not scan.code


_SIGN_IN_SEGMENT = (  # a whole segment: /login, /login.php, /users/sign_in, /sso/saml (not /docs/sso.html)
    r"/(?:log-?in|log_in|sign-?in|sign_in|sso|saml2?|oauth2?|openid(?:-connect)?|authorize|adfs)"
    r"(?:\.(?:php|jsp|aspx?|do|action|cgi))?"
)
_SIGN_IN_PATH = re.compile(_SIGN_IN_SEGMENT + r"(?:/|$)", re.IGNORECASE)  # anywhere: a sign-in service elsewhere
_SIGN_IN_PAGE = re.compile(_SIGN_IN_SEGMENT + r"/?$", re.IGNORECASE)  # last: a sign-in page of the site itself
_SIGN_IN_HOST = re.compile(r"^(?:login|signin|sso|auth|accounts?|idp|id)\.", re.IGNORECASE)


def _sign_in_url(url: str) -> bool:
    """Whether a URL a page was redirected to names a sign-in: /login, /users/sign_in, /sso/…, login.example.com…"""
    parts = urlsplit(url)
    return bool(_SIGN_IN_PATH.search(parts.path) or _SIGN_IN_HOST.match(parts.hostname or ""))


def _start_behind_sign_in(what: str, url: str, where: str | None) -> SignInRequired:
    """The sync's failure when its start page or sitemap is a sign-in (`where`: the page it was redirected to)."""
    return SignInRequired(
        f"the {what} {url} is {_sent_to(where)}a sign-in page: the site needs signing in; nothing was stored or "
        "removed."
    )


def _sent_to(landing: str | None) -> str:
    """`redirected to LANDING, ` before what a page turned out to be; nothing when it was not redirected."""
    return f"redirected to {landing}, " if landing else ""


def _landing(url: str, final: str) -> str | None:
    """The page a request was redirected to, without its query (a login page's ?next=… differs for each page),
    when it is another page than the one asked for (http → https, www. and a trailing slash do not count)."""
    if web_pages.page_key(url).rstrip("/") == web_pages.page_key(final).rstrip("/"):
        return None
    return (web_pages.normalise(final) or final).split("?", 1)[0]


def sync_mirror(spec: WebSpec, folder: Path, *, log: Callable[[str], None] | None = None) -> MirrorReport:
    """Bring `folder` in line with the site: the pages of the sitemap, or those reached from the start page (up to
    `max_depth` links away). Pages redirected in numbers to one page (a login page: the site's sign-in expired)
    keep their last copies, and nothing is removed that sync."""
    folder.mkdir(parents=True, exist_ok=True)
    start = web_pages.normalise(spec.url)
    if start is None:
        raise WebSyncFailed(f"{spec.url!r} is not an http(s) URL")
    spec = replace(spec, url=start)
    previous = _load_state(folder)
    # A public site's pages (and redirects) never lead into a private network: 10.x, 127.x, 169.254.169.254…
    # An intranet source (its own host private) may use private addresses.
    public_only = web_fetch.is_public_host(urlsplit(start).hostname or "")
    try:
        robots = web_fetch.Robots.load(start, public_only=public_only)
    except FetchFailed as exc:
        raise WebSyncFailed(f"{exc.reason}; nothing was changed") from exc
    rules: dict[str, web_fetch.Robots | FetchFailed] = {web_fetch.origin(start): robots}
    budget = max(FETCH_BUDGET_S, FETCH_S_PER_PAGE * spec.max_pages)
    pacer = _Pacer(min(max(spec.delay_s, robots.crawl_delay or 0.0), MAX_CRAWL_DELAY_S), budget)
    report = MirrorReport()
    listed, unread = _sitemap_pages(spec, pacer, public_only) if spec.kind == "sitemap" else ([start], 0)
    queue = deque(listed)
    queued = {web_pages.page_key(u) for u in queue}  # http and https, www. or not: one page
    depth = dict.fromkeys(queued, 0)
    too_deep: dict[str, None] = {}
    files_taken: dict[str, str] = {s.file: u for u, s in previous.items()}
    folders_taken = {f for name in files_taken for f in _folders(name)}
    attempts = 0
    dropped: set[str] = set()  # pages failing for good whose earlier copy is removed
    entry_of: dict[str, dict[str, str]] = {}  # url → its problem, as listed
    landings: dict[str, list[str]] = {}  # a page requests were redirected to → those requests' URLs
    start_landing: str | None = None  # the crawl's start page now redirected elsewhere than the last time
    signed_out: dict[str, str | None] = {}  # url of a page that is a sign-in → the page it was redirected to
    pending_dir = folder / ".pending"  # pages reached by a redirect, saved once it is known not to be a login's
    shutil.rmtree(pending_dir, ignore_errors=True)
    pending: dict[str, Path] = {}
    digests: dict[str, str] = {}  # sha256 of a page kept → its URL: one page under two URLs is kept once

    unlisted = 0

    def problem(url: str, reason: str) -> None:
        nonlocal unlisted
        if len(report.problems) < MAX_PROBLEMS:
            report.problems.append(entry_of.setdefault(url, {"path": url, "reason": reason}))
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

    def allowed(url: str) -> bool:
        """robots.txt of the URL's own origin (a page upgraded to https, or on www., answers to that one's)."""
        site = web_fetch.origin(url)
        if site not in rules:
            pacer.wait()
            try:
                rules[site] = web_fetch.Robots.load(site, public_only=public_only)
            except FetchFailed as exc:
                rules[site] = exc
        found = rules[site]
        if isinstance(found, FetchFailed):
            raise found
        return found.allowed(url)

    def sign_in_page(url: str, landing: str | None, old: PageState | None) -> str | None:
        """A page that is a sign-in: reported, never kept as documentation; the copy fetched before (`old`) stays
        and its links are followed (the HTML returned). The crawl's start page: the sync stops on a first sync,
        and later keeps every page and removes none (the `wall` rule)."""
        nonlocal start_landing
        if url == start and spec.kind == "crawl":
            if not previous:
                raise _start_behind_sign_in("start page", url, landing)
            start_landing = landing or start
            landings.setdefault(start_landing, []).append(url)
        elif landing is not None:
            landings.setdefault(landing, []).append(url)
        signed_out[url] = landing
        problem(url, _sent_to(landing) + SIGN_IN + (" (the last copy is kept)" if old else ""))
        if old is None:
            return None
        report.kept += 1
        report.pages[url] = old
        return (folder / old.file).read_text(errors="replace")

    def duplicate(url: str, body: bytes) -> str | None:
        """The URL of a page kept this sync with the same content (?utm_source=…, /a and /a/index.html)."""
        return digests.setdefault(hashlib.sha256(body).hexdigest(), url) if body else None

    if unread:
        problem(spec.url, f"{unread:,} more sitemaps of the index not read (at most {MAX_SITEMAPS} are)")
    while queue:
        url = queue.popleft()
        if spec.kind == "sitemap" and not web_pages.same_site(url, start):
            problem(url, "on another site than the sitemap (skipped)")
            continue
        old = previous.get(url)
        old_copy = folder / old.file if old else None
        has_copy = bool(old_copy and old_copy.is_file())
        try:
            if not allowed(url):
                problem(url, "disallowed by robots.txt")
                continue
        except FetchFailed as exc:  # the robots.txt of another origin of the site (https, www.) cannot be read
            if exc.transient and old and has_copy:
                problem(url, f"{exc.reason} (the last copy is kept)")
                report.kept += 1
                report.pages[url] = old
            else:
                problem(url, exc.reason)
            continue
        if attempts >= spec.max_pages:
            report.not_fetched = len(queue) + 1
            report.left_out = [url, *islice(queue, LEFT_OUT_SHOWN - 1)]
            break
        attempts += 1
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
                kept_body = old_copy.read_bytes()
                duplicate(url, kept_body)
                html = kept_body.decode("utf-8", errors="replace")
            else:
                final = web_pages.normalise(resp.url) or url
                if not web_pages.same_site(final, start):
                    raise FetchFailed(f"redirected to another site ({final})")
                what = _not_html(resp.body)
                if what:
                    raise FetchFailed(f"not an HTML page ({what}, served as {resp.content_type})")
                body = _as_utf8(resp)
                landing = _landing(url, final)
                if _sign_in(body, landing if url == start else None):  # elsewhere a form tells (/docs/sso/ may be docs)
                    raise _SignInPage(url)
                if landing is None and (same := duplicate(url, body)) != url:
                    raise FetchFailed(f"the same page as {same} (kept once)")
                name = file_for(url)
                target = folder / name
                if landing is not None:  # saved aside until the end says whether it is a login page
                    landings.setdefault(landing, []).append(url)
                    if url == start and old and len(previous) > 1 and _landing(old.link, final) is not None:
                        start_landing = landing
                    target = pending_dir / hashed_file_name(url)
                    pending[url] = target
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    if not target.is_file() or target.read_bytes() != body:
                        target.write_bytes(body)
                except OSError as exc:  # a full disk, a folder the ingest cannot write
                    raise WebSyncFailed(f"{url} could not be saved as {target}: {exc}; nothing was removed") from exc
                report.fetched += 1
                report.pages[url] = PageState(name, final, resp.etag, resp.last_modified)
                html = body.decode("utf-8", errors="replace")
        except _SignInPage:
            html = sign_in_page(url, landing, old if has_copy else None)
        except FetchFailed as exc:
            if isinstance(exc, web_fetch.Refused) and exc.location:  # sent off-site: to a sign-in service?
                if url == start and spec.kind == "crawl" and _sign_in_url(exc.location):
                    raise _start_behind_sign_in("start page", url, exc.location) from exc
                landings.setdefault(_landing(url, exc.location) or exc.location, []).append(url)
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
                here = depth.get(web_pages.page_key(url), 0)
                cap = max(QUEUE_PER_PAGE * spec.max_pages, 1000)  # a page of 100k links each
                for link in found.links:
                    if len(queue) >= cap:
                        break
                    key = web_pages.page_key(link)
                    if (
                        key not in queued
                        and not web_pages.is_asset(link)
                        and web_pages.in_scope(link, start, same_prefix=spec.same_prefix)
                    ):
                        if here >= spec.max_depth:  # breadth first: a link first seen too deep is never nearer
                            if key not in too_deep and len(too_deep) < cap:
                                too_deep[key] = None
                                if len(report.deeper) < LEFT_OUT_SHOWN:
                                    report.deeper.append(link)
                            continue
                        queued.add(key)
                        depth[key] = here + 1
                        queue.append(link)
    report.beyond_depth = len(too_deep)
    _settle_redirects(report, folder, previous, landings, start_landing, pending, attempts, dropped, entry_of,
                      duplicate, set(signed_out))  # fmt: skip
    if report.wall and start in signed_out:
        report.wall = (
            f"the start page {start} is {_sent_to(signed_out[start])}a sign-in page now (the sync's access to the "
            "site may have expired): "
            "the pages' last copies are kept and nothing was removed. " + SIGN_IN_FIX
        )
    shutil.rmtree(pending_dir, ignore_errors=True)
    if unlisted:
        report.problems.append({"path": start, "reason": f"and {unlisted:,} more URLs with a problem (not listed)"})
    if not report.pages and signed_out:  # the pages are behind a sign-in (a public sitemap of private pages)
        raise SignInRequired(
            f"no page of {start} could be read: {len(signed_out)} of them are sign-in pages (first: "
            f"{next(iter(signed_out))}): the site needs signing in; nothing was stored or removed."
        )
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


def hashed_file_name(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:20] + ".html"


def _settle_redirects(
    report: MirrorReport,
    folder: Path,
    previous: dict[str, PageState],
    landings: dict[str, list[str]],
    start_landing: str | None,
    pending: dict[str, Path],
    attempts: int,
    dropped: set[str],
    entry_of: dict[str, dict[str, str]],
    duplicate: Callable[[str, bytes], str | None],
    signed_out: set[str],
) -> None:
    """Pages redirected to one landing page in numbers (WALL_PAGES, or every page fetched; or the crawl's start
    page redirected elsewhere than the last time) are a login page's doing, not the site's content: each keeps
    its last copy, and no page is removed this sync (report.wall says so). Other redirected pages are saved.
    `signed_out`: the pages that were sign-in pages, already reported (and their copies kept)."""
    walls = {
        landing: urls
        for landing, urls in landings.items()
        if len(urls) >= WALL_PAGES or 1 < len(urls) == attempts or landing == start_landing
    }
    walled = {u for urls in walls.values() for u in urls}
    for url, saved in pending.items():
        state = report.pages.get(url)
        if url in walled or state is None:
            continue
        body = saved.read_bytes()
        same = duplicate(url, body)
        if same != url:
            report.problems.append(entry_of.setdefault(url, {"path": url, "reason": f"the same page as {same}"}))
            del report.pages[url]
            if (folder / state.file).is_file():
                dropped.add(url)
            continue
        (folder / state.file).parent.mkdir(parents=True, exist_ok=True)
        os.replace(saved, folder / state.file)
    if not walls:
        return
    for landing, urls in walls.items():
        for url in urls:
            if url in signed_out:
                continue
            old = previous.get(url)
            has_copy = bool(old and (folder / old.file).is_file())
            if url in pending:
                report.fetched -= 1
            why = f"redirected to {landing} like {len(urls) - 1} other page(s): a sign-in page?"
            entry = entry_of.get(url)
            if entry is None:
                entry = entry_of[url] = {"path": url, "reason": why}
                report.problems.append(entry)
            else:
                entry["reason"] = f"{entry['reason']}; {why}"
            if old and has_copy:
                report.pages[url] = old
                report.kept += 1
                entry["reason"] += " (the last copy is kept)"
            else:
                report.pages.pop(url, None)
    dropped.clear()
    for url, state in previous.items():  # a sync that did not see the site's pages removes none of them
        if url not in report.pages and (folder / state.file).is_file():
            report.pages[url] = state
    shown = ", ".join(sorted(walls))
    report.wall = (
        f"{len(walled)} page(s) were redirected to {shown}: a sign-in page? (the sync's access to the site may have "
        "expired). The pages' last copies are kept and nothing was removed. If the site really moved, remove the "
        "source (--keep-documents) and add it again with its new address."
    )
