"""Word documents (.docx) through python-docx: paragraphs and tables in document order, Heading 1–9 styles
(and styles based on them) as the section path, the Title style or the document's title property as title.
What Word does not show is left out: hidden text (`w:vanish`), deleted tracked changes, comments, the page
header and footer."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import parse_xml

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

    def paragraph_level(p: Any) -> int | None:
        # An unknown style id, or none, is the default paragraph style (python-docx's get_by_id).
        return levels.get(p.style, default_level)

    return paragraph_level


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
# What a reader sees of a paragraph, in order: text in runs wherever they sit (hyperlinks, tracked insertions,
# content controls, simple fields, smart tags, text boxes), never a text box's second copy (mc:Fallback) nor
# moved-away text; a text box's paragraphs and the note references (to place the notes' text) too.
_TEXT = (
    "(.//w:t | .//w:tab | .//w:ptab | .//w:br | .//w:cr | .//w:noBreakHyphen | .//w:txbxContent//w:p"
    " | .//w:footnoteReference | .//w:endnoteReference)"
    f"[not(ancestor::*[local-name() = 'Fallback' and namespace-uri() = '{_MC}']) and not(ancestor::w:moveFrom)]"
)
_P, _TBL, _TR, _TC = (f"{{{_W}}}{tag}" for tag in ("p", "tbl", "tr", "tc"))
# Wrappers of blocks (paragraphs, tables) or rows: content controls and custom XML; their content is the document's.
_WRAPPERS = {f"{{{_W}}}{tag}" for tag in ("sdt", "sdtContent", "customXml")}
_NOTE_REFS = {f"{{{_W}}}footnoteReference": "footnotes", f"{{{_W}}}endnoteReference": "endnotes"}


def _hidden_styles(document: Any) -> tuple[dict[str, bool], bool]:
    """Which styles hide their text (Word's "Hidden" font effect, `w:vanish`, set in the style or a style it is
    based on): {style id: hidden} for the styles that say either way, and whether the default paragraph style
    hides (it applies to a paragraph without a style)."""
    own: dict[str, bool | None] = {}
    based_on: dict[str, str | None] = {}
    default: str | None = None
    for style in document.styles:
        if style.style_id is None:
            continue
        own[style.style_id] = _vanish(style.element.find(f"{{{_W}}}rPr"))
        based_on[style.style_id] = style.element.basedOn_val
        if style.type == WD_STYLE_TYPE.PARAGRAPH and style.element.default:
            default = style.style_id

    def hides(style_id: str | None) -> bool | None:
        for _ in range(5):  # as _style_levels: a few levels of basedOn
            if style_id is None or style_id not in own:
                return None
            if own[style_id] is not None:
                return own[style_id]
            style_id = based_on[style_id]
        return None

    hidden = {style_id: h for style_id in own if (h := hides(style_id)) is not None}
    return hidden, bool(default and hidden.get(default))


def _vanish(rpr: Any) -> bool | None:
    """Whether run properties (`w:rPr`) hide the text (`w:vanish`, unless its value is off); None if they say
    nothing. `w:webHidden` hides only in Web Layout (print layout and PDF show it): not hidden here."""
    v = rpr.find(f"{{{_W}}}vanish") if rpr is not None else None
    if v is None:
        return None
    return v.get(f"{{{_W}}}val", "true").lower() not in ("0", "false", "off")


def _drop_hidden(root: Any, styles: tuple[dict[str, bool], bool]) -> None:
    """Remove from a part's tree what Word does not show: runs with hidden text — by their own properties, else
    their character style, else their paragraph's style — and deleted tracked changes (`w:del`: Word writes their
    text as w:delText, but a w:t in one is no text of the document either). Inserted text (`w:ins`) stays."""
    hidden_style, default_hidden = styles
    gone = list(root.iter(f"{{{_W}}}del"))
    for r in root.iter(f"{{{_W}}}r"):
        rpr = r.find(f"{{{_W}}}rPr")
        hidden = _vanish(rpr)
        if hidden is None and rpr is not None and (rstyle := rpr.find(f"{{{_W}}}rStyle")) is not None:
            hidden = hidden_style.get(rstyle.get(f"{{{_W}}}val") or "")
        if hidden is None and (p := next(r.iterancestors(_P), None)) is not None:
            pstyle = p.find(f"{{{_W}}}pPr/{{{_W}}}pStyle")
            hidden = default_hidden if pstyle is None else hidden_style.get(pstyle.get(f"{{{_W}}}val") or "")
        if hidden:
            gone.append(r)
    for element in gone:
        if (parent := element.getparent()) is not None:
            parent.remove(element)


def _blocks(parent: Any, tags: tuple[str, ...] = (_P, _TBL)) -> Iterator[Any]:
    """The children of `parent` with these tags — by default the paragraphs (w:p) and tables (w:tbl) of a body or
    a table cell — in document order, including those inside content controls (python-docx yields only direct
    children, so a block in a w:sdt was lost) except a table of contents (headings and page numbers again: a
    chunk that matches every question a little)."""
    for child in parent.iterchildren():
        if child.tag in tags:
            yield child
        elif child.tag in _WRAPPERS and not _is_toc(child):
            yield from _blocks(child, tags)


def _is_toc(sdt: Any) -> bool:
    gallery = sdt.find(f"{{{_W}}}sdtPr/{{{_W}}}docPartObj/{{{_W}}}docPartGallery")
    return gallery is not None and gallery.get(f"{{{_W}}}val") == "Table of Contents"


@dataclass
class _Notes:
    """Footnotes and endnotes by id: their text follows the paragraph that cites them, in its section."""

    footnotes: dict[str, str] = field(default_factory=dict)
    endnotes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, document: Any, styles: tuple[dict[str, bool], bool]) -> _Notes:
        notes = cls()
        for rel in document.part.rels.values():
            kind = {RT.FOOTNOTES: "footnotes", RT.ENDNOTES: "endnotes"}.get(rel.reltype)
            if kind is None or rel.is_external:
                continue
            root = parse_xml(rel.target_part.blob)
            _drop_hidden(root, styles)
            for note in root.iterchildren(f"{{{_W}}}{kind[:-1]}"):
                if note.get(f"{{{_W}}}type") in (None, "normal"):
                    text = clean(" ".join(_paragraph_text(p, []) for p in _blocks(note) if p.tag == _P))
                    getattr(notes, kind)[note.get(f"{{{_W}}}id") or ""] = text
        return notes

    def cited(self, refs: list[tuple[str, str]]) -> list[str]:
        return [text for kind, ref in refs if (text := getattr(self, kind).get(ref))]


def _paragraph_text(p: Any, refs: list[tuple[str, str]]) -> str:
    """The paragraph's visible text; the notes it cites are appended to `refs` as (kind, id)."""
    out: list[str] = []
    for node in p.xpath(_TEXT):
        tag = node.tag
        if tag == f"{{{_W}}}t":
            out.append(node.text or "")
        elif tag in _NOTE_REFS:
            refs.append((_NOTE_REFS[tag], node.get(f"{{{_W}}}id") or ""))
        elif tag == f"{{{_W}}}noBreakHyphen":
            out.append("-")
        else:  # tabs, breaks, a text box's paragraph
            out.append(" " if tag != _P else "\n")
    return "".join(out)


