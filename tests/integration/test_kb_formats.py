"""PDF, Word and PowerPoint files made in the test, ingested through the real parsers into real Postgres:
headings become sections, PDF chunks link to their page, and bad files are reported and skipped."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from pptx import Presentation
from pptx.util import Inches
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from core import db
from tests.conftest import make_settings
from workers.embeddings import NoEmbedder
from workers.kb.formats.pdf import parse_pdf
from workers.kb.ingest import ingest_folder
from workers.kb.parsing import parse_bytes

BODY = 11


def _pdf(pages: list[list[tuple[int, str]]], outline: list[tuple[str, int, int]] | None = None, title=None) -> bytes:
    """pages: lines of (font size, text) per page; outline: (title, page index, level 0-based)."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    if title:
        c.setTitle(title)
    for n, lines in enumerate(pages):
        c.bookmarkPage(f"p{n}")
        for entry_title, page, level in outline or []:
            if page == n:
                c.addOutlineEntry(entry_title, f"p{n}", level=level)
        y = 780
        for size, text in lines:
            c.setFont("Helvetica-Bold" if size > BODY else "Helvetica", size)
            c.drawString(60, y, text)
            y -= size + 8
        c.showPage()
    c.save()
    return buf.getvalue()


def _font_headed_pdf() -> bytes:
    return _pdf(
        [
            [(22, "Travel Policy"), (BODY, "Book flights through the travel portal two weeks ahead of the trip.")],
            [
                (16, "Hotels"),
                (BODY, "The nightly hotel cap is 180 euros in most cities."),
                (16, "Meals"),
                (BODY, "Meals are reimbursed up to 60 euros a day with receipts."),
            ],
            [(BODY, "Dinners with customers need a manager's approval beforehand.")],
        ]
    )


def _docx() -> bytes:
    d = docx.Document()
    d.core_properties.title = "Onboarding Guide"
    d.add_paragraph("Onboarding Guide", style="Title")
    d.add_paragraph("Welcome to the team. This guide covers your first week.")
    d.add_heading("Accounts", level=1)
    d.add_paragraph("Your laptop arrives on day one with single sign-on already configured.")
    d.add_heading("Two-factor codes", level=2)
    d.add_paragraph("Install the authenticator app before you leave the office on day one.")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "System", "Owner"
    table.cell(1, 0).text, table.cell(1, 1).text = "Payroll", "Finance team"
    d.add_heading("Equipment", level=1)
    d.add_paragraph("Order a second monitor through the equipment form.")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _pptx() -> bytes:
    deck = Presentation()
    s1 = deck.slides.add_slide(deck.slide_layouts[1])
    s1.shapes.title.text = "Quarterly Roadmap"
    s1.placeholders[1].text_frame.text = "Ship the billing export in March."
    s1.notes_slide.notes_text_frame.text = "Mention that the export is CSV only."
    s2 = deck.slides.add_slide(deck.slide_layouts[6])  # blank: no title placeholder
    box = s2.shapes.add_textbox(Inches(1), Inches(1), Inches(6), Inches(1))
    box.text_frame.text = "Hiring two platform engineers before summer."
    buf = io.BytesIO()
    deck.save(buf)
    return buf.getvalue()


def test_pdf_outline_gives_sections_and_pages():
    raw = _pdf(
        [
            [(BODY, "Opening words about the handbook and who it is for.")],
            [(16, "Security"), (BODY, "Rotate your password every ninety days.")],
            [(BODY, "Report lost laptops to the help desk within an hour.")],
        ],
        outline=[("Introduction", 0, 0), ("Security", 1, 0)],
        title="Employee Handbook",
    )
    doc = parse_pdf(raw, "handbook.pdf", "fallback")
    assert doc.title == "Employee Handbook"
    got = [(s.heading_path, s.anchor, s.text) for s in doc.sections]
    assert got == [
        (["Introduction"], "page=1", "Opening words about the handbook and who it is for."),
        (["Security"], "page=2", "Rotate your password every ninety days."),  # the heading line is not body text
        (["Security"], "page=3", "Report lost laptops to the help desk within an hour."),
    ]


def test_pdf_without_outline_uses_font_sizes():
    doc = parse_pdf(_font_headed_pdf(), "travel.pdf", "fallback")
    assert doc.title == "Travel Policy"
    got = [(s.heading_path, s.anchor) for s in doc.sections]
    assert got == [
        (["Travel Policy"], "page=1"),
        (["Travel Policy", "Hotels"], "page=2"),
        (["Travel Policy", "Meals"], "page=2"),
        (["Travel Policy", "Meals"], "page=3"),  # the section goes on over the page break
    ]


def test_pdf_without_any_structure_gets_a_section_per_page():
    raw = _pdf([[(BODY, "First page of plain text.")], [(BODY, "Second page of plain text.")]])
    doc = parse_pdf(raw, "plain.pdf", "plain")
    assert [(s.heading_path, s.anchor) for s in doc.sections] == [
        (["plain", "Page 1"], "page=1"),
        (["plain", "Page 2"], "page=2"),
    ]


