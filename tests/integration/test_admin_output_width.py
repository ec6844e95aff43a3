"""Admin output that is not read on a terminal — piped to grep, redirected to a file, a CI log — keeps each table
row on one line with its cells whole; a terminal keeps its own width, and an explicit COLUMNS is honoured.

`answerloop` runs as a subprocess against the real Postgres, its stdout a pipe (or a pseudo-terminal of a known
size), and COLUMNS unset unless a test sets it (tests/support/cli_runner sets 220, which hides the problem)."""

from __future__ import annotations

import os
import pty
import re
import struct
import subprocess
import sys
import termios
import time
from fcntl import ioctl

import pytest
from rich.cells import cell_len

from core import db
from feedback import labels
from tests.conftest import REPO, SAMPLE_KB
from tests.support.records import add_interaction

QUESTION = "Which approvals does a conference trip abroad need"  # labels list shows up to 50 characters
CORRECTION = "Ask finance-travel-approvals for TR7"  # and up to 40
USER = "Margarethe Oberholzer-Wijnaldum"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)")


@pytest.fixture()
def long_label(clean_db):
    """A correction label whose question, author and correction are each wider than an 80-column table cell."""
    assert len(QUESTION) <= 50 and len(CORRECTION) <= 40  # shown whole when not wrapped
    with db.connect(clean_db) as conn:
        iid = add_interaction(conn, "", QUESTION, status="dont_know")
        label_id = labels.record_correction(
            conn, iid, correction=CORRECTION, user_id="U1", user_name=USER, channel_id="C1"
        )
        conn.commit()
    return clean_db, label_id


def _env(url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE")}
    return {**env, "DATABASE_URL": url, "ANSWERLOOP_EMBEDDINGS": "none", "ANSWERLOOP_LLM": "", **extra}


def _piped(url: str, *args: str, stdin=subprocess.DEVNULL, **extra: str) -> subprocess.CompletedProcess:
    """`answerloop ARGS > pipe`: stdout and stderr captured, nothing a terminal unless `stdin` is one."""
    return subprocess.run(
        [sys.executable, "-c", "from cli.main import main; main()", *args],
        stdin=stdin, capture_output=True, text=True, env=_env(url, **extra), cwd=REPO, timeout=300,
    )  # fmt: skip


def _terminal(columns: int) -> tuple[int, int]:
    """A pseudo-terminal `columns` wide: (the side we read, the side the command gets)."""
    ours, theirs = pty.openpty()
    ioctl(theirs, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    return ours, theirs


def _row_lines(stdout: str, label_id: int) -> list[str]:
    return [line for line in stdout.splitlines() if re.search(rf"\b{label_id}\b", line)]


def _assert_one_whole_row(stdout: str, label_id: int) -> None:
    rows = _row_lines(stdout, label_id)
    assert len(rows) == 1, stdout  # the row is one line …
    for value in (QUESTION, CORRECTION, USER):  # … that holds each cell whole
        assert value in rows[0], stdout
    assert "…" not in stdout, stdout


def test_labels_list_piped_keeps_each_row_on_one_line_with_whole_cells(long_label):
    url, label_id = long_label
    r = _piped(url, "labels", "list")
    assert r.returncode == 0, r.stderr
    _assert_one_whole_row(r.stdout, label_id)
    assert "\x1b[" not in r.stdout  # still plain text for grep


def test_labels_list_piped_from_a_narrow_terminal_keeps_rows_whole(long_label):
    """`answerloop labels list | grep …` typed in a 60-column terminal: the pipe is not 60 columns wide."""
    url, label_id = long_label
    ours, theirs = _terminal(60)
    try:
        r = _piped(url, "labels", "list", stdin=theirs)
    finally:
        os.close(theirs)
        os.close(ours)
    assert r.returncode == 0, r.stderr
    _assert_one_whole_row(r.stdout, label_id)


def test_an_explicit_columns_is_honoured_when_piped(long_label):
    url, label_id = long_label
    r = _piped(url, "labels", "list", COLUMNS="70")
    assert r.returncode == 0, r.stderr
    assert max(cell_len(line) for line in r.stdout.splitlines()) <= 70, r.stdout
    assert len(_row_lines(r.stdout, label_id)) == 1 and QUESTION not in r.stdout  # wrapped to fit, as asked


def test_a_terminal_keeps_its_own_width(long_label):
    url, label_id = long_label
    ours, theirs = _terminal(90)
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cli.main import main; main()", "labels", "list"],
        stdin=subprocess.DEVNULL, stdout=theirs, stderr=subprocess.PIPE, env=_env(url), cwd=REPO,
    )  # fmt: skip
    os.close(theirs)
    out = b""
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline:
            try:
                chunk = os.read(ours, 65536)
            except OSError:  # EIO: the command closed its side
                break
            if not chunk:
                break
            out += chunk
        assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        os.close(ours)
        if proc.poll() is None:
            proc.kill()
        if proc.stderr:
            proc.stderr.close()
    text = ANSI.sub("", out.decode()).replace("\r\n", "\n")
    widths = [cell_len(line) for line in text.splitlines()]
    assert widths and max(widths) <= 90, text  # drawn for the terminal it is on …
    assert max(widths) >= 85, text  # … using its width (the table is wider than 90 unwrapped)
    assert QUESTION not in text and str(label_id) in text


def test_an_error_piped_to_a_log_is_one_line(clean_db):
    team = "T" + "0123456789" * 10
    r = _piped(clean_db, "labels", "list", "--team", team)
    assert r.returncode == 2, r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and team in errors[0], r.stderr


def test_an_answer_piped_keeps_its_frame_at_80_and_its_source_lines_whole(clean_db):
    """A panel fills the width it is given: piped output is unbounded so that rows stay whole, but the answer's
    frame is drawn 80 wide (as before), not thousands of columns; the source line with its link is one line."""
    r = _piped(clean_db, "kb", "ingest", str(SAMPLE_KB / "handbook"), "-c", "handbook")
    assert r.returncode == 0, r.stderr
    r = _piped(clean_db, "ask", "How long before an unacknowledged page escalates to the secondary?", "-d")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    frame = [line for line in lines if line[:1] in ("╭", "│", "╰")]
    assert frame and {cell_len(line) for line in frame} == {80}, r.stdout
    sources = [line for line in lines if line.lstrip().startswith("[1]")]
    assert len(sources) == 1 and sources[0].rstrip().endswith("on-call.md#paging-and-escalation"), r.stdout
    details = [line for line in lines if line.startswith("prompt v1 ·")]
    assert len(details) == 1 and details[0].rstrip().endswith(")") and cell_len(details[0]) > 80, r.stdout
