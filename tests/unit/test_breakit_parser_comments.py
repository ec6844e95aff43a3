"""Break-it cases for hiding comments: what a reader sees must still be stored (code that shows `<!--` or `..`,
a paragraph that only mentions `<!--`), and what a rendered page hides must not be (a commented-out section with
a code block in it)."""

from __future__ import annotations

from workers.kb.chunking import chunk_document
from workers.kb.parsing import parse_bytes


def _text(raw: str, fmt: str) -> str:
    doc = parse_bytes(raw.encode(), fmt, f"page.{fmt}", "Page")
    return "\n".join(c.embedding_text() for c in chunk_document(doc))


def _assert_reads(text: str, shown: tuple[str, ...], hidden: tuple[str, ...]) -> None:
    for part in shown:
        assert part in text, part
    for part in hidden:
        assert part not in text, part


def test_a_code_block_inside_a_markdown_comment_is_hidden_with_it():
    text = _text(
        "# Deploy\n\nRun `make deploy`.\n\n<!--\nOld instructions, do not publish:\n```bash\n"
        "export DEPLOY_TOKEN=sk_live_old\n```\n-->\n\nThen check the dashboard.\n",
        "markdown",
    )
    assert "make deploy" in text and "check the dashboard" in text
    assert "sk_live_old" not in text and "Old instructions" not in text and "```" not in text


def test_a_markdown_comment_closes_within_its_paragraph_or_is_text():
    text = _text(
        "# Comments\n\nWrite <!-- to start a note.\n\nThe refund window is 30 days.\n\n"
        "| Syntax | Meaning |\n|---|---|\n| <!-- | opens a note |\n| --> | closes it |\n\n"
        "An empty note <!--> is allowed.\n\nRefunds go to the original card.\n\n"
        "<!-- TODO: check with legal -->\n\nEnd.\n",
        "markdown",
    )
    shown = ("Write <!-- to start a note.", "refund window is 30 days", "opens a note", "closes it", "is allowed",
             "original card", "End.")  # fmt: skip
    _assert_reads(text, shown, ("check with legal",))


def test_a_comment_opening_a_list_item_or_quote_runs_to_its_closer_across_paragraphs():
    text = _text(
        "# Steps\n\n- Step one\n- <!-- hidden step\n\n  with a second paragraph -->\n- Step three\n\n"
        "> <!-- quoted draft\n>\n> more draft -->\n> Quoted text.\n\n- <!-- never closed\n\nThe end.\n",
        "markdown",
    )
    shown = ("Step one", "Step three", "Quoted text.", "The end.")
    _assert_reads(text, shown, ("hidden step", "second paragraph", "quoted draft", "more draft"))


def test_markdown_code_spans_and_indented_code_keep_their_comments():
    text = _text(
        "# Templates\n\nWrite ``<!-- note -->`` in the template.\n\n"
        "A lone ` backtick, then <!-- internal: ask Anna --> the rest.\n\n"
        "To leave a note:\n\n    <!-- reviewer: Anna -->\n    <p>Hello</p>\n\n"
        "An unfinished one:\n\n    <!-- opens a note\n\nThe note must be closed.\n\n"
        "- Step one\n\n    <!-- step one is secret -->\n\n- Step two\n\n"
        "Usage\n===\n\n    <!-- shown in code -->\n\n!!! note\n    <!-- a hidden note -->\n    Shown.\n",
        "markdown",
    )
    shown = ("<!-- note -->", "the rest.", "<!-- reviewer: Anna -->", "<!-- opens a note", "must be closed",
             "Step two", "<!-- shown in code -->", "Shown.")  # fmt: skip
    _assert_reads(text, shown, ("ask Anna", "step one is secret", "a hidden note"))


def test_rst_literal_blocks_and_code_directives_keep_their_dot_dot_lines():
    text = _text(
        "Comments\n========\n\nA comment looks like this::\n\n    .. reviewer: check the wording\n\n"
        "Or in Sphinx:\n\n.. code-block:: rst\n\n   .. TODO finish this section\n      (a second line)\n\n"
        ".. parsed-literal::\n\n   .. shown as written\n\n"
        ".. note ::\n\n   Notes are spaced like this too.\n\n"
        "Counting goes from 1\n.. 10 in the examples.\n\n"
        ">>> print('.. done')\n.. done\n\n"
        ".. a real comment about the draft\n\n"
        "- Leave requests go to HR.\n.. TODO directors get more\n\n:Owner: HR\n.. ask Anna first\n\nEnd.\n",
        "rst",
    )
    shown = ("reviewer: check the wording", "TODO finish this section", "a second line", "shown as written",
             "spaced like this", "1\n.. 10 in the examples", ".. done\n", "End.", "Leave requests go to HR",
             "Owner: HR")  # fmt: skip
    # a comment after a bullet or field item (no blank line between) ends the item: still a comment
    _assert_reads(text, shown, ("about the draft", "directors get more", "ask Anna"))


def test_an_html_comment_opener_inside_a_script_hides_nothing():
    text = _text(
        "<h1>Setup</h1><p>Step one: clone.</p><script>var open = '<!--';</script><p>Step two: run make.</p>",
        "html",
    )
    assert "Step one" in text and "Step two: run make." in text
