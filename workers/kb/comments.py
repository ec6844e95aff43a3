"""Comments a rendered page hides, found in a document's lines so that they are never stored nor cited: HTML
comments in Markdown (`<!-- … -->`, as CommonMark reads them) and reStructuredText comments (`..`, as docutils
does). Code keeps its comment markers: fenced and indented code blocks, code spans, literal blocks and code
directives. Every scan here is linear in the document's length: ingest reads untrusted files of several MB."""

from __future__ import annotations

import re

# A fenced code block's opening or closing line (Markdown).
FENCE = re.compile(r"^[ \t]*(```+|~~~+)")


def closes_fence(ln: str, fence: str) -> bool:
    """Whether the line closes the fenced code block `fence` opened: the same character, at least as long,
    nothing after it but spaces."""
    fm = FENCE.match(ln)
    return bool(fm and fm.group(1)[0] == fence[0] and len(fm.group(1)) >= len(fence) and not ln[fm.end() :].strip())


# A reStructuredText section title's underline or overline.
RST_ADORN = re.compile(r"^([=\-~^\"'`#*+:.<>_!$%&,/;?@\\|])\1{2,}\s*$")


# Where a block starts that ends the paragraph before it (a comment opened in that paragraph cannot close past
# it): a heading, a fence, a list item, a table row.
_BLOCK_START = re.compile(r"^ {0,3}(?:#{1,6}(?:\s|$)|```|~~~|[-+*](?:\s|$)|\d{1,9}[.)](?:\s|$)|\|)")
# What may come before a comment that starts a list item's or a quote's content: their markers.
_CONTAINER_LEAD = re.compile(r"(?:\s*(?:[-+*]|\d{1,9}[.)]|>))+\s*")
# A line whose indented lines after it are its content, not code: a list item, a footnote, an admonition or tab
# (`!!! note`, `=== "Tab"`; a setext underline `===` is none).
_CONTAINER = re.compile(r"^\s*(?:(?:[-+*]|\d{1,9}[.)]|\[\^[^\]]+\]:)(?:\s|$)|(?:!!!|\?\?\?\+?|===)[ \t]+\S)")


def indent_of(ln: str) -> int:
    return len(ln[: len(ln) - len(ln.lstrip(" \t"))].expandtabs(4))


class _Spans:
    """A line's code spans as CommonMark reads them, asked about positions left to right: a run of n backticks
    opens one closed by the next run of exactly n (with none, it is literal). A run inside what the caller has
    passed over (a comment, a tag) opens none, since a comment's text is no Markdown: the scan resumes at
    `text_from`. Linear: each run's next run of the same length is found in one backward pass, and the runs are
    walked once."""

    def __init__(self, ln: str) -> None:
        self.runs = [(m.start(), m.end()) for m in re.finditer("`+", ln)] if "`" in ln else []
        self.following: list[int | None] = [None] * len(self.runs)
        last: dict[int, int] = {}
        for k in range(len(self.runs) - 1, -1, -1):
            n = self.runs[k][1] - self.runs[k][0]
            self.following[k], last[n] = last.get(n), k
        self.k = 0  # the first run not yet passed

    def end_at(self, p: int, text_from: int) -> int:
        """The end of the code span holding position `p`, or -1 when none does; `p` never goes back."""
        runs, following = self.runs, self.following
        while self.k < len(runs) and runs[self.k][0] < p:
            close = following[self.k]
            if close is None or runs[self.k][0] < text_from:
                self.k += 1
            elif runs[close][1] > p:
                return runs[close][1]
            else:
                self.k = close + 1
        return -1


# What ends an HTML comment in a browser (HTML's tokenizer): `-->`, or `--!>` (an "incorrectly closed comment").
# `-- >` does not (the standard library's parser before 3.13.4 took it, and ignored `--!>`).
_COMMENT_END = re.compile(r"--!?>")


def comment_close(text: str, start: int) -> int:
    """Where the HTML comment opened at `start` (its `<!--`) ends as a browser reads it: the index after its
    closer, or -1 when `text` holds none. `<!-->` and `<!--->` are empty comments, closed at once (the standard
    library's parser before 3.13.4 ran on to the next `-->`, hiding what a reader sees); `<!--!>` closes nothing."""
    body = start + 4
    if text.startswith(">", body):
        return body + 1
    if text.startswith("->", body):
        return body + 2
    m = _COMMENT_END.search(text, body)
    return m.end() if m else -1


# A start or end tag as HTML's tokenizer reads it: the name, then attributes, where a quoted value may hold `>`
# and `<!--` (a quote opens a value only after `=`); it ends at `>` outside a value, or at the end of the text
# (group 1 empty: never closed). Possessive: each character is read once.
TAG = re.compile(
    r"</?[A-Za-z][^\t\n\f\r />]*+"
    r"(?:[\t\n\f\r /]++|[^\t\n\f\r />][^\t\n\f\r /=>]*+"
    r"(?:[\t\n\f\r ]*+=[\t\n\f\r ]*+(?:\"[^\"]*+(?:\"|\Z)|'[^']*+(?:'|\Z)|[^\t\n\f\r >]*+))?)*+(>?)"
)
# A comment opener, or a tag that may hold one: one whose end is not its first `>`, or that holds a `<` before it
# (a tag that ends at its first `>` and holds no quote nor `<` is passed over within the search).
_OPENER_OR_TAG = re.compile(r"<!--|<(?=/?[A-Za-z])(?!/?[A-Za-z][^<>\"']*>)")
_OPENER = re.compile(r"<!--")


