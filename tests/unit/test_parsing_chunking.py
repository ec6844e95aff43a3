"""Heading-aware parsing of each format, and chunking limits (pure: no database)."""

from __future__ import annotations

import pytest

from workers.kb.chunking import chunk_document
from workers.kb.parsing import UnreadableDocument, decode, parse

MD = """---
title: Deploy guide
---
# Deploying

Intro paragraph.

## Freeze windows

No deploys on Fridays after 15:00.

```bash
# not a heading
make deploy
```

## Freeze windows

Second section with the same title.

Rollback
--------

Run `make rollback`.
"""

RST = """.. _deploy:

=========
Deploying
=========

Intro with ``inline code`` and :setting:`task_acks_late`.

Rollback steps
==============

Run the :command:`rollback` script.

Sub step
--------

Details here.
"""

HTML = """<html><head><title>VPN setup</title><style>p{}</style></head><body>
<nav>menu junk</nav>
<h1 id="vpn">VPN setup</h1><p>Install the client.</p>
<h2 id="mfa-codes">MFA codes</h2><p>Codes rotate every <b>30 seconds</b>.</p><script>alert(1)</script>
<h2>No id here</h2><p>Fallback anchor.</p>
</body></html>"""

TXT = """EXPENSE POLICY

Keep receipts for everything.

HOTELS

The nightly cap is 180 EUR.
"""


def test_markdown_sections_anchors_and_code_fences():
    doc = parse(MD, "markdown", "fallback")
    assert doc.title == "Deploy guide"
    titles = [s.title for s in doc.sections]
    assert titles == ["Deploying", "Freeze windows", "Freeze windows", "Rollback"]
    anchors = [s.anchor for s in doc.sections]
    assert anchors == ["deploying", "freeze-windows", "freeze-windows-1", "rollback"]
    fence = doc.sections[1]
    assert "# not a heading" in fence.text and fence.heading_path == ["Deploying", "Freeze windows"]


def test_rst_titles_levels_and_inline_markup():
    doc = parse(RST, "rst", "fallback")
    assert doc.title == "Deploying"
    assert [s.heading_path for s in doc.sections] == [
        ["Deploying"],
        ["Deploying", "Rollback steps"],
        ["Deploying", "Rollback steps", "Sub step"],
    ]
    assert doc.sections[1].anchor == "rollback-steps"
    assert "inline code" in doc.sections[0].text and "``" not in doc.sections[0].text
    assert "task_acks_late" in doc.sections[0].text and ":setting:" not in doc.sections[0].text


def test_html_uses_ids_and_drops_scripts_and_nav():
    doc = parse(HTML, "html", "fallback")
    assert doc.title == "VPN setup"
    by_title = {s.title: s for s in doc.sections}
    assert by_title["MFA codes"].anchor == "mfa-codes"
    assert "30 seconds" in by_title["MFA codes"].text
    assert by_title["No id here"].anchor == "no-id-here"
    text = " ".join(s.text for s in doc.sections)
    assert "alert" not in text and "menu junk" not in text


def test_plain_text_caps_headings():
    doc = parse(TXT, "text", "fallback")
    assert doc.title == "EXPENSE POLICY"
    assert [s.title for s in doc.sections] == ["Expense Policy", "Hotels"]
    assert "180 EUR" in doc.sections[1].text


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (b"   \n\t\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"caf\xe9 au lait \x81\x8d\x90", "UTF-8"),  # not UTF-8, and no code page makes them read as a language
    ],
)
def test_bad_bytes_are_rejected_with_a_reason(raw, message):
    with pytest.raises(UnreadableDocument, match=message):
        decode(raw, "f")


def test_utf8_bom_and_crlf_are_handled():
    assert decode(b"\xef\xbb\xbfHello\r\nworld", "f") == "Hello\nworld"


