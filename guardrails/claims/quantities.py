"""Numbers with their units, read from tokens: ``Quantity`` and ``quantities`` (digits or words, durations,
sizes, percentages, currencies, times of day, versions, ordinals, multipliers, rates and counted nouns), all
normalised to a dimension's base unit so "5 minutes" equals "300 seconds"; ``_compatible`` says when an
answer's quantity may be compared with a passage's at all (same dimension, rate and counted noun).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from guardrails.claims.lexicon import (
    _CURRENCY,
    _MEASURE_DIMS,
    _MULTIPLIERS,
    _NUMBER_WORDS,
    _ORDINALS,
    _SCALES,
    _UNITS,
    _VAGUE,
    _words,
)
from guardrails.claims.tokens import (
    _AMPM,
    _CUR,
    _NUM_SUFFIX,
    _NUM_UNIT,
    _ORD_DIGITS,
    _PCT,
    _PLAIN_NUM,
    _TOD,
    _VERSION,
    Tok,
)


@dataclass
class Quantity:
    text: str
    dim: str  # time | bday | size | pct | pp | eur | usd | gbp | tod | ver | ord | mult | none
    value: float | str  # in the dimension's base unit
    raw: float | str  # the number as written
    index: int  # token index of the number
    bare: bool = False  # nothing follows the number in its clause ("Default: 4.0.")
    nouns: frozenset[str] = frozenset()
    rate: str | None = None
    weak: bool = False  # "one", which is as often a pronoun as a number


def _num_value(tokens: list[Tok], i: int) -> tuple[float, int] | None:
    """The value of a number starting at token i (digits or words: "ten million", "twenty-four",
    "one and a half") and how many tokens it spans."""
    t = tokens[i]
    low = t.low
    if t.kind == "num" and _PLAIN_NUM.match(low):
        val = float(low.replace(",", "").replace("_", ""))
        j = i + 1
    elif low in _NUMBER_WORDS:
        val = float(_NUMBER_WORDS[low])
        j = i + 1
        if val >= 20 and j < len(tokens) and tokens[j].low in _NUMBER_WORDS and _NUMBER_WORDS[tokens[j].low] < 10:
            val += _NUMBER_WORDS[tokens[j].low]
            j += 1
    elif "-" in low and all(p in _NUMBER_WORDS for p in low.split("-")):
        val = float(sum(_NUMBER_WORDS[p] for p in low.split("-")))
        j = i + 1
    else:
        return None
    while j < len(tokens) and tokens[j].low in _SCALES and tokens[j].sent == t.sent:
        val *= _SCALES[tokens[j].low]
        j += 1
    if (
        j + 2 < len(tokens)
        and tokens[j].low == "and"
        and tokens[j + 1].low in ("a", "an")
        and tokens[j + 2].low == "half"
    ):
        val += 0.5  # "one and a half"
        j += 3
    return val, j - i


def _unit_at(tokens: list[Tok], j: int) -> tuple[str, int] | None:
    """The unit at token j ("business day", "percentage points", "minutes", "%") and its length in tokens."""
    if j >= len(tokens):
        return None
    w = tokens[j].low.rstrip("'")
    if j + 1 < len(tokens) and tokens[j + 1].sent == tokens[j].sent:
        two = w + " " + tokens[j + 1].low.rstrip("'")
        for cand in (two, two[:-1]):
            if cand in _UNITS:
                return cand, 2
    for cand in (w, w[:-1] if w.endswith("s") and len(w) > 3 else w):
        if cand in _UNITS and len(cand) > 1:
            return cand, 1
    return None


def _rate_at(tokens: list[Tok], j: int, sent: int) -> str | None:
    """ "per week" / "a week" / "an hour" right after a quantity or its counted noun."""
    for k in (j, j + 1):
        if k + 1 < len(tokens) and tokens[k].sent == sent and tokens[k].low in ("per", "a", "an", "each"):
            u = _unit_at(tokens, k + 1)
            if u and _UNITS[u[0]][0] in ("time", "bday"):
                return u[0]
    return None


def _nouns_after(tokens: list[Tok], j: int, sent: int) -> frozenset[str]:
    out: list[str] = []
    k = j
    while k < len(tokens) and len(out) < 2 and tokens[k].sent == sent:
        t = tokens[k]
        if t.kind == "num" or t.low in _NUMBER_WORDS:
            break
        if t.terms and t.kind != "code":
            out.append(t.stem)
        elif out:
            break
        k += 1
    return frozenset(out)


def _q(tokens: list[Tok], i: int, j: int, dim: str, value: float | str, raw: float | str, **kw) -> Quantity:
    return Quantity(" ".join(t.raw for t in tokens[i:j]), dim, value, raw, i, **kw)


def quantities(tokens: list[Tok]) -> list[Quantity]:
    out: list[Quantity] = []
    n = len(tokens)
    i = 0
    while i < n:
        t = tokens[i]
        low = t.low
        q: Quantity | None = None
        step = 1
        if low in _VAGUE:
            pass
        elif m := _TOD.match(low):
            mins = int(m.group(1)) * 60 + int(m.group(2))
            q = _q(tokens, i, i + 1, "tod", mins, mins)
        elif m := _AMPM.match(low):
            mins = (int(m.group(1)) % 12 + (12 if m.group(3).lower() == "pm" else 0)) * 60 + int(m.group(2) or 0)
            q = _q(tokens, i, i + 1, "tod", mins, mins)
        elif low in ("noon", "midday", "midnight"):
            mins = 0 if low == "midnight" else 720
            q = _q(tokens, i, i + 1, "tod", mins, mins)
        elif _VERSION.match(low):
            version = low.lstrip("v").rstrip("+")
            q = _q(tokens, i, i + 1, "ver", version, version)
        elif m := _PCT.match(low):
            v = float(m.group(1).replace(",", ""))
            q = _q(tokens, i, i + 1, "pct", v, v)
        elif m := _CUR.match(t.raw):
            v = float(m.group(2).replace(",", ""))
            q = _q(tokens, i, i + 1, _CURRENCY[m.group(1)], v, v, rate=_rate_at(tokens, i + 1, t.sent))
        elif m := _NUM_SUFFIX.match(low):
            dim, f = _UNITS[m.group(2).lower()]
            q = _q(tokens, i, i + 1, dim, float(m.group(1)) * f, float(m.group(1)))
        elif m := _ORD_DIGITS.match(low):
            v = float(m.group(1))
            q = _q(tokens, i, i + 1, "ord", v, v, nouns=_nouns_after(tokens, i + 1, t.sent))
        elif low in _ORDINALS and _is_ordinal(tokens, i):
            v = float(_ORDINALS[low])
            q = _q(tokens, i, i + 1, "ord", v, v, nouns=_nouns_after(tokens, i + 1, t.sent))
        elif low in _MULTIPLIERS:
            v = float(_MULTIPLIERS[low])
            q = _q(tokens, i, i + 1, "mult", v, v)
        elif low in ("half", "a", "an") and i + 1 < n:
            # "half an hour", "half a percentage point", "a week" (but "€250 a week" is a rate)
            j = i + 1
            val = 0.5 if low == "half" else 1.0
            if low == "half" and j < n and tokens[j].low in ("a", "an"):
                j += 1
            u = _unit_at(tokens, j)
            is_rate = low != "half" and bool(out) and out[-1].index >= i - 2 and tokens[out[-1].index].sent == t.sent
            after = j + u[1] if u else j
            if u and u[0] == "second" and after < n and tokens[after].clause == t.clause and tokens[after].terms:
                u = None  # "a second time", "a second worker": an ordinal, not a duration
            if u and not is_rate and _UNITS[u[0]][0] in ("time", "bday", "pp", "pct"):
                dim, f = _UNITS[u[0]]
                q = _q(tokens, i, j + u[1], dim, val * f, val)
                step = j + u[1] - i
        elif t.kind == "num" and (m := _NUM_UNIT.match(low)):  # "30-minute", "ten-second"
            num = m.group(1)
            v = float(num) if num[0].isdigit() else float(_NUMBER_WORDS[num])
            dim, f = _UNITS[m.group(2)]
            q = _q(tokens, i, i + 1, dim, v * f, v)
        elif (got := _num_value(tokens, i)) is not None:
            val, span = got
            j = i + span
            u = _unit_at(tokens, j)
            weak = low == "one"
            if j < n and tokens[j].low in ("a.m", "p.m", "am", "pm") and val <= 12:  # "9 a.m."
                mins = int(val % 12 + (12 if tokens[j].low.startswith("p") else 0)) * 60
                q = _q(tokens, i, j + 1, "tod", mins, mins)
                step = span + 1
            elif u:
                dim, f = _UNITS[u[0]]
                q = _q(tokens, i, j + u[1], dim, val * f, val, rate=_rate_at(tokens, j + u[1], t.sent))
                step = span + u[1]
            elif j < n and tokens[j].low in ("times", "time") and tokens[j].sent == t.sent:
                q = _q(tokens, i, j + 1, "mult", val, val)
                step = span + 1
            elif "." in low and _version_context(tokens, i):
                q = _q(tokens, i, j, "ver", low, low)
                step = span
            else:
                bare = j >= n or tokens[j].sent != t.sent or tokens[j].clause != t.clause
                nouns = _nouns_after(tokens, j, t.sent)
                q = _q(tokens, i, j, "none", val, val, bare=bare, nouns=nouns, rate=_rate_at(tokens, j + 1, t.sent))
                q.weak = weak
                step = span
        if q is not None:
            out.append(q)
        i += step
    return out


_VERSION_CUES = _words("version versions since release releases v python")


def _version_context(tokens: list[Tok], i: int) -> bool:
    """ "since 2.5", "version 4.0", "Python 3.11", "Celery 4.0": a decimal that names a release, which a
    count or a limit must not be matched against."""
    if not i or tokens[i - 1].sent != tokens[i].sent:
        return False
    prev = tokens[i - 1]
    return prev.low in _VERSION_CUES or (prev.kind == "cap" and not prev.initial) or prev.kind == "ident"


def _is_ordinal(tokens: list[Tok], i: int) -> bool:
    """An ordinal counts only before what it numbers: "the second retry" (not "First, …" or "at first");
    "second" is a unit in "1 second" / "a second"."""
    prev = tokens[i - 1] if i else None
    if (
        tokens[i].low == "second"
        and prev is not None
        and (prev.kind == "num" or prev.low in _NUMBER_WORDS or prev.low in ("a", "per", "one"))
    ):
        return False
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    return nxt is not None and nxt.sent == tokens[i].sent and nxt.clause == tokens[i].clause and bool(nxt.terms)


def _same(a: float | str, b: float | str) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return str(a) == str(b)
    # months and years are not a whole number of days: "30 days" ~ "a month", "365 days" ~ "a year"
    approx = max(abs(a), abs(b)) >= 2_500_000 and min(abs(a), abs(b)) > 0
    return a == b or (approx and abs(a - b) <= 0.02 * max(abs(a), abs(b)))


def _as_float(x: float | str) -> float | None:
    try:
        return float(x)
    except ValueError:
        return None


def _compatible(a: Quantity, p: Quantity) -> bool:
    """Could passage quantity p be the one answer quantity a restates?"""
    if a.rate and p.rate and a.rate != p.rate:
        return False
    if a.rate and not p.rate and not p.bare:
        return False  # "ten connections per minute" restating "ten connections"
    if a.dim == p.dim:
        return _same(a.value, p.value)
    if {a.dim, p.dim} == {"ver", "none"}:  # "4.0" restating "version 4.0"
        return str(a.raw) == str(p.raw) or _as_float(a.raw) == _as_float(p.raw)
    if a.dim in ("none", "mult"):
        return p.dim in ({"none", "mult", "ord"} | _MEASURE_DIMS) and _same(a.raw, p.raw)
    if p.dim in ("none", "mult") and p.bare and a.dim not in ("tod", "ver", "ord"):
        return _same(a.raw, p.value) or _same(a.value, p.value)
    return False


# ``_same`` matches floats approximately only where both are at least 0.98 * 2,500,000; below this, exactly
_APPROX_FROM = 2_400_000.0
_BUCKET = math.log(1.03)  # a 2 % match is at most one bucket away


def _value_keys(v: float | str, probe: bool) -> list[tuple[object, ...]] | None:
    """Keys that any value ``_same`` (or ``_compatible``'s float reading of a version) equates with `v` shares
    with it: its text, its float and, for a large one, its band of 3 % (a probe also reads the bands beside).
    None for an infinite value, which approximately matches every large one."""
    keys: list[tuple[object, ...]] = [("s", str(v))]
    f = v if isinstance(v, float) else _as_float(v)
    if f is None or math.isnan(f):
        return keys
    if math.isinf(f):
        return None
    keys.append(("n", f))
    if abs(f) >= _APPROX_FROM:
        band = math.floor(math.log(abs(f)) / _BUCKET)
        keys += [("b", f > 0, b) for b in ((band - 1, band, band + 1) if probe else (band,))]
    return keys


class ValueIndex:
    """Items (by position) under the values they hold, so that an answer quantity looks up the few whose
    values may equal one of its own instead of comparing itself with every one: a superset, which the caller
    filters with the exact test (1,000 distinct numbers compared pairwise took seconds)."""

    def __init__(self) -> None:
        self._at: dict[tuple[object, ...], set[int]] = {}
        self._always: set[int] = set()  # items holding an infinite value
        self._size = 0

    def add(self, item: int, values: Iterable[float | str]) -> None:
        self._size = max(self._size, item + 1)
        for v in values:
            keys = _value_keys(v, probe=False)
            if keys is None:
                self._always.add(item)
                continue
            for k in keys:
                self._at.setdefault(k, set()).add(item)

    def candidates(self, values: Iterable[float | str]) -> list[int]:
        """The items that may hold a value equal to one of `values`, in the order they were numbered."""
        found = set(self._always)
        for v in values:
            keys = _value_keys(v, probe=True)
            if keys is None:
                return list(range(self._size))
            for k in keys:
                found |= self._at.get(k, set())
        return sorted(found)
