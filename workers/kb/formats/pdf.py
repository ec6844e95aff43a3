"""PDF through pypdf: sections from the outline (bookmarks), else from font sizes, else one per page; every
section knows its page, so a chunk links to `file.pdf#page=N` (the fragment every PDF viewer opens at)."""

from __future__ import annotations

import io
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PyPdfError

from workers.kb.formats.common import Sections, clean
from workers.kb.parsing import ParsedDocument, UnreadableDocument

# pypdf logs every malformed object it recovers from; the ingest report says what matters.
logging.getLogger("pypdf").setLevel(logging.ERROR)

HEADING_RATIO = 1.15  # a line this much larger than the body text is a heading
MAX_HEADING_CHARS = 120
# Pages read at most: a page object can be listed in the page tree any number of times (six bytes each), so a
# 5 MB file can hold 800,000 pages at ~2 ms each (half an hour), or hundreds of copies of one page whose content
# takes seconds. Real documents within ANSWERLOOP_MAX_FILE_BYTES have a few thousand at most.
MAX_PAGES = 10_000
# The whole document, however its pages are made: pypdf bounds each stream (75 MB inflated), not their sum, so
# thousands of pages each drawing one heavy form (or each holding megabytes of text) could take hours and gigabytes.
# A real document of ANSWERLOOP_MAX_FILE_BYTES (5 MB) reads in well under a minute and holds a few million
# characters; past either limit the file is refused with the page reached (a partial document would answer as if
# it were whole), well before an ingest job with no file done for 15 minutes counts as stalled.
MAX_SECONDS = 300.0
MAX_CHARS = 20_000_000


class _OverBudget(Exception):
    pass


@dataclass
class _Budget:
    """Time and extracted characters left for one document. Checked from pypdf's visitors (every text piece and
    every content-stream operator), so one heavy page is stopped too; once over, every check fails again, as pypdf
    swallows errors raised inside a form XObject."""

    max_seconds: float
    max_chars: int
    deadline: float = 0.0
    chars: int = 0
    operators: int = 0
    over: str = ""

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.max_seconds

    def check(self) -> None:
        if not self.over and time.monotonic() >= self.deadline:
            self.over = f"more than {self.max_seconds:g} seconds of text extraction"
        if self.over:
            raise _OverBudget(self.over)

    def spend(self, chars: int) -> None:
        self.chars += chars
        if not self.over and self.chars > self.max_chars:
            self.over = f"more than {self.max_chars:,} characters of text"
        self.check()

    def operator(self, *_: Any) -> None:
        self.operators += 1
        if self.over or self.operators % 256 == 0:
            self.check()


@dataclass
class Line:
    text: str
    size: float


@dataclass
class OutlineEntry:
    level: int
    title: str
    page: int  # 0-based


def _page_lines(page: Any, budget: _Budget) -> list[Line]:
    """The page's text as lines, each with the largest font size used on it (size × text-matrix scale)."""
    lines: list[Line] = []
    parts: list[str] = []
    size = 0.0

    def visit(text: str, cm: list[float], tm: list[float], font: Any, font_size: float) -> None:
        nonlocal size
        scale = abs(tm[3] * cm[3]) or abs(tm[0] * cm[0]) or 1.0
        budget.spend(len(text))
        pieces = text.split("\n")
        for i, piece in enumerate(pieces):
            if piece.strip():
                parts.append(piece)
                size = max(size, float(font_size or 0) * scale)
            if i < len(pieces) - 1:
                end_line()

    def end_line() -> None:
        nonlocal size
        text = clean("".join(parts))
        if text:
            lines.append(Line(text, size))
        parts.clear()
        size = 0.0

    budget.check()
    page.extract_text(visitor_text=visit, visitor_operand_before=budget.operator)
    budget.check()  # an error raised inside a form XObject was swallowed by pypdf
    end_line()
    return lines


