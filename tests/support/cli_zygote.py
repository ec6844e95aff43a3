"""A fork server for `answerloop` runs in tests: each command is a fresh process without the import bill.

Importing Presidio (and the transformers stack it pulls in) costs seconds per process, and the suite runs the CLI
hundreds of times. This server imports those third-party packages once and forks one child per command. The child
is a new process as far as the command can tell: its own pid, environment, working directory, stdin/stdout/stderr
and a fresh random state; our own packages (`cli`, `core`, `workers`, `guardrails`…) are imported in the child, after
its environment is set, exactly as in `python -c "from cli.main import main; main()"`.

Protocol, per connection on a Unix socket: the client sends one length-prefixed JSON request
(args, env, cwd, stdin); the child answers with its pid, then with the exit code, stdout and stderr.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import sys
import tempfile
from typing import Any, NoReturn

# Third-party packages only: nothing here may read the caller's settings at import time.
PRELOAD = ("presidio_analyzer", "presidio_anonymizer", "detect_secrets", "psycopg", "typer", "rich", "pydantic")
OUR_PACKAGES = ("cli", "core", "workers", "guardrails", "feedback", "bot")


def send(sock: socket.socket, payload: dict[str, Any]) -> None:
    data = json.dumps(payload).encode()
    sock.sendall(struct.pack("!Q", len(data)) + data)


def recv(sock: socket.socket) -> dict[str, Any] | None:
    header = _exactly(sock, 8)
    if header is None:
        return None
    body = _exactly(sock, struct.unpack("!Q", header)[0])
    return None if body is None else json.loads(body)


def _exactly(sock: socket.socket, n: int) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _reseed() -> None:
    """Forked children would otherwise share the server's random state."""
    import random

    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)  # sys.exit("message"): printed, status 1, as the interpreter does
    return 1


def _run_command(request: dict[str, Any], out: Any, err: Any) -> int:
    import atexit
    import io
    import threading
    import traceback

    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    with tempfile.TemporaryFile() as stdin:
        if request["stdin"] is not None:
            stdin.write(request["stdin"].encode())
            stdin.seek(0)
            os.dup2(stdin.fileno(), 0)
        else:
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.close(devnull)
    os.dup2(out.fileno(), 1)
    os.dup2(err.fileno(), 2)
    encoding = sys.stdout.encoding

    # As the interpreter builds them for a pipe: buffered binary streams under the text layer.
    def stream(fd: int, mode: str, **text: Any) -> io.TextIOWrapper:
        raw = io.FileIO(fd, mode, closefd=False)
        buffered = io.BufferedReader(raw) if mode == "r" else io.BufferedWriter(raw)
        return io.TextIOWrapper(buffered, encoding=encoding, **text)

    sys.stdin = sys.__stdin__ = stream(0, "r")
    sys.stdout = sys.__stdout__ = stream(1, "w")
    sys.stderr = sys.__stderr__ = stream(2, "w", errors="backslashreplace", line_buffering=True)
    sys.argv = ["-c", *request["args"]]
    _reseed()
    code = 0
    try:
        from cli.main import main

        main()
    except SystemExit as stop:
        code = _exit_code(stop.code)
    except BaseException:  # what the interpreter prints for an uncaught exception
        traceback.print_exc()
        code = 1
    for finish in (getattr(threading, "_shutdown", None), atexit._run_exitfuncs):
        try:
            if finish is not None:
                finish()
        except BaseException:
            traceback.print_exc()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    return code


def _serve_one(conn: socket.socket) -> NoReturn:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the command may wait for its own subprocesses
    code = 1
    try:
        request = recv(conn)
        if request is None:
            os._exit(1)
        send(conn, {"pid": os.getpid()})
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            code = _run_command(request, out, err)
            out.seek(0)
            err.seek(0)
            send(conn, {"returncode": code, "stdout": out.read().decode(errors="replace"),
                        "stderr": err.read().decode(errors="replace")})  # fmt: skip
    finally:
        os._exit(code)


def serve(path: str) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # as workers/embeddings.py sets them before the same imports
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    for name in PRELOAD:
        __import__(name)
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in OUR_PACKAGES)
    if loaded:
        raise RuntimeError(f"the fork server must not import our own packages before a command: {loaded}")
    parent = os.getppid()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(64)
    server.settimeout(2.0)
    print("ready", flush=True)
    while os.getppid() == parent:  # the test session went away: so do we
        try:
            conn, _ = server.accept()
        except TimeoutError:
            continue
        conn.settimeout(None)
        if os.fork() == 0:
            server.close()
            _serve_one(conn)
        conn.close()


if __name__ == "__main__":
    serve(sys.argv[1])
