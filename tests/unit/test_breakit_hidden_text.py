"""Break-it review of the hidden-text changes (HTML comments where a browser ends them, MDX comments, Word's hidden
runs, PowerPoint's hidden slides and shapes). A `<!--` inside a tag (a quoted attribute value, `<img alt="<!--">`)
or inside a processing instruction or CDATA section opens no comment in a browser: before, it hid the page up
to the next `-->` and left broken markup as text (in Markdown, the line up to it). A hidden PowerPoint title
shape was still the slide's heading and the deck's title. Both directions are checked: nothing hidden is kept,
nothing shown is lost."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pptx

from tests.unit.test_hidden_text_office import _assert_reads
from workers.kb.formats.pptx import parse_pptx
from workers.kb.parsing import defuse_unclosed, parse
from workers.kb.web_pages import links_of


def _html(raw: str) -> str:
    return "\n".join(s.text for s in parse(raw, "html", "Page").sections)


def _child_says_ok(code: str) -> None:
    """Runs `code` in a child process, killed after 300 s: a hang guard, not a speed test."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


# --- HTML: `<!--` inside markup opens no comment ------------------------------------------------------------------


def test_comment_opener_in_a_quoted_attribute_value_is_no_comment():
    text = _html(
        '<p><img alt="<!-- arrow"> Refunds take 5 days. <!-- draft: 3 days --> Ask support.</p>'
        "<p><img alt='<!--'> Shipping is free. <!-- not yet --> Really.</p>"
        '<p><img title="a>b" alt="<!--"> Returns within 30 days. <!-- or 60 --> Done.</p>'
    )
    _assert_reads(
        text,
        ("<!-- arrow", "Refunds take 5 days.", "Ask support.", "Shipping is free.", "Really.", "Returns within 30"),
        ("draft", "3 days", "not yet", "or 60", "<img", 'alt="'),
    )


def test_comment_opener_in_an_unquoted_value_a_processing_instruction_or_cdata_is_no_comment():
    text = _html(
        "<p><img alt=<!--> Unquoted keeps this. <!-- hidden one --> a</p>"
        '<p><?php echo "<!--"; ?> Processing instruction keeps this. <!-- hidden two --> b</p>'
        "<p><![CDATA[ <!-- ]]> Cdata keeps this. <!-- hidden three --> c</p>"
    )
    _assert_reads(
        text,
        ("Unquoted keeps this.", "Processing instruction keeps this.", "Cdata keeps this."),
        ("hidden one", "hidden two", "hidden three"),
    )


def test_a_script_tag_named_in_an_attribute_value_opens_no_script():
    text = _html('<p><a title="<script>">Docs</a> Visible. <!-- internal only --> More.</p>')
    _assert_reads(text, ("Docs", "Visible.", "More."), ("internal only", "<!--"))


def test_markup_in_attribute_values_reaches_the_parser_unchanged_and_links_after_it_are_found():
    page = '<img alt="<!--"><a href="/after">after</a><!-- c --><a href="/last">last</a>'
    assert defuse_unclosed(page) == '<img alt="&lt;!--"><a href="/after">after</a><a href="/last">last</a>'
    found = links_of(page, "https://example.com/")
    assert found.links == ["https://example.com/after", "https://example.com/last"]


def test_comments_are_still_hidden_and_a_tag_never_closed_shows_nothing_after_it():
    text = _html(
        '<p>One <!-- a --> two <!--> three <!-- b --!> four</p><div><p>kept</p><img alt="open <!-- never closed'
    )
    _assert_reads(text, ("One", "two", "three", "four", "kept"), (" a ", " b ", "never closed"))


CHILD = r"""
from workers.kb.formats.pptx import parse_pptx
from workers.kb.parsing import defuse_unclosed, parse
from workers.kb.web_pages import links_of
n = 150_000
for page in (
    '<img alt="<!--">' * n,           # openers inside values, each closed
    "<a b='" * n,                     # a value never closed: the rest is in the tag
    '<a b="c">' * n + "<!--",         # many quoted tags, then a comment to the end
    "<a<a " * n,                      # tag names running on
    "<?<!" * n + ">",                 # bogus comments
    "<![CDATA[<!-" * n,
    "<x =\"" * n + '"' * n,
    "<p>text</p><!-- -- >" * n,
):
    defuse_unclosed(page)
    links_of(page, "https://example.com/")
    try:
        parse(page, "html", "t")
    except Exception:
        pass
print("ok")
"""


def test_the_tag_aware_comment_scan_stays_linear_on_megabytes_of_hostile_markup():
    _child_says_ok(CHILD)


# --- PowerPoint -----------------------------------------------------------------------------------------------------


def test_pptx_hidden_title_shape_is_neither_the_slide_heading_nor_the_deck_title():
    deck = pptx.Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Layoffs in Q3 draft"
    slide.shapes.title._element.nvSpPr.cNvPr.set("hidden", "1")
    slide.placeholders[1].text = "Office hours move to 9-17."
    shown = deck.slides.add_slide(deck.slide_layouts[1])
    shown.element.set("show", "1")
    shown.shapes.title.text = "Parking"
    shown.placeholders[1].text = "Level -2 is for visitors."
    shown.notes_slide.notes_text_frame.text = "Mention the bike racks."
    buf = io.BytesIO()
    deck.save(buf)
    doc = parse_pptx(buf.getvalue(), "deck.pptx", "deck")
    text = "\n".join([doc.title] + [" / ".join(s.heading_path) + "\n" + s.text for s in doc.sections])
    _assert_reads(
        text,
        ("Slide 1", "Office hours move to 9-17.", "Parking", "Level -2 is for visitors.", "bike racks"),
        ("Layoffs",),
    )
    assert doc.title == "Parking"


# --- Markdown: `<!--` in an inline tag's attribute value ------------------------------------------------------------


def _md(raw: str) -> str:
    return "\n".join(s.text for s in parse(raw, "markdown", "Page").sections)


def test_markdown_comment_opener_in_an_inline_tag_attribute_is_no_comment():
    text = _md(
        '# Refunds\n\nArrow <img alt="<!--" src="a.png"> Refunds take 5 days. <!-- draft: 3 --> Done.\n\n'
        "Code `<b title='<!--'>` stays, <!-- and this goes --> too.\n\n"
        "A <br/> and <!-- c --> <i>plain</i> tags change nothing.\n"
    )
    _assert_reads(
        text,
        ("Refunds take 5 days.", "Done.", "<b title='<!--'> stays,", "too.", "A <br/> and", "<i>plain</i> tags"),
        ("draft", "this goes", " c "),
    )


MD_CHILD = r"""
from workers.kb.parsing import parse
n = 300_000
for line in ('<a x="<!--">' * n + " -->", "<a x='" * n + " --> <!--", "<a " * n + "<!-- x -->", "`<a x='`" * n):
    parse("# T\n\n" + line + "\n", "markdown", "t")
print("ok")
"""


def test_the_markdown_tag_scan_stays_linear_on_a_long_line_of_tags():
    _child_says_ok(MD_CHILD)
