"""Web sources against hostile or careless sites, served from this process (http.server in a thread): redirects to
other sites (never followed, so a public site cannot point the sync at an internal address), a site whose name
resolves to a private address, gzip bombs as a sitemap or a page's Content-Encoding, a page that dribbles a byte at
a time, an endless chunked page, redirect loops, charsets declared wrongly or only in the page."""

from __future__ import annotations

import gzip
import threading
import time
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support.cli_runner import run_cli
from workers.kb import web_fetch, web_mirror, web_pages
from workers.kb.web_fetch import FetchFailed

Route = Callable[[BaseHTTPRequestHandler], None]
HTML = "text/html; charset=utf-8"


class Server:
    """Routes by path; every request is logged (path) before its route answers; 404 for the rest."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.log: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.log.append(self.path)
                route = server.routes.get(self.path)
                if route is None:
                    send(self, 404, b"not found", "text/plain")
                else:
                    route(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def page(self, path: str, body: bytes | str, ctype: str = HTML, headers: dict[str, str] | None = None) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = lambda h: send(h, 200, data, ctype, headers)

    def redirect(self, path: str, to: str, code: int = 302) -> None:
        self.routes[path] = lambda h: send(h, code, b"", "text/plain", {"Location": to})

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def send(h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None):
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)


def html(title: str, text: str, links: tuple[str, ...] = ()) -> str:
    nav = "".join(f'<a href="{href}">{href}</a> ' for href in links)
    head = f"<!doctype html><html><head><title>{title}</title></head>"
    return f"{head}<body>{nav}<h1>{title}</h1><p>{text}</p></body></html>"


@pytest.fixture()
def site():
    s = Server()
    s.page("/robots.txt", "", "text/plain")
    yield s
    s.close()


@pytest.fixture()
def other():
    """Another site (another port: another origin) standing for an internal service, 169.254.169.254 or 10.x."""
    s = Server()
    s.page("/latest/meta-data/", "secret-role-credentials", "text/plain")
    s.page("/sitemap.xml", '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>', "application/xml")
    s.page("/robots.txt", "", "text/plain")
    yield s
    s.close()


def _sitemap(site: Server, *paths: str) -> None:
    urls = "".join(f"<url><loc>{site.url}{p}</loc></url>" for p in paths)
    site.page("/sitemap.xml", f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
              "application/xml")  # fmt: skip


def _sync(
    site: Server, folder: Path, kind: str = "sitemap", start: str = "/sitemap.xml", **kw
) -> web_mirror.MirrorReport:
    spec = web_mirror.WebSpec(kind, site.url + start, kw.pop("max_pages", 50), delay_s=0, **kw)
    return web_mirror.sync_mirror(spec, folder)


def test_a_redirect_to_another_site_is_never_followed(site, other, tmp_path):
    internal = other.url.replace("127.0.0.1", "localhost")  # another origin, and a name, as an attacker would
    site.page("/docs/ok.html", html("OK", "A page that stays."))
    site.redirect("/docs/moved.html", f"{internal}/latest/meta-data/")
    site.redirect("/docs/hop.html", "/docs/hop2.html")  # a same-site hop first, then off-site
    site.redirect("/docs/hop2.html", f"{internal}/latest/meta-data/", 301)
    _sitemap(site, "/docs/ok.html", "/docs/moved.html", "/docs/hop.html")
    report = _sync(site, tmp_path / "m")
    reasons = {p["path"].removeprefix(site.url): p["reason"] for p in report.problems}
    assert reasons == {
        "/docs/moved.html": f"redirected to another site ({internal}/latest/meta-data/)",
        "/docs/hop.html": f"redirected to another site ({internal}/latest/meta-data/)",
    }
    assert other.log == [], "a request went to the other site"

    site.redirect("/sitemap.xml", f"{internal}/sitemap.xml")  # the sitemap itself
    with pytest.raises(web_mirror.WebSyncFailed, match="redirected to another site"):
        _sync(site, tmp_path / "m")
    site.redirect("/robots.txt", f"{internal}/robots.txt")  # and robots.txt
    with pytest.raises(web_mirror.WebSyncFailed, match=r"robots\.txt .*redirected to another site"):
        _sync(site, tmp_path / "m")
    assert other.log == []
    assert (tmp_path / "m" / "docs" / "ok.html").is_file(), "a failed sync changed the mirror"


def test_a_public_site_never_reaches_a_private_address(site):
    for host in ("127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "::ffff:127.0.0.1", "fd00::1",
                 "0.0.0.0", "localhost"):  # fmt: skip
        assert not web_fetch.is_public_host(host), host
    assert web_fetch.is_public_host("8.8.8.8") and web_fetch.is_public_host("2001:4860:4860::8888")
    site.page("/page.html", html("Internal", "Only for the intranet."))
    with pytest.raises(FetchFailed, match=r"127\.0\.0\.1.* not a public address") as exc:
        web_fetch.get(f"{site.url}/page.html", max_bytes=10_000, public_only=True)
    assert not exc.value.transient
    assert site.log == [], "the request was sent"
    assert web_fetch.get(f"{site.url}/page.html", max_bytes=10_000).status == 200  # an intranet source's own host


def _gzip_stream(head: bytes, filler: bytes, total: int, tail: bytes) -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip
    out = [z.compress(head)]
    for _ in range(total // len(filler)):
        out.append(z.compress(filler))
    out.append(z.compress(tail))
    out.append(z.flush())
    return b"".join(out)


def test_gzip_bombs_are_cut_off(site, tmp_path, monkeypatch):
    monkeypatch.setattr(web_mirror, "MAX_SITEMAP_BYTES", 5_000_000)
    ns = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    bomb = _gzip_stream(ns, b" " * 1_000_000, 100_000_000, b"</urlset>")  # 100 MB of spaces in ~100 kB
    assert len(bomb) < 200_000
    site.page("/sitemap.xml.gz", bomb, "application/gzip")
    with pytest.raises(web_mirror.WebSyncFailed, match="more than 5,000,000 bytes once decompressed"):
        _sync(site, tmp_path / "m", start="/sitemap.xml.gz")

    page = html("Zipped", "A page sent compressed although we asked for identity.").encode()
    site.page("/zipped.html", gzip.compress(page), headers={"Content-Encoding": "gzip"})
    page_bomb = _gzip_stream(b"<html><body>", b"<p>x</p>" * 100_000, 100_000_000, b"</body></html>")
    site.page("/bomb.html", page_bomb, headers={"Content-Encoding": "gzip"})
    _sitemap(site, "/zipped.html", "/bomb.html")
    report = _sync(site, tmp_path / "m", max_bytes=1_000_000)
    assert (tmp_path / "m" / "zipped.html").read_bytes() == page  # decompressed, so it can be read
    assert [p["reason"] for p in report.problems] == ["too large (more than 1,000,000 bytes once decompressed)"]


def test_a_page_that_dribbles_or_never_ends_is_cut_off(site, tmp_path, monkeypatch):
    monkeypatch.setattr(web_fetch, "PAGE_DEADLINE_S", 1.5)
    done = threading.Event()

    def dribble(h: BaseHTTPRequestHandler) -> None:  # one byte every 0.2 s: no read ever times out
        h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(200):
            if done.is_set():
                return
            try:
                h.wfile.write(b"x")
                h.wfile.flush()
            except OSError:
                return
            time.sleep(0.2)

    def dribble_headers(h: BaseHTTPRequestHandler) -> None:
        for ch in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 200:
            if done.is_set():
                return
            try:
                h.wfile.write(bytes([ch]))
                h.wfile.flush()
            except OSError:
                return
            time.sleep(0.2)

    def endless(h: BaseHTTPRequestHandler) -> None:  # chunked, never a last chunk
        h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"<p>" + b"z" * 65_000 + b"</p>"
        try:
            while not done.is_set():
                h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            return

    site.routes["/slow.html"] = dribble
    site.routes["/slow-headers.html"] = dribble_headers
    site.routes["/endless.html"] = endless
    site.page("/ok.html", html("OK", "Fine."))
    _sitemap(site, "/slow.html", "/slow-headers.html", "/endless.html", "/ok.html")
    try:
        report = _sync(site, tmp_path / "m", max_bytes=1_000_000)
    finally:
        done.set()
    reasons = {p["path"].removeprefix(site.url): p["reason"] for p in report.problems}
    assert reasons == {
        "/slow.html": "took longer than 1.5 s (the server sends too slowly)",
        "/slow-headers.html": "took longer than 1.5 s (the server sends too slowly)",
        "/endless.html": "too large (more than 1,000,000 bytes)",
    }
    assert list(report.pages) == [f"{site.url}/ok.html"]


def test_redirect_loops_and_chains_end_as_a_problem(site, tmp_path):
    site.redirect("/loop.html", "/loop2.html")
    site.redirect("/loop2.html", "/loop.html")
    for i in range(30):
        site.redirect(f"/chain{i}.html", f"/chain{i + 1}.html")
    site.page("/chain30.html", html("End", "The end of a long chain."))
    site.page("/ok.html", html("OK", "Fine."))
    _sitemap(site, "/loop.html", "/chain0.html", "/ok.html")
    report = _sync(site, tmp_path / "m")
    reasons = {p["path"].removeprefix(site.url): p["reason"] for p in report.problems}
    assert set(reasons) == {"/loop.html", "/chain0.html"}
    assert all("redirect" in r for r in reasons.values()), reasons
    assert len(site.log) < 60  # each gave up after a few hops


def test_charsets_declared_wrongly_or_only_in_the_page(site, tmp_path):
    latin = html("Café", "Le café crème coûte deux euros.").replace("<head>", '<head><meta charset="windows-1252">')
    site.page("/meta.html", latin.encode("cp1252"), "text/html")  # no charset in the header: the page's own
    site.page("/wrong.html", html("Wrong", "Crème brûlée.").encode("latin-1"), "text/html; charset=utf-8")
    site.page("/bogus.html", html("Bogus", "Plain text."), "text/html; charset=no-such-charset")
    _sitemap(site, "/meta.html", "/wrong.html", "/bogus.html")
    _sync(site, tmp_path / "m")
    assert "café crème coûte" in (tmp_path / "m" / "meta.html").read_bytes().decode("utf-8")
    wrong = (tmp_path / "m" / "wrong.html").read_bytes().decode("utf-8")  # valid UTF-8, so the ingest reads it
    assert "Cr\ufffdme" in wrong
    assert "Plain text." in (tmp_path / "m" / "bogus.html").read_bytes().decode("utf-8")


def test_a_crawl_trap_stops_at_the_page_limit(site, tmp_path):
    def calendar(h: BaseHTTPRequestHandler) -> None:
        n = int(h.path.rsplit("=", 1)[1])
        send(h, 200, html(f"Day {n}", "Nothing happens.", (f"/cal?day={n + 1}", f"/cal?day={n + 2}")).encode(), HTML)

    for n in range(100):
        site.routes[f"/cal?day={n}"] = calendar
    report = _sync(site, tmp_path / "m", kind="crawl", start="/cal?day=0", max_pages=10)
    assert len(report.pages) == 10 and report.not_fetched > 0
    assert len(site.log) == 11  # robots.txt and ten pages
    assert web_pages.normalise("HTTP://Example.COM:80/a#x") == web_pages.normalise("http://example.com/a")


def test_urls_no_file_name_can_hold_do_not_stop_the_sync(site, tmp_path):
    long = "/" + "very-long-title-" * 30 + ".html"  # 480 characters: more than a file name may have
    deep = "/d" * 1500 + "/page.html"  # 3,000 characters of folders
    site.page(long, html("Long", "A page with a long name."))
    site.page(deep, html("Deep", "A page deep down."))
    site.page("/x.html", html("File", "The page x."))
    site.page("/x.html/", html("Folder", "The folder x.html."))  # x.html is a file and a folder
    _sitemap(site, long, deep, "/x.html", "/x.html/")
    report = _sync(site, tmp_path / "m")
    assert report.problems == []
    assert sorted(report.links().values()) == sorted(site.url + p for p in (long, deep, "/x.html", "/x.html/"))
    texts = {f: (tmp_path / "m" / f).read_text() for f in report.links()}
    assert sorted(t.split("<p>")[1].split("</p>")[0] for t in texts.values()) == [
        "A page deep down.",
        "A page with a long name.",
        "The folder x.html.",
        "The page x.",
    ]
    again = _sync(site, tmp_path / "m")  # the same files the next time
    assert again.links() == report.links() and again.removed == []


def test_a_crawl_keeps_a_bounded_queue_of_links(site, tmp_path):
    links = tuple(f"/p{n}.html" for n in range(20_000))  # one page, 20,000 links (a crawl of many holds millions)
    site.page("/index.html", html("Index", "Everything.", links))
    site.page("/p0.html", html("P0", "Page zero."))
    report = _sync(site, tmp_path / "m", kind="crawl", start="/index.html", max_pages=2)
    assert len(report.pages) == 2
    assert 0 < report.not_fetched <= 1000


def test_a_site_slow_on_every_page_cannot_hold_the_sync(site, tmp_path, monkeypatch):
    _sitemap(site, "/ok.html")
    site.page("/ok.html", html("OK", "Fine."))
    first = _sync(site, tmp_path / "m")
    assert list(first.pages) == [f"{site.url}/ok.html"]

    def slow(h: BaseHTTPRequestHandler) -> None:  # each page just under the page deadline
        time.sleep(0.4)
        send(h, 200, html("Slow", "Slow page.").encode(), HTML)

    paths = [f"/slow{n}.html" for n in range(20)]
    for p in paths:
        site.routes[p] = slow
    _sitemap(site, *paths, "/ok.html")
    monkeypatch.setattr(web_mirror, "FETCH_BUDGET_S", 1.0)
    monkeypatch.setattr(web_mirror, "FETCH_S_PER_PAGE", 0.0)
    with pytest.raises(web_mirror.WebSyncFailed, match="took more than 1 s to send its pages"):
        _sync(site, tmp_path / "m")
    assert len([p for p in site.log if p.startswith("/slow")]) < 6
    assert (tmp_path / "m" / "ok.html").is_file()


def test_a_sitemap_of_other_sites_urls_gives_a_bounded_report(site, tmp_path):
    urls = "".join(f"<url><loc>https://elsewhere.example/{n}.html</loc></url>" for n in range(5000))
    urls += f"<url><loc>{site.url}/ok.html</loc></url>"
    site.page("/sitemap.xml", f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
              "application/xml")  # fmt: skip
    site.page("/ok.html", html("OK", "Fine."))
    report = _sync(site, tmp_path / "m")
    assert list(report.pages) == [f"{site.url}/ok.html"]
    assert len(report.problems) == 1001
    assert report.problems[-1]["reason"] == "and 4,000 more URLs with a problem (not listed)"


def test_an_index_of_many_sitemaps_is_read_up_to_the_limit(site, tmp_path):
    ns = "http://www.sitemaps.org/schemas/sitemap/0.9"
    nested = "".join(f"<sitemap><loc>{site.url}/s{n}.xml</loc></sitemap>" for n in range(60))
    site.page("/sitemap.xml", f'<sitemapindex xmlns="{ns}">{nested}</sitemapindex>', "application/xml")
    for n in range(60):
        site.page(f"/s{n}.xml", f'<urlset xmlns="{ns}"><url><loc>{site.url}/p{n}.html</loc></url></urlset>',
                  "application/xml")  # fmt: skip
        site.page(f"/p{n}.html", html(f"P{n}", f"Page {n}."))
    report = _sync(site, tmp_path / "m", max_pages=100)
    assert len(report.pages) == web_mirror.MAX_SITEMAPS - 1  # the index is one of the files read
    assert [p["reason"] for p in report.problems] == ["11 more sitemaps of the index not read (at most 50 are)"]


def test_a_robots_txt_too_large_or_with_a_bad_charset_still_rules(site, tmp_path):
    rules = "User-agent: *\nDisallow: /private/\n"
    site.page("/robots.txt", rules + "# padding\n" * 60_000, "text/plain; charset=no-such-charset")  # 600 kB
    site.page("/private/pay.html", html("Pay", "Salaries."))
    site.page("/ok.html", html("OK", "Fine."))
    _sitemap(site, "/private/pay.html", "/ok.html")
    report = _sync(site, tmp_path / "m")
    assert report.problems == [{"path": f"{site.url}/private/pay.html", "reason": "disallowed by robots.txt"}]
    assert "/private/pay.html" not in site.log


def test_brackets_in_a_sites_urls_do_not_break_the_command(clean_db, site, tmp_path):
    """Rich reads [tags] in what it prints: a URL or reason from the site is text, not markup."""
    site.page("/ok.html", html("OK", "Fine."))
    _sitemap(site, "/ok.html", "/a[/b].html", "/c[red].html")  # both 404
    env = {"REDIS_URL": "", "ANSWERLOOP_HOME": str(tmp_path / "home")}
    r = run_cli(clean_db, "kb", "sources", "add", "site", "-c", "site", "--sitemap", f"{site.url}/sitemap.xml",
                "--delay", "0", env=env)  # fmt: skip
    assert r.returncode == 0, r.stderr + r.stdout
    assert f"{site.url}/a[/b].html: HTTP 404" in r.stdout and f"{site.url}/c[red].html: HTTP 404" in r.stdout
    site.page("/sitemap.xml", "[/x] not a sitemap", "application/xml")
    r = run_cli(clean_db, "kb", "sources", "sync", "site", env=env)
    assert r.returncode == 2 and "not XML" in r.stderr and "Traceback" not in r.stderr, r.stderr
    r = run_cli(clean_db, "kb", "sources", "list", env=env)
    assert r.returncode == 0, r.stderr + r.stdout
    assert "failed" in r.stdout
