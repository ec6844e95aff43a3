"""HTTP for web sources with the standard library (no HTTP client is a dependency): one GET with conditional
headers (ETag / Last-Modified), a timeout and a size limit, and a site's robots.txt rules. Every failure is a
`FetchFailed` whose reason a person can act on, and which says whether the page is gone for good (404, 410, not
HTML any more) or only unreachable this time (the previous copy is then kept)."""

from __future__ import annotations

import http.client
import re
import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import dataclass
from urllib.parse import urlsplit

USER_AGENT = "AnswerloopBot/1.0 (knowledge base sync)"
ROBOTS_AGENT = "AnswerloopBot"  # the token a robots.txt names to address us
HTML_TYPES = ("text/html", "application/xhtml+xml")
TIMEOUT_S = 20.0
MAX_ROBOTS_BYTES = 500_000


class FetchFailed(Exception):
    """A URL could not be used. `transient`: unreachable, timed out or a server error, so what was fetched before
    stays; otherwise the page is gone or unusable (404/410, 401/403, not HTML, too large, off-site)."""

    def __init__(self, reason: str, *, transient: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    status: int  # 200, or 304 when the conditional request found the page unchanged
    body: bytes
    content_type: str
    charset: str | None
    etag: str | None
    last_modified: str | None


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener()


def get(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int,
    timeout: float = TIMEOUT_S,
    accept: tuple[str, ...] | None = HTML_TYPES,
) -> Response:
    """GET `url`; 304 is a Response with an empty body. `accept`: the content types allowed (None: any)."""
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity",
               "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"}  # fmt: skip
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers)
    try:
        with _opener().open(request, timeout=timeout) as resp:
            final = resp.geturl()
            ctype = resp.headers.get_content_type()
            charset = resp.headers.get_content_charset()
            if accept is not None and ctype not in accept:
                raise FetchFailed(f"not an HTML page (Content-Type: {ctype})")
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchFailed(f"too large ({int(length):,} bytes > {max_bytes:,})")
            body = resp.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise FetchFailed(f"too large (more than {max_bytes:,} bytes)")
            return Response(final, resp.status, body, ctype, charset, resp.headers.get("ETag"),
                            resp.headers.get("Last-Modified"))  # fmt: skip
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 304:
            return Response(url, 304, b"", "", None, exc.headers.get("ETag") or etag,
                            exc.headers.get("Last-Modified") or last_modified)  # fmt: skip
        reason = f"HTTP {exc.code} {exc.reason}".strip()
        raise FetchFailed(reason, transient=exc.code == 429 or exc.code >= 500) from exc
    except urllib.error.URLError as exc:
        raise FetchFailed(f"unreachable: {exc.reason}", transient=True) from exc
    except TimeoutError as exc:
        raise FetchFailed(f"timed out after {timeout:g} s", transient=True) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise FetchFailed(f"connection failed: {type(exc).__name__}: {exc}", transient=True) from exc


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class Robots:
    """A site's robots.txt (urllib.robotparser's rules for our agent). Missing (4xx) allows everything, 401/403
    forbids everything, as the standard says; an unreachable host or a server error is a `FetchFailed`, so a
    sync stops before it could take the site's pages for removed."""

    def __init__(self, parser: urllib.robotparser.RobotFileParser | None, *, allow: bool = True) -> None:
        self.parser = parser  # None: no rules, `allow` for every URL
        self.allow = allow

    @classmethod
    def load(cls, site: str, *, timeout: float = TIMEOUT_S) -> Robots:
        url = f"{origin(site)}/robots.txt"
        try:
            resp = get(url, max_bytes=MAX_ROBOTS_BYTES, timeout=timeout, accept=None)
        except FetchFailed as exc:
            if exc.transient:
                raise FetchFailed(f"robots.txt of {origin(site)}: {exc.reason}", transient=True) from exc
            return cls(None, allow=not re.match(r"HTTP 40[13]\b", exc.reason))
        parser = urllib.robotparser.RobotFileParser(url)
        parser.parse(resp.body.decode(resp.charset or "utf-8", errors="replace").splitlines())
        return cls(parser)

    def allowed(self, url: str) -> bool:
        return self.parser.can_fetch(ROBOTS_AGENT, url) if self.parser else self.allow

    @property
    def crawl_delay(self) -> float | None:
        delay = self.parser.crawl_delay(ROBOTS_AGENT) if self.parser else None
        return float(delay) if delay is not None else None
