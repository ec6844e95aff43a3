"""Running `answerloop` as a user does: a subprocess against a real Postgres."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


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
    return subprocess.run(
        [sys.executable, "-c", "from cli.main import main; main()", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
    )
