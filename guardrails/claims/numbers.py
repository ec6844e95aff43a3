"""The numbers check: every quantity of the answer must equal one of the passages after unit
normalisation, with a compatible rate and counted noun, and must not sit where the passages clearly put a
different value of the same kind; a unit without a number must not replace the unit the restated passage
sentence uses. Changed numbers and units are the edit lexical and embedding support notice least.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from guardrails.claims.analysis import _NUMBER_STEMS, _SWAP_MARGIN, Analysed, ClaimIssue, _backing, _clause_text, _fit
from guardrails.claims.lexicon import _MEASURE_DIMS, _NUMBER_WORDS, _UNITS
from guardrails.claims.quantities import Quantity, _compatible, _same
from guardrails.claims.tokens import _PLAIN_NUM, _norm_text
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


def _unit_in_prose(q: Quantity, p: Analysed, x: Quantity) -> bool:
    """ "500,000 bytes" restating "The maximum size in bytes … Default: 500_000": a bare passage number whose
    unit the passage names in its prose (in the same paragraph) is that number in that unit."""
    if q.dim not in _MEASURE_DIMS or x.dim != "none" or not isinstance(x.value, float):
        return False
    item = p.tokens[x.index].item
    for t in p.tokens:
        u = _unit_at_word(t.low) if t.item == item else None
        if u and _UNITS[u][0] == q.dim and _same(x.value * _UNITS[u][1], q.value):
            return True
    return False


def _other_unit_in_prose(q: Quantity, p: Analysed, x: Quantity) -> bool:
    """ "4093 kilobytes" restating "larger than this many bytes … Defaults to 4093": the bare passage number
    has a unit after all, named in its paragraph's prose, and it is not the answer's."""
    if q.dim not in _MEASURE_DIMS or x.dim != "none" or _unit_in_prose(q, p, x):
        return False
    item = p.tokens[x.index].item
    return any((u := _unit_at_word(t.low)) and _UNITS[u][0] == q.dim for t in p.tokens if t.item == item)


def check_numbers(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    """Every number the answer gives must be one the passages give, in the same unit and the same place."""
    issues: list[ClaimIssue] = _check_bare_units(a, passages)
    pq = [(p, x) for p in passages for x in p.quantities]
    passage_nouns = set().union(*(x.nouns for _, x in pq)) if pq else set()
    for q in a.quantities:
        sent = a.tokens[q.index].sent
        if q.weak and not (q.nouns & passage_nouns):
            continue
        if q.dim == "ord" and a.tokens[q.index].low == "first" and not any(x.dim == "ord" for _, x in pq):
            continue  # "before your first shift": "first" is as often "initial" as a count
        same = [(p, x) for p, x in pq if _compatible(q, x) or _unit_in_prose(q, p, x)]
        same = [(p, x) for p, x in same if not _other_unit_in_prose(q, p, x)]
        if not same and _self_counted(a, q):
            continue
        if not same:
            issues.append(ClaimIssue("number", f"“{q.text}” does not match any number in the cited passages", sent))
            continue
        # counted noun: "10 workers" where the passages say "3 workers" (and "10 pool processes")
        if q.dim == "none" and q.nouns and not any(x.nouns & q.nouns or x.bare or not x.nouns for _, x in same):
            rival = next((x for _, x in pq if x.nouns & q.nouns and not _same(x.value, q.value)), None)
            if rival is not None:
                issues.append(ClaimIssue("number", f"“{q.text}”: the passages give “{rival.text}”", sent))
                continue
        # a swapped value: the answer's wording fits a different value of the same kind clearly better
        a_tok = a.tokens[q.index]
        own = max(_fit(a, a_tok, p, p.tokens[x.index], _NUMBER_STEMS)[0] for p, x in same)
        for p, x in pq:
            if x.dim != q.dim or _same(x.value, q.value):
                continue
            score, clause_ov = _fit(a, a_tok, p, p.tokens[x.index], _NUMBER_STEMS)
            # the answer may give that other value too, in its own place ("5 minutes … after 10 minutes")
            claimed = any(
                _fit(a, a.tokens[o.index], p, p.tokens[x.index], _NUMBER_STEMS)[0] >= score - _SWAP_MARGIN / 2
                for o in a.quantities
                if o is not q and _compatible(o, x)
            )
            if claimed:
                continue
            if clause_ov >= 2 and score >= own + _SWAP_MARGIN:
                issues.append(ClaimIssue("number", f"“{q.text}”: in that context the passages say “{x.text}”", sent))
                break
    return issues


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
