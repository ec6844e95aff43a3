"""HTTP mode: Slack's signed requests served through Bolt's WSGI adapter.

`wsgi_app(app, signing_secret=…)` is what a production WSGI server (gunicorn, uWSGI) mounts; `make_http_server()`
+ `serve_in_thread()` run it on a threaded stdlib server, which is enough for one bot process behind a load
balancer. Both take the signing secret explicitly (settings.slack_signing_secret, SLACK_SIGNING_SECRET) and refuse
to serve without one.

In front of Bolt, `_Guard` is the one signature check (slack_sdk's SignatureVerifier: forged, or a timestamp older
than 5 minutes → 401; build_app turns Bolt's own check off, so a request is verified once) and refuses what Bolt
would choke on before it parses anything: a body over `MAX_BODY_BYTES` (413, not read), a bad or missing signature
or timestamp (401 — Bolt parsed the body first and answered a forged non-JSON body, or a non-numeric timestamp,
with a 500 and a traceback in the log), a body that does not arrive whole (400: the client stopped sending, or
closed early) and a signed body that is not UTF-8 or not a JSON object (400). Each refusal is a JSON
`{"error": …}` saying what was wrong.

The stdlib server reads every connection with a timeout (`read_timeout`, READ_TIMEOUT_S): without one, a client
that announced a body and never sent it held a server thread for good, one more per connection, before any
signature was checked. A connection that times out or drops before its request is complete is one log line.
"""

from __future__ import annotations

import io
import json
import logging
import sys
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
# Slack's largest payloads (a 40,000-character message with its blocks, a big modal's state) stay far below this.
MAX_BODY_BYTES = 4 * 1024 * 1024
# Slack sends a request whole at once and wants its answer within 3 s: a connection silent for this long is not Slack.
READ_TIMEOUT_S = 10.0


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that stalled (the read timeout) or went away mid-request is a line in the log; socketserver's
        default printed a traceback to stderr."""
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            log.warning("http connection from %s dropped: %s", client_address[0], type(exc).__name__)
            return
        super().handle_error(request, client_address)


class _Handler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # request lines carry no PII, but are noise
        log.debug("http %s", format % args)


def _bolts_content_type(content_type: str) -> str | None:
    """The content type as Bolt reads it (slack_bolt.request.internals.extract_content_type): without parameters."""
    return content_type.split(";")[0] or None


def _envelope_problem(body: bytes, content_type: str) -> str | None:
    """Why a (signed) body is not a Slack payload Bolt can dispatch, or None. Parsed as Bolt parses it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    try:
        parsed = parse_body(text, _bolts_content_type(content_type))
    except ValueError:
        return "the body is not JSON (nor a form with a JSON payload)"
    if not isinstance(parsed, dict):
        return "the payload is not a JSON object"
    if "event" in parsed and not isinstance(parsed["event"], dict):
        return "the event is not a JSON object"
    return _shape_problem(parsed)


# What Bolt reads while it builds and routes a request (slack_bolt.request.internals, payload_utils), where it reads
# it: an id field is an id or an object with one, an object field an object. Anything else raised inside Bolt — a 500
# and a traceback for a payload that is only wrongly typed.
_ID_FIELDS = ("team", "user", "channel", "enterprise")
_OBJECT_FIELDS = ("event", "view", "message", "previous_message", "item", "assistant_thread", "container")


def _shape_problem(payload: dict) -> str | None:
    event = payload.get("event") or {}
    for where, container in (("payload", payload), ("event", event), ("event.item", event.get("item") or {})):
        if not isinstance(container, dict):
            return f"the {where} is not a JSON object"
        for name in _ID_FIELDS:
            if container.get(name) is not None and not isinstance(container[name], str | dict):
                return f"`{name}` of the {where} is neither an id nor an object"
        for name in _OBJECT_FIELDS:
            if container.get(name) is not None and not isinstance(container[name], dict):
                return f"`{name}` of the {where} is not a JSON object"
    auths = payload.get("authorizations")
    if auths is not None and not (isinstance(auths, list) and all(isinstance(a, dict) for a in auths)):
        return "`authorizations` is not a list of objects"
    kind = payload.get("type")
    actions = payload.get("actions")
    if kind in ("block_actions", "interactive_message") and not (
        isinstance(actions, list) and actions and all(isinstance(a, dict) for a in actions)
    ):
        return f"a {kind} payload without a list of actions"
    if kind in ("view_submission", "view_closed") and not isinstance((payload.get("view") or {}).get("type"), str):
        return f"a {kind} payload without its view"
    return None


