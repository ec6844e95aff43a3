"""A file that was ingested and now cannot be read (emptied, replaced by binary bytes): its document is not
replaced by nothing, so the version ingested before still answers. The report said only "empty file", and an
admin believed the page gone; it now says the earlier version is kept and how to remove it."""

from __future__ import annotations

from core import db
from tests.conftest import make_settings
from workers.embeddings import NoEmbedder
from workers.kb.ingest import ingest_folder

PAGE = "# VPN\n\nThe VPN needs a hardware key for every login.\n"


def _ingest(url, root):
    with db.connect(url) as conn:
        return ingest_folder(conn, root, "docs", embedder=NoEmbedder(), settings=make_settings(url))


def _paths(url) -> set[str]:
    with db.connect(url) as conn:
        rows = conn.execute("SELECT source_path FROM documents WHERE collection = 'docs'").fetchall()
    return {r["source_path"] for r in rows}


def test_an_emptied_file_says_its_earlier_version_still_answers(clean_db, tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "vpn.md").write_text(PAGE)
    (root / "new.md").write_text("")
    _ingest(clean_db, root)
    (root / "vpn.md").write_text("")
    report = _ingest(clean_db, root)
    reasons = dict(report.failed)
    assert "vpn.md" in _paths(clean_db), "the earlier version is kept"
    assert "empty file" in reasons["vpn.md"]
    assert "the version ingested before is kept" in reasons["vpn.md"], reasons
    assert "answerloop kb remove -c docs vpn.md" in reasons["vpn.md"]
    # A file never ingested has no earlier version to speak of.
    assert reasons["new.md"] == "empty file"
