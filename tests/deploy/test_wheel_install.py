"""A regular install of the wheel — not editable, no dev or local extra — is a working product.

Builds the wheel, installs it into a fresh virtual environment (dependencies resolved from pyproject.toml only)
and, from a folder outside the checkout, runs `answerloop --help`, `kb ingest` and `ask` against the test
database. This is what catches an import that only worked because the dev environment happened to have it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run(args: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 900) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    said = f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert done.returncode == 0, f"{' '.join(args[:4])}… exited {done.returncode}:\n{said}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """bin/ of a fresh venv with only the wheel and its declared dependencies."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"  # a copy: setuptools builds in the source tree and would leave build/ in the checkout
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".*", "build", "dist", "bench", "tests", "__pycache__"))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(root / "dist"), str(source)], cwd=root)
    (wheel,) = (root / "dist").glob("answerloop-*.whl")
    venv.create(root / "venv", with_pip=True)
    bin_dir = root / "venv" / "bin"
    _run([str(bin_dir / "pip"), "install", "--quiet", str(wheel)], cwd=root)
    return bin_dir


def test_the_wheel_alone_runs_help_ingest_and_ask(installed, clean_db, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "deploys.md").write_text(
        "# Deploys\n\n## Rollback\n\nTo roll back a deploy, run `make rollback` from the release branch. "
        "The previous build is restored within two minutes.\n"
    )
    outside = tmp_path / "elsewhere"  # not the checkout: only the installed package can be imported
    outside.mkdir()
    env = {
        "PATH": f"{installed}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "DATABASE_URL": clean_db,
        "ANSWERLOOP_EMBEDDINGS": "none",  # no `local` extra: full-text only
        "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
        "HF_HUB_OFFLINE": "1",
    }
    answerloop = str(installed / "answerloop")
    assert "kb" in _run([answerloop, "--help"], cwd=outside, env=env)
    _run([answerloop, "db", "upgrade"], cwd=outside, env=env)
    _run([answerloop, "kb", "ingest", str(docs), "--collection", "ops"], cwd=outside, env=env)
    out = _run([answerloop, "ask", "How do I roll back a deploy?", "-c", "ops", "--json"], cwd=outside, env=env)
    answer = json.loads(out)
    assert answer["status"] == "answered" and "make rollback" in answer["answer"]
    assert answer["citations"] and answer["citations"][0]["document_title"] == "Deploys"