def _outline(reader: PdfReader) -> list[OutlineEntry]:
    out: list[OutlineEntry] = []

    def walk(items: list[Any], level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
                continue
            try:
                page = reader.get_destination_page_number(item)
            except (PyPdfError, KeyError, ValueError, TypeError):
                continue
            title = clean(str(getattr(item, "title", "") or ""))
            if title and page is not None and page >= 0:
                out.append(OutlineEntry(level, title, page))

    try:
        walk(reader.outline, 1)
    except (PyPdfError, KeyError, ValueError, TypeError):
        return []
    return out


def _font_headings(pages: list[list[Line]]) -> dict[tuple[int, int], int]:
    """{(page, line): level} for lines set noticeably larger than the body text (the most common size)."""
    weights: Counter[float] = Counter()
    for lines in pages:
        for ln in lines:
            weights[round(ln.size, 1)] += len(ln.text)
    if not weights:
        return {}
    body = weights.most_common(1)[0][0]
    candidates = {
        (p, i): round(ln.size, 1)
        for p, lines in enumerate(pages)
        for i, ln in enumerate(lines)
        if ln.size >= body * HEADING_RATIO
        and len(ln.text) <= MAX_HEADING_CHARS
        and sum(ch.isalpha() for ch in ln.text) >= 2
    }
    levels = {s: n + 1 for n, s in enumerate(sorted(set(candidates.values()), reverse=True)[:6])}
    return {k: levels[s] for k, s in candidates.items() if s in levels}


def _meta_title(raw: str) -> str:
    """The document-information title unless it is a tool's placeholder ("untitled", a file name)."""
    title = clean(raw)
    lowered = title.lower()
    if lowered in {"untitled", "(anonymous)", "anonymous", "title", "none"} or lowered.startswith("microsoft word - "):
        return ""
    if re.search(r"\.(pdf|docx?|pptx?|odt|tex|indd|qxp)$", lowered):
        return ""
    return title


def _norm(text: str) -> str:
    return "".join(text.lower().split())


def parse_pdf(
    raw: bytes, name: str, fallback_title: str, *, max_seconds: float | None = None, max_chars: int | None = None
) -> ParsedDocument:
    """The PDF's sections; `max_seconds` and `max_chars` (default MAX_SECONDS, MAX_CHARS) bound the whole text
    extraction: past either the file is refused with the page it reached."""
    budget = _Budget(MAX_SECONDS if max_seconds is None else max_seconds, MAX_CHARS if max_chars is None else max_chars)
    pages: list[list[Line]] = []
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            try:  # an owner password only (no password to open) still decrypts with the empty one
                if not reader.decrypt(""):
                    raise UnreadableDocument(f"{name}: encrypted PDF (needs a password to open)")
            except (FileNotDecryptedError, NotImplementedError) as exc:
                raise UnreadableDocument(f"{name}: encrypted PDF ({exc})") from exc
        if len(reader.pages) > MAX_PAGES:
            raise UnreadableDocument(f"{name}: too many pages ({len(reader.pages):,} > {MAX_PAGES:,}): split it")
        for page in reader.pages:
            pages.append(_page_lines(page, budget))
        outline = _outline(reader)
        metadata = reader.metadata
        meta_title = _meta_title(str(metadata.get("/Title") or "") if metadata is not None else "")
    except UnreadableDocument:
        raise
    except _OverBudget as exc:
        raise UnreadableDocument(
            f"{name}: text extraction stopped on page {len(pages) + 1:,} of {len(reader.pages):,} after {exc} "
            "(the limit for one document): split it"
        ) from exc
    except FileNotDecryptedError as exc:
        raise UnreadableDocument(f"{name}: encrypted PDF (needs a password to open)") from exc
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise UnreadableDocument(f"{name}: unreadable PDF ({type(exc).__name__}: {exc})") from exc
    if not pages:
        raise UnreadableDocument(f"{name}: PDF without pages")
    if not any(pages):
        raise UnreadableDocument(f"{name}: no text layer (a scanned PDF? run OCR on it first)")

    # Where headings start: on a line of a page ({(page, line): (level, title)}), or at the top of a page when
    # a bookmark's title is not one of the page's lines.
    at_line: dict[tuple[int, int], tuple[int, str]] = {}
    at_top: dict[int, list[tuple[int, str]]] = {}
    if outline:
        for entry in outline:
            lines = pages[entry.page] if entry.page < len(pages) else []
            found = [
                i
                for i, ln in enumerate(lines)
                if _norm(ln.text) == _norm(entry.title) and (entry.page, i) not in at_line
            ]
            if found:
                at_line[(entry.page, found[0])] = (entry.level, entry.title)
            else:
                at_top.setdefault(entry.page, []).append((entry.level, entry.title))
    else:
        at_line = {k: (lvl, pages[k[0]][k[1]].text) for k, lvl in _font_headings(pages).items()}

    title = meta_title or (outline[0].title if outline else "") or fallback_title
    if not outline and at_line:
        first = at_line[min(at_line)]
        if first[0] == 1:
            title = meta_title or first[1]
    b = Sections(title, keep_bare_headings=not outline)  # headings guessed from font sizes
    by_page = not outline and not at_line  # no structure at all: one section per page
    for p, lines in enumerate(pages):
        b.start(f"page={p + 1}")
        if by_page:
            b.stack = [(1, title), (2, f"Page {p + 1}")] if len(pages) > 1 else [(1, title)]
        for level, heading in at_top.get(p, []):
            b.heading(level, heading, f"page={p + 1}")
        for i, ln in enumerate(lines):
            if (p, i) in at_line:
                level, heading = at_line[(p, i)]
                b.heading(level, heading, f"page={p + 1}")
            else:
                b.line(ln.text)
    return b.done("pdf", name)
