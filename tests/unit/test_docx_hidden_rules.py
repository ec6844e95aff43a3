"""Word's rules for hidden text (`w:vanish`), beyond a run or style that simply sets it: the document-wide default
run properties (`w:docDefaults`), every spelling of an OOXML on/off value, and `vanish` being a toggle property
(ECMA-376 Part 1 §17.7.3, as Word applies it per [MS-OI29500]): direct formatting on the run decides outright; a
table or paragraph style sets the value; a character style that says "hidden" flips what the paragraph gives it;
a basedOn chain is plain inheritance (its first stated value). `w:specVanish` hides only a paragraph mark. Before,
document defaults were not read (text Word hides was stored), a paragraph style and a character style that both
hide left the text out (Word shows it), a value written " false " hid the run, and a style chain deeper than five
styles lost its hidden root."""

from __future__ import annotations

import io

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from tests.unit.test_hidden_text_office import _assert_reads
from workers.kb.formats.docx import parse_docx


def _vanish(val: str | None = None, tag: str = "vanish") -> object:
    attr = "" if val is None else f' w:val="{val}"'
    return parse_xml(f"<w:{tag} {nsdecls('w')}{attr}/>")


def _style(d: docx.document.Document, name: str, kind: WD_STYLE_TYPE, val: str | None = "", base: str = "") -> None:
    """A new style; `val` is its w:vanish value (None: the element without w:val, "": no w:vanish at all)."""
    style = d.styles.add_style(name, kind)
    if base:
        style.base_style = d.styles[base]
    if val != "":
        style.element.get_or_add_rPr().append(_vanish(val))


def _run(d: docx.document.Document, text: str, style: str | None = None, para: str | None = None) -> object:
    return d.add_paragraph(style=para).add_run(text, style=style)


def _direct(run: object, val: str | None) -> None:
    run._r.get_or_add_rPr().append(_vanish(val))  # type: ignore[attr-defined]


def _doc_defaults(d: docx.document.Document, val: str | None) -> None:
    rpr = d.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rpr.append(_vanish(val))


def _text(d: docx.document.Document) -> str:
    buf = io.BytesIO()
    d.save(buf)
    doc = parse_docx(buf.getvalue(), "policy.docx", "policy")
    return "\n".join(s.text for s in doc.sections)


def test_document_default_hidden_hides_what_nothing_shows_again():
    d = docx.Document()
    _doc_defaults(d, None)
    _style(d, "Shown block", WD_STYLE_TYPE.PARAGRAPH, "0")
    _style(d, "Hidden block", WD_STYLE_TYPE.PARAGRAPH, None)
    _style(d, "Not hidden", WD_STYLE_TYPE.CHARACTER, "0")
    _style(d, "Hidden chars", WD_STYLE_TYPE.CHARACTER, None)
    _run(d, "Default hidden note.")
    _run(d, "Shown by its paragraph style.", para="Shown block")
    _direct(_run(d, "Shown by direct formatting."), "false")
    _run(d, "Hidden again by its paragraph style.", para="Hidden block")
    _run(d, "A character style saying not hidden changes nothing.", style="Not hidden")
    _run(d, "A hidden character style leaves the hidden default hidden.", style="Hidden chars")
    _run(d, "A hidden character style flips a shown paragraph style.", para="Shown block", style="Hidden chars")
    _direct(_run(d, "Direct hidden in a shown paragraph style.", para="Shown block"), "1")
    _assert_reads(
        _text(d),
        ("Shown by its paragraph style.", "Shown by direct formatting."),
        ("Default hidden note", "Hidden again", "changes nothing", "Direct hidden", "hidden default", "flips a shown"),
    )


def test_document_default_not_hidden_hides_nothing():
    d = docx.Document()
    _doc_defaults(d, "off")
    _run(d, "Plain text stays.")
    assert "Plain text stays." in _text(d)