def uncomment_markdown(lines: list[str]) -> list[str]:
    """The lines with their HTML comments (`<!-- … -->`, on one line or many) blanked, as a rendered page hides
    them: a team's "<!-- TODO: don't publish until legal signs off -->" or a linter's directive is no answer.
    As CommonMark reads them: a comment that starts a line (an HTML block) runs to the first `-->` after it
    whatever lies between (a commented-out code block too), or to the end of the document (one that starts a
    list item or a quote: when there is no `-->` after it, it is text); one opened within a line must close in
    the same paragraph (or table row), else it is text. What CommonMark takes for a comment goes to the browser
    as it is, so it hides what the browser hides: up to `--!>` when that comes first, and nothing after `<!-->`
    or `<!--->`. Code keeps its `<!--`: fenced blocks,
    indented code blocks (four spaces more than the list item or admonition they are in), code spans, and a
    tag's attribute values (`<img alt="<!--">`, as raw HTML passes it on). A line
    that was all comment is left out. Linear: each line is read once, and whether its paragraph has a closer
    further on is known from one backward pass."""
    closes_later = [False] * len(lines)  # a later line of line i's paragraph holds a `-->`
    for i in range(len(lines) - 2, -1, -1):
        nxt = lines[i + 1]
        closes_later[i] = bool(nxt.strip()) and not _BLOCK_START.match(nxt) and ("-->" in nxt or closes_later[i + 1])
    last_closer = max((i for i, ln in enumerate(lines) if "-->" in ln), default=-1)
    out: list[str] = []
    hidden = False  # inside a comment opened on an earlier line
    fence: str | None = None
    containers: list[int] = []  # indents of the list items (admonitions…) the line is in
    blank = code = True  # the line before was blank; was indented code
    for i, ln in enumerate(lines):
        if fence:
            out.append(ln)
            if closes_fence(ln, fence):
                fence = None
            continue
        if not hidden:
            if not ln.strip():
                blank = True
                out.append(ln)
                continue
            indent = indent_of(ln)
            while containers and containers[-1] >= indent:
                containers.pop()
            code = (blank or code) and indent >= (containers[-1] + 4 if containers else 0) + 4
            blank = False
            fm = FENCE.match(ln)
            if code or fm:
                fence = fm.group(1) if fm and not code else None
                out.append(ln)
                continue
            if _CONTAINER.match(ln):
                containers.append(indent)
        kept, pos = [], 0
        spans = _Spans(ln)
        tags = "<" in ln  # look for tags (whose attribute values may hold `<!--`) until one is left open
        last_arrow = ln.rfind("-->")  # whether a `-->` follows an opener, without a scan per opener
        while True:
            if hidden:
                m = _COMMENT_END.search(ln, pos)
                if m is None:
                    break
                hidden, pos = False, m.end()
                continue
            start, scan = -1, pos
            while m := (_OPENER_OR_TAG if tags else _OPENER).search(ln, scan):
                if (span_end := spans.end_at(m.start(), scan)) >= 0:  # in a code span: text
                    scan = span_end
                elif m.group() == "<!--":
                    start = m.start()
                    break
                elif (tag := TAG.match(ln, m.start())) and tag.group(1):  # `<img alt="<!--">`: no comment in it
                    scan = tag.end()
                else:  # a tag not closed on the line is text (and so are those after it: linear)
                    tags, scan = False, m.start() + 1
            closed = start >= 0 and (last_arrow >= start + 2 or closes_later[i])  # `<!-->` is a comment
            if start >= 0 and not closed and _CONTAINER_LEAD.fullmatch(ln[:start]):  # opens a list item or quote
                closed = i < last_closer  # (their end is not tracked: unclosed, it is text)
            if start < 0 or not (closed or not ln[:start].strip()):
                kept.append(ln[pos:])
                break
            kept.append(ln[pos:start])
            end = comment_close(ln, start)  # where a browser ends it: CommonMark passes it on as it is
            hidden, pos = end < 0, end if end >= 0 else len(ln)
        if len(kept) == 1 and pos == 0:  # no comment here
            out.append(ln)
        elif rest := "".join(kept).rstrip():
            out.append(rest)
        # a line that was all comment goes: the paragraph around it reads on, as rendered
    return out


