"""The numbers check: every quantity of the answer must equal one of the passages after unit
normalisation, with a compatible rate and counted noun, and must not sit where the passages clearly put a
different value of the same kind; a unit without a number must not replace the unit the restated passage
sentence uses. Changed numbers and units are the edit lexical and embedding support notice least.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from guardrails.claims.analysis import (
    _NUMBER_STEMS,
    _SWAP_MARGIN,
    Analysed,
    ClaimIssue,
    _backing,
    _clause_text,
    _context,
    _fit,
    _item_terms,
    _shared_counts,
)
from guardrails.claims.lexicon import _MEASURE_DIMS, _NUMBER_WORDS, _UNITS
from guardrails.claims.quantities import Quantity, ValueIndex, _compatible, _same
from guardrails.claims.tokens import _PLAIN_NUM, Tok, _norm_text
from guardrails.text import sentences as _sentences


def _self_counted(a: Analysed, q: Quantity) -> bool:
    """ "There are two time limits: a hard one … and a soft one …": a small count that the answer itself
    enumerates after a colon is checked through its items (each against the passages), not as a number."""
    if q.dim not in ("none", "mult") or not isinstance(q.raw, float) or not 2 <= q.raw <= 10 or q.raw % 1:
        return False
    sents = _sentences(_norm_text(a.text))
    outer = a.tokens[q.index].outer
    if outer >= len(sents):
        return False
    head, colon, tail = sents[outer].partition(":")
    if not colon or q.text.split()[0] not in head:
        return False
    tail = re.sub(r"\([^)]*\)", "", tail)
    items = [x for x in re.split(r",|;|\band\b|\bor\b", tail) if x.strip(" .")]
    return len(items) == int(q.raw)


def _unit_in_prose(q: Quantity, p: Analysed, x: Quantity, units: Sequence[str] | None = None) -> bool:
    """ "500,000 bytes" restating "The maximum size in bytes … Default: 500_000": a bare passage number whose
    unit the passage names in its prose (in the same paragraph) is that number in that unit. `units`: the
    paragraph's (``_item_units``), if already read."""
    if q.dim not in _MEASURE_DIMS or x.dim != "none" or not isinstance(x.value, float):
        return False
    if units is None:
        units = _item_units(p, p.tokens[x.index].item)
    return any(_UNITS[u][0] == q.dim and _same(x.value * _UNITS[u][1], q.value) for u in units)


def _other_unit_in_prose(q: Quantity, p: Analysed, x: Quantity, units: Sequence[str] | None = None) -> bool:
    """ "4093 kilobytes" restating "larger than this many bytes … Defaults to 4093": the bare passage number
    has a unit after all, named in its paragraph's prose, and it is not the answer's."""
    if q.dim not in _MEASURE_DIMS or x.dim != "none":
        return False
    if units is None:
        units = _item_units(p, p.tokens[x.index].item)
    return not _unit_in_prose(q, p, x, units) and any(_UNITS[u][0] == q.dim for u in units)


def _item_units(p: Analysed, item: int) -> tuple[str, ...]:
    """The units a list item or paragraph names in words, each once."""
    return tuple(dict.fromkeys(u for t in p.tokens if t.item == item and (u := _unit_at_word(t.low))))


def _value_key(v: float | str) -> tuple[str, str]:
    return type(v).__name__, repr(v)  # repr tells -0.0 from 0.0, which str() comparisons do too


def _quantity_key(x: Quantity) -> tuple[object, ...]:
    """Everything ``_compatible`` reads of a quantity."""
    return x.rate, x.bare, x.dim, _value_key(x.value), _value_key(x.raw)


