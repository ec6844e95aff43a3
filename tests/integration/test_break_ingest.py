"""Trying to break ingestion with hostile and malformed files, symlinks, odd file names, concurrent runs and
secrets inside documents — through the real ingest code (inline and a queued batch) on real Postgres."""

from __future__ import annotations

import os
import threading

import pytest

from core import db
from tests.conftest import make_settings
from tests.support.child_ingest import ingest_in_child
from workers.embeddings import NoEmbedder
from workers.ingest_tasks import run_batch
from workers.kb import jobs
from workers.kb.ingest import ingest_folder

GOOD = "# Deploy\n\n## Rollback\n\nRun make rollback within five minutes of a bad release.\n"


def _ingest(url, root, collection="docs", embedder=None, **kw):
    with db.connect(url) as conn:
        return ingest_folder(
            conn, root, collection, embedder=embedder or NoEmbedder(), settings=make_settings(url), **kw
        )


def _contents(url, collection="docs") -> dict[str, str]:
    with db.connect(url) as conn:
        rows = conn.execute(
            "SELECT d.source_path, string_agg(c.content, '\n' ORDER BY c.ordinal) AS t "
            "FROM documents d JOIN chunks c ON c.document_id = d.id WHERE d.collection = %s GROUP BY 1",
            (collection,),
        ).fetchall()
    return {r["source_path"]: r["t"] for r in rows}


def test_utf16_with_a_bom_is_read_as_the_readme_promises(clean_db, tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "le.md").write_bytes("\ufeff# Printers\n\nThe printer on floor two needs a badge.\n".encode("utf-16-le"))
    (root / "be.txt").write_bytes("\ufeffWIFI\n\nThe guest network password rotates weekly.\n".encode("utf-16-be"))
    (root / "nobom.md").write_bytes("# X\n\nUTF-16 without a byte order mark is not guessed.\n".encode("utf-16-le"))
    report = _ingest(clean_db, root)
    assert sorted(report.added) == ["be.txt", "le.md"], report.failed
    assert [p for p, _ in report.failed] == ["nobom.md"]
    texts = _contents(clean_db)
    assert "needs a badge" in texts["le.md"] and "rotates weekly" in texts["be.txt"]


def test_a_nul_byte_deep_in_a_text_file_is_reported_as_binary_and_the_rest_is_stored(clean_db, tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "late-nul.md").write_bytes(b"# Notes\n\n" + b"plain words here. " * 1000 + b"\x00tail\n")
    (root / "good.md").write_text(GOOD)
    report = _ingest(clean_db, root)
    assert report.added == ["good.md"]
    reasons = dict(report.failed)
    assert "binary" in reasons["late-nul.md"] and "NUL" in reasons["late-nul.md"]


def test_a_parser_crash_on_one_file_is_reported_and_the_batch_goes_on(clean_db, tmp_path):
    """HTMLParser raises AssertionError on an unknown marked section (`<![foo[`); that file must be reported
    with why, and the other files of the run (inline) and of the batch (queued) still stored."""
    root = tmp_path / "docs"
    root.mkdir()
    (root / "a-good.md").write_text(GOOD)
    (root / "b-weird.html").write_text("<h1>Weird</h1><p>before</p><![foo[ x ]]><p>after the section</p>")
    (root / "c-good.md").write_text("# VPN\n\nThe VPN needs a hardware key for every login.\n")
    report = _ingest(clean_db, root)
    assert sorted(report.added) in (["a-good.md", "c-good.md"], ["a-good.md", "b-weird.html", "c-good.md"])
    if "b-weird.html" not in report.added:
        reason = dict(report.failed)["b-weird.html"]
        assert "could not be read" in reason

    settings = make_settings(clean_db, embeddings="none")
    with db.connect(clean_db) as conn:
        conn.execute("TRUNCATE ingest_jobs RESTART IDENTITY CASCADE")
        conn.commit()
        job_id, batches = jobs.create_job(conn, root, "queued", batch_files=16)
    assert batches == 1
    run_batch(job_id, 0, settings, NoEmbedder())
    with db.connect(clean_db) as conn:
        row = jobs.progress(conn, job_id)
    assert row["status"] == "done" and row["done"] == row["total"] == 3
    assert set(_contents(clean_db, "queued")) >= {"a-good.md", "c-good.md"}


