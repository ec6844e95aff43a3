"""HTTP mode: Slack's signed requests served through Bolt's WSGI adapter.

`wsgi_app(app)` is what a production WSGI server (gunicorn, uWSGI) mounts; `make_http_server()` +
`serve_in_thread()` run it on a threaded stdlib server, which is enough for one bot process behind a load
balancer. Bolt verifies every request's signature and timestamp (forged or older than 5 minutes → 401) before
any listener runs.
"""

from __future__ import annotations

import logging
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Handler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # request lines carry no PII, but are noise
        log.debug("http %s", format % args)


def wsgi_app(app: App):
    """The WSGI callable; Slack sends events, commands and interactions to `/slack/events`."""
    return SlackRequestHandler(app)


def make_http_server(app: App, host: str = "0.0.0.0", port: int = 3000) -> WSGIServer:
    return make_server(host, port, wsgi_app(app), _ThreadingWSGIServer, _Handler)


def serve_in_thread(server: WSGIServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    return thread
