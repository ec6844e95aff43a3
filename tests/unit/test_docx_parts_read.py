"""Which parts of a Word document become knowledge: the body (and its footnotes, tested with the content-loss
tests), never the page header and footer (a letterhead, "Confidential", a page number: the same words in every
document, so a chunk of them would match every question a little) nor reviewers' comments (a conversation about
the text — "should this say ten minutes?" — that the bot would quote as the answer)."""

from __future__ import annotations

import io

import docx

from workers.kb.formats.docx import parse_docx


def test_docx_body_is_read_but_not_its_header_footer_or_comments():
    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "Acme Corp letterhead confidential"
    d.sections[0].footer.paragraphs[0].text = "Printed copies are uncontrolled"
    d.add_heading("Rollback", level=1)
    p = d.add_paragraph("Run make rollback within five minutes.")
    d.add_comment(p.runs, text="Should this say ten minutes instead?", author="Reviewer")
    buf = io.BytesIO()
    d.save(buf)
    text = " ".join(s.text for s in parse_docx(buf.getvalue(), "deploy.docx", "deploy").sections)
    assert "Run make rollback within five minutes." in text
    for left_out in ("letterhead", "uncontrolled", "ten minutes"):
        assert left_out not in text