def test_an_svg_icon_title_does_not_leak_into_the_page_title(clean_db, tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "page.html").write_text(
        "<html><head><title>Deploy guide</title></head><body><h1>Deploy</h1>"
        "<p>Ship on Tuesdays. <svg><title>GitHub icon</title><path d='M0'/></svg></p>"
        "<script>var apiKey = 'never-indexed';</script><style>p { color: red }</style></body></html>"
    )
    _ingest(clean_db, root)
    with db.connect(clean_db) as conn:
        title = conn.execute("SELECT title FROM documents").fetchone()["title"]
    assert title == "Deploy guide"
    text = _contents(clean_db)["page.html"]
    assert "Ship on Tuesdays" in text and "never-indexed" not in text and "color" not in text


def test_symlinks_never_reach_outside_the_folder(clean_db, tmp_path):
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "payroll.md").write_text("# Payroll\n\nSalaries are confidential and live outside the docs.\n")
    root = tmp_path / "docs"
    (root / "sub").mkdir(parents=True)
    (root / "good.md").write_text(GOOD)
    (root / "leak.md").symlink_to(outside / "payroll.md")
    (root / "sub" / "up.md").symlink_to("../../private/payroll.md")
    (root / "linked-dir").symlink_to(outside, target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)  # a directory loop
    (root / "a.md").symlink_to(root / "b.md")  # a file loop
    (root / "b.md").symlink_to(root / "a.md")
    (root / "alias.md").symlink_to(root / "good.md")  # inside the folder: fine
    report = _ingest(clean_db, root)
    stored = _contents(clean_db)
    assert not any("Salaries" in t for t in stored.values()), sorted(stored)
    assert "good.md" in stored
    reasons = dict(report.failed)
    assert "outside" in reasons.get("leak.md", "") and "outside" in reasons.get("sub/up.md", "")

    with db.connect(clean_db) as conn:  # the queued path walks and reads the same way
        conn.execute("TRUNCATE ingest_jobs RESTART IDENTITY CASCADE")
        conn.commit()
        job_id, _ = jobs.create_job(conn, root, "queued")
    run_batch(job_id, 0, make_settings(clean_db, embeddings="none"), NoEmbedder())
    assert not any("Salaries" in t for t in _contents(clean_db, "queued").values())


def test_odd_file_names_are_stored_and_linked_safely(clean_db, tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "faq #1?.md").write_text("# FAQ\n\n## Badges\n\nLost badges are replaced at the front desk.\n")
    (root / "café ünïcode.md").write_text("# Café\n\nThe café opens at eight every weekday.\n")
    (root / "new\nline.md").write_text("# Newline\n\nA file name with a newline still ingests.\n")
    (root / os.fsdecode(b"latin1-\xe9t\xe9.md")).write_text("# Summer\n\nThe office closes in August for two weeks.\n")
    (root / "good.md").write_text(GOOD)
    report = _ingest(clean_db, root, url_base="https://docs.example.com/")
    assert "good.md" in report.added
    assert "faq #1?.md" in report.added and "café ünïcode.md" in report.added and "new\nline.md" in report.added
    # A name that is not UTF-8 cannot be stored as text: reported with why, never fatal for the others.
    assert len(report.added) + len(report.failed) == 5
    with db.connect(clean_db) as conn:
        links = {
            r["source_path"]: r["link"]
            for r in conn.execute("SELECT d.source_path, c.link FROM documents d JOIN chunks c ON c.document_id = d.id")
        }
    link = links["faq #1?.md"]
    assert link == "https://docs.example.com/faq%20%231%3F.md#badges", link
    assert "\n" not in links["new\nline.md"]


