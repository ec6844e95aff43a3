"""Word documents (.docx) through python-docx: paragraphs and tables in document order, Heading 1–9 styles
(and styles based on them) as the section path, the Title style or the document's title property as title."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from typing import Any

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table

from workers.kb.formats.common import Sections, check_package, clean, slug
from workers.kb.parsing import ParsedDocument, UnreadableDocument

_HEADING = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)


def _style_levels(document: Any) -> Callable[[Any], int | None]:
    """A paragraph's level — 1–9 for a Heading style (or one based on it), 0 for Title, None for body text — from
    one pass over the paragraph styles: python-docx's `paragraph.style` scans every style for the default on each
    call, O(paragraphs × styles), an hour for a long document with a few thousand styles."""
    names: dict[str, str] = {}
    based_on: dict[str, str | None] = {}
    default: str | None = None
    for style in document.styles:
        if style.type != WD_STYLE_TYPE.PARAGRAPH or style.style_id is None:
            continue
        names[style.style_id] = (style.name or "").strip()
        based_on[style.style_id] = style.element.basedOn_val
        if style.element.default:
            default = style.style_id  # the last default wins, as in python-docx

    def level_of(style_id: str | None) -> int | None:
        for _ in range(5):  # custom styles inherit from Heading N through basedOn
            if style_id is None or style_id not in names:
                return None
            if names[style_id].lower() == "title":
                return 0
            m = _HEADING.match(names[style_id])
            if m:
                return int(m.group(1))
            style_id = based_on[style_id]
        return None

    levels = {style_id: level_of(style_id) for style_id in names}
    default_level = levels.get(default) if default else None

    def paragraph_level(paragraph: Any) -> int | None:
        # An unknown style id, or none, is the default paragraph style (python-docx's get_by_id).
        return levels.get(paragraph._p.style, default_level)

    return paragraph_level


def _table_lines(table: Table) -> list[str]:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:  # merged cells repeat: keep each text once per row
            text = clean(cell.text)
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            rows.append(" | ".join(cells))
    return rows


def parse_docx(raw: bytes, name: str, fallback_title: str) -> ParsedDocument:
    check_package(raw, name)
    try:
        document = docx.Document(io.BytesIO(raw))
        blocks = list(document.iter_inner_content())
        core_title = clean(document.core_properties.title or "")
        heading_level = _style_levels(document)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        reason = "not a Word document (corrupt or not a .docx zip)" if not zipfile.is_zipfile(io.BytesIO(raw)) else exc
        raise UnreadableDocument(f"{name}: {reason}") from exc
    except Exception as exc:  # lxml's XMLSyntaxError and friends: a damaged part of the package
        raise UnreadableDocument(f"{name}: damaged Word document ({type(exc).__name__}: {exc})") from exc
    title = core_title
    if not title:
        title = next(
            (clean(b.text) for b in blocks if not isinstance(b, Table) and heading_level(b) == 0 and clean(b.text)),
            "",
        )
    b = Sections(title or fallback_title)
    used: dict[str, int] = {}
    for block in blocks:
        if isinstance(block, Table):
            for row in _table_lines(block):
                b.line(row)
            b.line("")
            continue
        text = clean(block.text)
        if not text:
            b.line("")
            continue
        level = heading_level(block)
        if level is None or level == 0:
            if level == 0 and text == b.doc_title:
                continue
            b.line(text)
            b.line("")  # paragraphs stay paragraphs for the chunker
            continue
        anchor = slug(text)
        n = used.get(anchor, 0)
        used[anchor] = n + 1
        b.heading(level, text, anchor if n == 0 else f"{anchor}-{n}")
    return b.done("docx", name)
