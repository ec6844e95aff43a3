"""What a rendered page hides is not a document's text: HTML comments in Markdown (a team's "don't publish yet"
note, a linter's directive) and the rest of an HTML page after a `<!--` that is never closed (a browser shows
nothing there). Before, both were stored, chunked and could be cited as an answer."""

from __future__ import annotations

from workers.kb.chunking import chunk_document
from workers.kb.parsing import parse_bytes


def _text(raw: str, fmt: str) -> str:
    doc = parse_bytes(raw.encode(), {"md": "markdown"}.get(fmt, fmt), f"page.{fmt}", "Page")
    return "\n".join(c.embedding_text() for c in chunk_document(doc))


def test_markdown_comments_are_hidden_on_one_line_or_many():
    text = _text(
        "# Leave policy\n\nStaff get 25 days of leave.\n\n"
        "<!-- TODO: the 30-day plan for directors is not public yet -->\n\n"
        "Carry-over <!-- max 10? ask HR --> is allowed until March.\n\n"
        "<!--\n# Director bonus scheme\nBonus is 40 % of salary.\n-->\n\n"
        "Requests go through the HR portal.\n",
        "md",
    )
    assert "25 days" in text and "Carry-over" in text and "is allowed until March" in text
    assert "HR portal" in text, "text after a closed comment is kept"
    for hidden in ("30-day plan", "ask HR", "Director bonus", "40 %"):
        assert hidden not in text, hidden


def test_a_comment_line_inside_a_paragraph_leaves_the_paragraph_whole():
    doc = parse_bytes(b"# T\n\nfirst half of the sentence\n<!-- note -->\nsecond half.\n", "markdown", "t.md", "T")
    assert "first half of the sentence\nsecond half." in doc.sections[0].text


def test_markdown_comments_in_code_stay_as_written():
    text = _text(
        "# Templates\n\nWrite `<!-- note -->` to leave a note.\n\n```html\n<!-- header starts -->\n<header/>\n```\n",
        "md",
    )
    assert "`<!-- note -->`" in text or "<!-- note -->" in text
    assert "<!-- header starts -->" in text


def test_an_unclosed_markdown_comment_hides_the_rest_only_when_it_opens_a_line():
    hidden = _text("# T\n\nShown.\n\n<!-- draft section\n\nThe unreleased price is 99 EUR.\n", "md")
    assert "Shown." in hidden and "99 EUR" not in hidden
    literal = _text("# T\n\nHTML comments start with <!-- and end later.\n\nNext paragraph.\n", "md")
    assert "start with <!-- and end later." in literal and "Next paragraph." in literal


def test_an_unclosed_html_comment_hides_the_rest_of_the_page_as_a_browser_does():
    text = _text("<h1>Leave</h1><p>Staff get 25 days.</p><!-- <p>Directors get 30 days.</p><p>Unreleased.</p>", "html")
    assert "25 days" in text
    assert "Directors" not in text and "Unreleased" not in text and "<!--" not in text


def test_closed_html_comments_are_still_hidden_and_text_after_them_kept():
    text = _text("<h1>Leave</h1><!-- internal --><p>Staff get 25 days.</p><![if x]><p>More.</p>", "html")
    assert "internal" not in text and "25 days" in text and "More." in text


def test_rst_comments_are_left_out_and_directives_footnotes_and_block_quotes_kept():
    text = _text(
        "Leave\n=====\n\nStaff get 25 days.\n\n"
        ".. TODO: directors get 30 days, not public yet\n   (ask HR before publishing)\n\n   Still the comment.\n\n"
        ".. note::\n\n   Requests go through the HR portal.\n\n"
        "..\n\n   A quoted policy line.\n\n"
        ".. [1] Footnote about carry-over.\n\n"
        "   .. an indented comment about bonuses\n\n"
        "End of policy.\n",
        "rst",
    )
    assert "25 days" in text and "HR portal" in text and "quoted policy line" in text
    assert "carry-over" in text and "End of policy." in text
    for hidden in ("30 days", "ask HR", "Still the comment", "bonuses"):
        assert hidden not in text, hidden