@pytest.mark.parametrize("val", [None, "true", "1", "on", "True", " 1 ", "ON"])
def test_on_values_hide_wherever_they_are_written(val):
    d = docx.Document()
    _style(d, "Para", WD_STYLE_TYPE.PARAGRAPH, val)
    _style(d, "Chars", WD_STYLE_TYPE.CHARACTER, val)
    _run(d, "Visible anchor text.")
    _direct(_run(d, "Hidden directly."), val)
    _run(d, "Hidden by paragraph style.", para="Para")
    _run(d, "Hidden by character style.", style="Chars")
    _assert_reads(_text(d), ("Visible anchor text.",), ("directly", "by paragraph style", "by character style"))


@pytest.mark.parametrize("val", ["false", "0", "off", "False", " false ", "OFF", "\t0\n"])
def test_off_values_show_wherever_they_are_written(val):
    d = docx.Document()
    _doc_defaults(d, None)
    _style(d, "Para", WD_STYLE_TYPE.PARAGRAPH, val)
    _style(d, "Hidden para", WD_STYLE_TYPE.PARAGRAPH, None)
    _direct(_run(d, "Shown directly.", para="Hidden para"), val)
    _run(d, "Shown by paragraph style.", para="Para")
    _assert_reads(_text(d), ("Shown directly.", "Shown by paragraph style."), ())
    d = docx.Document()
    _doc_defaults(d, val)
    _run(d, "Shown by document defaults.")
    assert "Shown by document defaults." in _text(d)


@pytest.mark.parametrize("val", ["1", "true", "on", " true "])
def test_default_style_flag_in_any_spelling_is_read(val):
    """`w:default` is an on/off too: a default paragraph style marked " true " (valid: xsd:boolean collapses
    whitespace) made the whole document unreadable, and its hidden text must still be left out."""
    d = docx.Document()
    _style(d, "Body", WD_STYLE_TYPE.PARAGRAPH, "0")
    d.add_paragraph("Unstyled paragraph in a hidden Normal.")
    d.add_paragraph("Shown body text.", style="Body")
    normal = d.styles["Normal"].element
    normal.set(qn("w:default"), val)  # after python-docx's own use of it
    normal.get_or_add_rPr().append(_vanish())
    _assert_reads(_text(d), ("Shown body text.",), ("Unstyled paragraph",))


def test_vanish_toggles_between_paragraph_and_character_styles():
    d = docx.Document()
    _style(d, "Hidden para", WD_STYLE_TYPE.PARAGRAPH, None)
    _style(d, "Hidden chars", WD_STYLE_TYPE.CHARACTER, None)
    _style(d, "Not hidden chars", WD_STYLE_TYPE.CHARACTER, "0")
    _run(d, "Paragraph style only.", para="Hidden para")
    _run(d, "Character style only.", style="Hidden chars")
    _run(d, "Both styles cancel.", style="Hidden chars", para="Hidden para")
    _direct(_run(d, "Both and direct off.", style="Hidden chars", para="Hidden para"), "0")
    _direct(_run(d, "Both and direct on.", style="Hidden chars", para="Hidden para"), None)
    _direct(_run(d, "Direct on alone.", style="Not hidden chars"), "1")
    _run(d, "A character style off does not unhide.", style="Not hidden chars", para="Hidden para")
    _run(d, "Visible anchor text.")
    _assert_reads(
        _text(d),
        ("Both styles cancel.", "Both and direct off.", "Visible anchor text."),
        ("Paragraph style only", "Character style only", "direct on", "Direct on alone", "does not unhide"),
    )


