"""Parse Markdown, reStructuredText, HTML and plain text into titled sections with anchors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

from workers.kb.comments import (
    FENCE,
    RST_ADORN,
    RST_LITERAL_START,
    TAG,
    closes_fence,
    comment_close,
    indent_of,
    rst_comment_end,
    uncomment_markdown,
    uncomment_mdx,
)

FORMATS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdx": "markdown",
    ".rst": "rst",
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    ".pptx": "pptx",
}
# Formats read from bytes by a library (workers/kb/formats/), not decoded as text first.
BINARY_FORMATS = {"pdf", "docx", "pptx"}


class UnreadableDocument(ValueError):
    """The file cannot be used as a document (binary, undecodable, empty)."""


@dataclass
class Section:
    heading_path: list[str]
    anchor: str
    text: str

    @property
    def title(self) -> str:
        return self.heading_path[-1] if self.heading_path else ""


@dataclass
class ParsedDocument:
    title: str
    format: str
    sections: list[Section] = field(default_factory=list)


def format_of(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


def decode(raw: bytes, name: str) -> str:
    if not raw.strip():
        raise UnreadableDocument(f"{name}: empty file")
    utf16 = raw[:2] in (b"\xff\xfe", b"\xfe\xff")  # a BOM: every other byte of ASCII text is NUL
    if not utf16 and b"\x00" in raw[:8192]:
        raise UnreadableDocument(f"{name}: binary content (NUL bytes)")
    for encoding in ("utf-8-sig", "utf-16") if utf16 else ("utf-8-sig",):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = _legacy_decoded(raw, name)
    if "\x00" in text:  # anywhere, not only in the first 8 KiB: Postgres text cannot hold NUL
        raise UnreadableDocument(f"{name}: binary content (NUL bytes)")
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.01 * min(len(text), 8192):
        raise UnreadableDocument(f"{name}: looks binary (control characters)")
    if not text.strip():
        raise UnreadableDocument(f"{name}: empty file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


_SAMPLE_BYTES = 65_536  # of the lines holding non-ASCII bytes: what the detector is shown
_CHAOS_MARGIN = 0.1  # Windows-1252 is taken when the detector finds it this close to its best guess


def _legacy_decoded(raw: bytes, name: str) -> str:
    """Text that is not UTF-8: in the encoding charset-normalizer finds for it, shown the lines that hold non-ASCII
    bytes (the ASCII lines are the same in every candidate; a long file's one accented line late is not missed).
    Windows-1252 (old Windows documents: Latin-1 and its quotes, dashes, euro sign) wins whenever the detector
    ranks it about as well as its best guess: on a few accented words it cannot tell cp1252 from cp775 or
    cp1006, and picking those would store mojibake. Each candidate must decode the whole file."""
    from charset_normalizer import from_bytes
    from charset_normalizer.utils import is_multi_byte_encoding

    lines = [line for line in raw.splitlines(keepends=True) if not line.isascii()]
    sample, size = [], 0
    for line in lines:
        sample.append(line[: _SAMPLE_BYTES - size])
        size += len(sample[-1])
        if size >= _SAMPLE_BYTES:
            break
    matches = list(from_bytes(b"".join(sample)))
    try:
        western: str | None = raw.decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D are not characters of cp1252
        western = None
    if western is not None and any(  # no match at all: noise in every encoding, not text
        m.chaos <= matches[0].chaos + _CHAOS_MARGIN and str(m) == b"".join(sample).decode("cp1252") for m in matches
    ):
        return western
    for match in matches:
        # A single-byte code page decodes any bytes: only one whose text reads as some language is taken (a
        # multi-byte one such as Shift-JIS has its own structure to fit, which charset-normalizer checks).
        if not match.coherence and not is_multi_byte_encoding(match.encoding):
            continue
        try:
            return raw.decode(match.encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    raise UnreadableDocument(f"{name}: not UTF-8 text, nor text in another encoding that fits (save it as UTF-8)")


# What a Git checkout holds for a file kept in Git LFS when `git lfs` did not fetch it (git sources never do).
_LFS_POINTER = b"version https://git-lfs.github.com/spec/"
_LFS_POINTER_MAX = 1024


def parse_bytes(raw: bytes, fmt: str, name: str, fallback_title: str) -> ParsedDocument:
    """A file's bytes as sections: binary formats through their module, text formats decoded then parsed."""
    if len(raw) <= _LFS_POINTER_MAX and raw.startswith(_LFS_POINTER):  # else a document of "version https://…"
        raise UnreadableDocument(
            f"{name}: a Git LFS pointer, not the file: run `git lfs pull` in the repository and ingest the folder "
            "(Git sources do not fetch LFS files: add the folder as a --path source)"
        )
    if fmt not in BINARY_FORMATS:
        if fmt == "markdown" and name.lower().endswith(".mdx"):  # stored as Markdown, read as MDX renders it
            fmt = "mdx"
        return parse(decode(raw, name), fmt, fallback_title)
    if not raw.strip():
        raise UnreadableDocument(f"{name}: empty file")
    from workers.kb.formats import docx, pdf, pptx

    parser = {"pdf": pdf.parse_pdf, "docx": docx.parse_docx, "pptx": pptx.parse_pptx}[fmt]
    doc = parser(raw, name, fallback_title)
    doc.sections = [s for s in doc.sections if s.text.strip()]
    if not doc.sections:
        raise UnreadableDocument(f"{name}: no text content")
    return doc


def parse(text: str, fmt: str, fallback_title: str) -> ParsedDocument:
    parser = {
        "markdown": parse_markdown,
        "mdx": parse_mdx,
        "rst": parse_rst,
        "html": parse_html,
        "text": parse_text,
    }[fmt]
    doc = parser(text, fallback_title)
    doc.sections = [s for s in doc.sections if s.text.strip()]
    if not doc.sections:
        raise UnreadableDocument(f"{fallback_title}: no text content")
    return doc


class _Slugger:
    """GitHub/Sphinx-style anchors, de-duplicated within a document."""

    def __init__(self, docutils_style: bool = False) -> None:
        self.seen: dict[str, int] = {}
        self.docutils_style = docutils_style

    def __call__(self, title: str) -> str:
        if self.docutils_style:
            slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "section"
        else:
            slug = re.sub(r"[^\w\s-]", "", title.lower()).strip()
            slug = re.sub(r"\s+", "-", slug) or "section"  # underscores kept, as GitHub and MkDocs do
        n = self.seen.get(slug, 0)
        self.seen[slug] = n + 1
        return slug if n == 0 else f"{slug}-{n}"


def bare_heading(stack: list[tuple[int, str]], lines: list[str], next_level: int) -> str | None:
    """The current heading when it has no text under it and no sub-heading (the next heading, at `next_level`,
    is not deeper; 0 at the end): a guessed heading (a plain-text line in capitals, a large line in a PDF) is
    often a sentence of the document, lost unless kept as its section's text, as only sections with text are."""
    if stack and next_level <= stack[-1][0] and not "".join(lines).strip():
        return stack[-1][1]
    return None


class _SectionBuilder:
    def __init__(self, title: str, docutils_style: bool = False, keep_bare_headings: bool = False) -> None:
        self.stack: list[tuple[int, str]] = []
        self.sections: list[Section] = []
        self.lines: list[str] = []
        self.anchor = ""
        self.doc_title = title
        self.slug = _Slugger(docutils_style)
        self.keep_bare_headings = keep_bare_headings

    def _keep_bare(self, level: int) -> None:
        bare = bare_heading(self.stack, self.lines, level) if self.keep_bare_headings else None
        if bare:
            self.lines.append(bare)

    def heading(self, level: int, title: str, anchor: str | None = None) -> None:
        self._keep_bare(level)
        self.flush()
        title = " ".join(title.split())
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, title))
        self.anchor = anchor or self.slug(title)

    def line(self, text: str) -> None:
        self.lines.append(text)

    def flush(self) -> None:
        text = "\n".join(self.lines).strip()
        self.lines = []
        if text:
            path = [t for _, t in self.stack] or [self.doc_title]
            self.sections.append(Section(path, self.anchor, text))

    def done(self, fmt: str) -> ParsedDocument:
        self._keep_bare(0)
        self.flush()
        return ParsedDocument(self.doc_title, fmt, self.sections)


