"""Text a reader sees in a document must reach a chunk: each test builds a real file (python-docx, reportlab) or
a text document with one unique sentence in a place a parser could drop it, and looks for it in the chunks."""

from __future__ import annotations

import io

import docx
import pytest
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from pptx import Presentation
from pptx.opc.package import Part as PptxPart
from pptx.opc.packuri import PackURI as PptxPackURI
from reportlab.pdfgen import canvas

from workers.kb.chunking import chunk_document
from workers.kb.formats.pdf import parse_pdf
from workers.kb.parsing import ParsedDocument, UnreadableDocument, parse_bytes

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f'xmlns:w="{W_NS}"'
NAMESPACES = (
    f'{W} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)


def _chunked(doc: ParsedDocument) -> str:
    return "\n".join(c.content for c in chunk_document(doc))


def _saved(d) -> bytes:
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _docx_text(raw: bytes) -> str:
    return _chunked(parse_bytes(raw, "docx", "f.docx", "f"))


def _append(d, xml: str) -> None:
    """A body-level element (paragraph, content control…) before the section properties."""
    d.element.body.sectPr.addprevious(parse_xml(xml))


def test_docx_nested_table_text_is_kept_in_reading_order():
    d = docx.Document()
    d.add_paragraph("Before the table.")
    outer = d.add_table(rows=2, cols=2)
    outer.cell(0, 0).text, outer.cell(0, 1).text = "Plan", "Details"
    outer.cell(1, 0).text = "Enterprise"
    inner = outer.cell(1, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "Support hours"
    inner.cell(0, 1).text = "Enterprise customers reach the on-call engineer at any hour of the night."
    d.add_paragraph("After the table.")
    text = _docx_text(_saved(d))
    sentence = "Enterprise customers reach the on-call engineer at any hour of the night."
    assert sentence in text
    assert text.index("Before the table.") < text.index("Enterprise |") < text.index(sentence)
    assert text.index(sentence) < text.index("After the table.")


def test_docx_tracked_insertions_content_controls_and_fields_keep_their_text():
    d = docx.Document()
    _append(
        d,
        f"<w:p {W}><w:r><w:t xml:space='preserve'>Refunds are issued </w:t></w:r>"
        "<w:ins w:id='1' w:author='Ann' w:date='2026-01-01T00:00:00Z'>"
        "<w:r><w:t>within fourteen days</w:t></w:r></w:ins>"
        "<w:del w:id='2' w:author='Ann' w:date='2026-01-01T00:00:00Z'><w:r><w:delText>within a month</w:delText></w:r>"
        "</w:del><w:r><w:t xml:space='preserve'> of the request.</w:t></w:r></w:p>",
    )
    _append(
        d,
        f"<w:sdt {W}><w:sdtPr><w:alias w:val='Summary'/></w:sdtPr><w:sdtContent>"
        "<w:p><w:r><w:t>The escalation desk answers in the Orion channel.</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>",
    )
    _append(
        d,
        f"<w:p {W}><w:r><w:t xml:space='preserve'>Owner: </w:t></w:r>"
        "<w:sdt><w:sdtPr/><w:sdtContent><w:r><w:t>Margaret from billing</w:t></w:r></w:sdtContent></w:sdt>"
        "<w:r><w:t xml:space='preserve'>, see </w:t></w:r>"
        "<w:fldSimple w:instr=' REF policy '><w:r><w:t>Section Twelve</w:t></w:r></w:fldSimple></w:p>",
    )
    text = _docx_text(_saved(d))
    assert "Refunds are issued within fourteen days of the request." in text
    assert "within a month" not in text  # deleted in the tracked changes: not what the reader sees
    assert "The escalation desk answers in the Orion channel." in text
    assert "Owner: Margaret from billing, see Section Twelve" in text


def test_docx_a_table_of_contents_control_stays_out_like_before():
    d = docx.Document()
    _append(
        d,
        f"<w:sdt {W}><w:sdtPr><w:docPartObj><w:docPartGallery w:val='Table of Contents'/><w:docPartUnique/>"
        "</w:docPartObj></w:sdtPr><w:sdtContent><w:p><w:r><w:t>Contents</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>Refunds</w:t></w:r><w:r><w:tab/><w:t>4</w:t></w:r></w:p></w:sdtContent></w:sdt>",
    )
    d.add_heading("Refunds", level=1)
    d.add_paragraph("Refunds take five days.")
    assert _docx_text(_saved(d)) == "Refunds take five days."


def test_docx_text_box_text_is_kept_once():
    d = docx.Document()
    box = "<w:txbxContent><w:p><w:r><w:t>Call the night porter on extension 4410.</w:t></w:r></w:p></w:txbxContent>"
    _append(
        d,
        f"<w:p {NAMESPACES}><w:r><w:t xml:space='preserve'>Out of hours. </w:t></w:r><w:r><mc:AlternateContent>"
        "<mc:Choice Requires='wps'><w:drawing><wp:anchor><a:graphic><a:graphicData "
        "uri='http://schemas.microsoft.com/office/word/2010/wordprocessingShape'><wps:wsp><wps:txbx>"
        f"{box}</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
        f"<mc:Fallback><w:pict><v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r></w:p>",
    )
    text = _docx_text(_saved(d))
    assert "Out of hours." in text
    assert text.count("Call the night porter on extension 4410.") == 1


def test_docx_footnotes_follow_the_paragraph_that_cites_them():
    d = docx.Document()
    d.add_heading("Leave", level=1)
    _append(
        d,
        f"<w:p {W}><w:r><w:t>Parental leave is paid.</w:t></w:r>"
        "<w:r><w:rPr><w:rStyle w:val='FootnoteReference'/></w:rPr><w:footnoteReference w:id='1'/></w:r></w:p>",
    )
    d.add_heading("Travel", level=1)
    d.add_paragraph("Book trains in advance.")
    notes = (
        f"<w:footnotes {W}>"
        "<w:footnote w:type='separator' w:id='-1'><w:p><w:r><w:separator/></w:r></w:p></w:footnote>"
        "<w:footnote w:type='continuationSeparator' w:id='0'><w:p><w:r><w:continuationSeparator/></w:r></w:p>"
        "</w:footnote><w:footnote w:id='1'><w:p><w:r><w:footnoteRef/></w:r>"
        "<w:r><w:t xml:space='preserve'> Sixteen weeks at full pay, then ten at half pay.</w:t></w:r></w:p>"
        "</w:footnote>"
        "</w:footnotes>"
    ).encode()
    part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, notes, d.part.package)
    d.part.relate_to(part, RT.FOOTNOTES)
    doc = parse_bytes(_saved(d), "docx", "f.docx", "f")
    leave = next(c for c in chunk_document(doc) if c.section_title == "Leave")
    assert "Parental leave is paid." in leave.content
    assert "Sixteen weeks at full pay, then ten at half pay." in leave.content


def _pdf(pages: int, line: str, lines_per_page: int = 1) -> bytes:
    """`pages` pages that each draw one shared form XObject of `lines_per_page` lines (the cheap way to make every
    page of a file heavy), then a line of their own."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.beginForm("shared")
    for i in range(lines_per_page):
        c.drawString(60, 700 - 14 * i, f"{line} {i + 1}")
    c.endForm()
    for n in range(pages):
        c.doForm("shared")
        c.drawString(60, 780, f"Page {n + 1} of the manual.")
        c.showPage()
    c.save()
    return buf.getvalue()


def test_pdf_extraction_stops_at_the_character_budget_with_the_page_it_reached():
    raw = _pdf(5, "Forty characters of policy text on line", lines_per_page=3)  # ~150 characters a page
    whole = parse_pdf(raw, "manual.pdf", "manual", max_chars=1_000)
    text = "\n".join(s.text for s in whole.sections)
    assert "Page 5 of the manual." in text and "policy text on line 3" in text
    with pytest.raises(UnreadableDocument) as refused:  # passed inside page 3's form, where pypdf swallows errors
        parse_pdf(raw, "manual.pdf", "manual", max_chars=350)
    message = str(refused.value)
    assert message.startswith("manual.pdf: text extraction stopped on page 3 of 5 after more than 350 characters")
    assert message.endswith("(the limit for one document): split it")


def test_pdf_extraction_stops_at_the_time_budget():
    with pytest.raises(UnreadableDocument, match=r"stopped on page 1 of 2 after more than 0 seconds"):
        parse_pdf(_pdf(2, "Some text"), "slow.pdf", "slow", max_seconds=0)


def _html_text(html: str) -> ParsedDocument:
    return parse_bytes(html.encode(), "html", "page.html", "page")


def test_html_table_cells_and_disclosures_are_separate_words():
    doc = _html_text(
        "<main><h1>Plans</h1><table><tr><th>Plan</th><th>Price</th></tr><tr><td>Basic</td><td>10 EUR</td></tr>"
        "</table><details><summary>Can I pay yearly?</summary>Yes, with two months free.</details>"
        "<figure><img src='a.png' alt=''><figcaption>Prices exclude VAT.</figcaption></figure>"
        "<select><option>Monthly</option><option>Yearly</option></select></main>"
    )
    text = _chunked(doc)
    assert "Plan | Price" in text and "Basic | 10 EUR" in text
    assert "Can I pay yearly?\nYes, with two months free." in text
    assert "Prices exclude VAT." in text and "MonthlyYearly" not in text


def test_html_an_articles_own_header_and_footer_are_content_the_pages_are_not():
    doc = _html_text(
        "<body><header><h1>Acme intranet</h1><a href='/'>Home</a></header><main><h1>Expenses</h1>"
        "<article><header><h2>Mileage claims</h2><p>Updated by the finance team in May.</p></header>"
        "<p>Claim 30 cents per kilometre.</p><footer>Questions go to the Harbour channel.</footer></article>"
        "</main><footer>Copyright Acme</footer></body>"
    )
    by_title = {s.title: s.text for s in doc.sections}
    assert by_title["Mileage claims"] == (
        "Updated by the finance team in May.\n\nClaim 30 cents per kilometre.\n\nQuestions go to the Harbour channel."
    )
    assert [s.heading_path for s in doc.sections] == [["Expenses", "Mileage claims"]]
    assert "Acme intranet" not in _chunked(doc) and "Copyright" not in _chunked(doc)


def test_html_image_alt_text_is_kept_as_in_markdown():
    doc = _html_text("<h1>Refunds</h1><p>The flow:</p><img src='f.png' alt='Support approves, then finance pays.'>")
    md = parse_bytes(
        b"# Refunds\n\nThe flow:\n\n![Support approves, then finance pays.](f.png)\n", "markdown", "r", "r"
    )
    assert "Support approves, then finance pays." in _chunked(md)
    assert "Support approves, then finance pays." in _chunked(doc)


def test_markdown_a_leading_thematic_break_is_not_front_matter():
    raw = b"---\n\nRefunds take five working days.\n\nAsk the Harbour channel.\n\n---\n\n# Refunds\n\nMore.\n"
    text = _chunked(parse_bytes(raw, "markdown", "refunds.md", "refunds"))
    assert "Refunds take five working days." in text and "Ask the Harbour channel." in text


def test_markdown_front_matter_is_still_metadata():
    raw = b"---\ntitle: 'Refunds'\ntags:\n  - money\nsummary: >\n  folded\n---\n\nRefunds take five days.\n"
    doc = parse_bytes(raw, "markdown", "refunds.md", "fallback")
    assert doc.title == "Refunds" and _chunked(doc) == "Refunds take five days."


def test_pptx_soft_line_breaks_and_fields_keep_words_apart():
    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Contacts"
    body = slide.placeholders[1].text_frame
    body.text = "Billing: Anna\vSupport: Ben"  # Shift+Enter: a soft line break (a:br) inside one paragraph
    footer = body.add_paragraph()
    footer.add_run().text = "Reviewed in "
    footer._p.append(  # a field (here a date) holds its last shown text
        parse_xml(
            '<a:fld xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" id="{B2B8E7B5-7F7E-4C0B-9C63-'
            '1B6A4E0A8C11}" type="datetime1"><a:t>May 2026</a:t></a:fld>'
        )
    )
    text = _chunked(parse_bytes(_saved(deck), "pptx", "d.pptx", "d"))
    assert "Billing: Anna Support: Ben" in text
    assert "Reviewed in May 2026" in text


DGM = "http://schemas.openxmlformats.org/drawingml/2006/diagram"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def test_pptx_smartart_text_is_kept():
    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[5])  # title only
    slide.shapes.title.text = "Escalation"
    points = "".join(
        f'<dgm:pt modelId="{n}"><dgm:prSet/><dgm:spPr/><dgm:t><a:bodyPr/><a:p><a:r><a:t>{text}</a:t></a:r></a:p>'
        "</dgm:t></dgm:pt>"
        for n, text in enumerate(["Support triages the ticket", "Platform on-call fixes it"], start=1)
    )
    data = (
        f'<dgm:dataModel xmlns:dgm="{DGM}" xmlns:a="{A_NS}"><dgm:ptLst><dgm:pt modelId="0" type="doc"><dgm:prSet/>'
        f"<dgm:spPr/></dgm:pt>{points}</dgm:ptLst><dgm:cxnLst/><dgm:bg/><dgm:whole/></dgm:dataModel>"
    ).encode()
    part = PptxPart(
        PptxPackURI("/ppt/diagrams/data1.xml"),
        "application/vnd.openxmlformats-officedocument.drawingml.diagramData+xml",
        slide.part.package,
        data,
    )
    rid = slide.part.relate_to(part, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/diagramData")
    slide.shapes._spTree.append(
        parse_xml(
            '<p:graphicFrame xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
            f'xmlns:a="{A_NS}" xmlns:r="{R_NS}"><p:nvGraphicFramePr><p:cNvPr id="9" name="Diagram 1"/>'
            '<p:cNvGraphicFramePr/><p:nvPr/></p:nvGraphicFramePr><p:xfrm><a:off x="0" y="0"/><a:ext cx="1" cy="1"/>'
            f'</p:xfrm><a:graphic><a:graphicData uri="{DGM}"><dgm:relIds xmlns:dgm="{DGM}" r:dm="{rid}" '
            'r:lo="" r:qs="" r:cs=""/></a:graphicData></a:graphic></p:graphicFrame>'
        )
    )
    text = _chunked(parse_bytes(_saved(deck), "pptx", "d.pptx", "d"))
    assert text == "Support triages the ticket\nPlatform on-call fixes it"


def test_html_a_line_break_in_a_heading_keeps_its_words_apart():
    doc = _html_text("<h1>Guide</h1><h2>Refunds<br>and returns</h2><p>Five days.</p>")
    assert [s.title for s in doc.sections] == ["Refunds and returns"]


def test_text_a_capitals_line_taken_for_a_heading_without_text_under_it_is_still_text():
    raw = (
        b"Alarm handbook\n\nThe alarm panel is by the door.\n\nNEVER PROP THE FIRE DOOR OPEN\n\n"
        b"KEYS ARE AT RECEPTION\n\nReception opens at 8.\n\nLEAVE BY THE EAST STAIRS\n"
    )
    doc = parse_bytes(raw, "text", "alarm.txt", "alarm")
    text = _chunked(doc).lower()
    assert "never prop the fire door open" in text and "leave by the east stairs" in text
    assert [s.title for s in doc.sections if "reception opens" in s.text.lower()] == ["Keys Are At Reception"]


def test_pdf_a_large_line_taken_for_a_heading_without_text_under_it_is_still_text():
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    y = 780
    for size, line in [
        (22, "Site safety"),
        (11, "Wear a helmet everywhere on the building site, including the car park and the canteen."),
        (16, "Fire drill every Friday at ten"),
        (16, "Visitors"),
        (11, "Visitors sign in at the gate and wear a badge where it can be seen at all times."),
    ]:
        c.setFont("Helvetica", size)
        c.drawString(60, y, line)
        y -= size + 8
    c.showPage()
    c.save()
    doc = parse_pdf(buf.getvalue(), "safety.pdf", "safety")
    assert "Fire drill every Friday at ten" in _chunked(doc)
    assert [s.title for s in doc.sections if "badge" in s.text] == ["Visitors"]
