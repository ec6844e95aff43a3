"""Ingestion against real Postgres: incremental re-ingest, bad files, removal, collection isolation."""

from __future__ import annotations

import shutil

import pytest

from core import db
from tests.conftest import SAMPLE_KB, make_settings
from workers.embeddings import NoEmbedder
from workers.kb import store
from workers.kb.ingest import ingest_folder


@pytest.fixture()
def docs(tmp_path):
    root = tmp_path / "docs"
    (root / "guides").mkdir(parents=True)
    (root / "guides" / "deploy.md").write_text("# Deploy\n\n## Rollback\n\nRun make rollback within 5 minutes.\n")
    (root / "faq.rst").write_text("FAQ\n===\n\nWhy?\n----\n\nBecause the broker retries.\n")
    (root / "vpn.html").write_text("<h1>VPN</h1><h2 id='mfa'>MFA</h2><p>Codes rotate every 30 seconds.</p>")
    (root / "notes.txt").write_text("NOTES\n\nPlain text is fine too.\n")
    (root / "empty.md").write_text("")
    (root / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    (root / "latin1.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    (root / "logo.png").write_bytes(b"\x89PNG\r\n")
    (root / ".hidden.md").write_text("# Hidden\n\nshould not be ingested\n")
    return root


def _ingest(url, root, collection="docs", embedder=None, **kw):
    with db.connect(url) as conn:
        return ingest_folder(
            conn, root, collection, embedder=embedder or NoEmbedder(), settings=make_settings(url), **kw
        )


def test_all_formats_ingested_and_bad_files_reported_not_fatal(clean_db, docs):
    report = _ingest(clean_db, docs, url_base="https://docs.example.com/")
    assert sorted(report.added) == ["faq.rst", "guides/deploy.md", "latin1.txt", "notes.txt", "vpn.html"]
    failed = dict(report.failed)
    assert set(failed) == {"empty.md", "image.md"}
    assert "empty" in failed["empty.md"] and "binary" in failed["image.md"]
    assert report.ignored == ["logo.png"]
    with db.connect(clean_db) as conn:
        rows = conn.execute(
            "SELECT d.source_path, c.section_title, c.link FROM chunks c JOIN documents d ON d.id = c.document_id"
        ).fetchall()
    links = {(r["source_path"], r["section_title"]): r["link"] for r in rows}
    assert links[("guides/deploy.md", "Rollback")] == "https://docs.example.com/guides/deploy.md#rollback"
    assert links[("vpn.html", "MFA")] == "https://docs.example.com/vpn.html#mfa"
    assert not any("Hidden" in t for _, t in links)
    with db.connect(clean_db) as conn:  # an old Windows (Latin-1) file is read, not refused or turned to mojibake
        latin = conn.execute(
            "SELECT c.content FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.source_path = 'latin1.txt'"
        ).fetchone()
    assert latin is not None and "café crème" in latin["content"]


def test_reingest_is_incremental(clean_db, docs):
    first = _ingest(clean_db, docs)
    assert len(first.added) == 5
    again = _ingest(clean_db, docs)
    assert again.added == [] and again.updated == [] and sorted(again.unchanged) == sorted(first.added)
    assert again.chunks_written == 0

    (docs / "guides" / "deploy.md").write_text("# Deploy\n\n## Rollback\n\nRun make rollback within 2 minutes.\n")
    (docs / "notes.txt").unlink()
    third = _ingest(clean_db, docs)
    assert third.updated == ["guides/deploy.md"]
    assert third.removed == ["notes.txt"]
    with db.connect(clean_db) as conn:
        content = conn.execute("SELECT string_agg(content, ' ') AS t FROM chunks").fetchone()["t"]
        paths = {d["source_path"] for d in store.list_documents(conn, "docs")}
    assert "2 minutes" in content and "5 minutes" not in content
    assert "notes.txt" not in paths


def test_keep_missing_and_remove_commands(clean_db, docs):
    _ingest(clean_db, docs)
    (docs / "faq.rst").unlink()
    report = _ingest(clean_db, docs, delete_missing=False)
    assert report.removed == []
    with db.connect(clean_db) as conn:
        assert store.remove_paths(conn, "docs", ["faq.rst", "nope.md"]) == 1
        assert store.remove_collection(conn, "docs") == 4
        conn.commit()
        assert conn.execute("SELECT count(*) AS n FROM chunks").fetchone()["n"] == 0


def test_changing_the_embedder_reembeds(clean_db, docs, local_embedder):
    _ingest(clean_db, docs)
    report = _ingest(clean_db, docs, embedder=local_embedder)
    assert sorted(report.updated) == ["faq.rst", "guides/deploy.md", "latin1.txt", "notes.txt", "vpn.html"]
    with db.connect(clean_db) as conn:
        dims = conn.execute("SELECT DISTINCT vector_dims(embedding) AS d FROM chunks").fetchall()
    assert [r["d"] for r in dims] == [384]


def test_missing_path_is_a_clear_error(clean_db, tmp_path):
    with pytest.raises(FileNotFoundError):
        _ingest(clean_db, tmp_path / "nope")


def test_sample_kb_ingests_cleanly(clean_db, tmp_path):
    root = tmp_path / "kb"
    shutil.copytree(SAMPLE_KB / "handbook", root)
    report = _ingest(clean_db, root, collection="handbook")
    assert len(report.added) == 7 and report.failed == []
    with db.connect(clean_db) as conn:
        formats = {r["format"] for r in conn.execute("SELECT format FROM documents").fetchall()}
    assert formats == {"markdown", "rst", "html", "text"}