_ATX = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
# Any indentation: MkDocs admonitions and list items hold fenced blocks indented by four or more spaces.
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")


# Inline spans are bounded (_SPAN characters; a link's target 4 × _SPAN): an unbounded match tried from every
# opener of a long line with no closer ("**a **a …", "[a](…") is quadratic — one hostile 5 MB line would hold an
# ingest worker for hours. A longer span keeps its markup characters, which is harmless.
_SPAN = 500
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_IMAGE = re.compile(rf"!\[([^\]]{{0,{_SPAN}}})\]\([^)]{{0,{4 * _SPAN}}}\)")
_LINK = re.compile(rf"\[([^\]]{{1,{_SPAN}}})\]\([^)]{{0,{4 * _SPAN}}}\)")
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")
_EMPHASIS = (
    re.compile(rf"\*\*(?=\S)(.{{1,{_SPAN}}}?)(?<=\S)\*\*"),
    re.compile(rf"(?<![\w\\])__(?=\S)(.{{1,{_SPAN}}}?)(?<=\S)__(?!\w)"),
    # single * / _: only around whole words — "*.py", "2 * 3" and snake_case_names stay as they are
    re.compile(r"(?<![\w*\\])\*([^\s*](?:[^*]*?[^\s*])?)\*(?![\w*])"),
    re.compile(r"(?<![\w\\])_([^\s_](?:[^_]*?[^\s_])?)_(?!\w)"),
)