def test_docx_headings_tables_and_title():
    doc = parse_bytes(_docx(), "docx", "onboarding.docx", "onboarding")
    assert doc.title == "Onboarding Guide"
    paths = [s.heading_path for s in doc.sections]
    assert paths == [["Onboarding Guide"], ["Accounts"], ["Accounts", "Two-factor codes"], ["Equipment"]]
    two_factor = doc.sections[2]
    assert two_factor.anchor == "two-factor-codes"
    assert "Payroll | Finance team" in two_factor.text
    assert "Onboarding Guide" not in doc.sections[0].text  # the Title paragraph is the title, not body text


def test_pptx_slide_titles_notes_and_untitled_slides():
    doc = parse_bytes(_pptx(), "pptx", "roadmap.pptx", "roadmap")
    assert doc.title == "Quarterly Roadmap"
    assert [(s.heading_path, s.anchor) for s in doc.sections] == [
        (["Quarterly Roadmap"], "slide=1"),
        (["Slide 2"], "slide=2"),
    ]
    assert "billing export" in doc.sections[0].text and "CSV only" in doc.sections[0].text
    assert "platform engineers" in doc.sections[1].text


def _encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_font_headed_pdf())))
    writer.encrypt(user_password="s3cret", owner_password="owner", algorithm="AES-256")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _owner_only_pdf() -> bytes:
    """Encrypted with only an owner password (printing/copy restrictions): opens without a password."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_font_headed_pdf())))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _scanned_pdf() -> bytes:
    """A page with only drawing on it, as a scan without OCR has only an image."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.rect(50, 50, 400, 600, fill=1)
    c.showPage()
    c.save()
    return buf.getvalue()


def _corrupt_docx() -> bytes:
    good = _docx()
    return good[: len(good) // 2]  # a truncated download


def _docx_with_broken_xml() -> bytes:
    src = zipfile.ZipFile(io.BytesIO(_docx()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            out.writestr(item, b"<w:document><broken" if item.filename == "word/document.xml" else data)
    return buf.getvalue()


@pytest.fixture()
def office_folder(tmp_path: Path) -> Path:
    root = tmp_path / "office"
    root.mkdir()
    (root / "travel.pdf").write_bytes(_font_headed_pdf())
    (root / "onboarding.docx").write_bytes(_docx())
    (root / "roadmap.pptx").write_bytes(_pptx())
    (root / "readme.md").write_text("# Readme\n\nText files still work beside office files.\n")
    (root / "locked.pdf").write_bytes(_encrypted_pdf())
    (root / "restricted.pdf").write_bytes(_owner_only_pdf())
    (root / "scan.pdf").write_bytes(_scanned_pdf())
    (root / "truncated.docx").write_bytes(_corrupt_docx())
    (root / "broken.docx").write_bytes(_docx_with_broken_xml())
    (root / "not-a-deck.pptx").write_text("this is a text file with the wrong extension")
    (root / "garbage.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 4)
    return root


def test_office_files_ingest_and_bad_ones_are_reported_not_fatal(clean_db, office_folder):
    with db.connect(clean_db) as conn:
        report = ingest_folder(
            conn,
            office_folder,
            "office",
            embedder=NoEmbedder(),
            settings=make_settings(clean_db),
            url_base="https://files.example.com/team",
        )
        rows = conn.execute(
            "SELECT d.source_path, d.format, c.section_title, c.link, c.content FROM chunks c "
            "JOIN documents d ON d.id = c.document_id ORDER BY d.source_path, c.ordinal"
        ).fetchall()
    assert sorted(report.added) == ["onboarding.docx", "readme.md", "restricted.pdf", "roadmap.pptx", "travel.pdf"]
    failed = dict(report.failed)
    assert set(failed) == {"locked.pdf", "scan.pdf", "truncated.docx", "broken.docx", "not-a-deck.pptx", "garbage.pdf"}
    assert "encrypted" in failed["locked.pdf"] and "password" in failed["locked.pdf"]
    assert "no text layer" in failed["scan.pdf"]
    assert "corrupt" in failed["truncated.docx"]
    assert "damaged" in failed["broken.docx"] or "XML" in failed["broken.docx"]
    assert "corrupt" in failed["not-a-deck.pptx"]
    assert failed["garbage.pdf"]
    links = {(r["source_path"], r["section_title"], r["link"]) for r in rows}
    base = "https://files.example.com/team"
    assert ("travel.pdf", "Hotels", f"{base}/travel.pdf#page=2") in links
    assert ("travel.pdf", "Meals", f"{base}/travel.pdf#page=3") in links
    assert ("onboarding.docx", "Two-factor codes", f"{base}/onboarding.docx#two-factor-codes") in links
    assert ("roadmap.pptx", "Slide 2", f"{base}/roadmap.pptx#slide=2") in links
    assert {r["format"] for r in rows} == {"pdf", "docx", "pptx", "markdown"}
    meals = [r["content"] for r in rows if r["section_title"] == "Meals"]
    assert any("60 euros" in c for c in meals) and any("manager's approval" in c for c in meals)
