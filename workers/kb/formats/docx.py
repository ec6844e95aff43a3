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
from lxml import etree

from workers.kb.formats.common import Sections, check_package, clean, slug, xml_flag
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
        if _is_default(style.element):
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


_VAL, _STYLE, _RPR = f"{{{_W}}}val", f"{{{_W}}}style", f"{{{_W}}}rPr"
_R, _TXBX = f"{{{_W}}}r", f"{{{_W}}}txbxContent"
_StyleKey = tuple[str, str]  # (w:type, w:styleId)


def _on_off(value: str | None) -> bool:
    """An on/off value (ST_OnOff) as Word reads it (`common.xml_flag`): no value at all (an element without w:val)
    is on, and so is anything unreadable: for w:vanish, the side that keeps hidden text out."""
    return xml_flag(value, absent=True, unknown=True)


def _is_default(style: Any) -> bool:
    """A style's `w:default` (absent: not the default) — read here, as python-docx's reader refuses valid
    spellings such as " 1" and the whole document with them."""
    value = style.get(f"{{{_W}}}default")
    return value is not None and _on_off(value)


def _vanish(rpr: Any) -> bool | None:
    """Whether run properties (`w:rPr`) hide the text (`w:vanish`); None if they say nothing. Neither
    `w:specVanish` (a paragraph mark that never ends a line: a style separator) nor `w:webHidden` (hidden in Web
    Layout only: print layout and PDF show it) hides a run."""
    v = rpr.find(f"{{{_W}}}vanish") if rpr is not None else None
    return None if v is None else _on_off(v.get(_VAL))


@dataclass(frozen=True)
class _Hiding:
    """Whether Word hides a run: `w:vanish` is a toggle property (ECMA-376 Part 1 §17.7.3, as Word applies it per
    [MS-OI29500] 2.1.246 and 2.1.258). Direct formatting on the run decides outright. Otherwise start from the
    document defaults (`w:docDefaults`); the table style, then the paragraph style, *set* the value where they
    state one (Word resets rather than toggles there); a character style stating "hidden" *flips* the result and
    one stating "not hidden" changes nothing — so text hidden by both its paragraph and its character style is
    shown. A hidden document default that no table or paragraph style restates is not flipped (ECMA's rule; Word's
    is undocumented, and this side keeps hidden text out). A style is one level whatever its basedOn chain: the
    first value stated going up the chain is its value (inheritance, not a toggle). A numbering level's run
    properties format only the list number, not read here."""

    default: bool  # w:docDefaults/w:rPrDefault
    styles: dict[_StyleKey, bool | None]  # every style: its value, stated in it or up its basedOn chain
    defaults: dict[str, bool | None]  # per style type: the value of that type's default style

    def level(self, kind: str, style_id: str | None) -> bool | None:
        # An unknown style id, or none, is the type's default style (as in Word and python-docx's get_by_id).
        key = (kind, style_id or "")
        return self.styles[key] if key in self.styles else self.defaults.get(kind)

    def hides(self, direct: bool | None, table: bool | None, paragraph: bool | None, character: bool | None) -> bool:
        if direct is not None:
            return direct
        state, stated = self.default, False
        for level in (table, paragraph):
            if level is not None:
                state, stated = level, True
        if state and not stated:  # ECMA: a default of true stays true; what Word does is unknown, and this hides
            return True
        return state != (character is True)


