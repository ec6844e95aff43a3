"""Breaking folder ingestion with what a share or a repository may hold: folders nested deeper than Python's
recursion limit (os.walk and Path.rglob recurse once per level in Python 3.11), names with newlines, a legacy
encoding — through the real ingest on Postgres."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core import db
from tests.conftest import make_settings
from workers.embeddings import NoEmbedder
from workers.kb import sources
from workers.kb.ingest import ingest_folder

DEPTH = 1200  # sys.getrecursionlimit() is 1000


def _nest(root: Path, depth: int = DEPTH) -> Path:
    """root/d/d/…/d (`depth` folders), made one level at a time (os.makedirs recurses too)."""
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        with open(os.open("deep.md", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as f:
            f.write("# Deep\n\nThe archive room is behind the canteen.\n")
    finally:
        os.close(fd)
    return Path(root, *["d"] * depth, "deep.md")


@pytest.fixture()
def deep_tmp(tmp_path):
    """tmp_path, emptied by the test's end: pytest's own clean-up (shutil.rmtree) would recurse once per level."""
    yield tmp_path
    for child in list(tmp_path.iterdir()):
        sources.remove_tree(child)


def test_folders_nested_past_the_recursion_limit_are_walked(clean_db, deep_tmp):
    root = deep_tmp / "docs"
    root.mkdir()
    _nest(root)
    (root / "top.md").write_text("# Top\n\nThe canteen opens at noon.\n")
    (root / "new\nline.md").write_text("# Odd name\n\nA newline in the file name.\n")
    (root / "legacy.txt").write_bytes("Caf\xe9 \u2013 the canteen\u2019s menu.\n".encode("cp1252"))
    with db.connect(clean_db) as conn:
        report = ingest_folder(conn, root, "docs", embedder=NoEmbedder(), settings=make_settings(clean_db))
        conn.commit()
    deep = "/".join(["d"] * DEPTH) + "/deep.md"
    assert sorted(report.added) == sorted([deep, "top.md", "new\nline.md", "legacy.txt"]), report.failed
    with db.connect(clean_db) as conn:
        rows = conn.execute("SELECT d.source_path, c.content FROM chunks c JOIN documents d ON d.id = c.document_id")
        contents = {r["source_path"]: r["content"] for r in rows}
    assert "Caf\xe9 \u2013 the canteen\u2019s menu." in contents["legacy.txt"]


def test_a_checkout_nested_past_the_recursion_limit_is_checked_for_outside_links(deep_tmp):
    work = deep_tmp / "checkout"
    work.mkdir()
    deep = _nest(work)
    os.symlink("/etc/passwd", os.path.join(os.path.dirname(deep), "passwd.md"))
    problems = sources._drop_outside_links(work, work)
    assert [p["path"] for p in problems] == ["/".join(["d"] * DEPTH) + "/passwd.md"]
    assert not os.path.lexists(os.path.join(os.path.dirname(deep), "passwd.md"))
    os.symlink("/etc", work / "etc")  # removing the checkout removes the link, never what it points at
    sources.remove_tree(work)  # (kb sources remove; shutil.rmtree recursed once per level)
    assert not work.exists() and Path("/etc/passwd").exists()
