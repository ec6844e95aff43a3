"""Answer text (Markdown, as documents and models write it) made into Slack's mrkdwn for blocks, or into safe
Markdown for a stream's `markdown_text` — and cut to Slack's limits without breaking a code block or a link.

mrkdwn: code blocks kept (a language tag dropped: mrkdwn would show it as a line), `[title](url)` → `<url|title>`,
`**bold**` → `*bold*`, `*italic*` → `_italic_`, `~~x~~` → `~x~`, `# Heading` → `*Heading*`, `-`/`*` list items →
`•`. Everywhere & < > are escaped — in code too, and in a stream's Markdown as well — so answer text can never form a
mention, `<!channel>` or a link of its own.
A link whose title names another web address than the one it goes to (`[https://sso.example.com](https://evil.example)`,
from a document or a model) is never shown titled: its title is plain text followed by the address it opens.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

_FENCE = re.compile(r"```[^\n`]*\n?(.*?)(?:```|\Z)", re.S)
_INLINE_CODE = re.compile(r"`[^`\n]+`")
# An address may hold balanced parentheses (Wikipedia's `Foo_(bar)`): one level, as CommonMark takes them.
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://(?:[^\s()]|\([^\s()]*\))+)\)")
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)
_BULLET = re.compile(r"^([ \t]*)[-*+][ \t]+", re.M)
_ITALIC = re.compile(r"(?<![*\w])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![*\w])")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_QUOTE = re.compile(r"^&gt;[ \t]?", re.M)
FENCE = "```"
# A web address or domain name in a link's title (what a reader takes for where the link goes).
_ADDRESS = re.compile(r"(?:\b[a-z][a-z0-9+.-]*://)?((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63})\b", re.I)


def escape(text: str) -> str:
    """Slack's escaping: & < > (so text can never form a link, a mention or <!channel>)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def disguised(url: str, title: str) -> bool:
    """Whether `title` names a web address (a domain) other than the host `url` goes to (or a parent of it)."""
    try:
        host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    except ValueError:
        return True
    for m in _ADDRESS.finditer(title):
        named = m.group(1).lower().removeprefix("www.")
        if named != host and not host.endswith(f".{named}"):
            return True
    return False


# What a web address keeps as it is in a Slack link: RFC 3986's reserved and unreserved characters, and `%` (an address
# already percent-encoded is not encoded twice). The rest — whitespace, | < > " \\ ^ ` { } and non-ASCII — is
# percent-encoded, so nothing in an address (from a user's file or a crawled page) can end `<url|title>` early.
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"


# A link longer than this is never shown as a link: a section holds 3,000 characters, and a link cut to fit would open
# a cut address (or none); its title is shown instead, saying why (LINK_TOO_LONG).
MAX_LINK = 2900
LINK_TOO_LONG = "(its link is too long to show here)"


def link_address(url: str) -> str:
    """`url` as it goes between < and > in a Slack link: percent-encoded (_URL_SAFE), & escaped as Slack asks."""
    return quote(url.strip(), safe=_URL_SAFE).replace("&", "&amp;")


def link(url: str, title: str, max_chars: int = MAX_LINK) -> str:
    """`<url|title>` for a web address (the title escaped, no `|` in it, the URL percent-encoded: link_address);
    anything else — a file path of a local document — as `title (`path`)`; a title naming another address than the
    URL's (`disguised`) as `title (<url>)`, so the address the link opens is the one shown. A link longer than
    `max_chars` is its title, saying why (LINK_TOO_LONG): never a link cut open."""
    plain, url = " ".join(title.split()), url.strip()
    title = escape(plain).replace("|", "¦")
    if not url.startswith(("http://", "https://")):
        shown = f"{title} (`{escape(url)}`)"
    else:
        safe = link_address(url)
        shown = f"{title} (<{safe}>)" if disguised(url, plain) else f"<{safe}|{title}>"
    return shown if len(shown) <= max_chars else f"{escape(plain[:300])} {LINK_TOO_LONG}"