def test_based_on_chains_inherit_and_are_one_level():
    d = docx.Document()
    _style(d, "Hidden root", WD_STYLE_TYPE.PARAGRAPH, None)
    _style(d, "Inherits hidden", WD_STYLE_TYPE.PARAGRAPH, base="Hidden root")
    _style(d, "Says hidden again", WD_STYLE_TYPE.PARAGRAPH, None, base="Hidden root")
    _style(d, "Says shown", WD_STYLE_TYPE.PARAGRAPH, "0", base="Hidden root")
    _style(d, "Hidden chars root", WD_STYLE_TYPE.CHARACTER, None)
    _style(d, "Inherits hidden chars", WD_STYLE_TYPE.CHARACTER, base="Hidden chars root")
    previous = "Hidden root"
    for n in range(8):  # a deep chain: the hidden root is eight styles up
        _style(d, f"Deep {n}", WD_STYLE_TYPE.PARAGRAPH, base=previous)
        previous = f"Deep {n}"
    _run(d, "Inherited hidden text.", para="Inherits hidden")
    _run(d, "Hidden twice in one chain.", para="Says hidden again")
    _run(d, "Shown by the derived style.", para="Says shown")
    _run(d, "Inherited hidden characters.", style="Inherits hidden chars")
    _run(d, "Chain against character style.", style="Inherits hidden chars", para="Says hidden again")
    _run(d, "Deep chain hidden text.", para=previous)
    _assert_reads(
        _text(d),
        ("Shown by the derived style.", "Chain against character style."),
        ("Inherited hidden text", "Hidden twice", "Inherited hidden characters", "Deep chain"),
    )


def test_based_on_cycle_is_not_hidden_and_does_not_hang():
    d = docx.Document()
    _style(d, "Loop a", WD_STYLE_TYPE.PARAGRAPH)
    _style(d, "Loop b", WD_STYLE_TYPE.PARAGRAPH, base="Loop a")
    d.styles["Loop a"].element.basedOn_val = d.styles["Loop b"].style_id
    _run(d, "Text in a looping style.", para="Loop b")
    assert "Text in a looping style." in _text(d)


def test_table_style_is_a_level_that_a_paragraph_style_resets():
    d = docx.Document()
    _style(d, "Secret grid", WD_STYLE_TYPE.TABLE, None)
    _style(d, "Shown block", WD_STYLE_TYPE.PARAGRAPH, "0")
    _style(d, "Hidden chars", WD_STYLE_TYPE.CHARACTER, None)
    d.add_paragraph("Before the table.")
    table = d.add_table(rows=1, cols=3, style="Secret grid")
    table.cell(0, 0).text = "Cell in a hidden table style"
    table.cell(0, 1).paragraphs[0].add_run("Cell shown by paragraph style")
    table.cell(0, 1).paragraphs[0].style = d.styles["Shown block"]
    table.cell(0, 2).paragraphs[0].add_run("Cell flipped by character style", style="Hidden chars")
    plain = d.add_table(rows=1, cols=1)
    plain.cell(0, 0).text = "Cell in a plain table"
    _assert_reads(
        _text(d),
        ("Before the table.", "Cell shown by paragraph style", "Cell flipped by character style", "plain table"),
        ("hidden table style",),
    )


def test_spec_vanish_hides_no_visible_run():
    """A style separator: the paragraph mark is hidden (`w:pPr/w:rPr` with vanish and specVanish) so the next
    paragraph runs on; the text on both sides is shown. `w:specVanish` on a run or in a style is not `w:vanish`."""
    d = docx.Document()
    _style(d, "Spec only", WD_STYLE_TYPE.CHARACTER)
    d.styles["Spec only"].element.get_or_add_rPr().append(_vanish(tag="specVanish"))
    d.add_heading("Refunds", level=1)
    lead = d.add_paragraph(style="Heading 2")
    lead.add_run("Run-in heading.")
    lead._p.get_or_add_pPr().append(parse_xml(f"<w:rPr {nsdecls('w')}><w:vanish/><w:specVanish/></w:rPr>"))
    d.add_paragraph("Text after the style separator.")
    run = d.add_paragraph().add_run("Run with specVanish only.")
    run._r.get_or_add_rPr().append(_vanish(tag="specVanish"))
    d.add_paragraph().add_run("Character style with specVanish.", style="Spec only")
    _assert_reads(
        _text(d),
        ("Text after the style separator.", "Run with specVanish only.", "Character style with specVanish."),
        (),
    )
    buf = io.BytesIO()
    d.save(buf)
    paths = [s.heading_path for s in parse_docx(buf.getvalue(), "policy.docx", "policy").sections]
    assert ["Refunds", "Run-in heading."] in paths
