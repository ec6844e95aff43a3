"""HTTP for web sources with the standard library (no HTTP client is a dependency): one GET with conditional
headers (ETag / Last-Modified), a timeout and a size limit, and a site's robots.txt rules. Every failure is a
`FetchFailed` whose reason a person can act on, and which says whether the page is gone for good (404, 410, not
HTML any more) or only unreachable this time (the previous copy is then kept).

What a hostile site cannot do: send the sync to another site (a redirect off the URL's own site is refused before
it is followed), to an address inside a private network when the source's site is public (`public_only`: checked
on the address each connection really goes to, so a DNS answer cannot sneak one in), hold a request for ever (one
deadline for the whole response, however slowly it trickles), or fill the memory (the body, compressed or not, is
read up to `max_bytes`)."""

from __future__ import annotations

import contextlib
import functools
import http.client
import ipaddress
import re
import socket
import threading
import urllib.error
import urllib.request
import urllib.robotparser
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

USER_AGENT = "AnswerloopBot/1.0 (knowledge base sync)"
ROBOTS_AGENT = "AnswerloopBot"  # the token a robots.txt names to address us
HTML_TYPES = ("text/html", "application/xhtml+xml")
TIMEOUT_S = 20.0  # each connect or read
PAGE_DEADLINE_S = 120.0  # a whole response, redirects included
MAX_ROBOTS_BYTES = 500_000  # read of a robots.txt: RFC 9309 asks for at least 500 KiB, the rest may be ignored
MAX_ROBOTS_FETCH = 5_000_000  # a larger robots.txt fails the sync (never taken for a missing one: allow all)


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


class Refused(FetchFailed):
    """A request that would leave the source's site (a redirect to another host or port, or from https to http)
    or go into a private network for a public site: never sent. `location`: where a refused redirect pointed."""

    def __init__(self, reason: str, *, location: str | None = None) -> None:
        super().__init__(reason)
        self.location = location


class _NotPublic(OSError):
    """A connection to an address inside a private network for a public site (urllib wraps it in a URLError)."""


def _site(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or {"http": 80, "https": 443}.get(scheme)


def bare_host(host: str) -> str:
    """The host without a leading "www." (www.example.com and example.com are one site; www.com is a host)."""
    rest = host.removeprefix("www.")
    return rest if rest != host and "." in rest else host


def same_site(url: str, site: str) -> bool:
    """Whether `url` is on `site`'s site: the same host (with or without "www."), the same scheme and port, or an
    upgrade from http on its default port to https on its default port. Never a downgrade https → http (the page
    would travel in the clear, where anyone on the way may change it), another port or another sub-domain."""
    (scheme, host, port), (site_scheme, site_host, site_port) = _site(url), _site(site)
    if not host or bare_host(host) != bare_host(site_host):
        return False
    if scheme == site_scheme:
        return port == site_port
    return (site_scheme, site_port, scheme, port) == ("http", 80, "https", 443)


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def is_public_host(host: str) -> bool:
    """Whether every address `host` resolves to is on the public internet (False when it does not resolve)."""
    try:
        return all(_public(ip) for ip in _addresses(host.strip("[]")))
    except (OSError, ValueError):
        return False


@dataclass
class _Guard:
    """One GET's connections: their addresses checked (`public_only`), and all cut when the deadline passes."""

    public_only: bool
    expired: bool = False
    sockets: list[socket.socket] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def connect(self, address: tuple[str, int], timeout: Any = None, source_address: Any = None) -> socket.socket:
        host, port = address
        last: OSError = OSError(f"{host} has no address")
        for family, kind, proto, _, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
            ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if self.public_only and not _public(ip):
                last = _NotPublic(f"{host} is at {ip}, not a public address, and the source's site is public")
                continue
            sock = socket.socket(family, kind, proto)
            try:
                if isinstance(timeout, int | float):
                    sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(sockaddr)
            except OSError as exc:
                sock.close()
                last = exc
                continue
            with self.lock:
                self.sockets.append(sock)
                if self.expired:
                    _cut(sock)
            return sock
        raise last

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            for sock in self.sockets:
                _cut(sock)


def _cut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)  # a read blocked on it returns at once