def _hiding_rules(document: Any) -> _Hiding:
    """The document defaults' and every style's `w:vanish`, read once from the styles part."""
    root = document.styles.element
    own: dict[_StyleKey, bool | None] = {}
    based_on: dict[_StyleKey, str | None] = {}
    default_ids: dict[str, str] = {}
    for style in root.iterchildren(_STYLE):
        kind, style_id = style.get(f"{{{_W}}}type") or "paragraph", style.get(f"{{{_W}}}styleId")
        if style_id is None:
            continue
        own[(kind, style_id)] = _vanish(style.find(_RPR))
        parent = style.find(f"{{{_W}}}basedOn")
        based_on[(kind, style_id)] = parent.get(_VAL) if parent is not None else None
        if _is_default(style):
            default_ids[kind] = style_id  # the last default wins, as in python-docx
    styles = _chained(own, based_on)
    return _Hiding(
        default=bool(_vanish(root.find(f"{{{_W}}}docDefaults/{{{_W}}}rPrDefault/{{{_W}}}rPr"))),
        styles=styles,
        defaults={kind: styles.get((kind, style_id)) for kind, style_id in default_ids.items()},
    )


def _chained(own: dict[_StyleKey, bool | None], based_on: dict[_StyleKey, str | None]) -> dict[_StyleKey, bool | None]:
    """Each style's value: its own, else the first one stated up its basedOn chain (a loop states none). Each style
    is walked once, however deep the chains."""
    resolved: dict[_StyleKey, bool | None] = {}
    for start in own:
        path: dict[_StyleKey, None] = {}  # in order, and a loop is found in constant time
        key: _StyleKey | None = start
        value: bool | None = None
        while key in own and key not in resolved and key not in path:
            path[key] = None
            if (value := own[key]) is not None:
                break
            parent = based_on[key]
            key = (key[0], parent) if parent else None
        else:
            value = resolved.get(key) if key is not None else None
        for k in path:
            resolved[k] = value
    return resolved


def _drop_hidden(root: Any, hiding: _Hiding) -> None:
    """Remove from a part's tree what Word does not show: runs with hidden text (see `_Hiding`) and deleted tracked
    changes (`w:del`: Word writes their text as w:delText, but a w:t in one is no text of the document either).
    Inserted text (`w:ins`) stays. One walk, keeping the table and the paragraph around each run on stacks (a text
    box is a story of its own: a table around it is not its table)."""
    gone = list(root.iter(f"{{{_W}}}del"))
    tables: list[bool | None] = [None]
    paragraphs: list[bool | None] = [hiding.level("paragraph", None)]
    for event, element in etree.iterwalk(root, events=("start", "end"), tag=(_TBL, _TXBX, _P, _R)):
        tag = element.tag
        if event == "end":
            if tag == _P:
                paragraphs.pop()
            elif tag != _R:
                tables.pop()
            continue
        if tag == _TBL:
            tables.append(hiding.level("table", _val(element, "tblPr", "tblStyle")))
        elif tag == _TXBX:
            tables.append(None)
        elif tag == _P:
            paragraphs.append(hiding.level("paragraph", _val(element, "pPr", "pStyle")))
        else:
            rpr = element.find(_RPR)
            character = hiding.level("character", _val(element, "rPr", "rStyle"))
            if hiding.hides(_vanish(rpr), tables[-1], paragraphs[-1], character):
                gone.append(element)
    for element in gone:
        if (parent := element.getparent()) is not None:
            parent.remove(element)


def _val(element: Any, properties: str, child: str) -> str | None:
    """The w:val of a style reference in an element's properties (`w:pPr/w:pStyle`), if any."""
    ref = element.find(f"{{{_W}}}{properties}/{{{_W}}}{child}")
    return ref.get(_VAL) if ref is not None else None


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
    def of(cls, document: Any, hiding: _Hiding) -> _Notes:
        notes = cls()
        for rel in document.part.rels.values():
            kind = {RT.FOOTNOTES: "footnotes", RT.ENDNOTES: "endnotes"}.get(rel.reltype)
            if kind is None or rel.is_external:
                continue
            root = parse_xml(rel.target_part.blob)
            _drop_hidden(root, hiding)
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
        hiding = _hiding_rules(document)
        _drop_hidden(document.element.body, hiding)
        blocks = list(_blocks(document.element.body))
        core_title = clean(document.core_properties.title or "")
        heading_level = _style_levels(document)
        notes = _Notes.of(document, hiding)
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