def to_mrkdwn(markdown: str) -> str:
    """Markdown → Slack mrkdwn (see the module docstring)."""
    out: list[str] = []
    pos = 0
    for m in _FENCE.finditer(markdown):
        out.append(_prose(markdown[pos : m.start()]))
        body = m.group(1).rstrip("\n")
        out.append(f"{FENCE}\n{escape(body)}\n{FENCE}" if body else "")
        pos = m.end()
    out.append(_prose(markdown[pos:]))
    return "".join(out).strip()


def to_markdown(markdown: str) -> str:
    """Markdown for a stream's markdown_text: & < > escaped everywhere, code included (no mention, no <!channel>,
    no raw HTML, no <url|title> link). Slack's docs do not say that markdown_text — or a code span in it — keeps
    Slack from parsing a control sequence, and a ping is decided from the text sent, not from how it is shown; the
    mrkdwn path escapes inside code the same way. The answer's own links are Markdown [title](url): no < > needed."""
    out: list[str] = []
    pos = 0
    for m in _FENCE.finditer(markdown):
        out.append(_escape_outside_inline_code(markdown[pos : m.start()]))
        out.append(escape(m.group(0)))
        pos = m.end()
    out.append(_escape_outside_inline_code(markdown[pos:]))
    return "".join(out)


def _shown_address(m: re.Match[str]) -> str:
    title, url = m.group(1), m.group(2)
    return f"{title} ({url})" if disguised(url, title) else m.group(0)


def _escape_outside_inline_code(text: str) -> str:
    out, pos = [], 0
    for m in _INLINE_CODE.finditer(text):
        out.append(_escape_prose(text[pos : m.start()]))
        out.append(escape(m.group(0)))  # code too: Slack may parse <!channel> in a code span of markdown_text
        pos = m.end()
    out.append(_escape_prose(text[pos:]))
    return _QUOTE.sub("> ", "".join(out))  # a quote stays a quote


def _escape_prose(text: str) -> str:
    """Escaped, with a link titled with another address shown as its title and the address it opens."""
    return escape(_MD_LINK.sub(_shown_address, text))


def _prose(text: str) -> str:
    out, pos = [], 0
    for m in _INLINE_CODE.finditer(text):
        out.append(_styled(text[pos : m.start()]))
        out.append(escape(m.group(0)))
        pos = m.end()
    out.append(_styled(text[pos:]))
    return "".join(out)


def _styled(text: str) -> str:
    out, pos = [], 0
    for m in _MD_LINK.finditer(text):
        out.append(_inline(text[pos : m.start()]))
        out.append(link(m.group(2), m.group(1)))
        pos = m.end()
    out.append(_inline(text[pos:]))
    return "".join(out)


def _inline(text: str) -> str:
    text = escape(text)
    text = _QUOTE.sub("> ", text)
    text = _BULLET.sub(lambda m: f"{m.group(1)}• ", text)
    text = _ITALIC.sub(r"_\1_", text)
    text = _BOLD.sub(lambda m: f"*{m.group(1) or m.group(2)}*", text)
    text = _STRIKE.sub(r"~\1~", text)
    return _HEADING.sub(lambda m: f"*{m.group(1).replace('*', '')}*", text)  # last: a heading is all bold


# What a cut must never fall inside of in a stream's Markdown: an escaped character; and, unless one is longer than half
# of what is kept (then it is cut rather than the answer dropped), a link, a code span, a bold, italic or struck run.
_ENTITY = re.compile(r"&(?:amp|lt|gt);")
_WHOLE = (_MD_LINK, _INLINE_CODE, _BOLD, _STRIKE, _ITALIC)


def cut_markdown(text: str, limit: int) -> str:
    """The start of Markdown `text` (as to_markdown makes it) in at most `limit` characters: cut at a paragraph, else
    a line, else a word — never inside an escaped character (&amp;), nor inside a link, a code span or a bold, italic
    or struck run (see _WHOLE) — and a code block left open is closed. `text` itself when it fits."""
    if len(text) <= limit:
        return text
    room = limit - len(FENCE) - 1  # room to close a code block the cut leaves open
    entities = [m.span() for m in _ENTITY.finditer(text, 0, room + 5)]
    runs = [m.span() for pattern in _WHOLE for m in pattern.finditer(text) if m.start() < room]
    cut = _last_cut(text, room, entities + runs)
    if cut < room // 2:
        cut = _last_cut(text, room, entities)
    part = text[:cut].rstrip()
    return f"{part}\n{FENCE}" if part.count(FENCE) % 2 else part


