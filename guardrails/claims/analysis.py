"""An analysed text (``Analysed``: tokens, quantities, and the terms of each sentence, clause and list
item), ``ClaimIssue`` (what a check reports), and the helpers every check shares to find the passage
sentences or clauses an answer clause restates (term overlap, context fit, backing). Aligning a clause with
the sentence it restates is what lets a check compare like with like instead of any word of any passage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TypeVar

from guardrails.claims.lexicon import _INTERVAL, _NUMBER_WORDS, _SCALES, _UNITS
from guardrails.claims.quantities import Quantity, quantities
from guardrails.claims.tokens import Tok, tokenize
from guardrails.text import _stem


@dataclass(frozen=True)
class SentenceWords:
    words: list[str]
    initials: str  # the first character of each word
    starts: dict[str, list[int]]  # a word's first three characters -> the indexes of the words beginning so


@dataclass
class Analysed:
    """A text cut into tokens, clauses and sentences, with its quantities and the names it uses."""

    text: str
    tokens: list[Tok]
    quantities: list[Quantity]
    clause_terms: dict[int, frozenset[str]]
    sent_terms: dict[int, frozenset[str]]
    clause_sent: dict[int, int]
    sent_low: dict[int, str]  # a sentence's lowercased words joined by spaces (for cue phrases)
    clause_low: dict[int, str]
    names: set[str] = field(default_factory=set)  # lowercased tokens and their parts
    acronyms: set[str] = field(default_factory=set)
    codes: list[Tok] = field(default_factory=list)

    @cached_property
    def item_terms(self) -> dict[int, frozenset[str]]:
        """The terms of each list item or paragraph (`Tok.item`), read once: read for each pair of numbers
        compared, 800 characters of "1 " took 18 s."""
        items: dict[int, set[str]] = {}
        for t in self.tokens:
            items.setdefault(t.item, set()).update(t.terms)
        return {item: frozenset(terms) for item, terms in items.items()}

    @cached_property
    def clause_tokens(self) -> dict[int, list[Tok]]:
        """The tokens of each clause, in text order, read once (do not modify): the checks looked a clause's
        tokens up by scanning every token of the text, once per candidate clause, which held a worker for
        minutes on an answer repeating "Acme. "."""
        out: dict[int, list[Tok]] = {}
        for t in self.tokens:
            out.setdefault(t.clause, []).append(t)
        return out

    @cached_property
    def sent_tokens(self) -> dict[int, list[Tok]]:
        """The tokens of each sentence, in text order, read once (do not modify)."""
        out: dict[int, list[Tok]] = {}
        for t in self.tokens:
            out.setdefault(t.sent, []).append(t)
        return out

    @cached_property
    def sent_indexes(self) -> dict[int, list[int]]:
        """The token indexes of each sentence, in text order, read once (do not modify): for the checks that
        need a token's place, which found a sentence's tokens by scanning every token for each sentence pair."""
        out: dict[int, list[int]] = {}
        for i, t in enumerate(self.tokens):
            out.setdefault(t.sent, []).append(i)
        return out

    @cached_property
    def sent_word_runs(self) -> list[SentenceWords]:
        """Each sentence's alphanumeric words (`sent_low` split at every other character), with their initials
        and where each 3-letter beginning stands, read once for the abbreviation check (names.py)."""
        out = []
        for text in self.sent_low.values():
            words = [x for x in re.split(r"[^a-z0-9]+", text) if x]
            starts: dict[str, list[int]] = {}
            for i, x in enumerate(words):
                starts.setdefault(x[:3], []).append(i)
            out.append(SentenceWords(words, "".join(x[0] for x in words), starts))
        return out

    @cached_property
    def sent_clauses(self) -> dict[int, int]:
        """How many clauses (keys of `clause_sent`) each sentence has."""
        out: dict[int, int] = {}
        for s in self.clause_sent.values():
            out[s] = out.get(s, 0) + 1
        return out


def analyse(text: str) -> Analysed:
    tokens = tokenize(text)
    clause_terms: dict[int, set[str]] = {}
    sent_terms: dict[int, set[str]] = {}
    clause_sent: dict[int, int] = {}
    sent_words: dict[int, list[str]] = {}
    clause_words: dict[int, list[str]] = {}
    for t in tokens:
        clause_terms.setdefault(t.clause, set()).update(t.terms)
        sent_terms.setdefault(t.sent, set()).update(t.terms)
        clause_sent[t.clause] = t.sent
        sent_words.setdefault(t.sent, []).append(t.low)
        clause_words.setdefault(t.clause, []).append(t.low)
    a = Analysed(
        text,
        tokens,
        quantities(tokens),
        {c: frozenset(v) for c, v in clause_terms.items()},
        {s: frozenset(v) for s, v in sent_terms.items()},
        clause_sent,
        {s: " ".join(v) for s, v in sent_words.items()},
        {c: " ".join(v) for c, v in clause_words.items()},
    )
    for t in tokens:
        a.names.add(t.low)
        a.names.add(t.stem)
        a.names.add(t.low.strip("~@-#/"))
        for p in re.split(r"[^a-z0-9]+", t.low):
            if p:
                a.names.add(p)
                a.names.add(_stem(p))
        if t.kind == "code":
            a.codes.append(t)
            for seg in re.split(r"[.~@]+", t.low):
                if seg:
                    a.names.add(seg.strip("-"))
    by_sent: dict[int, list[Tok]] = {}
    for t in tokens:
        if t.kind != "num" and t.terms:  # "If no type" is no INT: acronyms come from content words
            by_sent.setdefault(t.sent, []).append(t)
    for ws in by_sent.values():  # acronyms: "Amazon Web Services" -> aws, "pull request" -> pr
        for i in range(len(ws)):
            for k in (2, 3, 4):
                if i + k <= len(ws):
                    a.acronyms.add("".join(w.low[0] for w in ws[i : i + k]))
    return a


@lru_cache(maxsize=256)
def analyse_passages(passages: tuple[str, ...]) -> tuple[Analysed, ...]:
    return tuple(analyse(p) for p in passages)


@dataclass(frozen=True)
class ClaimIssue:
    kind: str  # "number" | "name" | "negation" | "condition" | "scope"
    detail: str
    sentence: int = 0  # index into ``guardrails.text.sentences(answer)``

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


def _clause_text(a: Analysed, clause: int) -> str:
    return " ".join(t.raw for t in a.clause_tokens.get(clause, ()))


def _overlapping(
    terms: frozenset[str], passages: Sequence[Analysed], unit: str, min_overlap: int, rel: float = 0.5
) -> list[tuple[Analysed, int, frozenset[str]]]:
    """Passage clauses (unit="clause") or sentences that restate these terms: (passage, index, overlap),
    keeping those within `rel` of the best overlap."""
    found = []
    for p in passages:
        table = p.clause_terms if unit == "clause" else p.sent_terms
        for k, pt in table.items():
            ov = terms & pt
            if len(ov) >= min_overlap:
                found.append((p, k, ov))
    if not found:
        return []
    best = max(len(ov) for _, _, ov in found)
    return [f for f in found if len(f[2]) >= max(min_overlap, rel * best)]


_Place = TypeVar("_Place")


def _shared_counts(terms: Iterable[str], using: Mapping[str, Sequence[_Place]]) -> dict[_Place, int]:
    """How many of `terms` each place of an index (term -> the places using it) uses: the places an answer
    clause or sentence can restate, found without comparing it with every one."""
    shared: dict[_Place, int] = {}
    for term in terms:
        for place in using.get(term, ()):
            shared[place] = shared.get(place, 0) + 1
    return shared


def _context(a: Analysed, tok: Tok, exclude: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    return a.clause_terms.get(tok.clause, frozenset()) - exclude, a.sent_terms.get(tok.sent, frozenset()) - exclude


def _item_terms(a: Analysed, item: int) -> frozenset[str]:
    return a.item_terms.get(item, frozenset())


def _fit(a: Analysed, a_tok: Tok, p: Analysed, p_tok: Tok, exclude: frozenset[str]) -> tuple[float, int]:
    """How well the answer's wording around a_tok matches the passage's around p_tok: (score, clause
    overlap). Clause overlap counts most, then the sentence, then the list item or paragraph."""
    ac, asent = _context(a, a_tok, exclude)
    pc, ps = _context(p, p_tok, exclude)
    clause_ov = len(ac & pc)
    item_ov = len(asent & (_item_terms(p, p_tok.item) - exclude))
    polarity = 0.5 if a_tok.negated == p_tok.negated else 0.0
    return clause_ov + 0.5 * len(asent & ps) + 0.5 * item_ov + polarity, clause_ov


_SWAP_MARGIN = 1.5
# a rival name may sit in any passage sentence sharing at least this share of the best one's overlap
_RIVAL_REL = 0.6
_NUMBER_STEMS = frozenset(_stem(w) for w in list(_UNITS) + list(_NUMBER_WORDS) + list(_SCALES))


def _backing(a: Analysed, c: int, passages: Sequence[Analysed]) -> tuple[list, str, set[str]] | None:
    """The passage sentences an answer clause restates: (candidates, their words joined, their word and
    stem set with interval uses of "every" removed — "checked every 5 seconds" is no quantifier)."""
    terms = a.clause_terms.get(c, frozenset())
    cands = _overlapping(terms, passages, "sent", 2 if len(terms) >= 3 else 1) if terms else []
    if not cands:
        cands = _overlapping(a.sent_terms.get(a.clause_sent[c], frozenset()), passages, "sent", 1)
    if not cands:
        return None
    pw = " ".join(p.sent_low[s] for p, s, _ in cands)
    p_set = set(_INTERVAL.sub(" ", pw).split())
    p_set |= {_stem(w) for w in p_set}
    return cands, pw, p_set


def _content(x: Analysed, sent: int) -> list[Tok]:
    return [t for t in x.sent_tokens.get(sent, ()) if t.terms and t.kind != "num"]
