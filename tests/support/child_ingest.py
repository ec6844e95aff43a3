"""An inline ingest of a folder in a child process, killed after a while: a test of hostile files fails instead of
hanging (or exhausting the test process's memory) when a parser regresses to super-linear work."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CHILD_TIMEOUT_S = 600  # a hang guard, not a speed test: the files tested take seconds when handled

_CODE = (
    "import json, sys; from pathlib import Path; from core import db; from tests.conftest import make_settings;"
    "from workers.embeddings import NoEmbedder; from workers.kb.ingest import ingest_folder;"
    "conn = db.connect(sys.argv[1]);"
    "r = ingest_folder(conn, Path(sys.argv[2]), 'docs', embedder=NoEmbedder(),"
    " settings=make_settings(sys.argv[1]));"
    "print(json.dumps(r.as_dict()))"
)


def ingest_in_child(url: str, root: Path) -> dict:
    """The folder ingested into collection "docs" (no embeddings); the report as a dict."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CODE, url, str(root)],
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"ingesting {sorted(p.name for p in root.iterdir())} did not finish in {CHILD_TIMEOUT_S} s")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
