"""Hostile and pathological documents in an ingest folder — zip bombs, overfull packages, long documents in Office
formats, reST markup without closers, page lists in PDFs — each built here, small on disk. A bad file is skipped
with its reason and the rest of the batch is stored; the ingest runs in a child process so a regression fails the
test instead of hanging it."""

from __future__ import annotations

import io
import zipfile

import docx

from core import db
from tests.integration.test_break_ingest import GOOD, _contents
from tests.integration.test_kb_formats import _docx, _pptx
from tests.support.child_ingest import ingest_in_child


def _repack(raw: bytes, member: str, chunks, extra: int = 0) -> bytes:
    """The package with `member` rewritten from `chunks` (streamed: a part of hundreds of MB is never held) and
    `extra` empty parts added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != member:
                dst.writestr(info.filename, src.read(info.filename))
                continue
            with dst.open(member, "w", force_zip64=True) as part:
                for chunk in chunks:
                    part.write(chunk)
        for n in range(extra):
            dst.writestr(f"customXml/item{n}.xml", b"")
    return out.getvalue()


W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _bomb_body(mb: int):
    """A Word body of `mb` MB of empty paragraphs: each a node for lxml and a paragraph for python-docx."""
    yield b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ' + W + b"><w:body>"
    block = b"<w:p/>" * (1_000_000 // 6)
    for _ in range(mb):
        yield block
    yield b"</w:body></w:document>"


def _bomb_slide(mb: int):
    yield (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<p:sld xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
        b'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><p:cSld><p:spTree>'
    )
    block = b"<p:grpSp/>" * 100_000
    for _ in range(mb):
        yield block
    yield b"</p:spTree></p:cSld></p:sld>"


def test_zip_bombs_and_overfull_packages_are_skipped_with_reasons_and_the_rest_is_stored(clean_db, tmp_path):
    """A 300 KB .docx whose document.xml inflates to 300 MB held a worker for hours and ~4 GB of memory (a 5 MB
    one, the size limit, would take ~60 GB: the OOM killer, then the batch redelivered to the next worker)."""
    root = tmp_path / "docs"
    root.mkdir()
    (root / "bomb.docx").write_bytes(_repack(_docx(), "word/document.xml", _bomb_body(300)))
    (root / "bomb.pptx").write_bytes(_repack(_pptx(), "ppt/slides/slide1.xml", _bomb_slide(300)))
    (root / "parts.docx").write_bytes(_repack(_docx(), "", [], extra=10_500))
    (root / "good.md").write_text(GOOD)
    assert max(p.stat().st_size for p in root.iterdir()) < 2_000_000  # far under ANSWERLOOP_MAX_FILE_BYTES
    report = ingest_in_child(clean_db, root)
    reasons = {f["path"]: f["reason"] for f in report["failed"]}
    assert "inflates to" in reasons["bomb.docx"] and "zip bomb" in reasons["bomb.docx"]
    assert "inflates to" in reasons["bomb.pptx"]
    assert "too many parts" in reasons["parts.docx"]
    assert set(_contents(clean_db)) == {"good.md"}


def _many_styles(raw: bytes, count: int) -> bytes:
    with zipfile.ZipFile(io.BytesIO(raw)) as src:
        styles = src.read("word/styles.xml")
    extra = b"".join(
        b'<w:style w:type="paragraph" w:styleId="Custom%d"><w:name w:val="Custom %d"/></w:style>' % (n, n)
        for n in range(count)
    )
    return _repack(raw, "word/styles.xml", [styles.replace(b"</w:styles>", extra + b"</w:styles>")])


def test_a_long_word_document_with_many_styles_is_read_in_one_pass_over_its_styles(clean_db, tmp_path):
    """python-docx's `paragraph.style` scans every style for the default on each call: 2,000 paragraphs and
    3,000 styles took 140 s, these 10,000 (a 200 KB file) ~12 minutes. Headings (and styles based on them) still
    give the path."""
    d = docx.Document()
    d.add_heading("Runbook", level=1)
    based = d.styles.add_style("Ops Heading", docx.enum.style.WD_STYLE_TYPE.PARAGRAPH)
    based.base_style = d.styles["Heading 2"]
    d.add_paragraph("Rollback", style="Ops Heading")
    for n in range(10_000):
        d.add_paragraph(f"Step {n}: run make rollback.")
    buf = io.BytesIO()
    d.save(buf)
    root = tmp_path / "docs"
    root.mkdir()
    (root / "long.docx").write_bytes(_many_styles(buf.getvalue(), 3_000))
    report = ingest_in_child(clean_db, root)
    assert report["added"] == 1 and not report["failed"]
    assert "Step 9999: run make rollback." in _contents(clean_db)["long.docx"]
    with db.connect(clean_db) as conn:
        paths = {tuple(r["heading_path"]) for r in conn.execute("SELECT heading_path FROM chunks").fetchall()}
    assert paths == {("Runbook", "Rollback")}


def test_rest_inline_markup_without_a_closer_does_not_hold_a_worker(clean_db, tmp_path):
    """reST interpreted text, roles and links with no closing backtick or `>`: each regex retried the rest of the
    paragraph from every opener, and a whitespace run from each of its characters — 20 KB took 1–2 s, so these
    1 MB files most of an hour each (a 5 MB one most of a day)."""
    root = tmp_path / "docs"
    root.mkdir()
    mb = 1_000_000
    (root / "links.rst").write_text("Links\n=====\n\n" + "`a <" * (mb // 4) + "\n")
    (root / "role.rst").write_text("Role\n====\n\nBody text.\n\n:a:`" + "<" * mb + "\n")
    (root / "spaces.rst").write_text("Spaces\n======\n\nBody text.\n\n`a" + " " * mb + "x\n")
    (root / "role-spaces.rst").write_text("Role spaces\n===========\n\nBody text.\n\n:a:`a" + " " * mb + "x\n")
    (root / "good.md").write_text(GOOD)
    report = ingest_in_child(clean_db, root)
    assert not report["failed"]
    texts = _contents(clean_db)
    assert set(texts) == {"links.rst", "role.rst", "spaces.rst", "role-spaces.rst", "good.md"}
    assert "Body text." in texts["role.rst"] and "Body text." in texts["spaces.rst"]


def test_a_long_paragraph_of_abbreviations_does_not_hold_a_worker(clean_db, tmp_path):
    """Each abbreviation ("Mr.") glues the next sentence on and is searched for again in the growing sentence:
    quadratic, 32 KB took 12 s and this 1 MB paragraph hours. The chunker splits an over-long paragraph into
    windows before its sentences are found."""
    root = tmp_path / "docs"
    root.mkdir()
    (root / "mister.txt").write_text("Mister\n\nBody text.\n\n" + "Mr. " * 250_000 + "\n")
    (root / "good.md").write_text(GOOD)
    report = ingest_in_child(clean_db, root)
    assert not report["failed"] and report["added"] == 2
    text = _contents(clean_db)["mister.txt"]
    assert "Body text." in text and text.count("Mr.") == 250_000


def _pdf_with_pages(count: int) -> bytes:
    """One page listed `count` times in the page tree (6 bytes each): the page tree pypdf flattens."""
    content = b"BT /F1 12 Tf 72 700 Td (Rollback within five minutes.) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join([b"3 0 R"] * count) + b"] /Count %d >>" % count,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def test_a_pdf_listing_one_page_thousands_of_times_is_skipped_with_its_page_count(clean_db, tmp_path):
    """60 KB of page references made 10,001 pages at ~2 ms each; a 5 MB file would take half an hour."""
    root = tmp_path / "docs"
    root.mkdir()
    (root / "pages.pdf").write_bytes(_pdf_with_pages(10_001))
    (root / "fine.pdf").write_bytes(_pdf_with_pages(3))
    report = ingest_in_child(clean_db, root)
    reasons = {f["path"]: f["reason"] for f in report["failed"]}
    assert set(reasons) == {"pages.pdf"} and "too many pages (10,001 > 10,000)" in reasons["pages.pdf"]
    assert "Rollback within five minutes." in _contents(clean_db)["fine.pdf"]