def test_chunks_respect_the_size_limit_and_keep_their_section():
    long_section = "# Big\n\n" + "\n\n".join(f"Paragraph {i} " + "word " * 60 for i in range(30))
    doc = parse(long_section, "markdown", "x")
    chunks = chunk_document(doc, max_chars=500, overlap_chars=100)
    assert len(chunks) > 5
    assert all(len(c.content) <= 500 for c in chunks)
    assert {c.section_title for c in chunks} == {"Big"}
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert chunks[0].embedding_text().startswith("Big\n")


def test_an_unbroken_huge_paragraph_is_still_split():
    doc = parse("# T\n\n" + "x" * 5000, "markdown", "x")
    chunks = chunk_document(doc, max_chars=1000, overlap_chars=0)
    assert len(chunks) == 5 and all(len(c.content) <= 1000 for c in chunks)


UNTITLED_WITH_CONSOLE = """Some intro text before any heading.

```console
$ python main.py delete
# Are you sure you want to delete the user? [y/N]: $ y
Deleted
```

~~~
# Tilde fence
~~~

````Markdown
# Portal Gun
```Python
# still inside the four-backtick block
```
````

## Real section

Body.
"""


def test_markdown_title_and_headings_are_never_taken_from_a_code_block():
    doc = parse(UNTITLED_WITH_CONSOLE, "markdown", "options")
    assert doc.title == "options"
    assert [s.heading_path for s in doc.sections] == [["options"], ["Real section"]]
    opening = doc.sections[0].text
    # the code lines stay in the text, verbatim
    assert "# Are you sure you want to delete the user? [y/N]: $ y" in opening
    assert "# Portal Gun" in opening and "# still inside the four-backtick block" in opening


def test_markdown_title_is_the_first_level_one_heading_outside_fences():
    text = "```\n# not the title\n```\n\nIntro.\n\n# Real title\n\nBody.\n"
    doc = parse(text, "markdown", "fallback")
    assert doc.title == "Real title"
    # the text before the title is a section of the titled document, as for any untitled opening
    assert (
        doc.sections[0].heading_path == ["Real title"] and doc.sections[0].text == "```\n# not the title\n```\n\nIntro."
    )


def test_markdown_a_fence_with_an_info_string_does_not_close_a_fence():
    text = "# T\n\n```\nexample:\n```python\n## not a heading\n```\n\n## After\n\nBody.\n"
    doc = parse(text, "markdown", "x")
    assert [s.title for s in doc.sections] == ["T", "After"]
    assert "## not a heading" in doc.sections[0].text


def test_markdown_inline_code_is_kept_literally():
    text = "# T\n\n### Add a `__main__.py`\n\nCreate `__init__.py` and `**kwargs`; run ``a `b` c``.\n"
    doc = parse(text, "markdown", "x")
    section = doc.sections[0]
    assert section.title == "Add a __main__.py"
    assert section.anchor == "add-a-__main__py"
    assert section.text == "Create __init__.py and **kwargs; run a `b` c."


def test_markdown_emphasis_is_stripped_but_not_inside_words_or_code():
    text = (
        "# The *CLI argument* and **Typer CLI** and __bold__ and _em_\n\n"
        "Use *.py files, 2 * 3 * 4, snake_case_name and `*args`; a *word* and _another one_.\n"
        "* a list item\n"
    )
    doc = parse(text, "markdown", "x")
    assert doc.title == "The CLI argument and Typer CLI and bold and em"
    body = doc.sections[0].text
    assert body == ("Use *.py files, 2 * 3 * 4, snake_case_name and *args; a word and another one.\n* a list item")


def test_markdown_indented_fences_of_admonitions_are_kept_verbatim():
    text = '# T\n\n!!! tip\n    Run it:\n\n    ```console\n    $ python -c "print(*args*)"\n    ```\n'
    doc = parse(text, "markdown", "x")
    assert doc.sections[0].text == '!!! tip\n    Run it:\n\n    ```console\n    $ python -c "print(*args*)"\n    ```'
