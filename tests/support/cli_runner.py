"""Running `answerloop` as a user does: a new process against a real Postgres.

Each run is a fresh process forked from a server that has already imported the heavy third-party packages
(tests/support/cli_zygote.py), which saves seconds per run; ANSWERLOOP_TEST_CLI_FORK=0 runs a plain
`python -c` subprocess instead (same results, slower).
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from tests.support import cli_zygote

REPO = Path(__file__).resolve().parents[2]
COMMAND = [sys.executable, "-c", "from cli.main import main; main()"]
TIMEOUT = 300


def run_cli(
    url: str, *args: str, stdin: str | None = None, embeddings: str = "none", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ANSWERLOOP_EMBEDDINGS": embeddings,
        "ANSWERLOOP_LLM": "",
        "COLUMNS": "220",  # Rich tables at a width where assertions can read whole cells
        **(env or {}),
    }
    if os.environ.get("ANSWERLOOP_TEST_CLI_FORK", "1") == "0":
        return subprocess.run(
            [*COMMAND, *args], input=stdin, capture_output=True, text=True, env=env, cwd=REPO, timeout=TIMEOUT
        )
    return _FORK_SERVER.run(list(args), env, stdin)


def _universal_newlines(text: str) -> str:
    """What `subprocess.run(text=True)` does to a child's output."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class _ForkServer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._path = ""

    def _socket(self) -> str:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                folder = tempfile.mkdtemp(prefix="answerloop-cli-")
                self._path = os.path.join(folder, "fork.sock")
                self._process = subprocess.Popen(
                    [sys.executable, "-m", "tests.support.cli_zygote", self._path],
                    cwd=REPO,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                assert self._process.stdout is not None
                ready = self._process.stdout.readline().strip()
                if ready != "ready":
                    raise RuntimeError(f"the CLI fork server did not start (said {ready!r}); see its stderr above")
                atexit.register(self._process.kill)
                atexit.register(shutil.rmtree, folder, ignore_errors=True)
            return self._path

    def run(self, args: list[str], env: dict[str, str], stdin: str | None) -> subprocess.CompletedProcess:
        argv = [*COMMAND, *args]  # what the command would have been as a plain subprocess, for the result
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(self._socket())
            conn.settimeout(TIMEOUT)
            cli_zygote.send(conn, {"args": args, "env": env, "cwd": str(REPO), "stdin": stdin})
            started = None
            try:
                started = cli_zygote.recv(conn)
                result = cli_zygote.recv(conn)
            except TimeoutError:
                if started:
                    os.kill(started["pid"], signal.SIGKILL)
                raise subprocess.TimeoutExpired(argv, TIMEOUT) from None
        if result is None:
            return subprocess.CompletedProcess(argv, -9, "", "the command died without an answer")
        stdout, stderr = (_universal_newlines(result[k]) for k in ("stdout", "stderr"))
        return subprocess.CompletedProcess(argv, result["returncode"], stdout, stderr)


_FORK_SERVER = _ForkServer()
