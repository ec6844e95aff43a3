"""More attempts to break ingestion as a team would use it — adding one file to a collection, a worker dying while
it finishes a queued job — through the real ingest code and task bodies on real Postgres."""

from __future__ import annotations

from core import db
from tests.conftest import make_settings
from workers.embeddings import NoEmbedder
from workers.ingest_tasks import run_batch
from workers.kb import jobs
from workers.kb.ingest import ingest_folder

GOOD = "# Deploy\n\n## Rollback\n\nRun make rollback within five minutes of a bad release.\n"
VPN = "# VPN\n\nThe VPN needs a hardware key for every login.\n"
NEW = "# Parking\n\nVisitors park in the lot behind the building.\n"


def _ingest(url, root, collection="docs", **kw):
    with db.connect(url) as conn:
        return ingest_folder(conn, root, collection, embedder=NoEmbedder(), settings=make_settings(url), **kw)


def _paths(url, collection="docs") -> set[str]:
    with db.connect(url) as conn:
        rows = conn.execute("SELECT source_path FROM documents WHERE collection = %s", (collection,)).fetchall()
    return {r["source_path"] for r in rows}


def _folder(tmp_path):
    root = tmp_path / "docs"
    (root / "guides").mkdir(parents=True)
    (root / "deploy.md").write_text(GOOD)
    (root / "guides" / "vpn.md").write_text(VPN)
    return root


def test_ingesting_one_file_adds_it_and_removes_nothing_inline(clean_db, tmp_path):
    """`kb ingest PATH` takes "a folder or a single file": an admin adding one new page with
    `kb ingest docs/guides/parking.md -c docs` must not lose the rest of the collection."""
    root = _folder(tmp_path)
    _ingest(clean_db, root)
    (root / "guides" / "parking.md").write_text(NEW)
    report = _ingest(clean_db, root / "guides" / "parking.md")
    assert report.removed == []
    assert {"deploy.md", "guides/vpn.md"} <= _paths(clean_db)


def test_ingesting_one_file_adds_it_and_removes_nothing_queued(clean_db, tmp_path):
    root = _folder(tmp_path)
    _ingest(clean_db, root)
    (root / "guides" / "parking.md").write_text(NEW)
    settings = make_settings(clean_db, embeddings="none")
    with db.connect(clean_db) as conn:
        job_id, _ = jobs.create_job(conn, root / "guides" / "parking.md", "docs")
    run_batch(job_id, 0, settings, NoEmbedder())
    with db.connect(clean_db) as conn:
        row = jobs.progress(conn, job_id)
    assert row["status"] == "done" and row["added"] == 1 and row["removed"] == 0
    assert {"deploy.md", "guides/vpn.md"} <= _paths(clean_db)
