"""What a web source is made of: page URLs from a sitemap (index files followed), links from a page (for a crawl),
the URLs in scope, and the file each page is kept in (its URL path, so `origin/path` is the page's link)."""

from __future__ import annotations

import hashlib
import posixpath
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from workers.kb import web_fetch
from workers.kb.parsing import defuse_unclosed
from workers.kb.web_fetch import FetchFailed, gunzip, same_site

# Links a crawl does not follow: files that are never HTML pages (fetching them only to report "not HTML").
_ASSET = re.compile(
    r"\.(png|jpe?g|gif|svg|webp|ico|bmp|css|js|mjs|map|json|xml|txt|woff2?|ttf|eot|otf|mp[34]|webm|avi|mov|wav|"
    r"zip|gz|tgz|bz2|xz|7z|tar|rar|exe|dmg|msi|deb|rpm|apk|iso|pdf|docx?|xlsx?|pptx?|csv)$",
    re.IGNORECASE,
)
_UNSAFE = re.compile(r"[^A-Za-z0-9._~+-]")
MAX_SEGMENT = 100  # characters of one folder or file name (file systems allow 255 bytes)
MAX_PATH = 600  # characters of the whole relative path (Linux allows 4,096 bytes)


class SitemapError(ValueError):
    """The sitemap is not a sitemap (not XML, or neither <urlset> nor <sitemapindex>)."""


def normalise(url: str) -> str | None:
    """The URL without its fragment, with a lower-case scheme and host and a path ('/' at least); None for what is
    not an http(s) URL."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    netloc = parts.netloc.lower()
    for scheme, port in (("http", ":80"), ("https", ":443")):
        if parts.scheme.lower() == scheme and netloc.endswith(port):
            netloc = netloc[: -len(port)]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def page_key(url: str) -> str:
    """One key for the URLs of one page: http and https, with "www." or not (the crawl's rule for a site, web_fetch
    same_site), so a page linked both ways is fetched once."""
    parts = urlsplit(normalise(url) or url)
    host = web_fetch.bare_host(parts.hostname or "")
    port = "" if parts.port in (None, 80, 443) else f":{parts.port}"
    return urlunsplit(("", host + port, parts.path, parts.query, ""))


def prefix_of(start: str) -> str:
    """The folder of the start page: https://h/docs/intro.html → https://h/docs/ (for --same-prefix)."""
    parts = urlsplit(start)
    folder = parts.path if parts.path.endswith("/") else posixpath.dirname(parts.path).rstrip("/") + "/"
    return urlunsplit((parts.scheme, parts.netloc, folder, "", ""))


def in_scope(url: str, start: str, *, same_prefix: bool) -> bool:
    folder = urlsplit(prefix_of(start)).path
    return same_site(url, start) and (not same_prefix or urlsplit(url).path.startswith(folder))


def is_asset(url: str) -> bool:
    return bool(_ASSET.search(urlsplit(url).path))


def page_file(url: str) -> str:
    """The relative file a page is kept in: its URL path when that is a safe .html/.htm name (so the link
    `origin/file` is the page itself), else a safe name ending in .html: '/' → index.html, '/a/' → a/index.html,
    '/a/b' → a/b.html, a query → a hash of it in the name."""
    parts = urlsplit(url)
    segments = [unquote(s) for s in parts.path.split("/")]
    directory = parts.path.endswith("/") or not segments[-1]
    clean = [_UNSAFE.sub("_", s) for s in segments if s and s not in (".", "..")]
    clean = [("_" + s if s.startswith(".") else s) for s in clean]  # never a hidden file (ingest skips those)
    if directory:
        clean.append("index.html")
    stem, dot, ext = clean[-1].rpartition(".")
    if not (dot and stem and ext.lower() in ("html", "htm")):
        stem, ext = clean[-1], "html"
    if parts.query:
        stem += "-q" + hashlib.sha256(parts.query.encode()).hexdigest()[:10]
    clean[-1] = f"{stem}.{ext}"
    clean = [_shortened(s) for s in clean]
    path = "/".join(clean)
    if len(path) > MAX_PATH:  # too deep to be a path: one file named by the URL's hash
        return hashed_file(url)
    return path


def hashed_file(url: str) -> str:
    """A page's file named by its URL's hash alone, where its path cannot be a name (too deep, or a folder of that
    name exists): the page's URL then comes from the mirror's state file, not from the name."""
    return f"_pages/{hashlib.sha256(url.encode()).hexdigest()[:20]}.html"


def _shortened(segment: str) -> str:
    """A name cut to MAX_SEGMENT characters, its extension kept, and a hash of the whole so names stay distinct."""
    if len(segment) <= MAX_SEGMENT:
        return segment
    _, dot, ext = segment.rpartition(".")
    suffix = f"{dot}{ext}" if dot and len(ext) <= 5 else ""
    keep = MAX_SEGMENT - len(suffix) - 11
    return f"{segment[:keep]}-{hashlib.sha256(segment.encode()).hexdigest()[:10]}{suffix}"


def parse_sitemap(raw: bytes, *, max_bytes: int) -> tuple[list[str], list[str]]:
    """(page URLs, nested sitemap URLs) of a sitemap or sitemap index (gzip-compressed too, up to `max_bytes`
    decompressed)."""
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gunzip(raw, max_bytes)
        except FetchFailed as exc:
            raise SitemapError(exc.reason) from exc
    try:
        root = ET.fromstring(raw)  # expat >= 2.4 limits entity amplification (no billion laughs)
    except ET.ParseError as exc:
        raise SitemapError(f"not XML ({exc})") from exc
    kind = root.tag.rsplit("}", 1)[-1]
    if kind not in ("urlset", "sitemapindex"):
        raise SitemapError(f"not a sitemap (<{kind}> instead of <urlset> or <sitemapindex>)")
    locs = [(el.text or "").strip() for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "loc"]
    locs = [u for u in locs if u]
    return (locs, []) if kind == "urlset" else ([], locs)


@dataclass
class PageLinks:
    links: list[str] = field(default_factory=list)
    noindex: bool = False
    nofollow: bool = False


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.found = PageLinks()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href") and "nofollow" not in a.get("rel", "").lower().split():
            self.found.links.append(a["href"])
        elif tag == "base" and a.get("href") and self.base is None:
            self.base = a["href"]
        elif tag == "meta" and a.get("name", "").lower() in ("robots", "answerloopbot"):
            content = {w.strip() for w in a.get("content", "").lower().split(",")}
            self.found.noindex |= bool(content & {"noindex", "none"})
            self.found.nofollow |= bool(content & {"nofollow", "none"})


def links_of(html: str, page_url: str) -> PageLinks:
    """The page's outgoing links (absolute, normalised, de-duplicated, in order) and its robots meta tag."""
    parser = _LinkParser()
    parser.feed(defuse_unclosed(html))  # linear: the standard library's parser rescans from an unclosed `<`
    parser.close()
    base = urljoin(page_url, parser.base) if parser.base else page_url
    seen: dict[str, None] = {}
    for href in parser.found.links:
        url = normalise(urljoin(base, href))
        if url:
            seen.setdefault(url, None)
    parser.found.links = list(seen)
    return parser.found
