"""SlackStandin: the workspace served over Slack's wire protocols from a background thread.

- Web API:     POST/GET {base_url}/api/<method>  (form, JSON or query args; token from `Authorization: Bearer`
               or the `token` field), answered like slack.com/api/<method>.
- Socket Mode: apps.connections.open (app-level token) returns ws://127.0.0.1:PORT/link/?ticket=…; on connect
               the stand-in sends `hello`, then envelopes; the app acks with {"envelope_id": …}.
- HTTP mode:   with a request URL, the same payloads are POSTed there, signed with the signing secret.
- Control:     {base_url}/control/* (see control.py) and the Python methods of this class.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import logging
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import WSMsgType, web

from . import payloads
from .hosted import HostedWorkspace
from .model import ApiCall, Attempt, Delivery, new_id
from .workspace import Workspace

logger = logging.getLogger("slack_standin")

_JSON_ARGS = ("blocks", "attachments", "view", "metadata", "chunks", "loading_messages", "prompts")


@dataclass
class _ApiFault:
    kind: str  # "rate_limit" | "server_error"
    method: str | None  # None: every method
    remaining: int
    retry_after: int = 1
    status: int = 500


@dataclass
class _Conn:
    id: int
    ws: web.WebSocketResponse
    opened_at: float
    ready: bool = False
    draining: bool = False
    closed: bool = False

    @property
    def usable(self) -> bool:
        return self.ready and not self.draining and not self.closed and not self.ws.closed


class SlackStandin(Workspace):
    """A local Slack: Web API + Socket Mode + signed HTTP delivery + a control API, on 127.0.0.1.

    Use it as a context manager (`with SlackStandin() as slack: ...`) or call start()/stop().
    Timing knobs default to Slack's: 3 s to ack, 3 retries, trigger_id valid 3 s.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        request_url: str | None = None,
        ack_timeout: float = 3.0,
        max_retries: int = 3,
        http_timeout: float = 3.0,
        http_retry_delays: tuple[float, ...] = (0.0, 0.0, 0.0),
        retry_interactive: bool = False,
        strict_tickets: bool = True,
        ping_interval: float | None = 1.0,
        **workspace: Any,
    ) -> None:
        super().__init__(**workspace)
        self.host = host
        self.port = port
        self.request_url = request_url
        self.ack_timeout = ack_timeout
        self.max_retries = max_retries
        self.http_timeout = http_timeout
        self.http_retry_delays = tuple(http_retry_delays)
        self.retry_interactive = retry_interactive
        self.strict_tickets = strict_tickets
        self.ping_interval = ping_interval
        self.connections_opened = 0

        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._conn_ready: asyncio.Event | None = None
        self._conns: list[_Conn] = []
        self._conn_seq = 0
        self._tickets: dict[str, float] = {}
        self._ack_events: dict[str, asyncio.Event] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._pending: list[Delivery] = []
        self._held: list[Delivery] | None = None  # hold_deliveries(): kept back until release_held
        self._api_faults: list[_ApiFault] = []
        self._signature_faults: list[str] = []
        self._stopping = False
        # Further workspaces the app is installed in (add_workspace), by team id; the envelopes they emitted.
        self._hosted: dict[str, HostedWorkspace] = {}
        self._envelope_owner: dict[str, Workspace] = {}

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> SlackStandin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> SlackStandin:
        if self._thread is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        self.base_url = f"http://{self.host}:{self.port}"
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._astart(sock))
            except BaseException as exc:  # pragma: no cover - reported to start()
                failure.append(exc)
                started.set()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name=f"slack-standin-{self.port}", daemon=True)
        self._thread.start()
        started.wait(10)
        if failure:
            self._thread = None
            raise failure[0]
        return self

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        self._stopping = True
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._astop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._thread = None
        self._loop = None

    async def _astart(self, sock: socket.socket) -> None:
        from .control import add_control_routes

        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._h_api)
        app.router.add_get("/link/", self._h_socket)
        app.router.add_get("/link", self._h_socket)
        app.router.add_post("/response_url/{team}/{token}", self._h_response_url)
        app.router.add_get("/files-pri/{team_file}/{name:.+}", self._h_file)
        add_control_routes(app, self)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        self._session = aiohttp.ClientSession()
        with self.lock:
            self._conn_ready = asyncio.Event()
            pending, self._pending = self._pending, []
        for delivery in pending:
            self._start_delivery(delivery)

    async def _astop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for conn in list(self._conns):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=1001, message=b"server shutdown"), 1.0)
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def _run(self, coro: Coroutine[Any, Any, Any], timeout: float = 10.0) -> Any:
        if self._loop is None:
            coro.close()
            raise RuntimeError("the stand-in is not running")
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("call the async variant from the stand-in's own loop")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    # ------------------------------------------------------------------ addresses

    @property
    def web_api_url(self) -> str:
        """What slack_sdk's WebClient takes as base_url (trailing slash included)."""
        return f"{self.base_url}/api/"

    @property
    def control_url(self) -> str:
        return f"{self.base_url}/control"

    def web_client(self, **kwargs: Any) -> Any:
        """A slack_sdk WebClient aimed at the stand-in with the bot token."""
        from slack_sdk import WebClient

        kwargs.setdefault("token", self.bot_token)
        return WebClient(base_url=self.web_api_url, **kwargs)

    # ------------------------------------------------------------------ several workspaces

    def add_workspace(
        self, team_id: str | None = None, *, team_name: str | None = None, domain: str | None = None, **options: Any
    ) -> HostedWorkspace:
        """The app in one more workspace on this server (see hosted.py): its own team, bot user and bot token,
        people and channels; events signed with the one signing secret and carrying its team id."""
        team_id = team_id or new_id("T")
        with self.lock:
            if team_id == self.team_id or team_id in self._hosted:
                raise ValueError(f"workspace {team_id} is already on this stand-in")
            name = team_name or f"Workspace {team_id}"
            hosted = HostedWorkspace(self, team_id=team_id, team_name=name, domain=domain or team_id.lower(), **options)
            self._hosted[team_id] = hosted
            return hosted

    def workspace(self, team_id: str) -> Workspace:
        """A workspace on this server by team id (this one's own included); KeyError when unknown."""
        if team_id == self.team_id:
            return self
        with self.lock:
            return self._hosted[team_id]

    @property
    def workspaces(self) -> list[Workspace]:
        """Every workspace on this server, this one first."""
        with self.lock:
            return [self, *self._hosted.values()]

    def _workspace_for_call(self, method: str, args: dict[str, Any], token: str | None) -> Workspace:
        """Which workspace answers a Web API call: the one whose bot token it carries (Slack routes by token),
        for oauth.v2.access the one that issued the code; the app-level token and unknown tokens: this one."""
        with self.lock:
            hosted = list(self._hosted.values())
            if method == "oauth.v2.access":
                code = str(args.get("code") or "")
                return next((w for w in hosted if code in w._oauth_codes), self)
            # A revoked token (uninstall_app) is still its workspace's: that one answers `token_revoked`.
            return next((w for w in hosted if token and (token == w.bot_token or token in w._revoked_tokens)), self)

    def _dispatch_from(self, workspace: Workspace, delivery: Delivery) -> None:
        """A hosted workspace's delivery: sent by this server; its ack's effects are applied to that workspace."""
        with self.lock:
            self._envelope_owner[delivery.envelope_id] = workspace
        self._dispatch(delivery)

    def set_request_url(self, url: str | None) -> None:
        """Deliver to this URL over signed HTTP from now on (None: back to Socket Mode)."""
        self.request_url = url

    def info(self) -> dict[str, Any]:
        with self.lock:
            return {
                "base_url": self.base_url,
                "web_api_url": self.web_api_url,
                "control_url": self.control_url,
                "bot_token": self.bot_token,
                "app_token": self.app_token,
                "signing_secret": self.signing_secret,
                "request_url": self.request_url,
                "team_id": self.team_id,
                "app_id": self.app_id,
                "bot_user_id": self.bot_user_id,
                "bot_id": self.bot_id,
                "users": {u.name: u.id for u in self._users.values()},
                "channels": {
                    c.name if c.kind != "im" else f"dm:{c.im_user or c.name}": c.id for c in self._channels.values()
                },
                "socket_connections": self.socket_connection_count(),
                "workspaces": {
                    w.team_id: {
                        "team_name": w.identity.team_name,
                        "bot_token": w.bot_token,
                        "bot_user_id": w.bot_user_id,
                        "users": {u.name: u.id for u in w._users.values()},
                        "channels": {c.name: c.id for c in w._channels.values() if c.kind != "im"},
                    }
                    for w in self._hosted.values()
                },
            }

    # ------------------------------------------------------------------ faults

    def inject_rate_limit(self, method: str | None = None, count: int = 1, retry_after: int = 1) -> None:
        """The next `count` calls of `method` (None: of any method) get HTTP 429 + Retry-After."""
        with self.lock:
            self._api_faults.append(_ApiFault("rate_limit", method, count, retry_after=retry_after))

    def inject_server_error(self, method: str | None = None, count: int = 1, status: int = 500) -> None:
        """The next `count` calls of `method` (None: any) get HTTP `status` (500 by default)."""
        with self.lock:
            self._api_faults.append(_ApiFault("server_error", method, count, status=status))

    def inject_signature_fault(self, kind: str = "forged", count: int = 1) -> None:
        """The next `count` HTTP deliveries carry a forged signature ("forged") or a 10-minute-old timestamp
        with a signature valid for it ("stale")."""
        if kind not in ("forged", "stale"):
            raise ValueError("kind must be 'forged' or 'stale'")
        with self.lock:
            self._signature_faults.extend([kind] * count)

    def clear_faults(self) -> None:
        with self.lock:
            self._api_faults.clear()
            self._signature_faults.clear()

    def disconnect_socket(self, reason: str | None = "refresh_requested", *, close_after: float = 0.1) -> int:
        """Slack-initiated disconnect of every Socket Mode connection: {"type": "disconnect", "reason": …},
        then a close `close_after` seconds later (reason None: close at once, without the message).
        Returns how many connections were affected."""
        return self._run(self.adisconnect_socket(reason, close_after=close_after))

    async def adisconnect_socket(self, reason: str | None = "refresh_requested", *, close_after: float = 0.1) -> int:
        conns = [c for c in self._conns if not c.closed]
        for conn in conns:
            conn.draining = True
        self._refresh_ready()
        if reason:
            message = json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-standin"}})
            for conn in conns:
                with contextlib.suppress(Exception):
                    await conn.ws.send_str(message)

        async def close_later() -> None:
            await asyncio.sleep(close_after if reason else 0)
            for conn in conns:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.ws.close(code=1001, message=b"disconnect"), 1.0)

        self._spawn(close_later())
        return len(conns)

    def _take_api_fault(self, method: str) -> _ApiFault | None:
        with self.lock:
            for fault in self._api_faults:
                if fault.remaining > 0 and (fault.method is None or fault.method == method):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._api_faults.remove(fault)
                    return fault
        return None

    def _take_signature_fault(self) -> str | None:
        with self.lock:
            return self._signature_faults.pop(0) if self._signature_faults else None

    # ------------------------------------------------------------------ signing

    def sign(self, body: str, timestamp: str | int, secret: str | None = None) -> str:
        """Slack's request signature: "v0=" + hex HMAC-SHA256 of "v0:{timestamp}:{body}"."""
        key = (secret or self.signing_secret).encode()
        base = f"v0:{timestamp}:{body}".encode()
        return "v0=" + hmac.new(key, base, hashlib.sha256).hexdigest()

    def _signed_headers(self, body: str, fault: str | None) -> dict[str, str]:
        timestamp = int(time.time()) - (600 if fault == "stale" else 0)
        secret = "forged-" + secrets.token_hex(8) if fault == "forged" else None
        return {
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": self.sign(body, timestamp, secret),
        }

    # ------------------------------------------------------------------ Web API transport

    async def _h_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args, bad_body = await self._read_args(request)
        token = None
        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        elif auth.lower().startswith("basic "):  # oauth.v2.access: client credentials
            with contextlib.suppress(ValueError):
                client_id, _, client_secret = base64.b64decode(auth[6:].strip()).decode().partition(":")
                args.setdefault("client_id", client_id)
                args.setdefault("client_secret", client_secret)
        form_token = args.pop("token", None)
        token = token or (str(form_token) if form_token else None)
        recorded = {k: self._decoded(k, v) for k, v in args.items()}
        fault = self._take_api_fault(method)
        headers: dict[str, str] = {}
        workspace = self._workspace_for_call(method, args, token)
        if fault is not None and fault.kind == "rate_limit":
            status, body = 429, {"ok": False, "error": "ratelimited"}
            headers["Retry-After"] = str(fault.retry_after)
        elif fault is not None:
            status, body = fault.status, {"ok": False, "error": "internal_error"}
        elif bad_body:
            status, body = 200, {"ok": False, "error": bad_body}
        else:
            status, body = 200, workspace.call_method(method, args, token)
            if method == "auth.test" and body.get("ok"):
                headers["X-OAuth-Scopes"] = ",".join(sorted(workspace.scopes))
                headers["X-Accepted-OAuth-Scopes"] = ""
        workspace._record_call(
            ApiCall(
                method=method,
                args=recorded,
                time=time.time(),
                token=token,
                http_status=status,
                response=body,
                headers=headers,
                fault=("rate_limited" if fault.kind == "rate_limit" else "server_error") if fault else None,
            )
        )
        return web.json_response(body, status=status, headers=headers)

    @staticmethod
    def _decoded(key: str, value: Any) -> Any:
        if key in _JSON_ARGS and isinstance(value, str):
            with contextlib.suppress(ValueError):
                return json.loads(value)
        return value

    @staticmethod
    async def _read_args(request: web.Request) -> tuple[dict[str, Any], str | None]:
        args: dict[str, Any] = dict(request.query)
        if not request.body_exists:
            return args, None
        ctype = request.content_type
        if ctype == "application/json":
            try:
                data = await request.json()
            except ValueError:
                return args, "invalid_json"
            if not isinstance(data, dict):
                return args, "invalid_json"
            args.update(data)
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            args.update({k: v for k, v in form.items() if isinstance(v, str)})
        else:
            text = await request.text()
            args.update(dict(parse_qsl(text, keep_blank_values=True)))
        return args, None

    async def _h_response_url(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"ok": False, "error": "invalid_payload"}, status=400)
        try:
            workspace = self.workspace(request.match_info["team"])
        except KeyError:
            return web.json_response({"ok": False, "error": "no_such_url"}, status=404)
        status, result = workspace.response_url_post(
            request.match_info["token"], body if isinstance(body, dict) else {}
        )
        return web.json_response(result, status=status)

    async def _h_file(self, request: web.Request) -> web.Response:
        """A file's url_private (or url_private_download): its bytes, to the bot token of its workspace only."""
        team, _, file_id = request.match_info["team_file"].partition("-")
        auth = request.headers.get("Authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        try:
            workspace = self.workspace(team)
        except KeyError:
            return web.Response(status=404, text="file_not_found")
        status, content_type, body = workspace.download(file_id, token)
        call = ApiCall("files.download", {"file": file_id}, time.time(), token, status, {"ok": status == 200})
        workspace._record_call(call)
        return web.Response(status=status, body=body, content_type=content_type)

    # ------------------------------------------------------------------ Socket Mode

    def _new_socket_url(self) -> str:
        ticket = str(uuid.uuid4())
        self._tickets[ticket] = time.monotonic()
        return f"ws://{self.host}:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    def socket_connection_count(self) -> int:
        """Live Socket Mode connections that receive envelopes."""
        return sum(1 for c in list(self._conns) if c.usable)

    def wait_until_connected(self, timeout: float = 5.0, count: int = 1) -> None:
        self.wait_for(
            lambda: self.socket_connection_count() >= count,
            timeout,
            message=f"no Socket Mode connection within {timeout}s",
        )

    def _refresh_ready(self) -> None:
        if self._conn_ready is None:
            return
        if any(c.usable for c in self._conns):
            self._conn_ready.set()
        else:
            self._conn_ready.clear()
        self._notify()

    async def _h_socket(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if self.strict_tickets and self._tickets.pop(ticket, None) is None:
            return web.Response(status=401, text="invalid or already used ticket")
        ws = web.WebSocketResponse(autoping=True, compress=False, timeout=1.0, max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        self._conn_seq += 1
        conn = _Conn(id=self._conn_seq, ws=ws, opened_at=time.monotonic())
        self._conns.append(conn)
        self.connections_opened += 1
        try:
            hello = {
                "type": "hello",
                "num_connections": sum(1 for c in self._conns if not c.closed),
                "debug_info": {"host": "applink-standin", "build_number": 1, "approximate_connection_time": 18060},
                "connection_info": {"app_id": self.app_id},
            }
            await ws.send_str(json.dumps(hello))
            conn.ready = True
            self._refresh_ready()
            if self.ping_interval:
                self._spawn(self._ping(conn, self.ping_interval))
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._on_socket_text(msg.data)
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            conn.closed = True
            with contextlib.suppress(ValueError):
                self._conns.remove(conn)
            self._refresh_ready()
        return ws

    @staticmethod
    async def _ping(conn: _Conn, interval: float) -> None:
        """Slack pings its Socket Mode clients; it also keeps a blocked client read loop responsive."""
        while not conn.closed and not conn.ws.closed:
            await asyncio.sleep(interval)
            with contextlib.suppress(Exception):
                await conn.ws.ping(b"standin")

    def _on_socket_text(self, text: str) -> None:
        try:
            data = json.loads(text)
        except ValueError:
            logger.warning("non-JSON Socket Mode message: %r", text[:200])
            return
        envelope_id = data.get("envelope_id") if isinstance(data, dict) else None
        delivery = self._by_envelope.get(envelope_id or "")
        if delivery is None:
            logger.warning("ack for an unknown envelope: %r", text[:200])
            return
        self._mark_acked(delivery, data.get("payload"))

    def _mark_acked(self, delivery: Delivery, payload: Any) -> None:
        with self.lock:
            if delivery.acked_at is None:
                delivery.acked_at = time.monotonic()
                delivery.ack_payload = payload
                delivery.status = "acked"
                delivery.ack_attempt = delivery.attempts[-1].retry_attempt if delivery.attempts else None
                try:
                    self._envelope_owner.get(delivery.envelope_id, self)._apply_ack(delivery, payload)
                except Exception:  # an odd ack payload must not kill the transport
                    logger.exception("applying the ack payload of %s failed", delivery.envelope_id)
        event = self._ack_events.get(delivery.envelope_id)
        if event is not None:
            event.set()
        delivery.done.set()
        self._notify()

    # ------------------------------------------------------------------ delivery

    def hold_deliveries(self) -> None:
        """Keep every delivery from now on back, until `release_held` sends them in the order it is given: Slack
        does not promise to deliver events in the order they happened (a deletion can overtake its message)."""
        with self.lock:
            if self._held is None:
                self._held = []

    def release_held(
        self,
        *,
        reverse: bool = False,
        after_each: Callable[[Delivery], object] | None = None,
        timeout: float = 10.0,
    ) -> list[Delivery]:
        """Stop holding and send the held deliveries one at a time (`reverse`: the last held first), each once the
        one before was acknowledged or given up on and `after_each(delivery)` returned (an app may ack before its
        listener ran: a test waits there for its effect). Returns them in the order they were sent."""
        with self.lock:
            held, self._held = list(self._held or ()), None
        order = list(reversed(held)) if reverse else held
        for delivery in order:
            self._dispatch(delivery)
            if not delivery.done.wait(timeout):
                raise TimeoutError(f"delivery {delivery.envelope_id} not done within {timeout}s")
            if after_each is not None:
                after_each(delivery)
        return order

    def _dispatch(self, delivery: Delivery) -> None:
        with self.lock:
            if self._held is not None:
                self._held.append(delivery)
                return
            loop = self._loop
            if loop is None or self._conn_ready is None:
                self._pending.append(delivery)
                return
        if self._stopping:
            return
        loop.call_soon_threadsafe(self._start_delivery, delivery)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _start_delivery(self, delivery: Delivery) -> None:
        if self._stopping:
            return
        self._ack_events[delivery.envelope_id] = asyncio.Event()
        if delivery.context.get("force_http") or self.request_url:
            self._spawn(self._deliver_http(delivery, self.request_url or ""))
        else:
            self._spawn(self._deliver_socket(delivery))

    def _retries_allowed(self, delivery: Delivery) -> int:
        return self.max_retries if delivery.type == "events_api" or self.retry_interactive else 0

    def _finish(self, delivery: Delivery, status: str) -> None:
        with self.lock:
            if delivery.acked_at is None:
                delivery.status = status
        delivery.done.set()
        self._notify()

    async def _usable_conn(self) -> _Conn:
        assert self._conn_ready is not None
        while True:
            usable = [c for c in self._conns if c.usable]
            if usable:
                return usable[-1]
            self._conn_ready.clear()
            await self._conn_ready.wait()

    async def _deliver_socket(self, delivery: Delivery) -> None:
        allowed = self._retries_allowed(delivery)
        acked = self._ack_events[delivery.envelope_id]
        retry, reason = 0, ""
        while delivery.acked_at is None:
            conn = await self._usable_conn()
            envelope = payloads.envelope(
                delivery.type, delivery.envelope_id, delivery.payload, retry_attempt=retry, retry_reason=reason
            )
            attempt = Attempt(
                retry_attempt=retry,
                sent_at=time.monotonic(),
                wall_time=time.time(),
                transport="socket",
                retry_reason=reason,
            )
            with self.lock:
                delivery.attempts.append(attempt)
            try:
                await conn.ws.send_str(json.dumps(envelope))
            except Exception as exc:  # the connection went away between choosing and sending
                attempt.error = f"send failed: {exc!r}"
                conn.closed = True
                self._refresh_ready()
                continue
            self._notify()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(acked.wait(), self.ack_timeout)
            if delivery.acked_at is not None:
                return
            if retry >= allowed:
                self._finish(delivery, "failed")
                return
            retry, reason = retry + 1, "timeout"

    async def _deliver_http(self, delivery: Delivery, url: str) -> None:
        allowed = self._retries_allowed(delivery)
        body, content_type = payloads.http_body(delivery.type, delivery.payload)
        retry, reason = 0, ""
        while True:
            fault = self._take_signature_fault()
            headers = {
                "Content-Type": content_type,
                "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
                **self._signed_headers(body, fault),
            }
            if retry:
                headers["X-Slack-Retry-Num"] = str(retry)
                headers["X-Slack-Retry-Reason"] = reason
            attempt = Attempt(
                retry_attempt=retry,
                sent_at=time.monotonic(),
                wall_time=time.time(),
                transport="http",
                retry_reason=reason,
                request_headers=headers,
                signature_fault=fault,
            )
            with self.lock:
                delivery.attempts.append(attempt)
            self._notify()
            task = asyncio.ensure_future(self._post(url, body, headers))
            done, _ = await asyncio.wait({task}, timeout=self.http_timeout)
            if task in done:
                exc = task.exception()
                if exc is not None:
                    attempt.error = repr(exc)
                    reason = "connection_failed"
                else:
                    status, resp_headers, text = task.result()
                    self._record_http_answer(attempt, status, resp_headers, text)
                    if 200 <= status < 300:
                        self._mark_acked(delivery, self._http_ack_payload(resp_headers, text))
                        return
                    if resp_headers.get("x-slack-no-retry") == "1":
                        self._finish(delivery, "failed")
                        return
                    reason = "http_error"
            else:
                reason = "http_timeout"
                task.add_done_callback(self._late_answer_callback(attempt))
            if retry >= allowed:
                self._finish(delivery, "failed")
                return
            delay = self.http_retry_delays[min(retry, len(self.http_retry_delays) - 1)] if self.http_retry_delays else 0
            if delay:
                await asyncio.sleep(delay)
            retry += 1

    async def _post(self, url: str, body: str, headers: dict[str, str]) -> tuple[int, dict[str, str], str]:
        assert self._session is not None
        timeout = aiohttp.ClientTimeout(total=max(30.0, self.http_timeout * 10))
        async with self._session.post(url, data=body.encode(), headers=headers, timeout=timeout) as resp:
            text = await resp.text()
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, text

    def _record_http_answer(self, attempt: Attempt, status: int, headers: dict[str, str], text: str) -> None:
        with self.lock:
            attempt.http_status = status
            attempt.http_headers = headers
            attempt.http_body = text
            attempt.answered_at = time.monotonic()
        self._notify()

    def _late_answer_callback(self, attempt: Attempt) -> Callable[[asyncio.Future[Any]], None]:
        return lambda task: self._late_http_answer(task, attempt)

    def _late_http_answer(self, task: asyncio.Future[Any], attempt: Attempt) -> None:
        if task.cancelled():
            return
        if task.exception() is not None:
            attempt.error = repr(task.exception())
            return
        status, headers, text = task.result()
        self._record_http_answer(attempt, status, headers, text)

    @staticmethod
    def _http_ack_payload(headers: dict[str, str], text: str) -> Any:
        if not text:
            return None
        if headers.get("content-type", "").startswith("application/json"):
            with contextlib.suppress(ValueError):
                return json.loads(text)
        return text

    def verify_request_url(self, url: str | None = None, timeout: float = 5.0) -> bool:
        """Send Slack's url_verification challenge to the request URL; True when the app echoes it."""
        target = url or self.request_url
        if not target:
            raise RuntimeError("no request URL configured")
        challenge = secrets.token_urlsafe(24)
        delivery = Delivery(
            envelope_id=str(uuid.uuid4()),
            type="url_verification",
            payload=payloads.url_verification(self.identity, challenge),
            context={"force_http": True},
        )
        with self.lock:
            self._deliveries.append(delivery)
            self._by_envelope[delivery.envelope_id] = delivery
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._verify, delivery, target)
        delivery.wait(timeout)
        answer = delivery.ack_payload
        return isinstance(answer, dict) and answer.get("challenge") == challenge

    def _verify(self, delivery: Delivery, url: str) -> None:
        self._ack_events[delivery.envelope_id] = asyncio.Event()
        self._spawn(self._deliver_http(delivery, url))

    # ------------------------------------------------------------------ raw events

    def send_event(self, event: dict[str, Any], *, channel: str | None = None) -> Delivery:
        """Deliver an arbitrary Events API event (wrapped in event_callback), whatever the subscriptions; not once
        the app is uninstalled (AppNotInstalled)."""
        with self.lock:
            self._require_installed("event")
            if channel is not None:
                event = {**event, "channel": self.channel(channel).id}
            return self._emit("events_api", payloads.event_callback(self.identity, event))