def _md_inline(text: str) -> str:
    """Markdown inline markup removed: images and links keep their text, emphasis its words, and code spans
    their content *literally* (``__main__.py`` in backticks is not bold markup)."""
    spans: list[str] = []

    def hide(m: re.Match) -> str:
        code = m.group(2)
        if code.startswith(" ") and code.endswith(" ") and code.strip():
            code = code[1:-1]  # CommonMark: one space on each side is padding
        spans.append(code)
        return f"\ue000{len(spans) - 1}\ue001"

    text = _CODE_SPAN.sub(hide, text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    for pattern in _EMPHASIS:
        text = pattern.sub(r"\1", text)
    return _PLACEHOLDER.sub(lambda m: spans[int(m.group(1))], text)


def _md_scan(lines: list[str]) -> tuple[dict[int, tuple[int, str, bool]], set[int]]:
    """Headings outside fenced code blocks ({line: (level, title, setext)}) and the lines of those blocks,
    fences included (kept verbatim: a `# comment` in a console transcript is neither a heading nor a title)."""
    headings: dict[int, tuple[int, str, bool]] = {}
    fenced: set[int] = set()
    fence: str | None = None
    for i, ln in enumerate(lines):
        fm = FENCE.match(ln)
        if fence:
            fenced.add(i)
            if closes_fence(ln, fence):
                fence = None
            continue
        if fm:
            fence = fm.group(1)
            fenced.add(i)
            continue
        m = _ATX.match(ln)
        if m:
            headings[i] = (len(m.group(1)), _md_inline(m.group(2)), False)
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if ln.strip() and not ln.startswith((" ", "\t", "-", "*", ">", "|")) and _SETEXT.match(nxt):
            headings[i] = (1 if nxt.strip().startswith("=") else 2, _md_inline(ln.strip()), True)
    return headings, fenced


# A line of YAML front matter: a key, a list item, a continuation (indented), a comment, or blank. A paragraph of
# prose is none of these ("Refunds take five days."), so a leading `---` before prose is a thematic break.
_YAML_LINE = re.compile(r"^(?:[\w.-]+\s*:|[ \t]|-(?:\s|$)|#|\s*$)")


def parse_markdown(text: str, fallback_title: str) -> ParsedDocument:
    return _parse_markdown(text, fallback_title, mdx=False)


def parse_mdx(text: str, fallback_title: str) -> ParsedDocument:
    """MDX (`.mdx`): Markdown whose `{/* … */}` comments are hidden too; the document's format stays "markdown"."""
    return _parse_markdown(text, fallback_title, mdx=True)


def _parse_markdown(text: str, fallback_title: str, *, mdx: bool) -> ParsedDocument:
    lines = text.split("\n")
    title = None
    if lines and lines[0].strip() == "---":  # YAML front matter
        for i in range(1, min(len(lines), 60)):
            if lines[i].strip() == "---":
                lines = lines[i + 1 :]
                break
            if not _YAML_LINE.match(lines[i]):  # a document opening with a thematic break: nothing to drop
                title = None
                break
            m = re.match(r"^title:\s*[\"']?(.*?)[\"']?\s*$", lines[i])
            if m:
                title = m.group(1)
    lines = uncomment_markdown(lines)
    if mdx:
        lines = uncomment_mdx(lines)
    headings, fenced = _md_scan(lines)
    if title is None:  # the first level-1 ATX heading outside code blocks
        title = next((t for level, t, setext in headings.values() if level == 1 and not setext), None)
    b = _SectionBuilder(title or fallback_title)
    skip = False
    for i, ln in enumerate(lines):
        if skip:  # the underline of a setext heading
            skip = False
            continue
        if i in headings:
            level, heading, setext = headings[i]
            b.heading(level, heading)
            skip = setext
            continue
        b.line(ln if i in fenced else _md_inline(ln))
    return b.done("markdown")


_NOT_TICK = r"(?:[^`\n]|\n(?!\s*\n))"  # inline markup may wrap onto the next line, never across paragraphs
# A role's or link's text and target are bounded, and a target holds no `<` or backtick: unbounded, `\s*<[^>]*>`
# was retried from every character after an opener with no closer (":a:`<<<…", "`a      …"), quadratic — a 1 MB
# file held a worker most of an hour. A longer span keeps its markup, as in Markdown (_SPAN).
_RST_TARGET = rf"\s{{0,20}}<[^<>`]{{0,{4 * _SPAN}}}>"
_RST_ROLE = re.compile(rf":[\w:-]+:`({_NOT_TICK}{{0,{_SPAN}}}?)(?:{_RST_TARGET})?`")
_RST_LINK = re.compile(rf"`({_NOT_TICK}{{1,{_SPAN}}}?){_RST_TARGET}`__?")
_RST_LITERAL = re.compile(rf"``({_NOT_TICK}+?)``")
_RST_INTERPRETED = re.compile(rf"`({_NOT_TICK}+?)`_?")


def _rst_inline(text: str) -> str:
    text = _RST_ROLE.sub(r"\1", text)
    text = _RST_LINK.sub(r"\1", text)
    text = _RST_LITERAL.sub(r"\1", text)
    text = _RST_INTERPRETED.sub(r"\1", text)
    return re.sub(r"(?<!\w)\*\*?([^*\n]+)\*\*?(?!\w)", r"\1", text)


def parse_rst(text: str, fallback_title: str) -> ParsedDocument:
    lines = text.split("\n")
    styles: list[tuple[str, bool]] = []
    headings: dict[int, tuple[int, str, int]] = {}  # start line -> (level, title, lines consumed)
    i = 0
    while i < len(lines) - 1:
        ln, nxt = lines[i], lines[i + 1]
        over = RST_ADORN.match(ln)
        if (
            over
            and i + 2 < len(lines)
            and lines[i + 1].strip()
            and RST_ADORN.match(lines[i + 2])
            and lines[i + 2].strip()[0] == ln.strip()[0]
        ):
            style = (ln.strip()[0], True)
            title, consumed = lines[i + 1].strip(), 3
        elif (
            ln.strip()
            and not ln.startswith((" ", "\t", ".."))
            and RST_ADORN.match(nxt)
            and len(nxt.strip()) >= len(ln.strip()) - 1
        ):
            style = (nxt.strip()[0], False)
            title, consumed = ln.strip(), 2
        else:
            i += 1
            continue
        if style not in styles:
            styles.append(style)
        headings[i] = (styles.index(style) + 1, _rst_inline(title), consumed)
        i += consumed
    first = min(headings.items(), default=None)
    b = _SectionBuilder(first[1][1] if first else fallback_title, docutils_style=True)
    i = 0
    literal: int | None = None  # in a literal block: the indent its lines are deeper than
    while i < len(lines):
        if i in headings:
            level, title, consumed = headings[i]
            b.heading(level, title)
            i += consumed
            literal = None
            continue
        ln = lines[i]
        if literal is not None and (not ln.strip() or indent_of(ln) > literal):
            b.line(ln)
            i += 1
            continue
        literal = indent_of(ln) if RST_LITERAL_START.match(ln) else None
        if re.match(r"^\.\. _[^:]+:\s*$", ln) or re.match(r"^\.\. (index|toctree|contents)::", ln):
            i += 1
            continue
        if end := rst_comment_end(lines, i):
            i = end
            continue
        b.line(ln)
        i += 1
    doc = b.done("rst")
    for section in doc.sections:
        section.text = _rst_inline(section.text)
    return doc


class _HtmlToSections(HTMLParser):
    _SKIP: ClassVar[set[str]] = {"script", "style", "nav", "noscript", "template", "svg"}
    # A page's banner and footer are chrome; an article's or a section's own header and footer are its content
    # (its title, byline, "questions go to…"), as in HTML's own rule for the banner landmark.
    _CHROME: ClassVar[set[str]] = {"header", "footer"}
    _SECTIONING: ClassVar[set[str]] = {"article", "aside", "main", "section"}
    _BLOCK: ClassVar[set[str]] = {
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "pre",
        "br",
        "tr",
        "table",
        "section",
        "article",
        "aside",
        "blockquote",
        "dt",
        "dd",
        "dl",
        "hr",
        "main",
        "header",
        "footer",
        "details",
        "summary",
        "figure",
        "figcaption",
        "caption",
        "address",
        "fieldset",
        "legend",
        "form",
        "option",
    }

    def __init__(self, fallback_title: str) -> None:
        super().__init__(convert_charrefs=True)
        self.fallback = fallback_title
        self.page_title = ""
        self.events: list[tuple[str, Any]] = []
        self.skip = 0
        self.in_title = False
        self.heading: tuple[int, str | None] | None = None
        self.heading_text: list[str] = []
        self.pending_id: str | None = None
        self.sectioning = 0  # open article/aside/main/section elements
        self.chrome: list[bool] = []  # for each open header/footer: skipped as the page's chrome
        self.row_cells: list[int] = []  # for each open table: cells seen in its current row

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        """`<![CDATA[`, `<![if …]>` and the like; the standard library raises AssertionError on any other
        keyword (`<![foo[`), which would lose the whole page: such a section is skipped instead."""
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            end = self.rawdata.find("]]>", i + 3)
            return -1 if end < 0 else end + 3

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self._SECTIONING:
            self.sectioning += 1
        if tag in self._CHROME:
            self.chrome.append(self.sectioning == 0)
        if tag in self._SKIP or (tag in self._CHROME and self.chrome[-1]):
            self.skip += 1
        elif tag == "title" and not self.skip and not self.page_title:  # not an <svg>'s <title>, only the first
            self.in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            if not self.skip:  # a heading in the page's banner is not one of its sections
                self.heading = (int(tag[1]), attrs.get("id") or self.pending_id)
                self.heading_text = []
        elif tag in self._BLOCK and self.heading is not None:
            self.heading_text.append(" ")  # "Refunds<br>and returns" is not "Refundsand returns"
        elif tag in self._BLOCK:
            self.events.append(("text", "\n"))
        self._table_tag(tag)
        if tag == "img" and attrs.get("alt") and not self.skip and self.heading is None:
            self.events.append(("text", f" {attrs['alt']} "))  # as Markdown keeps ![alt](…)
        if tag in ("section", "a", "div") and attrs.get("id"):
            self.pending_id = attrs.get("id")

    def _table_tag(self, tag: str) -> None:
        """Cells of a row apart, " | " between them as for Word and PowerPoint tables ("<td>Basic</td><td>10 EUR"
        was one word "Basic10"); end tags of rows and cells may be left out, as HTML allows."""
        if tag == "table":
            self.row_cells.append(0)
        elif tag == "tr" and self.row_cells:
            self.row_cells[-1] = 0
        elif tag in ("td", "th") and not self.skip:
            if self.row_cells and self.row_cells[-1]:
                self.events.append(("text", " | "))
            elif not self.row_cells:
                self.events.append(("text", " "))
            if self.row_cells:
                self.row_cells[-1] += 1

    def handle_endtag(self, tag):
        if tag in self._SECTIONING:
            self.sectioning = max(0, self.sectioning - 1)
        if tag == "table" and self.row_cells:
            self.row_cells.pop()
        chrome = tag in self._CHROME and bool(self.chrome) and self.chrome.pop()
        if tag in self._SKIP or chrome:
            self.skip = max(0, self.skip - 1)
        elif tag == "title":
            self.in_title = False
        elif re.fullmatch(r"h[1-6]", tag) and self.heading:
            self.events.append(("heading", (self.heading[0], "".join(self.heading_text), self.heading[1])))
            self.heading = None
            self.pending_id = None
        elif tag in self._BLOCK:
            self.events.append(("text", "\n"))

    def handle_data(self, data):
        if self.in_title:
            self.page_title += data
        elif self.skip:
            return
        elif self.heading is not None:
            self.heading_text.append(data)
        else:
            self.events.append(("text", data))


# Where the comment scan stops: a comment opener; an element whose content is text, where `<!--` opens no comment;
# or markup whose end is not its first `>` or that holds a `<` (a quoted attribute value, `<img alt="<!--">`; a
# tag, processing instruction or declaration holding `<!--`) — inside it `<!--` opens no comment either. Markup
# that ends at its first `>` and holds no `<` nor quote (most tags) is passed over within the search.
_MARKUP = re.compile(
    r"<(?:(!--)|(script|style|textarea|title|xmp)(?=[\t\n\f\r />])|(?=[A-Za-z/?!])(?![A-Za-z/?!][^<>\"']*>))",
    re.IGNORECASE,
)


def _markup_end(text: str, start: int) -> int:
    """The index after the markup starting at `start` (a `<`), or -1 when the page ends inside it: a tag ends at
    `>` outside its quoted values, a processing instruction, a declaration or CDATA (a bogus comment, in a
    browser's HTML) at its first `>`."""
    tag = TAG.match(text, start)
    if tag is not None:
        return tag.end() if tag.group(1) else -1
    end = text.find(">", start + 2)
    return end + 1 if end >= 0 else -1


def defuse_unclosed(text: str) -> str:
    """`<` with no `>` after it and `<![` with no `]]>` after it as text, and comments left out where a browser
    ends them (comments.comment_close: at `-->` or `--!>`, at once for `<!-->`, at the end of the page for a `<!--`
    never closed). Where a browser reads `<!--` as no comment it is escaped: in a script, a style sheet, a text
    area or the title (text there), and inside markup — an attribute value (`<img alt="<!--">`, which hid the page
    up to the next `-->`), a processing instruction, a CDATA section. The standard library's HTMLParser (Python
    < 3.13.4) rescans to the end of the input from each unclosed opener — quadratic, so a truncated or hostile
    page of a few MB held an ingest worker for hours — and ends comments where a browser does not (`<!-->` ran on
    to the next `-->`, hiding text a reader sees; `--!>` ended nothing; `-- >` ended the comment, showing what a
    reader does not see): the text it gets holds no `<!--`. Linear: each character is read by one scan."""
    parts, pos = [], 0
    while m := _MARKUP.search(text, pos):
        if m.group(1):  # a comment: nothing of it is shown
            parts.append(text[pos : m.start()])
            end = comment_close(text, m.start())
            pos = end if end >= 0 else len(text)
            continue
        end = _markup_end(text, m.start())
        if end < 0:  # the page ends inside this markup: nothing of it is shown
            parts.append(text[pos : m.start()])
            pos = len(text)
            break
        parts.append(text[pos:end].replace("<!--", "&lt;!--"))  # `&lt;` in a value is `<` to the parser
        pos = end
        if raw := m.group(2):
            close = re.compile(rf"</{raw}", re.IGNORECASE).search(text, end)
            stop = close.start() if close else len(text)
            parts.append(text[pos:stop].replace("<!--", "&lt;!--"))
            pos = stop
    parts.append(text[pos:].replace("<!--", "&lt;!--"))
    text = "".join(parts)
    last = text.rfind(">")
    if "<" in text[last + 1 :]:
        text = text[: last + 1] + text[last + 1 :].replace("<", "&lt;")
    end = text.rfind("]]>")
    start = text.find("<![", end + 3 if end >= 0 else 0)
    if start >= 0:
        text = text[:start] + text[start:].replace("<![", "&lt;![")
    return text


def parse_html(text: str, fallback_title: str) -> ParsedDocument:
    p = _HtmlToSections(fallback_title)
    p.feed(defuse_unclosed(text))
    p.close()
    h1 = next((e[1][1] for e in p.events if e[0] == "heading" and e[1][0] == 1), None)
    b = _SectionBuilder(" ".join((p.page_title or h1 or fallback_title).split()))
    buf: list[str] = []

    def flush_text() -> None:
        for ln in "".join(buf).split("\n"):
            b.line(" ".join(ln.split()))
        buf.clear()

    for kind, value in p.events:
        if kind == "heading":
            flush_text()
            level, title, anchor = value
            b.heading(level, title, anchor)
        else:
            buf.append(value)
    flush_text()
    doc = b.done("html")
    for s in doc.sections:  # collapse the blank lines that block tags leave behind
        s.text = re.sub(r"\n{3,}", "\n\n", s.text)
    return doc


def _is_text_heading(line: str, prev: str, nxt: str) -> bool:
    s = line.strip()
    if not s or len(s) > 70 or prev.strip() or s[-1] in ".,;:!?)":
        return False
    if re.fullmatch(r"[=\-~]{3,}", nxt.strip()):
        return True
    letters = [c for c in s if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters) and not nxt.strip().startswith(("-", "*"))


def parse_text(text: str, fallback_title: str) -> ParsedDocument:
    lines = text.split("\n")
    first = next((ln.strip() for ln in lines if ln.strip()), "")
    title = first if 0 < len(first) <= 80 and first[-1] not in ".,;:" else fallback_title
    b = _SectionBuilder(title, keep_bare_headings=True)
    skip_next = False
    for i, ln in enumerate(lines):
        if skip_next:
            skip_next = False
            continue
        prev = lines[i - 1] if i else ""
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if _is_text_heading(ln, prev, nxt):
            b.heading(1 if ln.strip() == title else 2, ln.strip().title() if ln.isupper() else ln.strip())
            skip_next = bool(re.fullmatch(r"[=\-~]{3,}", nxt.strip()))
            continue
        b.line(ln)
    return b.done("text")
