"""A small website for web-source tests: http.server in a thread on 127.0.0.1, pages by path with ETags and
304 answers to If-None-Match, 404 for the rest, and a log of every request (path, status)."""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HTML = "text/html; charset=utf-8"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


class Site:
    def __init__(self) -> None:
        self.pages: dict[str, tuple[bytes, str]] = {}
        self.requests: list[tuple[str, int]] = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with site._lock:
                    page = site.pages.get(self.path)
                if page is None:
                    self._answer(404, b"not found", "text/plain")
                    return
                body, ctype = page
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self._answer(304, b"", ctype, etag)
                    return
                self._answer(200, body, ctype, etag)

            def _answer(self, status: int, body: bytes, ctype: str, etag: str | None = None) -> None:
                with site._lock:
                    site.requests.append((self.path, status))
                self.send_response(status)
                if etag:
                    self.send_header("ETag", etag)
                if status != 304:
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Site:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def put(self, path: str, body: str | bytes, ctype: str = HTML) -> None:
        with self._lock:
            self.pages[path] = (body.encode() if isinstance(body, str) else body, ctype)

    def remove(self, path: str) -> None:
        with self._lock:
            self.pages.pop(path, None)

    def sitemap(self, *paths: str) -> None:
        urls = "".join(f"<url><loc>{self.url}{p}</loc></url>" for p in paths)
        xml = f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="{SITEMAP_NS}">{urls}</urlset>'
        self.put("/sitemap.xml", xml, "application/xml")

    def served(self, path: str) -> list[int]:
        """The statuses of the requests for `path`, in order."""
        with self._lock:
            return [status for p, status in self.requests if p == path]

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()


def page(title: str, *sections: tuple[str, str, str | None], links: tuple[str, ...] = (), head: str = "") -> str:
    """An HTML page: a menu (nav), an h1, and (heading, text, id) sections as h2s."""
    nav = "".join(f'<a href="{href}">{href}</a> ' for href in links)
    body = "".join(
        (f'<h2 id="{anchor}">' if anchor else "<h2>") + f"{heading}</h2><p>{text}</p>"
        for heading, text, anchor in sections
    )
    return (f"<!doctype html><html><head><title>{title}</title>{head}</head><body><nav>Menu {nav}</nav>"
            f"<main><h1>{title}</h1>{body}</main></body></html>")  # fmt: skip
