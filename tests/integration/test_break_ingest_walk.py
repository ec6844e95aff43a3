"""A folder the ingest cannot fully walk: a sub-folder it may not read (permissions changed between two syncs, a
share half mounted). Python's walk skips such a folder without a word, so its files looked deleted and their
documents were removed. The ingest runs in a child process without the capabilities that let root read any folder
(setpriv), on real Postgres."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

from core import db
from tests.conftest import make_settings
from tests.support.child_ingest import _CODE
from tests.support.cli_runner import REPO
from workers.embeddings import NoEmbedder
from workers.kb.ingest import ingest_paths, prepare_collection

# root reads a folder whatever its permissions: the child drops the two capabilities that allow it
NO_OVERRIDE = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search"]


@pytest.fixture()
def shared(tmp_path):
    folder = Path(tempfile.mkdtemp(prefix="answerloop-walk-"))  # outside pytest's root-only tmp folder
    folder.chmod(0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755)
    shutil.rmtree(folder)


@pytest.fixture()
def reachable_url(clean_db):
    """The test database's URL as the child can reach it: the server's socket sits in a folder only its own user
    may enter, so it is linked (a hard link, same file system) into one anyone may."""
    info = psycopg.conninfo.conninfo_to_dict(clean_db)
    host = str(info.get("host") or "")
    if not host.startswith("/"):  # a TCP server: nothing to do
        yield clean_db
        return
    folder = Path(tempfile.mkdtemp(prefix="answerloop-socket-", dir=Path(host).parent.parent))
    folder.chmod(0o755)
    name = f".s.PGSQL.{info.get('port') or 5432}"
    os.link(Path(host) / name, folder / name)
    yield psycopg.conninfo.make_conninfo(clean_db, host=str(folder))
    shutil.rmtree(folder)


_QUEUED = (
    "import json, sys; from pathlib import Path; from core import db; from tests.conftest import make_settings;"
    "from workers.embeddings import NoEmbedder; from workers.ingest_tasks import run_batch;"
    "from workers.kb import jobs;"
    "conn = db.connect(sys.argv[1]); job, n = jobs.create_job(conn, Path(sys.argv[2]), 'docs');"
    "[run_batch(job, b, make_settings(sys.argv[1], embeddings='none'), NoEmbedder()) for b in range(n)];"
    "print(json.dumps({**jobs.progress(conn, job), 'failed': jobs.failures(conn, job)}, default=str))"
)


def _ingest_unprivileged(url: str, root: Path, code: str = _CODE) -> dict:
    done = subprocess.run(
        [*NO_OVERRIDE, "--", sys.executable, "-c", code, url, str(root)],
        capture_output=True, text=True, timeout=600, check=False, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _paths(url: str) -> set[str]:
    with db.connect(url) as conn:
        rows = conn.execute("SELECT source_path FROM documents WHERE collection = 'docs'").fetchall()
    return {r["source_path"] for r in rows}


@pytest.mark.parametrize("code", [_CODE, _QUEUED], ids=["inline", "queued"])
def test_a_sub_folder_that_cannot_be_read_keeps_its_documents_and_says_so(clean_db, reachable_url, shared, code):
    (shared / "runbooks").mkdir()
    (shared / "runbooks" / "deploy.md").write_text("# Deploy\n\nRun make rollback within five minutes.\n")
    (shared / "vpn.md").write_text("# VPN\n\nThe VPN needs a hardware key.\n")
    (shared / "faq").mkdir()
    (shared / "faq" / "parking.md").write_text("# Parking\n\nVisitors park in the north lot.\n")
    for path in shared.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    first = _ingest_unprivileged(reachable_url, shared, code)
    assert first["added"] == 3
    (shared / "runbooks").chmod(0o000)
    (shared / "faq").chmod(0o444)  # its names can be listed, its files not looked at

    (shared / "new").mkdir(mode=0o000)  # never ingested: the folder itself is reported
    again = _ingest_unprivileged(reachable_url, shared, code)
    assert _paths(clean_db) == {"faq/parking.md", "runbooks/deploy.md", "vpn.md"}  # not removed as if deleted
    assert again["removed"] == 0
    [listed, new, kept] = sorted(again["failed"], key=lambda f: f["path"])
    assert listed["path"] == "faq/parking.md"
    assert "Permission denied" in listed["reason"] and "is kept" in listed["reason"]
    assert kept["path"] == "runbooks/deploy.md"
    assert "folder runbooks could not be read" in kept["reason"] and "is kept" in kept["reason"]
    assert new["path"] == "new" and "could not be read" in new["reason"] and "nothing in it" in new["reason"]


def test_a_file_swapped_for_a_symlink_after_its_check_is_not_read_outside_the_folder(clean_db, tmp_path, monkeypatch):
    """Someone who may write in a source's folder replaces a file with a link to a secret right after the ingest
    checked where the file is (simulated at that exact moment: the path check's own realpath call)."""
    folder = tmp_path / "share"
    folder.mkdir()
    (folder / "notes.md").write_text("# Notes\n\nThe VPN needs a hardware key.\n")
    secret = tmp_path / "secret.md"
    secret.write_text("# Keys\n\nThe root password is hunter2.\n")
    target = str(folder / "notes.md")
    real_realpath = os.path.realpath

    def realpath_then_swap(path, *args, **kwargs):
        resolved = real_realpath(path, *args, **kwargs)
        if os.fspath(path) == target and not os.path.islink(target):
            os.remove(target)
            os.symlink(secret, target)  # the attacker's move, just after the check
        return resolved

    monkeypatch.setattr(os.path, "realpath", realpath_then_swap)
    with db.connect(clean_db) as conn:
        prepare_collection(conn, "docs", NoEmbedder())
        report = ingest_paths(conn, folder, ["notes.md"], "docs", embedder=NoEmbedder(),
                              settings=make_settings(clean_db))  # fmt: skip
        conn.commit()
        texts = " ".join(r["content"] for r in conn.execute("SELECT content FROM chunks"))
    assert "hunter2" not in texts
    assert [p for p, _ in report.failed] == ["notes.md"] and "outside the folder" in report.failed[0][1]
