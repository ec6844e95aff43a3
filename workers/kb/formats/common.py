"""What the format parsers share: a section builder that keeps a heading path and starts a section where asked."""

from __future__ import annotations

import re

from workers.kb.parsing import ParsedDocument, Section, UnreadableDocument


def clean(text: str) -> str:
    """One line of extracted text: whitespace runs (incl. non-breaking spaces, tabs) collapsed."""
    return " ".join(text.replace("\x00", "").split())


def slug(title: str) -> str:
    return re.sub(r"[^\w\s-]", "", title.lower()).strip().replace(" ", "-") or "section"


class Sections:
    """Headings push onto a path (a heading of level n replaces those of level ≥ n); text lands in the current
    section; `start(anchor)` begins a new section under the same path (a new PDF page, a new slide)."""

    def __init__(self, doc_title: str) -> None:
        self.doc_title = doc_title
        self.stack: list[tuple[int, str]] = []
        self.anchor = ""
        self.lines: list[str] = []
        self.sections: list[Section] = []

    def flush(self) -> None:
        text = "\n".join(self.lines).strip()
        self.lines = []
        if text:
            path = [t for _, t in self.stack] or [self.doc_title]
            self.sections.append(Section(path, self.anchor, text))

    def heading(self, level: int, title: str, anchor: str) -> None:
        self.flush()
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, clean(title)))
        self.anchor = anchor

    def start(self, anchor: str) -> None:
        self.flush()
        self.anchor = anchor

    def line(self, text: str) -> None:
        self.lines.append(text)

    def done(self, fmt: str, name: str) -> ParsedDocument:
        self.flush()
        if not self.sections:
            raise UnreadableDocument(f"{name}: no text content")
        return ParsedDocument(self.doc_title, fmt, self.sections)
