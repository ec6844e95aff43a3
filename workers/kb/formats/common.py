"""What the format parsers share: a section builder that keeps a heading path and starts a section where asked."""

from __future__ import annotations

import io
import re
import zipfile

from workers.kb.parsing import ParsedDocument, Section, UnreadableDocument, bare_heading

# An Office file's parts, inflated, at most: python-docx and python-pptx read each part whole and lxml builds a tree
# of about 12× the XML's size, so a 300 KB zip bomb (a part of 300 MB) would take gigabytes and hours. A real
# 5 MB (ANSWERLOOP_MAX_FILE_BYTES) document inflates to some tens of MB.
MAX_INFLATED_BYTES = 100_000_000
MAX_PARTS = 10_000


def clean(text: str) -> str:
    """One line of extracted text: whitespace runs (incl. non-breaking spaces, tabs) collapsed."""
    return " ".join(text.replace("\x00", "").split())


def check_package(raw: bytes, name: str) -> None:
    """Refuse a zip whose parts would inflate past MAX_INFLATED_BYTES, or that has more than MAX_PARTS, before a
    library reads it. The declared sizes bound what is read: zipfile never returns more than an entry's declared
    size (an entry that inflates further fails its CRC). A file that is not a zip is left to the library's message."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as package:
            parts = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return
    if len(parts) > MAX_PARTS:
        raise UnreadableDocument(f"{name}: too many parts in the package ({len(parts):,} > {MAX_PARTS:,})")
    inflated = sum(p.file_size for p in parts)
    if inflated > MAX_INFLATED_BYTES:
        raise UnreadableDocument(
            f"{name}: inflates to {inflated:,} bytes (> {MAX_INFLATED_BYTES:,}): a zip bomb, or a document to split"
        )


_XML_TRUE = frozenset(("1", "true", "on"))
_XML_FALSE = frozenset(("0", "false", "off"))


def xml_flag(value: str | None, *, absent: bool, unknown: bool) -> bool:
    """An Office XML boolean as Word and PowerPoint read it: xsd:boolean (`1`/`true`, `0`/`false`) and ST_OnOff's
    `on`/`off`, in any case, the surrounding whitespace collapsed; `absent` when there is no value, `unknown` for
    any other (each caller passes the side that keeps hidden content out)."""
    if value is None:
        return absent
    v = value.strip().lower()
    return True if v in _XML_TRUE else False if v in _XML_FALSE else unknown


def slug(title: str) -> str:
    return re.sub(r"[^\w\s-]", "", title.lower()).strip().replace(" ", "-") or "section"


class Sections:
    """Headings push onto a path (a heading of level n replaces those of level ≥ n); text lands in the current
    section; `start(anchor)` begins a new section under the same path (a new PDF page, a new slide)."""

    def __init__(self, doc_title: str, *, keep_bare_headings: bool = False) -> None:
        self.doc_title = doc_title
        self.stack: list[tuple[int, str]] = []
        self.anchor = ""
        self.lines: list[str] = []
        self.sections: list[Section] = []
        self.keep_bare_headings = keep_bare_headings  # parsing.bare_heading: for headings that are guesses

    def _keep_bare(self, level: int) -> None:
        bare = bare_heading(self.stack, self.lines, level) if self.keep_bare_headings else None
        if bare:
            self.lines.append(bare)

    def flush(self) -> None:
        text = "\n".join(self.lines).strip()
        self.lines = []
        if text:
            path = [t for _, t in self.stack] or [self.doc_title]
            self.sections.append(Section(path, self.anchor, text))

    def heading(self, level: int, title: str, anchor: str) -> None:
        self._keep_bare(level)
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
        self._keep_bare(0)
        self.flush()
        if not self.sections:
            raise UnreadableDocument(f"{name}: no text content")
        return ParsedDocument(self.doc_title, fmt, self.sections)
