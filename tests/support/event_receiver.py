"""A Request URL for tests of the stand-in itself: an HTTP endpoint that records what the stand-in posts (headers
and body) and answers 200; `payloads` checks each body's Slack signature before parsing it."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_sdk.signature import SignatureVerifier


class EventReceiver:
    def __init__(self) -> None:
        self.got: list[tuple[dict[str, str], str]] = []  # (headers, lower-case names; body), in arrival order
        got = self.got

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                got.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/slack/events"

    def payloads(self, signing_secret: str) -> list[dict]:
        """Every body received, parsed, each one's signature checked with `signing_secret`."""
        verifier = SignatureVerifier(signing_secret)
        out = []
        for headers, body in self.got:
            assert verifier.is_valid(body, headers["x-slack-request-timestamp"], headers["x-slack-signature"])
            out.append(json.loads(body))
        return out


@contextlib.contextmanager
def event_receiver() -> Iterator[EventReceiver]:
    receiver = EventReceiver()
    threading.Thread(target=receiver._server.serve_forever, daemon=True).start()
    try:
        yield receiver
    finally:
        receiver._server.shutdown()
        receiver._server.server_close()
