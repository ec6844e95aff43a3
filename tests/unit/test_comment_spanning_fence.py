"""A comment hides everything up to its closer, fence lines and backticks included: MDX reads `{/* … */}` to its
`*/}` whatever lies in it, CommonMark runs an HTML block opened by `<!--` to the line holding `-->`, and a
comment's text is no Markdown, so a backtick in it opens no code span. When the code regions were found without
knowing about comments, a fence line (or a backtick) inside a comment made everything after it code, and the
later hidden notes were kept, stored and cited. Code opened outside a comment still keeps its comment markers."""

from __future__ import annotations

from workers.kb.comments import uncomment_markdown, uncomment_mdx
from workers.kb.parsing import parse_bytes


def _mdx(text: str) -> str:
    return "\n".join(uncomment_mdx(text.split("\n")))


def _md(text: str) -> str:
    return "\n".join(uncomment_markdown(text.split("\n")))


SECRET = "{/* secret note: the VPN password rotates on Mondays */}"


# --- MDX: a fence line inside a comment ----------------------------------------------------------------------------


def test_an_unmatched_fence_inside_an_mdx_comment_opens_no_code_block():
    out = _mdx(f"Intro.\n\n{{/* draft\n```\n*/}}\n\nPublic text.\n\n{SECRET}\n")
    assert out == "Intro.\n\n\nPublic text.\n\n"


def test_a_fence_pair_inside_an_mdx_comment_is_comment():
    out = _mdx(f"Intro.\n\n{{/*\ninternal draft:\n```\n```\n*/}}\n\nPublic text.\n\n{SECRET}\n")
    assert out == "Intro.\n\n\nPublic text.\n\n"


def test_a_fence_inside_an_mdx_comment_does_not_pair_with_one_after_it():
    # The fence after the comment opens the code block (run to its mate or the end), not the one inside.
    out = _mdx(f"{{/* draft\n~~~\n*/}}\n\n{SECRET}\n\n~~~\n{{/* shown in code */}}\n~~~\n\n{SECRET}\n")
    assert out == "\n\n~~~\n{/* shown in code */}\n~~~\n\n"


def test_a_fence_opened_outside_a_comment_keeps_mdx_comments_as_code():
    text = "```mdx\n{/* shown in the example\n```\n\nAfter {/* hidden */}the example.\n\n```\n*/}\n```\n"
    assert _mdx(text) == "```mdx\n{/* shown in the example\n```\n\nAfter the example.\n\n```\n*/}\n```\n"


def test_an_unclosed_fence_outside_comments_still_runs_to_the_end():
    text = "Text.\n\n```\n{/* in code */}\n\n{/* still code */}\n"
    assert _mdx(text) == text


def test_an_mdx_comment_inside_a_parsed_page_is_never_cited():
    raw = f"# Guide\n\nIntro.\n\n{{/*\n```\n*/}}\n\nPublic text.\n\n{SECRET}\n"
    doc = parse_bytes(raw.encode(), "markdown", "guide.mdx", "Guide")
    text = "\n".join(s.text for s in doc.sections)
    assert "Public text." in text and "VPN" not in text and "{/*" not in text


# --- Code spans: a backtick inside a comment -----------------------------------------------------------------------


def test_a_backtick_inside_an_mdx_comment_opens_no_code_span_past_its_end():
    assert _mdx("x {/* a ` */} b ` c ` {/* secret */} d `") == "x  b ` c `  d `"


def test_a_code_span_opened_in_text_still_keeps_an_mdx_comment():
    assert _mdx("x {/* a */} b `{/* shown */}` c") == "x  b `{/* shown */}` c"
    assert _mdx("x {/* a */} b ` {/* shown ` */} c") == "x  b ` {/* shown ` */} c"


def test_a_backtick_inside_an_html_comment_opens_no_code_span_past_its_end():
    assert _md("x <!-- a ` --> b ` c ` <!-- secret --> d `") == "x  b ` c `  d `"


def test_a_code_span_opened_in_text_still_keeps_an_html_comment():
    assert _md("x <!-- a --> b `<!-- shown -->` c") == "x  b `<!-- shown -->` c"


def test_a_backtick_in_a_multiline_html_comment_opens_no_code_span():
    assert _md("x <!-- a `\nstill comment\n--> b ` c ` <!-- secret --> d `") == "x\n b ` c `  d `"


def test_a_backtick_inside_a_tag_opens_no_code_span_over_a_later_comment():
    # CommonMark reads the tag first (it starts first): its attribute's backtick is no code span's opener.
    assert _md('x <img alt="`"> <!-- secret --> ` y') == 'x <img alt="`">  ` y'


# --- Markdown: a fence line inside an HTML comment -----------------------------------------------------------------


def test_a_fence_inside_an_html_comment_block_is_comment():
    out = _md("Intro.\n\n<!--\ndraft\n```\n-->\n\nPublic.\n\n<!-- secret note -->\n")
    assert out == "Intro.\n\n\nPublic.\n\n"


def test_a_fence_opened_outside_an_html_comment_keeps_it_as_code():
    text = "```html\n<!-- shown\n```\n-->\n\n<!-- hidden -->\n"
    assert _md(text) == "```html\n<!-- shown\n```\n-->\n\n"


# --- Size -----------------------------------------------------------------------------------------------------------


def test_a_two_megabyte_document_of_fences_and_openers_is_read_whole():
    unit = "{/* note\n```\n*/}\nkept `{/*` text\n```\n{/* in code */}\n```\n"
    n = 2_000_000 // len(unit) + 1
    out = uncomment_mdx((unit * n).split("\n"))
    assert out == ["kept `{/*` text", "```", "{/* in code */}", "```"] * n + [""]
    unit = "<!-- note\n```\n-->\nkept `<!--` text\n~~~\n<!-- in code -->\n~~~\n"
    n = 2_000_000 // len(unit) + 1
    out = uncomment_markdown((unit * n).split("\n"))
    assert out == ["kept `<!--` text", "~~~", "<!-- in code -->", "~~~"] * n + [""]
    # openers never closed, fence lines between them: nothing to hide, every line kept
    lines = ("{/* open\n```\ntext <!-- open\n~~~\n" * (2_000_000 // 32)).split("\n")
    assert uncomment_mdx(lines) == lines and uncomment_markdown(lines) == lines