class _Guarded:
    """An http.client connection whose sockets come from the guard (HTTPS wraps the guard's socket in TLS)."""

    def __init__(self, *args: Any, guard: _Guard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = guard.connect


class _HTTPConnection(_Guarded, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_Guarded, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, guard: _Guard) -> None:
        super().__init__()
        self.guard = guard

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(functools.partial(_HTTPConnection, guard=self.guard), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, guard: _Guard) -> None:
        super().__init__()
        self.guard = guard

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        connection = functools.partial(_HTTPSConnection, guard=self.guard)
        return self.do_open(connection, req, context=self._context)  # type: ignore[attr-defined]


class _SameSiteRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 10

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> urllib.request.Request | None:  # fmt: skip
        if not same_site(newurl, req.full_url):
            fp.close()
            raise Refused(f"redirected to another site ({newurl})", location=newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener(guard: _Guard) -> urllib.request.OpenerDirector:
    """Redirects only within the site, every connection through the guard."""
    return urllib.request.build_opener(_SameSiteRedirects(), _HTTPHandler(guard), _HTTPSHandler(guard))


def _decompressed(body: bytes, encoding: str, max_bytes: int) -> bytes:
    """A gzip/deflate body decompressed, `max_bytes` at most (a few kB of gzip can hold gigabytes)."""
    wbits = {"gzip": 47, "x-gzip": 47, "deflate": 15}.get(encoding)  # 47: gzip or zlib header, detected
    if wbits is None:
        raise FetchFailed(f"sent in an encoding that cannot be read (Content-Encoding: {encoding})")
    try:
        inflater = zlib.decompressobj(wbits)
        out = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise FetchFailed(f"a broken {encoding} body: {exc}") from exc
    if len(out) > max_bytes:
        raise FetchFailed(f"too large (more than {max_bytes:,} bytes once decompressed)")
    return out


def decoded(body: bytes, *charsets: str | None) -> str:
    """`body` as text in the first of `charsets` Python knows (None skipped), else UTF-8; bytes not of that charset
    (declared wrongly) become U+FFFD rather than losing the text."""
    for charset in charsets:
        if charset:
            try:
                return body.decode(charset, errors="replace")
            except LookupError:  # a charset Python does not know
                continue
    return body.decode("utf-8", errors="replace")


def gunzip(raw: bytes, max_bytes: int) -> bytes:
    """A gzip file's content (a sitemap.xml.gz), `max_bytes` at most."""
    return _decompressed(raw, "gzip", max_bytes)


def get(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int,
    timeout: float = TIMEOUT_S,
    accept: tuple[str, ...] | None = HTML_TYPES,
    public_only: bool = False,
) -> Response:
    """GET `url`; 304 is a Response with an empty body. `accept`: the content types allowed (None: any);
    `public_only`: connect to public addresses only (the source's own site is public)."""
    # Behind a configured proxy, the proxy resolves the names: the network's own policy applies there.
    guard = _Guard(public_only and not urllib.request.getproxies())
    deadline = PAGE_DEADLINE_S
    too_slow = f"took longer than {deadline:g} s (the server sends too slowly)"
    timer = threading.Timer(deadline, guard.expire)
    timer.daemon = True
    timer.start()
    try:
        resp = _get(url, guard, etag, last_modified, max_bytes, timeout, accept)
    except FetchFailed as exc:
        if guard.expired:
            raise FetchFailed(too_slow, transient=True) from exc
        raise
    finally:
        timer.cancel()
    if guard.expired:  # what was read may be cut short
        raise FetchFailed(too_slow, transient=True)
    return resp


def _get(url: str, guard: _Guard, etag: str | None, last_modified: str | None, max_bytes: int, timeout: float,
         accept: tuple[str, ...] | None) -> Response:  # fmt: skip
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity",
               "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"}  # fmt: skip
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers)
    try:
        with _opener(guard).open(request, timeout=timeout) as resp:
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
            encoding = (resp.headers.get("Content-Encoding") or "identity").strip().lower()
            if encoding != "identity":  # sent compressed although we asked for identity
                body = _decompressed(body, encoding, max_bytes)
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
        if isinstance(exc.reason, _NotPublic):
            raise Refused(str(exc.reason)) from exc
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
    def load(cls, site: str, *, timeout: float = TIMEOUT_S, public_only: bool = False) -> Robots:
        url = f"{origin(site)}/robots.txt"
        try:
            resp = get(url, max_bytes=MAX_ROBOTS_FETCH, timeout=timeout, accept=None, public_only=public_only)
        except FetchFailed as exc:
            # Only a 4xx answer means "no robots.txt"; too large, refused, unreachable… stop the sync.
            if exc.transient or not re.match(r"HTTP 4\d\d\b", exc.reason):
                raise FetchFailed(f"robots.txt of {origin(site)}: {exc.reason}", transient=exc.transient) from exc
            return cls(None, allow=not re.match(r"HTTP 40[13]\b", exc.reason))
        parser = urllib.robotparser.RobotFileParser(url)
        parser.parse(decoded(resp.body[:MAX_ROBOTS_BYTES], resp.charset).splitlines())
        return cls(parser)

    def allowed(self, url: str) -> bool:
        return self.parser.can_fetch(ROBOTS_AGENT, url) if self.parser else self.allow

    @property
    def crawl_delay(self) -> float | None:
        delay = self.parser.crawl_delay(ROBOTS_AGENT) if self.parser else None
        return float(delay) if delay is not None else None