# `..` and what follows it when that is no directive (`name::`, `name ::`), target (`_name:`), substitution
# (`|name|`), footnote or citation (`[1]`): a comment, which docutils leaves out of the page.
_RST_COMMENT = re.compile(r"^(\s*)\.\.(?:\s+(?![\w:.+-]+ ?::(?:\s|$))(?![_|\[])(.*))?\s*$")
# A bullet list item or a field list item: a line at its indent after it ends it (and starts a block).
_RST_ITEM = re.compile(r"^\s*(?:[-*+•‣⁃]|:[^:\s][^:]*:)(?:\s|$)")
# What introduces a literal block, whose indented lines are shown as written (a `..` in them is no comment): a
# paragraph ending in `::`, or a directive whose content is code or data, not reStructuredText.
RST_LITERAL_START = re.compile(
    r"^\s*(?:\.\.\s+(?:[\w.+-]+:)?(?:code|code-block|sourcecode|parsed-literal|literalinclude|highlight|math|raw"
    r"|csv-table|doctest|testcode|testoutput|testsetup|testcleanup|ipython|jupyter-execute|productionlist"
    r"|graphviz|digraph|graph|mermaid|uml|plantuml|prompt) ?::(?:\s|$)|(?!\.\.(?:\s|$)).*::\s*$)"
)


def rst_comment_end(lines: list[str], i: int) -> int:
    """The line after the comment starting at line i (its first line and the lines indented under it, blank
    lines between them included), or 0 when line i starts no comment (a comment starts a block: after a blank
    line, a title, other explicit markup or the end of an indented block). An empty `..` followed by a blank line
    is an empty comment: what is indented after it is a block quote, kept."""
    m = _RST_COMMENT.match(lines[i])
    if m is None:
        return 0
    prev = lines[i - 1] if i else ""
    if prev.strip() and not (  # explicit markup starts a block: within a paragraph (a wrapped "1\n.. 10") it is text
        prev.lstrip().startswith("..")
        or RST_ADORN.match(prev)
        or indent_of(prev) > indent_of(lines[i])
        or (_RST_ITEM.match(prev) and indent_of(prev) == indent_of(lines[i]))  # a bullet or field item ends there
    ):
        return 0
    indent, j = len(m.group(1)), i + 1
    if not (m.group(2) or "").strip() and (j >= len(lines) or not lines[j].strip()):
        return j
    last = i
    while j < len(lines) and (not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > indent):
        if lines[j].strip():
            last = j
        j += 1
    return last + 1  # the blank lines after it stay: they end the paragraph before


# A JSX expression that is only a comment, as MDX hides it: `{/* … */}` (spaces, tabs or line breaks may stand
# between the braces and the comment); the comment ends at its first `*/`.
_MDX_OPEN = re.compile(r"\{[ \t\n]*/\*")
_MDX_CLOSE = re.compile(r"\s*\}")
_GONE = "\x00"  # where a comment was (decoded text holds no NUL)


def uncomment_mdx(lines: list[str]) -> list[str]:
    """The lines with MDX's comments (`{/* … */}`, on one line or many) removed, as a rendered MDX page hides
    them; a line that was all comment is left out, so the paragraph around it reads on. Fenced code and code
    spans keep theirs (a page that teaches MDX shows them); other expressions (`{props.name}`, `{/* a */ b}`) stay
    as written, and so does a `{/*` never closed (MDX refuses such a page: what it holds is no hidden note).
    MDX reads a comment to its `*/` whatever it holds: a fence line or a backtick in it opens no code (else the
    notes after it would be kept as code). MDX has no indented code: an indented comment is hidden too. Linear:
    the lines are read in order once, each opener's closer is the next `*/` and the scan goes on after it; with
    no `*/` left, no later opener closes."""
    text = "\n".join(lines)
    parts: list[str] = []
    pos = done = line_start = 0  # read up to pos (a comment or expression may end within a line); kept from done
    fence = ""
    opener = _MDX_OPEN.search(text)
    for ln in lines:
        start, end, line_start = line_start, line_start + len(ln), line_start + len(ln) + 1
        if opener is None:
            break
        if pos > start:  # the line starts within a comment: no fence
            if pos > end:
                continue
        elif fence:
            fence = "" if closes_fence(ln, fence) else fence
            continue
        elif fm := FENCE.match(ln):
            fence = fm.group(1)
            continue
        if opener.start() > end:
            continue
        spans = _Spans(ln)
        while opener is not None and opener.start() <= end:
            read = max(pos, start)
            if opener.start() < read:  # found in a fenced block, or within a comment
                opener = _MDX_OPEN.search(text, read)
                continue
            if (span_end := spans.end_at(opener.start() - start, read - start)) >= 0:  # in a code span: text
                opener = _MDX_OPEN.search(text, start + span_end)
                continue
            close = text.find("*/", opener.end())
            if close < 0:
                opener = None
                break
            brace = _MDX_CLOSE.match(text, close + 2)
            if brace is None:  # `{/* a */ b}`: an expression with a value, not only a comment
                pos = close + 2
            else:
                parts += [text[done : opener.start()], _GONE]
                pos = done = brace.end()
            opener = _MDX_OPEN.search(text, pos)
    if not parts:
        return lines
    parts.append(text[done:])
    return [
        ln.replace(_GONE, "") for ln in "".join(parts).split("\n") if not (_GONE in ln and not ln.strip(_GONE + " \t"))
    ]
