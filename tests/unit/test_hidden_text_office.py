"""What Word and PowerPoint do not show is not a document's text: Word's hidden text (the "Hidden" font effect,
`w:vanish`, set on a run or through its character or paragraph style), deleted tracked changes and reviewers'
comments; PowerPoint's hidden slides (`show="0"`: left out of the slideshow, often a draft). Before, hidden runs
and hidden slides were stored and could be quoted as an answer. What is shown stays: inserted tracked changes,
`w:webHidden` runs (hidden in Web Layout only; Word's print layout and a PDF show them), text hidden and then
un-hidden by direct formatting."""

from __future__ import annotations

import io

import docx
import pptx
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn

from workers.kb.formats.docx import parse_docx
from workers.kb.formats.pptx import parse_pptx


def _docx_text(d: docx.document.Document) -> str:
    buf = io.BytesIO()
    d.save(buf)
    doc = parse_docx(buf.getvalue(), "policy.docx", "policy")
    return "\n".join([doc.title] + [" / ".join(s.heading_path) + "\n" + s.text for s in doc.sections])


def _assert_reads(text: str, shown: tuple[str, ...], hidden: tuple[str, ...]) -> None:
    for s in shown:
        assert s in text, f"lost: {s!r} in {text!r}"
    for h in hidden:
        assert h not in text, f"kept: {h!r} in {text!r}"


def test_docx_hidden_runs_are_left_out():
    d = docx.Document()
    d.add_heading("Leave", level=1)
    p = d.add_paragraph("Staff get 25 days of leave.")
    p.add_run(" Directors get 30 days, not public yet.").font.hidden = True
    p.add_run(" Requests go through the HR portal.")
    explicit = d.add_paragraph("Carry-over is allowed until March.").add_run(" Max 10 days? ask HR")
    explicit._r.get_or_add_rPr().append(OxmlElement("w:vanish"))  # the element itself, as Word writes it
    unhidden = d.add_paragraph().add_run("Shown again after un-hiding.")
    vanish = OxmlElement("w:vanish")
    vanish.set(qn("w:val"), "0")
    unhidden._r.get_or_add_rPr().append(vanish)
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Basic"
    table.cell(0, 1).paragraphs[0].add_run("internal cost 3 EUR").font.hidden = True
    hidden_heading = d.add_heading("", level=2)
    hidden_heading.add_run("Bonus scheme draft").font.hidden = True
    d.add_paragraph("Back to the leave policy.")
    text = _docx_text(d)
    _assert_reads(
        text,
        ("25 days", "HR portal", "Carry-over is allowed until March.", "Shown again", "Basic", "Back to the leave"),
        ("30 days", "not public", "ask HR", "3 EUR", "Bonus scheme"),
    )


def test_docx_text_hidden_through_its_style_is_left_out():
    d = docx.Document()
    note = d.styles.add_style("Draft note", WD_STYLE_TYPE.CHARACTER)
    note.font.hidden = True
    inherited = d.styles.add_style("Legal draft", WD_STYLE_TYPE.CHARACTER)
    inherited.base_style = note
    block = d.styles.add_style("Draft block", WD_STYLE_TYPE.PARAGRAPH)
    block.font.hidden = True
    d.add_heading("Pricing", level=1)
    p = d.add_paragraph("The Basic plan costs 10 EUR.")
    p.add_run(" Launch price 7 EUR.", style="Draft note")
    p.add_run(" Legal wants 8 EUR.", style="Legal draft")
    d.add_paragraph("Enterprise tier costs 99 EUR.", style="Draft block")
    shown = d.add_paragraph(style="Draft block").add_run("Shown in a hidden paragraph style by direct formatting.")
    shown.font.hidden = False
    d.add_paragraph("Invoices arrive monthly.")
    _assert_reads(
        _docx_text(d),
        ("10 EUR", "Invoices arrive monthly.", "Shown in a hidden paragraph style"),
        ("7 EUR", "8 EUR", "99 EUR"),
    )