def check_numbers(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    """Every number the answer gives must be one the passages give, in the same unit and the same place.

    Quantities alike in everything a decision reads (value, unit, rate, nouns, the units of their paragraph
    and the terms around them) are judged once: comparing each answer number with each passage number, and
    each such pair with every other answer number, held a worker for half a minute on a repeated "1 ". Each
    answer number looks up the passage numbers of its value, noun or clause terms (``_Rivals``) instead of
    reading them all: 3,000 characters of distinct percentages took 45 s."""
    issues: list[ClaimIssue] = _check_bare_units(a, passages)
    pq = [(p, x) for p in passages for x in p.quantities]
    passage_nouns = set().union(*(x.nouns for _, x in pq)) if pq else set()
    any_ordinal = any(x.dim == "ord" for _, x in pq)
    contexts: dict[tuple[object, ...], int] = {}  # the terms around a number (what ``_fit`` reads) -> an id
    fits: dict[tuple[int, int], tuple[float, int]] = {}
    units_of: dict[tuple[int, int], tuple[str, ...]] = {}
    # passage quantities, one of each kind in order of first use: (passage, quantity, its context id, its units)
    kinds: dict[tuple[object, ...], int] = {}
    rivals: list[_Rival] = []
    clause_of: dict[int, frozenset[str]] = {}  # a passage context id -> its clause terms
    for p, x in pq:
        tok = p.tokens[x.index]
        ctx = (*_context(p, tok, _NUMBER_STEMS), _item_terms(p, tok.item) - _NUMBER_STEMS, tok.negated)
        ctx_id = contexts.setdefault(ctx, len(contexts))
        clause_of[ctx_id] = ctx[0]
        if (id(p), tok.item) not in units_of:
            units_of[id(p), tok.item] = _item_units(p, tok.item)
        units = units_of[id(p), tok.item]
        key = (_quantity_key(x), x.nouns, units, ctx_id)
        if key not in kinds:
            kinds[key] = len(rivals)
            rivals.append((p, x, ctx_id, units))
    # the answer's quantities by kind, with how many there are of each (``claimed`` skips the one checked)
    a_ctx: dict[int, int] = {}
    a_kinds: dict[tuple[object, ...], list] = {}
    for o in a.quantities:
        tok = a.tokens[o.index]
        ctx_id = contexts.setdefault(("answer", *_context(a, tok, _NUMBER_STEMS), tok.negated), len(contexts))
        a_ctx[id(o)] = ctx_id
        a_kinds.setdefault((_quantity_key(o), ctx_id), [o, ctx_id, 0])[2] += 1
    others = list(a_kinds.items())
    others_by_value = ValueIndex()
    for j, (_, (o, _, _)) in enumerate(others):
        others_by_value.add(j, (o.value, o.raw))
    lookup = _Rivals(rivals, clause_of)

    def fit(a_tok: Tok, a_ctx_id: int, p: Analysed, x: Quantity, p_ctx_id: int) -> tuple[float, int]:
        if (a_ctx_id, p_ctx_id) not in fits:
            fits[a_ctx_id, p_ctx_id] = _fit(a, a_tok, p, p.tokens[x.index], _NUMBER_STEMS)
        return fits[a_ctx_id, p_ctx_id]

    for q in a.quantities:
        sent = a.tokens[q.index].sent
        if q.weak and not (q.nouns & passage_nouns):
            continue
        if q.dim == "ord" and a.tokens[q.index].low == "first" and not any_ordinal:
            continue  # "before your first shift": "first" is as often "initial" as a count
        same = [
            r
            for r in lookup.of_value(q)
            if (_compatible(q, r[1]) or _unit_in_prose(q, r[0], r[1], r[3]))
            and not _other_unit_in_prose(q, r[0], r[1], r[3])
        ]
        if not same and _self_counted(a, q):
            continue
        if not same:
            issues.append(ClaimIssue("number", f"“{q.text}” does not match any number in the cited passages", sent))
            continue
        # counted noun: "10 workers" where the passages say "3 workers" (and "10 pool processes")
        if q.dim == "none" and q.nouns and not any(x.nouns & q.nouns or x.bare or not x.nouns for _, x, _, _ in same):
            rival = next((x for _, x, _, _ in lookup.counting(q.nouns) if not _same(x.value, q.value)), None)
            if rival is not None:
                issues.append(ClaimIssue("number", f"“{q.text}”: the passages give “{rival.text}”", sent))
                continue
        # a swapped value: the answer's wording fits a different value of the same kind clearly better
        a_tok = a.tokens[q.index]
        q_ctx = a_ctx[id(q)]
        q_kind = (_quantity_key(q), q_ctx)
        own = max(fit(a_tok, q_ctx, p, x, x_ctx)[0] for p, x, x_ctx, _ in same)
        # the values whose context fits clearly better (one fit for all the values of a context), in order
        better: list[int] = []
        for group in lookup.near(q, _context(a, a_tok, _NUMBER_STEMS)[0]):
            p, x, x_ctx, _ = rivals[group[0]]
            score, clause_ov = fit(a_tok, q_ctx, p, x, x_ctx)
            if clause_ov >= 2 and score >= own + _SWAP_MARGIN:
                better += (i for i in group if not _same(rivals[i][1].value, q.value))
        for p, x, x_ctx, _ in map(rivals.__getitem__, sorted(better)):
            score = fit(a_tok, q_ctx, p, x, x_ctx)[0]
            # the answer may give that other value too, in its own place ("5 minutes … after 10 minutes")
            claimed = any(
                fit(a.tokens[o.index], o_ctx, p, x, x_ctx)[0] >= score - _SWAP_MARGIN / 2
                for key, (o, o_ctx, n) in map(others.__getitem__, others_by_value.candidates((x.value, x.raw)))
                if n - (key == q_kind) > 0 and _compatible(o, x)
            )
            if not claimed:
                issues.append(ClaimIssue("number", f"“{q.text}”: in that context the passages say “{x.text}”", sent))
                break
    return issues


_Rival = tuple[Analysed, Quantity, int, tuple[str, ...]]  # (passage, quantity, its context id, its paragraph's units)


class _Rivals:
    """The passage quantities (one of each kind, in order), looked up by what the number check compares: an
    answer number can only equal one sharing a value with it (``ValueIndex``), only be the swap of one of its
    dimension whose clause shares two terms with its own, and only miscount a noun it shares."""

    def __init__(self, rivals: list[_Rival], clause_of: dict[int, frozenset[str]]) -> None:
        self.rivals = rivals
        self.values = ValueIndex()
        self.by_noun: dict[str, list[int]] = {}
        self.by_place: dict[tuple[int, str], list[int]] = {}  # (context id, dimension) -> rivals
        self.places: dict[str, list[int]] = {}  # a clause term -> the context ids using it
        for i, (_, x, ctx_id, units) in enumerate(rivals):
            in_prose = [x.value * _UNITS[u][1] for u in units] if x.dim == "none" and isinstance(x.value, float) else []
            self.values.add(i, (x.value, x.raw, *in_prose))  # ``_unit_in_prose`` reads x.value in a prose unit
            for noun in x.nouns:
                self.by_noun.setdefault(noun, []).append(i)
            self.by_place.setdefault((ctx_id, x.dim), []).append(i)
        for ctx_id, clause in clause_of.items():
            for term in clause:
                self.places.setdefault(term, []).append(ctx_id)

    def of_value(self, q: Quantity) -> list[_Rival]:
        """Those that may equal q (by ``_compatible`` or ``_unit_in_prose``), in order."""
        return [self.rivals[i] for i in self.values.candidates((q.value, q.raw))]

    def counting(self, nouns: frozenset[str]) -> list[_Rival]:
        """Those counting one of these nouns, in order."""
        return [self.rivals[i] for i in sorted({i for n in nouns for i in self.by_noun.get(n, ())})]

    def near(self, q: Quantity, clause: frozenset[str]) -> list[list[int]]:
        """Those of q's dimension whose clause shares at least two terms with q's, by context: all of a context
        fit q alike."""
        shared = _shared_counts(clause, self.places)
        return [group for c, n in shared.items() if n >= 2 and (group := self.by_place.get((c, q.dim), []))]


def _check_bare_units(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    """A unit without a number ("the delay is specified in minutes") where the passage sentence it restates
    uses another unit of that kind ("in seconds")."""
    issues: list[ClaimIssue] = []
    for c, words in a.clause_low.items():
        ws = words.split()
        for i, w in enumerate(ws):
            u = _unit_at_word(w)
            prev = ws[i - 1] if i else ""
            if not u or prev in _NUMBER_WORDS or _PLAIN_NUM.match(prev) or prev in ("a", "an"):
                continue
            dim = _UNITS[u][0]
            found = _backing(a, c, passages) if dim in ("time", "size") else None
            if found is None or any(_unit_at_word(x) == u for x in found[2]):
                continue
            if any(x and _UNITS[x][0] == dim and x != u for x in map(_unit_at_word, found[2])):
                issues.append(
                    ClaimIssue(
                        "number", f"“{w}” in “{_clause_text(a, c)}”: the passages use another unit", a.clause_sent[c]
                    )
                )
    return issues


def _unit_at_word(w: str) -> str | None:
    for cand in (w, w[:-1] if w.endswith("s") else w):
        if cand in _UNITS and len(cand) > 3:
            return cand
    return None
