"""PowerPoint's hidden slides (`p:sld show`) and shapes (`p:cNvPr hidden`) in every spelling of an XML boolean:
`1`/`true`, `0`/`false`, any case, with the surrounding whitespace xsd:boolean collapses. Before, `show=" 0"` or
`hidden="True "` was read as shown, and the draft slide or hidden note was stored and could be quoted. A value
that is no boolean at all (an empty one too) is read on the side that keeps a draft out."""

from __future__ import annotations

import io

import pptx
import pytest

from tests.unit.test_hidden_text_office import _assert_reads, _deck
from workers.kb.formats.pptx import parse_pptx


def _text(raw: bytes) -> str:
    return "\n".join(s.text for s in parse_pptx(raw, "deck.pptx", "deck").sections)


def _with_slide_show(value: str) -> bytes:
    deck = pptx.Presentation(
        io.BytesIO(_deck([("Draft", "Enterprise costs 99 EUR", False), ("Pricing", "Basic 10 EUR", False)]))
    )
    deck.slides[0]._element.set("show", value)
    buf = io.BytesIO()
    deck.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("value", ["0", " 0", "0 ", "false", "False", "FALSE", " false\t", "off", "maybe"])
def test_a_slide_hidden_in_any_spelling_is_left_out(value):
    _assert_reads(_text(_with_slide_show(value)), ("Basic 10 EUR",), ("99 EUR",))


@pytest.mark.parametrize("value", ["1", " 1 ", "true", "True", " TRUE", "on"])
def test_a_slide_shown_in_any_spelling_is_kept(value):
    _assert_reads(_text(_with_slide_show(value)), ("Basic 10 EUR", "99 EUR"), ())


def _with_shape_hidden(value: str) -> bytes:
    deck = pptx.Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Pricing"
    slide.placeholders[1].text = "Basic costs 10 EUR a month"
    note = slide.shapes.add_textbox(0, 0, 100, 100)
    note.text_frame.text = "Draft: Enterprise at 99 EUR"
    note.element[0][0].set("hidden", value)  # p:nvSpPr/p:cNvPr
    buf = io.BytesIO()
    deck.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("value", ["1", " 1", "true", "True", "TRUE ", "on", "yes please", ""])
def test_a_shape_hidden_in_any_spelling_is_left_out(value):
    _assert_reads(_text(_with_shape_hidden(value)), ("Basic costs 10 EUR",), ("99 EUR",))


@pytest.mark.parametrize("value", ["0", " 0 ", "false", "False", "off"])
def test_a_shape_not_hidden_is_kept(value):
    _assert_reads(_text(_with_shape_hidden(value)), ("Basic costs 10 EUR", "99 EUR"), ())