def test_two_ingests_of_one_folder_at_once_store_each_document_once(clean_db, tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    for i in range(12):
        (root / f"doc{i:02}.md").write_text(
            f"# Topic {i}\n\n## Part\n\nShared words alpha beta gamma delta appear in document {i}.\n\n"
            + "\n\n".join(f"Paragraph {j} of doc {i} mentions rollback and deploy." for j in range(6))
        )
    errors: list[BaseException] = []
    reports = []

    def run():
        try:
            reports.append(_ingest(clean_db, root))
        except BaseException as exc:  # the test reports it
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(r.failed == [] for r in reports), [r.failed for r in reports]
    with db.connect(clean_db) as conn:
        docs = conn.execute("SELECT count(*) AS n FROM documents WHERE collection = 'docs'").fetchone()["n"]
        dup = conn.execute(
            "SELECT count(*) AS n FROM (SELECT document_id, ordinal FROM chunks GROUP BY 1, 2 HAVING count(*) > 1) x"
        ).fetchone()["n"]
        chunk_n = conn.execute("SELECT count(*) AS n FROM chunks").fetchone()["n"]
        stats = conn.execute("SELECT chunks FROM collection_stats WHERE collection = 'docs'").fetchone()
    assert docs == 12 and dup == 0
    assert stats is None or stats["chunks"] == chunk_n  # BM25 statistics match the chunks actually stored


def test_one_document_in_two_collections_is_independent(clean_db, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "deploy.md").write_text(GOOD)
    (b / "deploy.md").write_text(GOOD)
    _ingest(clean_db, a, "eng")
    _ingest(clean_db, b, "ops")
    (a / "deploy.md").unlink()
    (a / "other.md").write_text("# Other\n\nSomething else entirely for the eng team.\n")
    report = _ingest(clean_db, a, "eng")
    assert report.removed == ["deploy.md"]
    assert "deploy.md" in _contents(clean_db, "ops") and "deploy.md" not in _contents(clean_db, "eng")


@pytest.mark.usefixtures("clean_db")
def test_a_secret_inside_a_document_never_reaches_an_answer(clean_db, tmp_path, local_embedder, pii_guard):
    """Documents are stored as written (the team's own); the answer and its quotes go through the output guard,
    so a key pasted into a runbook is not repeated in Slack."""
    from workers.pipeline import Pipeline

    aws = "AKIAZ7QX4KJ2M9TBW3PL"
    root = tmp_path / "docs"
    root.mkdir()
    (root / "runbook.md").write_text(
        "# Deploy runbook\n\n## Credentials\n\n"
        f"The deploy job signs in to the artifact bucket with the access key {aws} issued to the release bot.\n\n"
        "Rotate the release bot access key every ninety days from the cloud console.\n"
    )
    _ingest(clean_db, root, "ops", embedder=local_embedder)
    with db.connect(clean_db) as conn:
        stored = conn.execute("SELECT string_agg(content, ' ') AS t FROM chunks").fetchone()["t"]
    assert aws in stored  # what ingest does: documents are kept as written (README: the output guard redacts)
    pipe = Pipeline(make_settings(clean_db), guard=pii_guard, embedder=local_embedder, database_url=clean_db)
    r = pipe.ask("Which access key does the deploy job use to sign in to the artifact bucket?", ["ops"])
    assert aws not in r.answer and aws not in str(r.as_dict())
    assert r.status == "dont_know" or r.guard["pii_out"]["found"]


def test_long_hostile_lines_do_not_hold_a_worker(clean_db, tmp_path):
    """Openers with no closer on one long line ("**a **a …", "[a[a …", "<a<a …" at the end of a page, unclosed
    `<![`) made the Markdown inline regexes and the standard library's HTMLParser rescan to the end from each
    opener: ~1 MB took ~40 min, a 5 MB file (the size limit) days. The ingest runs in a child process killed after
    10 minutes — a hang guard, not a speed test: it takes seconds when linear."""

    root = tmp_path / "docs"
    root.mkdir()
    mb = 1_000_000
    (root / "bold.md").write_text("# Bold\n\n" + "**a " * (mb // 4) + "\n")
    (root / "links.md").write_text("# Links\n\n" + "[a" * (mb // 2) + "\n")
    (root / "tail.html").write_text("<h1>Tail</h1><p>Body text.</p>" + "<a" * (mb // 2))
    (root / "marked.html").write_text("<h1>Marked</h1><p>Body text.</p>" + "<![foo[a>" * (mb // 9))
    # comments to hide, each found from the one before (a rescan from the line's start was quadratic)
    (root / "comments.md").write_text("# Comments\n\nBody text.\n\n" + "<!-- a --> `b " * (mb // 14) + "\n")
    (root / "good.md").write_text(GOOD)
    ingest_in_child(clean_db, root)
    texts = _contents(clean_db)
    assert set(texts) == {"bold.md", "links.md", "tail.html", "marked.html", "comments.md", "good.md"}
    assert all("Body text." in texts[name] for name in ("tail.html", "marked.html", "comments.md"))


def test_structure_edge_cases_and_a_50_mb_file_are_handled_with_reasons(clean_db, tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "fences.md").write_text("```bash\n# not a heading\nmake deploy\n```\n\n~~~\nunclosed fence runs on\n")
    (root / "heading-only.md").write_text("# Title\n\n## Empty section\n\n### Another\n")
    (root / "deep.md").write_text("".join("#" * min(i, 6) + f" H{i}\n\n" for i in range(1, 40)) + "Deep body.\n")
    (root / "broken.rst").write_text(
        "Guide\n=====\n\n.. code-block::\n\n.. image::\n   :broken\n\n.. no-such-directive:: x\n\nReal text.\n"
    )
    with open(root / "huge.txt", "wb") as f:  # 50 MB on one line (sparse: refused by size before it is read)
        f.truncate(50 * 1024 * 1024)
    report = _ingest(clean_db, root)
    reasons = dict(report.failed)
    assert "no text content" in reasons["heading-only.md"]
    assert "too large" in reasons["huge.txt"] and "ANSWERLOOP_MAX_FILE_BYTES" in reasons["huge.txt"]
    assert sorted(report.added) == ["broken.rst", "deep.md", "fences.md"]
    texts = _contents(clean_db)
    assert "# not a heading" in texts["fences.md"] and "Real text." in texts["broken.rst"]
    with db.connect(clean_db) as conn:
        path = conn.execute(
            "SELECT c.heading_path FROM chunks c JOIN documents d ON d.id = c.document_id WHERE source_path = 'deep.md'"
        ).fetchone()["heading_path"]
    assert len(path) == 6 and path[-1] == "H39"


def test_a_queued_job_reports_a_name_that_is_not_utf8_and_does_the_rest(clean_db, tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "good.md").write_text(GOOD)
    (root / os.fsdecode(b"r\xe9sum\xe9.md")).write_text("# Resume\n\nA Latin-1 file name from an old zip.\n")
    with db.connect(clean_db) as conn:
        conn.execute("TRUNCATE ingest_jobs RESTART IDENTITY CASCADE")
        conn.commit()
        job_id, _ = jobs.create_job(conn, root, "queued")
    run_batch(job_id, 0, make_settings(clean_db, embeddings="none"), NoEmbedder())
    with db.connect(clean_db) as conn:
        row = jobs.progress(conn, job_id)
        failed = jobs.failures(conn, job_id)
    assert row["status"] == "done" and row["added"] == 1 and row["failed"] == 1
    assert failed[0]["path"] == "r\ufffdsum\ufffd.md" and "rename" in failed[0]["reason"]


def test_edit_rename_and_delete_leave_no_stale_sentences_or_postings(clean_db, tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "deploy.md").write_text(GOOD)
    (root / "vpn.md").write_text("# VPN\n\nThe zebracorn token unlocks the office VPN on weekdays only.\n")
    (root / "old-name.md").write_text("# Parking\n\nVisitors park in the quokkaville lot behind the building.\n")
    _ingest(clean_db, root)
    (root / "deploy.md").write_text(GOOD.replace("five minutes", "ten minutes"))
    (root / "vpn.md").unlink()
    (root / "old-name.md").rename(root / "new-name.md")
    report = _ingest(clean_db, root)
    assert report.updated == ["deploy.md"] and report.added == ["new-name.md"]
    assert report.removed == ["old-name.md", "vpn.md"]
    with db.connect(clean_db) as conn:
        sentences = [r["text"] for r in conn.execute("SELECT text FROM chunk_sentences")]
        terms = {r["term"] for r in conn.execute("SELECT term FROM chunk_terms")}
        chunks = conn.execute("SELECT count(*) AS n FROM chunks").fetchone()["n"]
    assert not any("five minutes" in s or "zebracorn" in s for s in sentences)
    assert sum("quokkaville" in s for s in sentences) == 1  # the renamed file once, under its new name
    assert not any(t.startswith("zebracorn") for t in terms)
    assert chunks == 2


def test_an_older_queued_job_finishing_last_does_not_remove_a_newer_file(clean_db, tmp_path):
    """Two `kb ingest --queue` of one folder overlap: job A listed the folder before `new.md` was added and `old.md`
    deleted, job B after. B runs first; when A finishes, its removal of 'documents whose files are gone' must not
    take `new.md`, which is on disk."""
    root = tmp_path / "docs"
    root.mkdir()
    (root / "keep.md").write_text(GOOD)
    (root / "old.md").write_text("# Old\n\nThis page is about to be deleted from the folder.\n")
    settings = make_settings(clean_db, embeddings="none")
    with db.connect(clean_db) as conn:
        conn.execute("TRUNCATE ingest_jobs RESTART IDENTITY CASCADE")
        conn.commit()
        job_a, _ = jobs.create_job(conn, root, "docs")
        (root / "old.md").unlink()
        (root / "new.md").write_text("# New\n\nThis page was added after the first job listed the folder.\n")
        job_b, _ = jobs.create_job(conn, root, "docs")
    run_batch(job_b, 0, settings, NoEmbedder())
    run_batch(job_a, 0, settings, NoEmbedder())
    with db.connect(clean_db) as conn:
        assert jobs.progress(conn, job_a)["status"] == "done"
        failed = {f["path"] for f in jobs.failures(conn, job_a)}
    assert failed == {"old.md"}  # gone by the time job A read it: reported
    assert set(_contents(clean_db)) == {"keep.md", "new.md"}