def _table_lines(table: Any, notes: _Notes) -> list[str]:
    """One line per row, cells joined by " | "; a table nested in a cell is read in its place, its rows joined
    by " ; " (python-docx's cell text holds only the cell's own paragraphs: a nested table's text was lost)."""
    rows = []
    above: dict[int, str] = {}  # a vertically merged cell repeats the text of the cell it continues
    for tr in _blocks(table, (_TR,)):
        cells: list[str] = []
        column = 0
        for tc in _blocks(tr, (_TC,)):
            span = tc.grid_span
            text = above.get(column, "") if tc.vMerge == "continue" else clean(" ".join(_cell_parts(tc, notes)))
            for n in range(span):
                above[column + n] = text
            column += span
            if text and (not cells or cells[-1] != text):  # merged cells repeat: keep each text once per row
                cells.append(text)
        if cells:
            rows.append(" | ".join(cells))
    return rows


def _cell_parts(tc: Any, notes: _Notes) -> Iterator[str]:
    for block in _blocks(tc):
        if block.tag == _TBL:
            yield " ; ".join(_table_lines(block, notes))
            continue
        refs: list[tuple[str, str]] = []
        yield _paragraph_text(block, refs)
        yield from notes.cited(refs)


def parse_docx(raw: bytes, name: str, fallback_title: str) -> ParsedDocument:
    check_package(raw, name)
    try:
        document = docx.Document(io.BytesIO(raw))
        styles = _hidden_styles(document)
        _drop_hidden(document.element.body, styles)
        blocks = list(_blocks(document.element.body))
        core_title = clean(document.core_properties.title or "")
        heading_level = _style_levels(document)
        notes = _Notes.of(document, styles)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        reason = "not a Word document (corrupt or not a .docx zip)" if not zipfile.is_zipfile(io.BytesIO(raw)) else exc
        raise UnreadableDocument(f"{name}: {reason}") from exc
    except Exception as exc:  # lxml's XMLSyntaxError and friends: a damaged part of the package
        raise UnreadableDocument(f"{name}: damaged Word document ({type(exc).__name__}: {exc})") from exc
    title = core_title
    if not title:
        title = next(
            (text for b in blocks if b.tag == _P and heading_level(b) == 0 and (text := clean(_paragraph_text(b, [])))),
            "",
        )
    b = Sections(title or fallback_title)
    used: dict[str, int] = {}
    for block in blocks:
        if block.tag == _TBL:
            for row in _table_lines(block, notes):
                b.line(row)
            b.line("")
            continue
        refs: list[tuple[str, str]] = []
        text = clean(_paragraph_text(block, refs))
        level = heading_level(block) if text else None
        if level is None or level == 0:
            if text and not (level == 0 and text == b.doc_title):
                b.line(text)
        else:
            anchor = slug(text)
            n = used.get(anchor, 0)
            used[anchor] = n + 1
            b.heading(level, text, anchor if n == 0 else f"{anchor}-{n}")
        for note in notes.cited(refs):
            b.line("")
            b.line(note)
        b.line("")  # paragraphs stay paragraphs for the chunker
    return b.done("docx", name)