def _form_bolt_reads_whole(body: bytes, content_type: str) -> bytes:
    """The body as Bolt must be given it to read what Slack sent. Bolt takes any form body with the word "payload"
    in it for an interactivity payload (a `payload` field of JSON); a slash command whose text, channel or user name
    says "payload" has no such field, and Bolt dispatched an empty request: a 404, "/ask failed" for the person.
    Such a body goes to Bolt with that word's "p" percent-encoded, which every form decoder reads back as the same
    text. Any other body is given as it came. Called on a verified, well-formed body."""
    text = body.decode("utf-8")
    if _bolts_content_type(content_type) == "application/json" or text.startswith("{") or "payload" not in text:
        return body
    if "payload" in dict(parse_qsl(text, keep_blank_values=True)):
        return body
    return text.replace("payload", "%70ayload").encode()


class _Guard:
    """Bolt's WSGI handler behind the checks above (POSTs only: the OAuth pages are GETs)."""

    def __init__(self, app: App, signing_secret: str, max_body: int = MAX_BODY_BYTES) -> None:
        if not signing_secret:
            raise ValueError(
                "HTTP mode needs the app's signing secret to verify Slack's requests: set SLACK_SIGNING_SECRET "
                "(Slack app settings → Basic Information → Signing Secret)."
            )
        self.bolt = SlackRequestHandler(app)
        self.max_body = max_body
        self.verifier = SignatureVerifier(signing_secret)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return self.bolt(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0:
            return _refuse(start_response, 400, "Content-Length is not a number")
        if length > self.max_body:
            return _refuse(start_response, 413, f"the body is {length:,} bytes; at most {self.max_body:,} are read")
        try:
            body = environ["wsgi.input"].read(length) if length else b""
        except OSError:  # the read timeout: the client stopped sending (or reset the connection)
            body = None
        if body is None or len(body) < length:
            log.warning("http request refused: its body did not arrive (%s bytes announced)", f"{length:,}")
            return _refuse(start_response, 400, f"the body did not arrive: {length:,} bytes were announced")
        if not self._signed(body, environ):
            return _refuse(start_response, 401, "invalid request")  # what Bolt says: nothing for a forger to learn
        problem = _envelope_problem(body, environ.get("CONTENT_TYPE", ""))
        if problem:
            log.warning("malformed Slack request refused: %s", problem)
            return _refuse(start_response, 400, problem)
        body = _form_bolt_reads_whole(body, environ.get("CONTENT_TYPE", ""))
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        return self.bolt(environ, start_response)

    def _signed(self, body: bytes, environ: dict[str, Any]) -> bool:
        timestamp, signature = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""), environ.get("HTTP_X_SLACK_SIGNATURE")
        if not timestamp.isdigit() or not signature:
            return False
        try:
            return self.verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
        except ValueError:  # a body that is not UTF-8 cannot carry Slack's signature
            return False


def _refuse(start_response: Callable[..., Any], status: int, error: str) -> list[bytes]:
    reason = {400: "Bad Request", 401: "Unauthorized", 413: "Payload Too Large"}[status]
    payload = json.dumps({"error": error}).encode()
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


def wsgi_app(app: App, *, signing_secret: str):
    """The WSGI callable; Slack sends events, commands and interactions to `/slack/events`. Every POST is verified
    with `signing_secret` (ValueError without one)."""
    return _Guard(app, signing_secret)


def make_http_server(
    app: App,
    host: str = "0.0.0.0",
    port: int = 3000,
    *,
    signing_secret: str,
    read_timeout: float = READ_TIMEOUT_S,
) -> WSGIServer:
    """`read_timeout`: seconds a connection may stay silent before its request is complete (then it is refused or
    closed, and its thread is free again)."""
    guard = wsgi_app(app, signing_secret=signing_secret)  # before binding: no port is taken for a refused config
    handler = type("_TimedHandler", (_Handler,), {"timeout": read_timeout})
    return make_server(host, port, guard, _ThreadingWSGIServer, handler)


def serve_in_thread(server: WSGIServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    return thread
