"""Trying to break the HTTP events endpoint at the connection level: the Bolt app behind bot/http_server.py on a
free port, over real sockets, the Slack stand-in signing requests. What a client that never finishes its request
does to the server, and what reaches the log."""

from __future__ import annotations

import json
import logging
import socket
import time
import urllib.parse

import pytest

from bot.app import build_app
from bot.http_server import EVENTS_PATH, make_http_server, serve_in_thread
from bot.intake import Intake
from core import db
from tests.support.bot_endpoint import endpoint_keys, http_settings, post_events

__all__ = ["endpoint_keys"]  # the fixture, bound here


def _serve(slack, clean_db, pii_guard, **server_options):
    settings = http_settings(slack, clean_db, slack_signing_secret=slack.signing_secret)
    intake = Intake(settings, pii_guard, lambda key, priority: None, clean_db)
    server = make_http_server(
        build_app(settings, intake), "127.0.0.1", 0, signing_secret=slack.signing_secret, **server_options
    )
    serve_in_thread(server)
    return server


def _response(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (the client gives up after 60 s)."""
    sock.settimeout(60)
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_body_that_never_arrives_is_refused_and_frees_its_thread(slack, clean_db, pii_guard, caplog):
    """A client that announces a body and stops sending held a server thread forever (no read timeout), one more
    per connection: anyone who could reach the port could exhaust the bot before any signature was checked."""
    caplog.set_level(logging.WARNING)
    server = _serve(slack, clean_db, pii_guard, read_timeout=1.0)
    try:
        with socket.create_connection(("127.0.0.1", server.server_port)) as sock:
            sock.sendall(
                f"POST {EVENTS_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                'Content-Length: 1000\r\n\r\n{"type":'.encode()
            )  # ... and nothing more, the connection left open
            head, _, body = _response(sock).partition(b"\r\n\r\n")
        assert head.split(b"\r\n")[0].endswith(b" 400 Bad Request"), head
        assert "did not arrive" in json.loads(body)["error"]
        # The server still serves everyone else.
        challenge = json.dumps({"type": "url_verification", "challenge": "c-1", "token": "x"})
        headers = _signed(slack, challenge, "application/json")
        assert post_events(server.server_port, challenge.encode(), headers) == (200, '{"challenge": "c-1"}')
    finally:
        server.shutdown()
        server.server_close()
    assert "Traceback" not in caplog.text


def test_a_request_line_that_never_arrives_closes_quietly(slack, clean_db, pii_guard, capfd):
    """A client that connects and sends half a request line: the connection is closed after the read timeout with
    one log line, not socketserver's traceback on stderr."""
    server = _serve(slack, clean_db, pii_guard, read_timeout=1.0)
    try:
        with socket.create_connection(("127.0.0.1", server.server_port)) as sock:
            sock.sendall(b"POST /slack/ev")
            assert _response(sock) == b""  # closed by the server, nothing sent
    finally:
        server.shutdown()
        server.server_close()
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("text", ["what is the payload limit for uploads?", "how do I send a payload= field?"])
def test_an_ask_that_says_payload_is_taken(slack, endpoint_keys, clean_db, text):
    """A slash command comes form-encoded; Bolt read any form body with the word "payload" in it as an
    interactivity payload, found no `payload` field and dispatched an empty request: 404, and the person saw
    Slack's "/ask failed" instead of an answer."""
    delivery = slack.slash_command("/ask", text)
    assert delivery.wait(10) and delivery.status == "acked", (delivery.status, delivery.attempts)
    [key] = slack.wait_for(lambda: endpoint_keys, timeout=15)
    with db.connect(clean_db) as conn:
        row = conn.execute(
            "SELECT question_redacted FROM slack_requests WHERE message_ts = %s", (key.message_ts,)
        ).fetchone()
    assert row["question_redacted"] == text  # as typed: the encoding that got it to Bolt is not in it


_WHO = {"team": {"id": "T0STANDIN1"}, "user": {"id": "U0ALICE001"}}
_WRONGLY_TYPED = [
    ({"type": "block_actions", "actions": "x", **_WHO}, "actions"),
    ({"type": "block_actions", "actions": [], **_WHO}, "actions"),
    ({"type": "block_actions", "actions": [1], **_WHO}, "actions"),
    ({"type": "view_submission", "view": "x", **_WHO}, "view"),
    ({"type": "view_submission", "view": {"callback_id": "improve_answer"}, **_WHO}, "view"),
    ({"type": "block_actions", "actions": [{"action_id": "a"}], "team": 5, "user": {"id": "U0ALICE001"}}, "team"),
]


@pytest.mark.parametrize(("shape", "reason"), _WRONGLY_TYPED)
def test_a_signed_interaction_of_the_wrong_shape_is_refused_with_a_reason(
    slack, endpoint_keys, shape, reason, caplog, capfd
):
    """Well-formed JSON whose fields Bolt reads have the wrong type (actions not a list of objects, a view without
    its type, an id that is a number) raised inside Bolt: a 500 and a traceback on stderr."""
    port = _port(slack)
    body = "payload=" + urllib.parse.quote(json.dumps(shape))
    status, text = post_events(port, body.encode(), _signed(slack, body, "application/x-www-form-urlencoded"))
    assert status == 400 and reason in json.loads(text)["error"], (status, text)
    assert "Traceback" not in caplog.text + capfd.readouterr().err


def test_a_signed_event_of_the_wrong_shape_is_refused_with_a_reason(slack, endpoint_keys, caplog, capfd):
    event = {"type": "message", "channel": 5, "user": "U0ALICE001", "text": "hi", "ts": "1700000000.000100"}
    body = json.dumps({"type": "event_callback", "team_id": "T0STANDIN1", "event_id": "Ev0SHAPE01", "event": event})
    status, text = post_events(_port(slack), body.encode(), _signed(slack, body, "application/json"))
    assert status == 400 and "channel" in json.loads(text)["error"], (status, text)
    assert "Traceback" not in caplog.text + capfd.readouterr().err
    assert endpoint_keys == []


def _port(slack) -> int:
    """The port of the bot the stand-in delivers to (endpoint_keys serves one)."""
    return int(urllib.parse.urlsplit(slack.request_url).port)


def _signed(slack, body: str, content_type: str) -> dict[str, str]:
    ts = str(int(time.time()))
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": slack.sign(body, ts)}
