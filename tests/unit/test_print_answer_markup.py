"""`answerloop ask` prints an answer and its sources as written: a document title, an answer or a link holding what
looks like Rich markup (`[/]`, `[bold]`, `[link=…]`) is text from a document, never markup — it used to raise
MarkupError (a traceback) or turn a title into a link somewhere else."""

from __future__ import annotations

import io

from rich.console import Console

from cli import output
from workers.pipeline import AnswerResult, CitationOut


def _printed(monkeypatch, result: AnswerResult) -> tuple[str, Console]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, force_terminal=False, color_system=None)
    monkeypatch.setattr(output, "console", console)
    output.print_answer(result)
    return buffer.getvalue(), console


def test_markup_in_a_title_an_answer_and_a_link_is_printed_as_written(monkeypatch):
    cite = CitationOut(
        1, "Config [/] and [bold]flags[/bold]", "[link=https://evil.example]click[/link]",
        "https://docs.example/a]b[/link]", "quote",
    )  # fmt: skip
    answer = "Set it with [/] or [red]this[/red]."
    text, _ = _printed(monkeypatch, AnswerResult("id", "answered", answer, "", "q?", citations=[cite]))
    assert "Set it with [/] or [red]this[/red]." in text
    assert "Config [/] and [bold]flags[/bold] › [link=https://evil.example]click[/link]" in text
    assert "https://docs.example/a]b[/link]" in text


def test_a_plain_source_keeps_its_link(monkeypatch):
    cite = CitationOut(1, "Guide", "Install", "https://docs.example/install", "quote")
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, force_terminal=True, color_system="standard")
    monkeypatch.setattr(output, "console", console)
    output.print_answer(AnswerResult("id", "answered", "Run pip.", "", "q?", citations=[cite]))
    shown = buffer.getvalue()
    assert "Guide › Install" in shown and "\x1b]8;" in shown and "https://docs.example/install" in shown
