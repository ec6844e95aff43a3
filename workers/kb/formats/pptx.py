"""PowerPoint decks (.pptx) through python-pptx: one section per slide under its title (slides without a
title are "Slide N"), text of every shape, tables and grouped shapes, and the speaker notes; links point at
`deck.pptx#slide=N`. Hidden slides and hidden shapes are left out."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

from pptx import Presentation
from pptx.exc import PackageNotFoundError
from pptx.oxml import parse_xml
from pptx.oxml.ns import qn
from pptx.shapes.graphfrm import GraphicFrame
from pptx.shapes.group import GroupShape

from workers.kb.formats.common import Sections, check_package, clean, xml_flag
from workers.kb.parsing import ParsedDocument, UnreadableDocument

_DIAGRAM = "http://schemas.openxmlformats.org/drawingml/2006/diagram"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _diagram_lines(shape: Any) -> Iterator[str]:
    """A SmartArt graphic's text (python-pptx reads none of it): the paragraphs of its data part's points, in the
    part's order — the boxes as the author typed them."""
    rel_ids = shape.element.find(f".//{{{_DIAGRAM}}}relIds")
    rid = rel_ids.get(f"{{{_R}}}dm") if rel_ids is not None else None
    if not rid:
        return
    try:
        data = parse_xml(shape.part.related_part(rid).blob)
    except (KeyError, ValueError, SyntaxError):  # no such part, or damaged XML (lxml's XMLSyntaxError)
        return
    for point in data.iter(f"{{{_DIAGRAM}}}pt"):
        for paragraph in point.iter(qn("a:p")):
            text = clean("".join(t.text or "" for t in paragraph.iter(qn("a:t"))))
            if text:
                yield text


def _shape_hidden(shape: Any) -> bool:
    """Whether the shape is hidden in the Selection Pane (`p:cNvPr hidden="1"`): the slideshow does not show it."""
    nv = shape.element[0] if len(shape.element) else None  # p:nvSpPr, p:nvGrpSpPr, p:nvPicPr…
    props = nv.find(qn("p:cNvPr")) if nv is not None else None
    return props is not None and xml_flag(props.get("hidden"), absent=False, unknown=True)


def _shape_lines(shape: Any) -> Iterator[str]:
    if _shape_hidden(shape):
        return
    if isinstance(shape, GroupShape):
        for inner in shape.shapes:
            yield from _shape_lines(inner)
        return
    if isinstance(shape, GraphicFrame) and shape.element.find(f".//{{{_DIAGRAM}}}relIds") is not None:
        yield from _diagram_lines(shape)
        return
    if getattr(shape, "has_table", False) and shape.has_table:
        for row in shape.table.rows:
            cells = [clean(c.text) for c in row.cells]
            if any(cells):
                yield " | ".join(c for c in cells if c)
        return
    if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        for paragraph in shape.text_frame.paragraphs:
            text = clean(paragraph.text)  # runs, fields and soft line breaks (as "\v", a space once cleaned)
            if text:
                yield text


def _hidden(slide: Any) -> bool:
    """Whether the slide is hidden (`<p:sld show="0">`, PowerPoint's Hide Slide: not shown in the slideshow); an
    unreadable value hides it too (the side that keeps a draft out)."""
    return not xml_flag(slide.element.get("show"), absent=True, unknown=False)


def parse_pptx(raw: bytes, name: str, fallback_title: str) -> ParsedDocument:
    check_package(raw, name)
    try:
        deck = Presentation(io.BytesIO(raw))
        # Numbered as in the deck (the link's #slide=N); a hidden slide is left out of the slideshow, and out of
        # the knowledge base: it is often a draft, an old version or a backup answer not meant for everyone.
        slides = [(n, slide) for n, slide in enumerate(deck.slides, start=1) if not _hidden(slide)]
        core_title = clean(deck.core_properties.title or "")
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        reason = (
            "not a PowerPoint deck (corrupt or not a .pptx zip)" if not zipfile.is_zipfile(io.BytesIO(raw)) else exc
        )
        raise UnreadableDocument(f"{name}: {reason}") from exc
    except Exception as exc:  # lxml's XMLSyntaxError and friends: a damaged part of the package
        raise UnreadableDocument(f"{name}: damaged PowerPoint deck ({type(exc).__name__}: {exc})") from exc
    titles = []
    for _, slide in slides:
        shape = slide.shapes.title  # a hidden title shape is no title: the slide is "Slide N"
        shown = shape is not None and shape.has_text_frame and not _shape_hidden(shape)
        titles.append(clean(shape.text_frame.text) if shown else "")
    b = Sections(core_title or next((t for t in titles if t), "") or fallback_title)
    for (n, slide), title in zip(slides, titles, strict=True):
        b.heading(1, title or f"Slide {n}", f"slide={n}")
        title_id = slide.shapes.title.shape_id if slide.shapes.title is not None else None
        for shape in slide.shapes:
            if shape.shape_id == title_id:
                continue
            for line in _shape_lines(shape):
                b.line(line)
        if slide.has_notes_slide:
            notes = slide.notes_slide.notes_text_frame
            text = clean(notes.text) if notes is not None else ""
            if text:
                b.line("")
                b.line(text)
    return b.done("pptx", name)
