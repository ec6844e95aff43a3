"""Text a rendered page hides is not a document's text, for the comment forms the first pass missed: MDX's JSX
comments (`{/* … */}`, only in .mdx: plain Markdown shows them as written), and HTML comments as a browser ends
them — at `--!>` (an "incorrectly closed comment") and at once for `<!-->` / `<!--->` (abruptly closed empty
comments), where the standard library's parser ran on to the next `-->` (hiding text a reader sees) or kept
`--!>`'s comment. Both directions are checked: nothing hidden is kept, nothing shown is lost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from workers.kb.chunking import chunk_document
from workers.kb.parsing import parse, parse_bytes


def _text(raw: str, name: str) -> str:
    fmt = {"md": "markdown", "mdx": "markdown"}.get(name.rsplit(".", 1)[-1], name.rsplit(".", 1)[-1])
    doc = parse_bytes(raw.encode(), fmt, name, "Page")
    return "\n".join(c.embedding_text() for c in chunk_document(doc))


def _assert_reads(text: str, shown: tuple[str, ...], hidden: tuple[str, ...]) -> None:
    for s in shown:
        assert s in text, f"lost: {s!r} in {text!r}"
    for h in hidden:
        assert h not in text, f"kept: {h!r} in {text!r}"


# --- MDX ---------------------------------------------------------------------------------------------------------

MDX = (
    "# Pricing\n\nThe Basic plan costs 10 EUR a month.\n\n"
    "{/* TODO: the 7 EUR launch price is not public yet */}\n\n"
    "Annual billing {/* ask finance about 15 % */} saves two months.\n\n"
    "{/*\nEnterprise tier draft\n\nCosts 99 EUR, legal has not signed off.\n*/}\n\n"
    "Invoices arrive on the first day of the month {  /* spaced opener */  }.\n"
)


def test_mdx_jsx_comments_are_hidden_on_one_line_or_many():
    text = _text(MDX, "docs/pricing.mdx")
    _assert_reads(
        text,
        ("10 EUR a month", "Annual billing", "saves two months", "Invoices arrive on the first day of the month"),
        ("7 EUR", "15 %", "Enterprise tier", "99 EUR", "legal", "spaced opener", "{/*", "*/}"),
    )


def test_plain_markdown_shows_jsx_comments_as_written():
    text = _text(MDX, "docs/pricing.md")
    assert "7 EUR launch price" in text and "Enterprise tier draft" in text


def test_mdx_comments_in_code_stay_and_other_expressions_are_kept():
    text = _text(
        "# Writing docs\n\nHide a note with `{/* note */}` in a page.\n\n"
        "```mdx\n{/* shown in the example */}\n```\n\n"
        "The year is {new Date().getFullYear()} and {/* a */ props.name} greets you.\n\n"
        "An unclosed {/* opener stays as text.\n",
        "guide.mdx",
    )
    _assert_reads(
        text,
        (
            "Hide a note with {/* note */} in a page.",
            "{/* shown in the example */}",
            "{new Date().getFullYear()}",
            "{/* a */ props.name}",
            "An unclosed {/* opener stays as text.",
        ),
        (),
    )


def test_an_mdx_comment_line_inside_a_paragraph_leaves_the_paragraph_whole():
    doc = parse_bytes(b"# T\n\nfirst half of the sentence\n{/* note */}\nsecond half.\n", "markdown", "t.mdx", "T")
    assert "first half of the sentence\nsecond half." in doc.sections[0].text


def test_parse_takes_mdx_as_a_format_and_markdown_stays_as_it_was():
    assert "draft" not in parse("# T\n\nA {/* draft */} b\n", "mdx", "T").sections[0].text
    assert "{/* draft */}" in parse("# T\n\nA {/* draft */} b\n", "markdown", "T").sections[0].text
    assert parse("# T\n\nA b\n", "mdx", "T").format == "markdown"


# --- HTML comments as a browser ends them -------------------------------------------------------------------------


def test_html_comment_closed_by_bang_ends_there():
    text = _text(
        "<h1>Deploys</h1><p>Run make deploy.<!-- not before the audit --!> Then check the dashboard.</p>"
        "<p>Roll back with make rollback.</p>",
        "page.html",
    )
    _assert_reads(text, ("Run make deploy.", "Then check the dashboard.", "make rollback"), ("audit",))


def test_html_abruptly_closed_empty_comments_hide_nothing_after_them():
    text = _text(
        "<h1>Deploys</h1><p>Step one.<!--> Step two.</p><p>Step three.<!---> Step four.</p>"
        "<p>Step five.<!-- secret draft --> Step six.</p>",
        "page.html",
    )
    _assert_reads(
        text, ("Step one.", "Step two.", "Step three.", "Step four.", "Step five.", "Step six."), ("secret draft",)
    )


def test_html_comment_is_not_closed_by_a_spaced_dash_dash_or_by_bang_at_its_start():
    text = _text(
        "<h1>Deploys</h1><p>Shown.<!-- hidden -- > still hidden --> shown again.</p>"
        "<p>More.<!--!> hidden too --> last.</p>",
        "page.html",
    )
    _assert_reads(text, ("Shown.", "shown again.", "More.", "last."), ("hidden",))


def test_html_comment_markers_in_a_title_or_text_area_are_text():
    doc = parse_bytes(
        b"<title>Tips <!-- a --> b</title><h1>X</h1><p>one</p><textarea><!-- shown --></textarea>",
        "html",
        "p.html",
        "P",
    )
    assert doc.title == "Tips <!-- a --> b"
    assert "<!-- shown -->" in doc.sections[0].text


# --- The same rules in Markdown (its raw HTML goes to the browser) ----------------------------------------------------


def test_markdown_comment_closed_by_bang_ends_there():
    text = _text(
        "# Deploys\n\nRun make deploy. <!-- not before the audit --!> Then check the dashboard. -->\n\n"
        "<!-- block note --!>\nShown after the block comment.\n\nLast paragraph.\n",
        "deploy.md",
    )
    _assert_reads(
        text,
        ("Run make deploy.", "Then check the dashboard.", "Shown after the block comment.", "Last paragraph."),
        ("audit", "block note"),
    )


def test_markdown_abruptly_closed_empty_comments_hide_nothing_after_them():
    text = _text(
        "# Deploys\n\nStep one. <!--> Step two.\n\n<!---> Step three.\n\nStep four. <!-- secret draft --> Step five.\n",
        "deploy.md",
    )
    _assert_reads(text, ("Step one.", "Step two.", "Step three.", "Step four.", "Step five."), ("secret draft",))


def test_markdown_bang_opener_is_no_close():
    text = _text("# T\n\nShown. <!--!> hidden --> shown again.\n", "t.md")
    _assert_reads(text, ("Shown.", "shown again."), ("hidden",))


# --- Hang guard -------------------------------------------------------------------------------------------------------

CHILD = """
from workers.kb.parsing import parse_bytes
n = 200_000
docs = [
    ('a.mdx', '# T\\n\\nkeep\\n\\n' + '{/* ' * n),
    ('b.mdx', '# T\\n\\nkeep\\n\\n' + '{/* x */ y ' * n),
    ('c.mdx', '# T\\n\\nkeep\\n\\n' + '`{/*` ' * n + '\\n\\n' + '{' + ' ' * n + 'x'),
    ('d.md', '# T\\n\\nkeep\\n\\n' + '<!-- a --> ' * n),
    ('e.md', '# T\\n\\nkeep\\n\\n' + '<!--!> ' * n),
    ('f.html', '<h1>T</h1><p>keep</p>' + '<!--!>' * n),
    ('g.html', '<h1>T</h1><p>keep</p>' + '<!-- a -- >' * n),
]
for name, text in docs:
    fmt = {'mdx': 'markdown', 'md': 'markdown', 'html': 'html'}[name.rsplit('.', 1)[1]]
    doc = parse_bytes(text.encode(), fmt, name, 'T')
    assert 'keep' in doc.sections[0].text, name
print('done')
"""


def test_comment_scans_are_linear_on_a_megabyte_of_openers():
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", CHILD], cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "done", done.stderr[-2000:]
