"""A Slack attachment's download against a misbehaving file host (a real HTTP server on loopback): a body that
outgrows the declared size is cut at the limit, a server that drips bytes is given up on, a redirect is never
followed with the bot token, and an address off Slack's hosts is never asked at all."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from workers import attachments
from workers.attachments import DownloadFailed, download

TOKEN = "xoxb-test-token"


class _Host(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, behaviour: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.behaviour = behaviour
        self.seen_auth: list[str] = []
        self.redirect_to = ""

    @property
    def netloc(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: _Host

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.server.seen_auth.append(self.headers.get("Authorization", ""))
        behaviour = self.server.behaviour
        if behaviour == "redirect":
            self.send_response(302)
            self.send_header("Location", self.server.redirect_to)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        if behaviour == "oversized":  # no length said, 5 MB sent (files.info said it was small)
            self.end_headers()
            for _ in range(50):
                self.wfile.write(b"x" * 100_000)
            return
        self.end_headers()
        for _ in range(100):  # "drip": a byte every 0.2 s, each read well inside the per-read timeout
            self.wfile.write(b"a")
            self.wfile.flush()
            time.sleep(0.2)


@pytest.fixture
def serve() -> Iterator[Callable[[str], _Host]]:
    """Starts hosts of a behaviour on loopback; all shut down after the test."""
    hosts: list[_Host] = []

    def start(behaviour: str) -> _Host:
        host = _Host(behaviour)
        threading.Thread(target=host.serve_forever, daemon=True).start()
        hosts.append(host)
        return host

    yield start
    for host in hosts:
        host.shutdown()
        host.server_close()


def test_a_body_larger_than_declared_is_read_only_to_the_limit(serve):
    oversized = serve("oversized")
    data, _ = download(f"http://{oversized.netloc}/f", TOKEN, 1000, trusted_host=oversized.netloc)
    assert len(data) == 1001  # one more than the limit: the caller sees it is too large


def test_a_host_dripping_bytes_is_given_up_on_as_a_whole_not_per_read(serve, monkeypatch):
    """Each read returned within DOWNLOAD_TIMEOUT_S, so a byte every few seconds held the worker answering the
    question for days (100,000 bytes); the download as a whole now has a deadline."""
    monkeypatch.setattr(attachments, "DOWNLOAD_DEADLINE_S", 1)
    drip = serve("drip")
    with pytest.raises(DownloadFailed, match="timed out"):
        download(f"http://{drip.netloc}/f", TOKEN, 100_000, trusted_host=drip.netloc)


def test_a_redirect_is_not_followed_with_the_token(serve):
    redirect, elsewhere = serve("redirect"), serve("oversized")
    redirect.redirect_to = f"http://{elsewhere.netloc}/stolen"
    with pytest.raises(DownloadFailed, match="HTTP 302"):
        download(f"http://{redirect.netloc}/f", TOKEN, 1000, trusted_host=redirect.netloc)
    assert redirect.seen_auth == [f"Bearer {TOKEN}"] and elsewhere.seen_auth == []


@pytest.mark.parametrize(
    "template",
    [
        "http://{netloc}/f",  # not the configured Slack API host
        "https://files.slack.com.{netloc}/f",
        "https://files.slack.com@{netloc}/f",
        "https://{netloc}#.slack.com",
    ],
)
def test_an_address_off_slack_is_never_asked_with_the_token(serve, template):
    elsewhere = serve("oversized")
    with pytest.raises(DownloadFailed, match="not a Slack file address"):
        download(template.format(netloc=elsewhere.netloc), TOKEN, 1000, trusted_host="slack.example:443")
    assert elsewhere.seen_auth == []