def _last_cut(text: str, room: int, spans: list[tuple[int, int]]) -> int:
    """The last place within `room` to cut `text` outside every span: a paragraph break, a line break, a space (the
    first two only in the second half of the room), else between two characters."""

    def inside(pos: int) -> bool:
        return any(start < pos < end for start, end in spans)

    for sep in ("\n\n", "\n", " "):
        pos = text.rfind(sep, 0, room)
        while pos > 0 and inside(pos):
            pos = text.rfind(sep, 0, pos)
        if pos >= room // 2 or (sep == " " and pos > 0):
            return pos
    cut = room
    while cut > 0 and inside(cut):
        cut -= 1
    return cut


# A styled run of mrkdwn (bold, italic, struck) within one line: Slack renders its markers only in pairs.
_STYLED_RUNS = tuple(re.compile(rf"(?<![\w{m}]){m}(?=\S)[^{m}\n]+?(?<=\S){m}(?![\w{m}])") for m in ("\\*", "_", "~"))


def _open_styles(text: str, cut: int) -> str:
    """The style markers of the runs a cut at `cut` falls inside, outermost first ("" outside any, or in code)."""
    if text.count(FENCE, 0, cut) % 2:
        return ""
    start = text.rfind("\n", 0, cut) + 1
    end = text.find("\n", cut)
    line = text[start : end if end >= 0 else len(text)]
    at = cut - start
    if any(m.start() < at < m.end() for m in _INLINE_CODE.finditer(line)):
        return ""
    runs = sorted(
        (m.start(), m.group(0)[0]) for run in _STYLED_RUNS for m in run.finditer(line) if m.start() < at < m.end()
    )
    return "".join(marker for _, marker in runs)


def split(text: str, limit: int) -> list[str]:
    """`text` in parts of at most `limit` characters, cut at a line break (else a space) and never inside a link
    (`<…>`); a code block cut in two is closed at the end of one part and reopened at the start of the next, and so
    is a bold, italic or struck run (its markers closed, innermost first, and reopened)."""
    budget = limit - 2 * (len(FENCE) + 1)  # room to close and reopen a code block, or up to 3 style markers
    parts: list[str] = []
    rest, reopen = text, False
    while rest:
        if reopen:
            rest = f"{FENCE}\n{rest}"
        if len(rest) <= limit and (rest.count(FENCE) % 2 == 0 or len(rest) + len(FENCE) + 1 <= limit):
            part, rest = rest, ""
        else:
            cut = _cut_at(rest, min(budget, len(rest)))
            styles = _open_styles(rest, cut)
            part, rest = rest[:cut].rstrip(), rest[cut:].lstrip("\n ")
            if styles and part.strip(styles) and rest.strip(styles):
                part, rest = part + styles[::-1], styles + rest
        reopen = part.count(FENCE) % 2 == 1
        if reopen:
            part += f"\n{FENCE}"
        if part.strip() and part.strip() != f"{FENCE}\n{FENCE}":
            parts.append(part)
    return parts


def _cut_at(text: str, limit: int) -> int:
    cut = text.rfind("\n", 0, limit)
    if cut < limit // 2:
        cut = text.rfind(" ", 0, limit)
    if cut <= 0:
        cut = limit
    opened = text.rfind("<", 0, cut)
    if opened > text.rfind(">", 0, cut) and opened > 0:  # never inside <url|title>
        cut = opened
    amp = text.rfind("&", max(0, cut - 4), cut)
    if amp > 0 and text.find(";", amp, cut) < 0:  # never inside &amp; &lt; &gt;
        cut = amp
    return cut
