"""`kb ingest FILE -c C` for a file in a subfolder of the collection's folder: its document is the one the folder
ingest made (`guides/vpn.md`), updated in place. It was stored again under its bare name (`vpn.md`), so both
versions answered — the old one with the old content — until the next whole-folder ingest."""

from __future__ import annotations

from core import db
from tests.conftest import make_settings
from workers.embeddings import NoEmbedder
from workers.kb import jobs
from workers.kb.ingest import ingest_folder

OLD = "# VPN\n\nThe VPN needs a hardware key for every login.\n"
NEW = "# VPN\n\nThe VPN needs the authenticator app for every login.\n"
PARKING = "# Parking\n\nVisitors park in the lot behind the building.\n"


def _ingest(url, root, **kw):
    with db.connect(url) as conn:
        return ingest_folder(conn, root, "docs", embedder=NoEmbedder(), settings=make_settings(url), **kw)


def _documents(url) -> dict[str, str]:
    with db.connect(url) as conn:
        rows = conn.execute(
            "SELECT d.source_path, string_agg(c.content, ' ') AS text FROM documents d "
            "JOIN chunks c ON c.document_id = d.id WHERE d.collection = 'docs' GROUP BY d.source_path"
        ).fetchall()
    return {r["source_path"]: r["text"] for r in rows}


def _folder(tmp_path):
    root = (tmp_path / "docs").resolve()
    (root / "guides").mkdir(parents=True)
    (root / "deploy.md").write_text("# Deploy\n\nRun make rollback within five minutes.\n")
    (root / "guides" / "vpn.md").write_text(OLD)
    return root


def test_a_changed_file_in_a_subfolder_updates_its_own_document(clean_db, tmp_path):
    root = _folder(tmp_path)
    _ingest(clean_db, root)
    (root / "guides" / "vpn.md").write_text(NEW)
    report = _ingest(clean_db, root / "guides" / "vpn.md")
    assert report.updated == ["guides/vpn.md"] and report.added == []
    docs = _documents(clean_db)
    assert set(docs) == {"deploy.md", "guides/vpn.md"}, "a second copy under its bare name"
    assert "authenticator app" in docs["guides/vpn.md"] and "hardware key" not in docs["guides/vpn.md"]


def test_a_new_file_in_a_subfolder_gets_the_path_a_folder_ingest_would_give_it(clean_db, tmp_path):
    root = _folder(tmp_path)
    _ingest(clean_db, root)  # no --url-base: links are the files' paths, which tell the collection's folder
    (root / "guides" / "parking.md").write_text(PARKING)
    assert _ingest(clean_db, root / "guides" / "parking.md").added == ["guides/parking.md"]
    _ingest(clean_db, root)  # the next whole-folder ingest finds it where it is: nothing added or removed
    assert set(_documents(clean_db)) == {"deploy.md", "guides/vpn.md", "guides/parking.md"}


def test_the_queue_files_a_single_file_under_its_collection_path(clean_db, tmp_path):
    root = _folder(tmp_path)
    _ingest(clean_db, root)
    (root / "guides" / "vpn.md").write_text(NEW)
    with db.connect(clean_db) as conn:
        job_id, _ = jobs.create_job(conn, root / "guides" / "vpn.md", "docs")
        assert jobs.job_paths(conn, job_id) == {"guides/vpn.md"}


def test_a_file_new_to_a_collection_with_web_links_keeps_its_name(clean_db, tmp_path):
    """With --url-base the links say nothing of the folder: a new file is filed under its own name, as before."""
    root = _folder(tmp_path)
    _ingest(clean_db, root, url_base="https://docs.example.com/")
    (root / "guides" / "parking.md").write_text(PARKING)
    assert _ingest(clean_db, root / "guides" / "parking.md", url_base="https://docs.example.com/").added == [
        "parking.md"
    ]
