"""A PDF whose text extraction passes the whole-document budget is refused in the ingest report with the page it
reached and why, and the rest of the folder is stored (the budget is made small here, the file stays small)."""

from __future__ import annotations

from core import db
from tests.conftest import make_settings
from tests.unit.test_parser_content_loss import _pdf
from workers.embeddings import NoEmbedder
from workers.kb.formats import pdf
from workers.kb.ingest import ingest_folder


def test_a_pdf_over_the_document_budget_is_reported_with_the_page_reached(clean_db, tmp_path, monkeypatch):
    monkeypatch.setattr(pdf, "MAX_CHARS", 2_000)
    root = tmp_path / "kb"
    root.mkdir()
    (root / "manual.pdf").write_bytes(_pdf(40, "Forty characters of policy text on line", lines_per_page=3))
    (root / "short.pdf").write_bytes(_pdf(3, "Forty characters of policy text on line", lines_per_page=3))
    (root / "readme.md").write_text("# Readme\n\nThe manual is split by chapter.\n")
    with db.connect(clean_db) as conn:
        report = ingest_folder(conn, root, "docs", embedder=NoEmbedder(), settings=make_settings(clean_db))
        stored = {r["source_path"] for r in conn.execute("SELECT source_path FROM documents").fetchall()}
    assert sorted(report.added) == ["readme.md", "short.pdf"] and stored == {"readme.md", "short.pdf"}
    [(path, reason)] = report.failed
    assert path == "manual.pdf"
    assert reason.startswith("text extraction stopped on page 14 of 40 after more than 2,000 characters of text")