def test_docx_deleted_changes_and_comments_are_left_out_and_insertions_kept():
    d = docx.Document()
    d.add_heading("Rollback", level=1)
    p = d.add_paragraph("Run make rollback within ")
    p._p.append(
        parse_xml(
            f'<w:del {nsdecls("w")} w:id="1" w:author="A" w:date="2026-01-01T00:00:00Z">'
            "<w:r><w:delText>ten</w:delText></w:r><w:r><w:t>twelve</w:t></w:r></w:del>"
        )
    )
    p._p.append(
        parse_xml(
            f'<w:ins {nsdecls("w")} w:id="2" w:author="A" w:date="2026-01-01T00:00:00Z">'
            "<w:r><w:t>five</w:t></w:r></w:ins>"
        )
    )
    p.add_run(" minutes.")
    d.add_comment(p.runs, text="Should this say seven minutes?", author="Reviewer")
    web = d.add_paragraph("Page ").add_run("12")
    web._r.get_or_add_rPr().append(OxmlElement("w:webHidden"))
    _assert_reads(
        _docx_text(d),
        ("Run make rollback within five minutes.", "Page 12"),
        ("ten", "twelve", "seven"),
    )


def _deck(slides: list[tuple[str, str, bool]]) -> bytes:
    deck = pptx.Presentation()
    for title, body, hidden in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
        slide.notes_slide.notes_text_frame.text = f"Notes: {body}"
        if hidden:
            slide._element.set("show", "0")
    buf = io.BytesIO()
    deck.save(buf)
    return buf.getvalue()


def test_pptx_hidden_slides_are_left_out_and_shown_slides_keep_their_numbers():
    raw = _deck(
        [
            ("Draft pricing", "Enterprise costs 99 EUR, not public yet", True),
            ("Pricing", "Basic costs 10 EUR a month", False),
            ("Old roadmap", "Feature X ships in May", True),
            ("Support", "Write to support@example.com", False),
        ]
    )
    doc = parse_pptx(raw, "deck.pptx", "deck")
    text = "\n".join(" / ".join(s.heading_path) + " " + s.anchor + " " + s.text for s in doc.sections)
    _assert_reads(text, ("Basic costs 10 EUR", "support@example.com", "Notes: Basic"), ("99 EUR", "Draft", "May"))
    assert doc.title == "Pricing"
    assert [s.anchor for s in doc.sections] == ["slide=2", "slide=4"]


def test_pptx_slide_shown_explicitly_is_kept():
    deck = pptx.Presentation(io.BytesIO(_deck([("Pricing", "Basic costs 10 EUR a month", False)])))
    deck.slides[0]._element.set("show", "1")
    buf = io.BytesIO()
    deck.save(buf)
    assert "10 EUR" in parse_pptx(buf.getvalue(), "deck.pptx", "deck").sections[0].text


def test_pptx_shapes_hidden_in_the_selection_pane_are_left_out():
    deck = pptx.Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Pricing"
    slide.placeholders[1].text = "Basic costs 10 EUR a month"
    note = slide.shapes.add_textbox(0, 0, 100, 100)
    note.text_frame.text = "Draft: Enterprise at 99 EUR"
    note.element[0][0].set("hidden", "1")  # p:nvSpPr/p:cNvPr, as the Selection Pane's eye writes it
    group = slide.shapes.add_group_shape()
    group.shapes.add_textbox(0, 0, 100, 100).text_frame.text = "Grouped launch price 7 EUR"
    group.element[0][0].set("hidden", "1")
    buf = io.BytesIO()
    deck.save(buf)
    text = "\n".join(s.text for s in parse_pptx(buf.getvalue(), "deck.pptx", "deck").sections)
    _assert_reads(text, ("Basic costs 10 EUR",), ("99 EUR", "7 EUR"))
