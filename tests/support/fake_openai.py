"""A scripted, local OpenAI-compatible HTTP server for tests (stdlib only, no network).

    with FakeOpenAI() as server:                      # 127.0.0.1, ephemeral port
        server.script(model_answer(True, "…", [(12, "…")]), http_error(500))
        client = OpenAI(base_url=server.base_url, api_key="test")
        …
        server.chat_requests[0].messages              # what the model was sent

Endpoints:

* ``POST /v1/chat/completions`` answers with the next scripted reply, shaped as a ``chat.completion`` whose
  message carries one ``tool_calls`` entry naming the function the request forced with ``tool_choice`` (instructor's
  TOOLS mode), ``arguments`` as a JSON string, and ``usage`` token counts. With no scripted reply left it answers
  HTTP 500 (``fake_openai: no scripted reply left``) so an unexpected call shows up as a model error.
* ``POST /v1/embeddings`` answers with deterministic hashed bag-of-words vectors (``embedding_dim``, default 64),
  unit length times ``embedding_scale``, as floats or base64 float32 (the OpenAI SDK asks for base64 by default).
* Anything else: HTTP 404 (unknown path) or 405 (wrong method) with an OpenAI-style error body.

A scripted reply is any of:

* a ``dict`` of tool-call arguments (e.g. from :func:`model_answer` / :func:`judgement`), sent as JSON;
* a ``str``: the raw ``arguments`` string (use it to send malformed JSON);
* :class:`ToolCall` / :class:`Completion` / :class:`HttpError` for full control;
* a callable ``(ChatRequest) -> reply`` that can look at the request first (resolved recursively).

Every request is recorded as an :class:`Exchange` (path, parsed JSON body, headers, status and body sent back).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

_PASSAGE = re.compile(
    r"\[passage id=(\d+)\] ([^\n]*)\n(.*?)(?=\n\n\[passage id=\d+\] |\n\nQuestion: |\n\nAnswer:\n|\Z)", re.S
)
_WORD = re.compile(r"\w+", re.UNICODE)


# ----------------------------------------------------------------------------------------------- replies


@dataclass
class ToolCall:
    """A tool call reply; ``name`` defaults to the function the request forced."""

    arguments: dict | str
    name: str | None = None
    usage: dict | None = None
    finish_reason: str = "tool_calls"


@dataclass
class Completion:
    """A plain-content reply (no tool call), e.g. a model that ignores ``tool_choice``."""

    content: str
    usage: dict | None = None


@dataclass
class HttpError:
    status: int = 500
    message: str = "fake_openai: scripted server error"
    error_type: str = "server_error"
    headers: dict[str, str] = field(default_factory=dict)


Reply = dict | str | ToolCall | Completion | HttpError | Callable[["ChatRequest"], Any]


def model_answer(can_answer: bool, answer: str, citations: Iterable[tuple[int, str]] = ()) -> dict:
    """Tool-call arguments shaped like ``workers.answerers.llm.ModelAnswer``."""
    return {
        "can_answer": can_answer,
        "answer": answer,
        "citations": [{"chunk_id": int(cid), "quote": quote} for cid, quote in citations],
    }


def judgement(supported: bool, unsupported_claims: Sequence[str] = ()) -> dict:
    """Tool-call arguments shaped like ``workers.answerers.llm.GroundingJudgement``."""
    return {"supported": supported, "unsupported_claims": list(unsupported_claims)}


def http_error(status: int = 500, message: str = "fake_openai: scripted server error", **headers: str) -> HttpError:
    """An error reply. Retry hints default to 1 ms so the SDK's own retries don't slow tests down."""
    base = {"retry-after-ms": "1"}
    base.update({k.replace("_", "-"): v for k, v in headers.items()})
    return HttpError(status, message, "server_error" if status >= 500 else "invalid_request_error", base)


# ----------------------------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class PassageSeen:
    chunk_id: int
    label: str
    content: str


@dataclass
class ChatRequest:
    """A parsed chat-completions request body, with helpers for scripted replies and assertions."""

    body: dict

    @property
    def messages(self) -> list[dict]:
        return self.body.get("messages", [])

    @property
    def tool_name(self) -> str | None:
        choice = self.body.get("tool_choice")
        if isinstance(choice, dict):
            return (choice.get("function") or {}).get("name")
        tools = self.body.get("tools") or []
        return tools[0]["function"]["name"] if tools else None

    def contents(self, role: str | None = None) -> list[str]:
        return [
            m["content"]
            for m in self.messages
            if isinstance(m.get("content"), str) and (role is None or m.get("role") == role)
        ]

    @property
    def system(self) -> str:
        return "\n".join(self.contents("system"))

    @property
    def question_message(self) -> str:
        """The user message carrying the passages and the question ('' if none)."""
        return next((c for c in self.contents("user") if "[passage id=" in c or "Question: " in c), "")

    def passages(self) -> list[PassageSeen]:
        """The passages given to the model, parsed from the ``[passage id=N] label`` markers, in order."""
        text = next((c for c in self.contents("user") if "[passage id=" in c), "")
        return [PassageSeen(int(m[1]), m[2], m[3]) for m in _PASSAGE.finditer(text)]

    def passage_ids(self) -> list[int]:
        return [p.chunk_id for p in self.passages()]

    def passage_with(self, needle: str) -> PassageSeen:
        """The first passage containing ``needle`` (case-insensitive); AssertionError if none does."""
        for p in self.passages():
            if needle.lower() in p.content.lower():
                return p
        raise AssertionError(f"no passage sent to the model contains {needle!r}; ids {self.passage_ids()}")

    def sentence_with(self, needle: str) -> tuple[int, str]:
        """(chunk_id, the sentence of that passage containing ``needle``), copied verbatim."""
        p = self.passage_with(needle)
        flat = " ".join(p.content.split())
        for sentence in re.split(r"(?<=[.!?])\s+", flat):
            if needle.lower() in sentence.lower():
                return p.chunk_id, sentence
        raise AssertionError(f"{needle!r} spans sentences in passage {p.chunk_id}")  # pragma: no cover

    def validation_feedback(self) -> list[str]:
        """Messages instructor added after a failed validation (the re-ask)."""
        return [c for c in self.contents() if "Validation Error" in c or "validation error" in c.lower()]

    def text(self) -> str:
        """The whole request body as sent (JSON), for 'never sent X' assertions."""
        return json.dumps(self.body, ensure_ascii=False)


@dataclass
class Exchange:
    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    body: Any  # parsed JSON, or None
    status: int = 0
    response: Any = None

    @property
    def chat(self) -> ChatRequest:
        return ChatRequest(self.body or {})

    def text(self) -> str:
        return self.raw.decode("utf-8", "replace")


# ----------------------------------------------------------------------------------------------- embeddings


def hashed_embedding(text: str, dim: int = 64) -> list[float]:
    """A deterministic unit vector: signed hashed bag of lower-cased words."""
    vec = np.zeros(dim, dtype=np.float64)
    for word in _WORD.findall(text.lower()):
        digest = hashlib.sha256(word.encode()).digest()
        index = int.from_bytes(digest[:4], "little") % dim
        vec[index] += 1.0 if digest[4] & 1 else -1.0
    norm = float(np.linalg.norm(vec))
    if norm == 0.0:
        vec[0], norm = 1.0, 1.0
    return (vec / norm).tolist()


# ----------------------------------------------------------------------------------------------- server


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0]
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        exchange = Exchange(method, path, {k.lower(): v for k, v in self.headers.items()}, raw, body)
        fake._record(exchange)
        route = fake._routes.get(path)
        if route is None:
            self._send(exchange, 404, _error_body(f"fake_openai: unknown path {path}", "invalid_request_error"))
            return
        if method != "POST":
            self._send(exchange, 405, _error_body(f"fake_openai: {method} not allowed on {path}"))
            return
        if not isinstance(body, dict):
            self._send(exchange, 400, _error_body("fake_openai: the body is not a JSON object"))
            return
        try:
            status, payload, headers = route(body)
        except Exception as exc:  # a broken script: make it visible, never hang the client
            status, payload, headers = 500, _error_body(f"fake_openai: script raised {exc!r}"), {}
            fake.script_errors.append(exc)
        self._send(exchange, status, payload, headers)

    def _send(self, exchange: Exchange, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        exchange.status, exchange.response = status, payload
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fake: FakeOpenAI

    def handle_error(self, request, client_address) -> None:
        """A client that gave up (a model budget spent, a timeout under test) closes its socket before the scripted
        reply is written: expected, so no traceback in the test output; anything else is still printed."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


