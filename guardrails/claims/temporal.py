"""The time-qualifier check: a time or date the answer adds to a claim must be one the cited passages give.

"The office moved to Berlin last year" restating "The office moved to Berlin" keeps every word of the passage
and adds a when that nobody wrote down; lexical and embedding support barely move. So every time qualifier of
an answer sentence — relative ("last year", "next month", "this week", "recently", "yesterday", "ago", "soon")
or absolute (a year, a month, a weekday, a numeric date) — must be backed by a cited passage:

- a relative qualifier by the same one (direction and period: "last year" = "the past year" = "the previous
  year"; "recently" = "lately" = "newly");
- a year, month or weekday by the same year, month or weekday anywhere in the passages, in any format ("March 1,
  2019" restates "2019-03-01"; "on Fridays" restates "every Friday"; "weekdays", "weekends" and "Q1" back the
  days and months they cover). The day of a month is a number, left to the numbers check.
- "since X" / "starting X" / "as of X" and "until X" / "till X" mark the two ends of a period: an answer's must
  not be the other end where the passages only ever bound X that way ("until March 2020" for "since March
  2020"); "from", "after" and "before" are left alone ("resume after January 2" restates "frozen until").

"now" and "currently" restating a present-tense fact and frequencies ("every week", "daily") are not qualifiers
here, nor are "recent" and "newly" (they describe things: "recent versions") or "Oct" and "Dec" away from a day
or year (octal, decimal); "the last week of December" names a period, not a time relative to now.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from guardrails.claims.analysis import Analysed, ClaimIssue
from guardrails.claims.lexicon import _UNITS
from guardrails.claims.tokens import _norm_text
from guardrails.text import sentences

_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        1,
    )
    for name in names
}
_WEEKDAYS = {d: i for i, d in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))}
_PERIODS = (
    "year|month|week|quarter|weekend|night|morning|afternoon|evening|spring|summer|autumn|fall|winter|"
    + "|".join(_WEEKDAYS)
)
_DIRECTIONS = {
    **dict.fromkeys(("last", "past", "previous", "prior"), "past"),
    **dict.fromkeys(("next", "coming", "upcoming", "following"), "next"),
    **dict.fromkeys(("this", "current"), "this"),
}
# "last year", "the past month", "this week", "next Friday" — but not "the last week of December" (a period)
_RELATIVE = re.compile(rf"\b({'|'.join(_DIRECTIONS)})\s+({_PERIODS})s?\b(?!\s+of\b)", re.I)
_DEICTIC = {
    **dict.fromkeys(("recently", "recent", "lately", "newly"), "recently"),
    **dict.fromkeys(("yesterday", "today", "tomorrow", "tonight", "ago", "soon"), None),
}
_DEICTIC_RE = re.compile(rf"\b({'|'.join(_DEICTIC)})\b", re.I)
# "recent" and "newly" describe a thing ("recent versions", "newly created workers") as often as they date a
# claim: they back an answer's "recently" but are not qualifiers of their own.
_BACKING_ONLY = frozenset(("recent", "newly"))
_YEAR = re.compile(r"(?<![\d.,:/-])(?:19|20)\d{2}(?![\d.,:]\d|%)")
_ISO_DATE = re.compile(r"\b((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})\b")
# 01/03/2019, 1/3/19, 01.03.2019 (dots only with a four-digit year: "1.2.10" is a version)
_SLASH_DATE = re.compile(r"\b(\d{1,2})(?:/(\d{1,2})/((?:19|20)\d{2}|\d{2})|\.(\d{1,2})\.((?:19|20)\d{2}))\b")
# Month names only capitalised ("may", "march" are verbs); "May" only where a date reads it so.
_MONTH_RE = re.compile(rf"\b({'|'.join(sorted((m.capitalize() for m in _MONTHS), key=len, reverse=True))})\b\.?")
_DATE_PREP = re.compile(r"\b(?:in|on|since|until|till|by|from|of|before|after|during|early|late|mid|through)\s*$", re.I)
_DAY_GROUP = re.compile(r"\b(weekday|workday|business day|weekend)s?\b", re.I)
_QUARTER = re.compile(r"\bQ([1-4])\b")
_WEEKDAY_RE = re.compile(rf"\b({'|'.join(d.capitalize() for d in _WEEKDAYS)})s?\b")


_MONTH_NAMES = "|".join(_MONTHS)
_YEAR_BEFORE = re.compile(
    r"(?:\b(?:in|since|until|till|by|of|from|to|and|through|between|before|after|during|early|late|mid|circa|"
    rf"around|year|fy|q[1-4]|h[12])|\b(?:{_MONTH_NAMES})\.?|,|[-–—])\s*$",
    re.I,
)
_WORD_AFTER = re.compile(r"\s*([A-Za-z]+)")


def _by_number(text: str, m: re.Match[str]) -> bool:
    return bool(re.match(r"\.?\s+\d", text[m.end(1) :]) or re.search(r"\d(?:st|nd|rd|th)?\s+$", text[: m.start()]))


def _year_context(text: str, m: re.Match[str]) -> bool:
    """A four-digit number is a year where a date would put one ("in 2019", "March 1, 2019", "2019-03-01",
    "2019–2021"), not where it counts something ("in 2048 bytes", "2000 users": the numbers check's)."""
    after = _WORD_AFTER.match(text, m.end())
    if after and (after.group(1).lower() in _UNITS or after.group(1).lower().rstrip("s") in _UNITS):
        return False
    if re.match(r"[-/.]\d", text[m.end() : m.end() + 2]):
        return True  # an ISO date
    return bool(_YEAR_BEFORE.search(text[max(0, m.start() - 24) : m.start()]))


Key = tuple[str, str | int]
# "since March" / "until March": the start or the end of a period, which a restatement must not swap
_BOUND = re.compile(
    r"\b(since|starting(?:\s+(?:from|on|in))?|as\s+of|until|till|up\s+until|up\s+till)\s+"
    r"(?:the\s+|early\s+|mid-?\s*|late\s+|end\s+of\s+|beginning\s+of\s+)?$",
    re.I,
)


def _bound(text: str, start: int) -> str | None:
    m = _BOUND.search(text[max(0, start - 40) : start])
    if not m:
        return None
    return "end" if m.group(1).lower().split()[-1] in ("until", "till") else "start"


def time_marks(text: str, *, backing: bool = False) -> list[tuple[Key, str]]:
    """The time qualifiers of a text: (key, as written). Keys compare across wordings: ("rel", "past year"),
    ("deictic", "recently"), ("year", 2019), ("month", 3), ("weekday", 4). `backing` (a passage's): every
    number that could be a year counts as one."""
    return [(key, written) for key, written, _ in _marks(text, backing)]


def _marks(text: str, backing: bool) -> list[tuple[Key, str, str | None]]:
    """`time_marks` with each mark's bound: "start" after "since", "end" after "until", else None."""
    out: list[tuple[Key, str, int]] = []
    for m in _RELATIVE.finditer(text):
        period = m.group(2).lower()
        out.append((("rel", f"{_DIRECTIONS[m.group(1).lower()]} {period}"), m.group(0), m.start()))
    for m in _DEICTIC_RE.finditer(text):
        word = m.group(1).lower()
        if word in _BACKING_ONLY and not backing:
            continue
        if word == "soon" and re.search(r"\bas\s*$", text[: m.start()], re.I):
            continue  # "as soon as" is a conjunction
        out.append((("deictic", _DEICTIC[word] or word), m.group(0), m.start()))
    for m in _ISO_DATE.finditer(text):
        out.append((("month", int(m.group(2))), m.group(0), m.start()))
    for m in _SLASH_DATE.finditer(text):
        a, b, year = int(m.group(1)), int(m.group(2) or m.group(4)), m.group(3) or m.group(5)
        out.append((("month", f"{a}|{b}"), m.group(0), m.start()))  # day/month or month/day: either may be the month
        if len(year) == 4:
            out.append((("year", int(year)), m.group(0), m.start()))
    for m in _YEAR.finditer(text):
        if backing or _year_context(text, m):
            out.append((("year", int(m.group(0))), m.group(0), m.start()))
    for m in _MONTH_RE.finditer(text):
        name = m.group(1)
        if len(name) <= 4 and name not in ("May", "June", "July") and not _by_number(text, m):
            continue  # "Oct" and "Dec" are octal and decimal unless a date reads them so ("Dec 3", "1 Oct 2019")
        if name == "May" and not (_DATE_PREP.search(text[: m.start()]) or re.match(r"\s+\d", text[m.end() :])):
            continue
        out.append((("month", _MONTHS[name.lower()]), name, m.start()))
    for m in _WEEKDAY_RE.finditer(text):
        out.append((("weekday", _WEEKDAYS[m.group(1).lower()]), m.group(0), m.start()))
    if backing:  # "weekdays" backs Monday to Friday, "weekends" Saturday and Sunday, "Q1" January to March
        for m in _DAY_GROUP.finditer(text):
            days = range(5) if m.group(1).lower() in ("weekday", "workday", "business day") else range(5, 7)
            out += [(("weekday", d), m.group(0), m.start()) for d in days]
        for m in _QUARTER.finditer(text):
            q = int(m.group(1))
            out += [(("month", month), m.group(0), m.start()) for month in range(3 * q - 2, 3 * q + 1)]
    return [(key, written, _bound(text, start)) for key, written, start in out]


def _backed(key: Key, theirs: set[Key]) -> bool:
    if key in theirs:
        return True
    kind, value = key
    if kind != "month":
        return False
    mine = {int(v) for v in str(value).split("|")}
    return any(k2 == "month" and mine & {int(v) for v in str(v2).split("|")} for k2, v2 in theirs)


def check_time(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    """Every time qualifier of the answer must be one the cited passages give, and a "since X" / "until X" must
    not be the passages' "until X" / "since X"."""
    theirs: dict[Key, set[str | None]] = {}
    for p in passages:
        for key, _, bound in _marks(_norm_text(p.text), True):
            theirs.setdefault(key, set()).add(bound)
    first_tok: dict[int, int] = {}
    for t in a.tokens:
        first_tok.setdefault(t.outer, t.sent)
    issues: list[ClaimIssue] = []
    for outer, sent in enumerate(sentences(_norm_text(a.text))):
        missing: list[str] = []
        swapped: list[str] = []
        for key, written, bound in _marks(sent, False):
            bounds = {b for k, bs in theirs.items() if _backed(key, {k}) for b in bs}
            if not bounds:
                missing.append(written)
            elif bound is not None and None not in bounds and bound not in bounds:
                swapped.append(written)
        if outer not in first_tok:
            continue
        if missing:
            what = ", ".join(f"“{w}”" for w in dict.fromkeys(missing))
            issues.append(ClaimIssue("time", f"{what}: no cited passage gives that time", first_tok[outer]))
        if swapped:
            what = ", ".join(f"“{w}”" for w in dict.fromkeys(swapped))
            detail = f"{what}: the passages give the other end of the period (“since” / “until”)"
            issues.append(ClaimIssue("time", detail, first_tok[outer]))
    return issues


def month_backed(word: str, passages: Sequence[Analysed]) -> bool:
    """A month name ("March") that a passage gives as a month in another format ("2019-03-01"): the names
    check leaves it to this one rather than reading it as a name the passages lack."""
    month = _MONTHS.get(word.lower().rstrip("."))
    if month is None or not word[:1].isupper():
        return False
    theirs = {key for p in passages for key, _ in time_marks(_norm_text(p.text), backing=True)}
    return _backed(("month", month), theirs)
