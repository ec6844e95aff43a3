"""Checks on how an answer sentence arranges the words of the passage sentence it restates: a word of
another passage sentence put in one word's slot, two pairs of alternatives paired the other way round, and
steps or before/after given in the opposite order. These edits keep every word the passages use, so only
the arrangement can show them; ``check_cues`` runs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from guardrails.claims.analysis import _NUMBER_STEMS, Analysed, ClaimIssue, _content
from guardrails.claims.lexicon import _AFTER, _BEFORE, _words
from guardrails.claims.names import _alternatives, _is_name, _siblings


def _check_slot_swap(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    """ "all the work is done when the class is instantiated" restating "… done when the class is defined",
    where "instantiated" is a word of another passage sentence: in the slot of a passage sentence's word (the
    same two content words before it and the same one, or the sentence's end, after it) the answer puts a word
    the passages use elsewhere, leaves the sentence's own word out and says nothing else the sentence does not.
    A synonym the passages never use is the similarity check's to judge (allowing one made the faithful
    rejections jump on the development splits)."""
    for sent in sorted(set(a.clause_sent.values())):
        mine = _content(a, sent)
        a_terms = a.sent_terms.get(sent, frozenset())
        for i in range(2, len(mine)):
            w = mine[i]
            if w.kind != "word" or _is_name(w):
                continue
            before = (mine[i - 2].terms[0], mine[i - 1].terms[0])
            for p in passages:
                for ps, terms in p.sent_terms.items():
                    if w.terms[0] in terms or len(terms & a_terms) < 3 or a_terms - terms - set(w.terms):
                        continue  # the answer sentence must restate this one but for the word
                    if not any(w.terms[0] in t2 for k, t2 in p.sent_terms.items() if k != ps):
                        continue
                    theirs = _content(p, ps)
                    for j in range(2, len(theirs)):
                        v = theirs[j]
                        if (theirs[j - 2].terms[0], theirs[j - 1].terms[0]) != before or v.kind != "word":
                            continue
                        after_v = theirs[j + 1].terms[0] if j + 1 < len(theirs) else None
                        if after_v != (mine[i + 1].terms[0] if i + 1 < len(mine) else None):
                            continue
                        if v.terms[0] not in a_terms and v.terms[0] != w.terms[0]:
                            detail = f"“{w.raw}” where the passage sentence this restates says “{v.raw}”"
                            return [ClaimIssue("condition", detail, sent)]
    return []


def _once(x: Analysed, sent: int) -> dict[str, int]:
    """Term -> its position in one sentence, for the terms the sentence uses once ("true" / "false" by their
    words: the tokenizer reads "False" as a negated "true")."""
    seen: dict[str, list[int]] = {}
    for i in x.sent_indexes.get(sent, ()):
        t = x.tokens[i]
        if t.sent == sent and t.terms:
            key = t.low if t.low in ("true", "false") else t.terms[0]
            seen.setdefault(key, []).append(i)
            if len(t.terms) > 1 and t.terms[1] != key:
                seen.setdefault(t.terms[1], []).append(i)
    return {k: v[0] for k, v in seen.items() if len(v) == 1}


def _check_crossed(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    """ "lazy=True for reading and lazy=False for writing" restating "lazy=True for writing and lazy=False for
    reading": of two pairs of alternatives both sentences name, the answer keeps the order of one pair and
    inverts the other, a pair of opposites, i.e. it pairs them up the other way round. (A reordered paraphrase
    inverts both; a list reordered freely is no pair of opposites.)"""
    sibs: set[frozenset[str]] = set().union(*(_siblings(p) for p in passages)) if passages else set()
    read: dict[tuple[int, int], dict[str, int]] = {}  # (passage, sentence) -> its ``_once``, read once
    for sent in sorted(set(a.clause_sent.values())):
        mine = _once(a, sent)
        if len(mine) < 4:
            continue
        for n, p in enumerate(passages):
            for ps, terms in p.sent_terms.items():
                if len(terms & mine.keys()) < 4:
                    continue
                if (n, ps) not in read:
                    read[n, ps] = _once(p, ps)
                theirs = read[n, ps]
                shared = sorted(mine.keys() & theirs.keys())
                pairs = [(x, y) for i, x in enumerate(shared) for y in shared[i + 1 :] if _alternatives(x, y, sibs)]
                kept = [pr for pr in pairs if (mine[pr[0]] < mine[pr[1]]) == (theirs[pr[0]] < theirs[pr[1]])]
                crossed = [pr for pr in pairs if pr not in kept]
                for x, y in crossed:  # opposites crossed; the pair kept in order may be any alternatives
                    if _alternatives(x, y, set()) and any(not {x, y} & set(k) for k in kept):
                        detail = f"the answer pairs “{x}” and “{y}” the other way round than the passage sentence"
                        return [ClaimIssue("condition", detail, sent)]
    return []


def _complement(a: Analysed, i: int) -> set[str]:
    out: set[str] = set()
    t0 = a.tokens[i]
    for t in a.tokens[i + 1 : i + 7]:
        if t.sent != t0.sent or t.clause != t0.clause:
            break
        out.update(t.terms)
    return out


_DURING = _words("while during")


def _check_order(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    """ "before X" restating "after X" (and vice versa) or "while X"; "Y after X" restating "X before Y" is
    fine."""
    issues = []
    # the passages' order words, found once (not for each order word of the answer)
    ordering = _BEFORE | _AFTER | _DURING
    spots = [(p, [j for j, x in enumerate(p.tokens) if x.low in ordering]) for p in passages]
    for i, t in enumerate(a.tokens):
        mine = _BEFORE if t.low in _BEFORE else _AFTER if t.low in _AFTER else None
        if mine is None or (t.low == "once" and i + 1 < len(a.tokens) and a.tokens[i + 1].low in ("per", "every")):
            continue
        comp = _complement(a, i) - _NUMBER_STEMS
        if not comp:
            continue
        opposite = (_AFTER if mine is _BEFORE else _BEFORE) | _DURING  # "before it's under load" for "while"
        for p, js in spots:
            for j in js:
                x = p.tokens[j]
                if x.low not in opposite:
                    continue
                pcomp = _complement(p, j)
                same_rel = any(
                    p.tokens[k].low in mine and _complement(p, k) & comp for k in p.sent_indexes.get(x.sent, ())
                )
                if len(pcomp & comp) >= min(2, len(comp)) and not same_rel:
                    issues.append(
                        ClaimIssue(
                            "condition",
                            f"“{t.raw} {' '.join(sorted(comp))}”: the passages say “{x.raw}” for that",
                            t.sent,
                        )
                    )
                    return issues
    return issues


_STEP_WORDS = _words("then afterwards afterward fallback")
_FALL = _words("fall falls falling fell")
_REORDERING = _words("before after once until while when prior")


def _step_marker(x: Analysed, i: int) -> bool:
    t = x.tokens[i]
    return t.low in _STEP_WORDS or (t.low == "back" and i > 0 and x.tokens[i - 1].low in _FALL)


def _steps(x: Analysed, sent: int) -> list[frozenset[str]] | None:
    """The steps of a sentence that orders them ("replace the binary, then send USR2", "attempt inotify with a
    fallback to polling"): the terms of each stretch between clause breaks and step words; None without a
    step word."""
    steps: list[set[str]] = []
    marked = False
    last_clause = None
    for i in x.sent_indexes.get(sent, ()):
        t = x.tokens[i]
        if _step_marker(x, i):
            marked = True
            steps.append(set())
            last_clause = t.clause
            continue
        if t.clause != last_clause or not steps:
            steps.append(set())
            last_clause = t.clause
        steps[-1].update(y for y in t.terms if y not in ("first", "firstli", "fall"))
    if not marked:
        return None
    return [frozenset(st) for st in steps if st]


def _check_steps(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    """Steps the answer puts in the opposite order of the passage sentence it restates ("run gunicorn, then
    increase the limit" for "increase the limit, then run gunicorn"; "tries polling and falls back to
    inotify" for "attempt inotify with a fallback to polling"). Both sentences must order their steps with a
    step word; an answer sentence with "before" / "after" / "once" may order its clauses either way."""
    unordered: list[tuple[Analysed, int]] | None = None  # the passage sentences without an order word, read once
    for sent, low in a.sent_low.items():
        if _REORDERING & set(low.split()):
            continue
        mine = _steps(a, sent)
        if not mine or len(mine) < 2:
            continue
        if unordered is None:
            unordered = [
                (p, ps) for p in passages for ps in p.sent_terms if not _REORDERING & set(p.sent_low[ps].split())
            ]
        cands = [(len(a.sent_terms[sent] & p.sent_terms[ps]), p, ps) for p, ps in unordered]
        cands = [c for c in cands if c[0] >= 3]
        if not cands:
            continue
        _, p, ps = max(cands, key=lambda c: c[0])
        theirs = _steps(p, ps)
        if not theirs or len(theirs) < 2:
            continue
        order: list[int] = []
        for st in mine:
            ovs = sorted(((len(st & pt), k) for k, pt in enumerate(theirs)), reverse=True)
            unique = ovs[0][0] >= 1 and (len(ovs) == 1 or ovs[1][0] < ovs[0][0])
            if unique and (not order or order[-1] != ovs[0][1]):
                order.append(ovs[0][1])
        if any(x > y for x, y in pairwise(order)):
            detail = "the answer puts the steps in the opposite order of the passage sentence it restates"
            return [ClaimIssue("condition", detail, sent)]
    return []