def _error_body(message: str, error_type: str = "invalid_request_error") -> dict:
    return {"error": {"message": message, "type": error_type, "param": None, "code": None}}


def _default_usage(body: dict, arguments: str) -> dict:
    prompt = max(1, len(json.dumps(body.get("messages", []))) // 4)
    completion = max(1, len(arguments) // 4)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


class FakeOpenAI:
    """A scripted OpenAI-compatible server on 127.0.0.1 (ephemeral port). Start with ``with`` or ``start()``."""

    def __init__(self, *, embedding_dim: int = 64, host: str = "127.0.0.1") -> None:
        self._default_dim = embedding_dim
        self.embedding_dim = embedding_dim
        self.embedding_scale = 1.0  # >1 sends non-unit vectors, to test client-side normalisation
        self.embedding_reversed = False  # list `data` last index first (clients must sort by `index`)
        self.host = host
        self.exchanges: list[Exchange] = []
        self.script_errors: list[Exception] = []
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._counter = 0
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._routes: dict[str, Callable[[dict], tuple[int, Any, dict]]] = {
            "/v1/chat/completions": self._chat,
            "/v1/embeddings": self._embeddings,
        }

    # lifecycle ---------------------------------------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        if self._httpd is None:
            self._httpd = _Server((self.host, 0), _Handler)
            self._httpd.fake = self
            self._thread = threading.Thread(target=self._httpd.serve_forever, name="fake-openai", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._httpd = self._thread = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("FakeOpenAI is not running")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    # scripting ---------------------------------------------------------------------------------------------
    def script(self, *replies: Reply) -> FakeOpenAI:
        """Queue replies for the next chat-completions requests, in order."""
        with self._lock:
            self._replies.extend(replies)
        return self

    @property
    def pending(self) -> int:
        """Scripted replies not consumed yet."""
        with self._lock:
            return len(self._replies)

    def reset(self) -> None:
        """Forget scripts and recorded requests; restore default embedding settings."""
        with self._lock:
            self._replies.clear()
            self.exchanges.clear()
            self.script_errors.clear()
        self.embedding_dim = self._default_dim
        self.embedding_scale = 1.0
        self.embedding_reversed = False

    # recorded traffic --------------------------------------------------------------------------------------
    def _record(self, exchange: Exchange) -> None:
        with self._lock:
            self.exchanges.append(exchange)

    def requests_to(self, path: str) -> list[Exchange]:
        with self._lock:
            return [e for e in self.exchanges if e.path == path]

    @property
    def chat_exchanges(self) -> list[Exchange]:
        return self.requests_to("/v1/chat/completions")

    @property
    def chat_requests(self) -> list[ChatRequest]:
        return [e.chat for e in self.chat_exchanges]

    @property
    def embedding_requests(self) -> list[Exchange]:
        return self.requests_to("/v1/embeddings")

    # routes ------------------------------------------------------------------------------------------------
    def _next_id(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def _chat(self, body: dict) -> tuple[int, Any, dict]:
        with self._lock:
            reply: Any = self._replies.popleft() if self._replies else None
        if reply is None:
            return 500, _error_body("fake_openai: no scripted reply left", "server_error"), {"x-should-retry": "false"}
        request = ChatRequest(body)
        while callable(reply):
            reply = reply(request)
        if isinstance(reply, HttpError):
            return reply.status, _error_body(reply.message, reply.error_type), dict(reply.headers)
        n = self._next_id()
        if isinstance(reply, Completion):
            message: dict = {"role": "assistant", "content": reply.content}
            finish, usage = "stop", reply.usage or _default_usage(body, reply.content)
        else:
            call = reply if isinstance(reply, ToolCall) else ToolCall(reply)
            arguments = call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments)
            name = call.name or request.tool_name or "function"
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": f"call_fake_{n}", "type": "function", "function": {"name": name, "arguments": arguments}}
                ],
            }
            finish, usage = call.finish_reason, call.usage or _default_usage(body, arguments)
        completion = {
            "id": f"chatcmpl-fake-{n}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": usage,
        }
        return 200, completion, {}

    def _embeddings(self, body: dict) -> tuple[int, Any, dict]:
        inputs = body.get("input")
        if isinstance(inputs, str):
            inputs = [inputs]
        if not isinstance(inputs, list) or not inputs or not all(isinstance(t, str) for t in inputs):
            return 400, _error_body("fake_openai: input must be a non-empty string or list of strings"), {}
        dim = int(body.get("dimensions") or self.embedding_dim)
        data = []
        for i, text in enumerate(inputs):
            vector = [x * self.embedding_scale for x in hashed_embedding(text, dim)]
            if body.get("encoding_format") == "base64":
                encoded: Any = base64.b64encode(struct.pack(f"<{dim}f", *vector)).decode()
            else:
                encoded = vector
            data.append({"object": "embedding", "index": i, "embedding": encoded})
        if self.embedding_reversed:
            data.reverse()
        tokens = sum(len(_WORD.findall(t)) for t in inputs)
        return (
            200,
            {
                "object": "list",
                "data": data,
                "model": body.get("model", "fake-embedding"),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
            {},
        )


def serve(**kwargs: Any) -> Iterator[FakeOpenAI]:
    """Body of a pytest fixture: ``@pytest.fixture(scope="module")\ndef fake(): yield from serve()``."""
    with FakeOpenAI(**kwargs) as server:
        yield server
