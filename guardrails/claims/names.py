"""The names check: product names, flags, paths, code identifiers and rare words the cited passages lack
are a substitution where the restated passage sentence has a rival name of the same family; names the
passages do use must not sit where they put another one (a sibling of a list or shape, an exchanged pair,
a different role title). A swapped name keeps a sentence *about* the passage, so similarity cannot catch it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from guardrails.claims.analysis import (
    _RIVAL_REL,
    _SWAP_MARGIN,
    Analysed,
    ClaimIssue,
    _content,
    _fit,
    _overlapping,
    _shared_counts,
)
from guardrails.claims.lexicon import (
    _COMMON_ACRONYMS,
    _GENERIC_RECEIVERS,
    _NOT_NAMES,
    _NUMBER_WORDS,
    _OPPOSITE,
    _ROLE_HEADS,
)
from guardrails.claims.temporal import month_backed
from guardrails.claims.tokens import _ALLCAPS, _CAMEL, _DIGIT, Tok
from guardrails.text import STOPWORDS, _stem


def _code_parts(low: str) -> list[str]:
    return [s for s in re.split(r"[^a-z0-9]+", low) if s]


def _name_present(t: Tok, passages: Sequence[Analysed]) -> bool:
    low = t.low.strip("~@")
    base = low[:-1] if low.endswith("s") and t.kind == "ident" and _ALLCAPS.match(t.raw[:-1] or "x") else low
    if base in _COMMON_ACRONYMS:
        return True
    for p in passages:
        if re.match(r"^-[A-Za-z]$", t.raw):  # short flags are case-sensitive: -n is not -N
            if any(x.raw == t.raw for x in p.tokens):
                return True
            continue
        if low in p.names or base in p.names or _stem(low) in p.names:
            return True
        if t.kind == "ident" and _ALLCAPS.match(t.raw[:-1] if t.raw.endswith("s") else t.raw) and base in p.acronyms:
            return True
        if t.kind == "ident" and ("/" in low or ":" in low):
            parts = _code_parts(low)
            if parts and all(x in p.names for x in parts):
                return True
        if _compound_present(t, p):
            return True
    return False


def _compound_present(t: Tok, p: Analysed) -> bool:
    """ "Base64-encoded" for "Base64 encoding", "Pub/Sub" for "pubsub": the name-bearing parts of a compound
    (those with a capital or a digit) are in the passage, or its parts written together are."""
    pieces = [x for x in re.split(r"[-/]", t.raw) if x]
    if len(pieces) < 2:
        return False
    if "".join(pieces).lower() in p.names:
        return True
    named = [x for x in pieces if re.search(r"[A-Z0-9]", x)]
    plain = [x for x in pieces if x not in named]
    return bool(named) and bool(plain) and all(x.lower() in p.names for x in named)


def _code_parts_stemmed(low: str) -> list[str]:
    parts = _code_parts(low)
    if len(parts) > 1 and parts[0] in _GENERIC_RECEIVERS:
        parts = parts[1:]  # self.retry ~ Task.retry
    return [_stem(x) for x in parts]


def _as_flag(low: str) -> str:
    """The command-line flag of a setting: max_requests is --max-requests."""
    return "--" + low.strip("~@").replace("_", "-")


def _code_present_or_unrelated(t: Tok, passages: Sequence[Analysed]) -> str | None:
    """None when a code identifier is in the passages or unlike any identifier there; otherwise the
    passage identifier it looks like a variant of (worker_prefetch_count for worker_prefetch_multiplier)."""
    low = t.low.strip("~@")
    segs = [g for g in re.split(r"[.~@()]+", low) if g]
    flag = _as_flag(low)
    for p in passages:
        if low in p.names or flag in p.names:
            return None
        # self.retry ~ Task.retry: the same member of another (or a generic) receiver
        if (
            len(segs) > 1
            and any(re.split(r"[.~@()]+", c.low.strip("~@()"))[-1] == segs[-1] for c in p.codes)
            and all(g in p.names or g in _GENERIC_RECEIVERS for g in segs[:-1])
        ):
            return None
    rest = _code_parts_stemmed(low)
    mine = set(rest)
    for p in passages:
        for c in p.codes:
            other = _code_parts_stemmed(c.low.strip("~@"))
            if not other or other == rest:
                continue
            if rest == other[: len(rest)] or other == rest[: len(other)]:
                continue  # broker_heartbeat vs broker_heartbeat_checkrate: a relative, not a variant
            shared = mine & set(other)
            if shared and len(shared) >= max(len(mine), len(other)) / 2:
                return c.raw
    return None


def _abbreviation(word: str, passages: Sequence[Analysed]) -> bool:
    """A short form of consecutive passage words: an acronym of their initials ("PaaS" of
    "Platform-as-a-Service") or two words' beginnings run together ("symlink" of "symbolic link")."""
    w = re.sub(r"[^a-z0-9]", "", word.lower())
    for p in passages:
        for sent in p.sent_word_runs:
            ws = sent.words
            if len(w) >= 2 and w in sent.initials:  # the initials of len(w) consecutive words
                return True
            # two words' beginnings (3 characters at least each) run together: the first shares w's first three
            for i in sent.starts.get(w[:3], ()) if len(w) >= 6 else ():
                if i + 1 < len(ws) and any(
                    w[:k] == ws[i][:k] and ws[i + 1].startswith(w[k:]) for k in range(3, len(w) - 2)
                ):
                    return True
    return False


def _check_name_slot(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    """ "namedtuples are a subclass of dicts" restating "… a subclass of tuples": a name the passages never use,
    in the slot of a word of the passage sentence the answer restates (the same content word before it, or
    after it unless the name opens the sentence: "For Gunicorn, …" frames) that the answer leaves out, where
    everything else the answer sentence says is in the passages. A name with no such counterpart is context
    the chunk does not carry (the product the docs are about) and left to the similarity support."""
    all_terms = frozenset().union(*(t2 for q in passages for t2 in q.sent_terms.values())) if passages else frozenset()
    for sent in sorted(set(a.clause_sent.values())):
        mine = _content(a, sent)
        a_terms = a.sent_terms.get(sent, frozenset())
        for i, w in enumerate(mine):
            if not (_is_name(w) or _rare_word(w)) or w.terms[0] in all_terms or w.stem in all_terms:
                continue
            if (a_terms - set(w.terms)) - all_terms or _abbreviation(w.low, passages):
                continue
            prev = mine[i - 1].terms[0] if i else None
            nxt = mine[i + 1].terms[0] if i + 1 < len(mine) else None
            for p in passages:
                for ps, terms in p.sent_terms.items():
                    if len(terms & a_terms) < 3:
                        continue
                    theirs = _content(p, ps)
                    for j, v in enumerate(theirs):
                        if v.terms[0] in a_terms or v.stem in a_terms:
                            continue
                        p_prev = theirs[j - 1].terms[0] if j else None
                        p_nxt = theirs[j + 1].terms[0] if j + 1 < len(theirs) else None
                        if (prev is not None and prev == p_prev) or (i and nxt is not None and nxt == p_nxt):
                            detail = f"“{w.raw}” is not in the cited passages, which say “{v.raw}” there"
                            return [ClaimIssue("name", detail, w.sent)]
    return []


def _near_miss(t: Tok, passages: Sequence[Analysed]) -> str | None:
    """A hyphenated name one segment away from a passage name (northwind-platform-alerts vs -prod)."""
    segs = t.low.split("-")
    if len(segs) < 3:
        return None
    for p in passages:
        for x in p.tokens:
            xs = x.low.split("-")
            same_shape = x.low != t.low and len(xs) == len(segs) and xs[0] == segs[0]
            if same_shape and sum(1 for u, v in zip(xs, segs, strict=True) if u != v) == 1:
                return x.raw
    return None


def _allcaps_name(t: Tok) -> bool:
    return t.kind == "ident" and bool(_ALLCAPS.match(t.raw)) and len(t.raw) >= 2


def _proper(t: Tok) -> bool:
    """A product or proper name: Grafana, PagerDuty, SQS, Wednesday (not a code identifier or a flag)."""
    if t.kind == "cap":
        return not t.initial and t.low not in _NOT_NAMES and t.low not in STOPWORDS and len(t.low) > 1
    if t.kind != "ident" or not t.raw[:1].isalpha():
        return False
    if _allcaps_name(t):
        return True
    return not _DIGIT.search(t.raw) and bool(_CAMEL.search(t.raw) and re.match(r"^[A-Za-z]+$", t.raw))


_RARE_ZIPF = 1.5  # below this general-English frequency a plain word is a name (wordfreq's Zipf scale)
# inflections and derivations of English words ("redelivered", "reloader", "randomises") are no names
_ENGLISH_SUFFIXES = ("ed", "ing", "er", "ers", "ly", "ise", "ises", "ised", "ize", "izes", "ized", "able", "ment")


@lru_cache(maxsize=4096)
def _zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


def _rare_word(t: Tok) -> bool:
    """A lower-case word English hardly uses: the name of a tool, library or format ("gevent", "msgpack")."""
    w = t.low
    if t.kind != "word" or len(w) < 3 or not w.isalpha() or w.endswith(_ENGLISH_SUFFIXES):
        return False
    return _zipf(w) < _RARE_ZIPF


def _is_name(t: Tok) -> bool:
    if t.kind == "ident":
        return True
    return t.kind == "cap" and not t.initial and t.low not in _NOT_NAMES and t.low not in STOPWORDS


def check_names(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    issues: list[ClaimIssue] = []
    seen: set[str] = set()
    mentioned = _mentioned(a)
    for t in a.tokens:
        if t.low in seen:
            continue
        seen.add(t.low)
        if _is_name(t):
            # A name the passages lack is a substitution only where the passage sentence the answer restates
            # has a name of its own in that place that the answer leaves out ("HAProxy" where it says
            # "Nginx"). Otherwise it is context a chunk does not carry: the product the docs are about, a
            # name from the section heading, a general term (JSON, OS) — the similarity support judges those.
            if not _name_present(t, passages) and not month_backed(t.raw, passages):
                rival = _rival(a, t, passages, mentioned)
                if rival is not None:
                    detail = f"“{t.raw}” is not in the cited passages, which say “{rival}” there"
                    issues.append(ClaimIssue("name", detail, t.sent))
        elif t.kind == "code":
            other = _code_present_or_unrelated(t, passages)
            last = _last_segment(t.low)
            if (
                other is None
                and not any(t.low.strip("~@") in p.names or _as_flag(t.low) in p.names for p in passages)
                and not any(_last_segment(c.low) == last for p in passages for c in p.codes)
            ):
                other = _rival(a, t, passages, mentioned)
            if other:
                issues.append(
                    ClaimIssue("name", f"“{t.raw}” is not in the cited passages (they have “{other}”)", t.sent)
                )
        elif _rare_word(t) and not any(t.low in p.names or t.stem in p.names for p in passages):
            # a word English hardly uses ("gevent", "msgpack", "psutil") is a tool's or format's name
            other = _rival(a, t, passages, mentioned)
            if other:
                detail = f"“{t.raw}” is not in the cited passages, which say “{other}” there"
                issues.append(ClaimIssue("name", detail, t.sent))
        elif t.kind == "hyph" and not any(t.low in p.names for p in passages):
            other = _near_miss(t, passages) or (_rival(a, t, passages, mentioned) if _hyph_name(t) else None)
            if other:
                issues.append(
                    ClaimIssue("name", f"“{t.raw}” is not in the cited passages (they have “{other}”)", t.sent)
                )
    issues += _check_roles(a, passages)
    issues += _check_name_slot(a, passages)
    if issues:
        return issues
    # a swapped name: both are in the passages, but the answer's wording fits the other one clearly better
    answer_names = {t.low for t in a.tokens} | {t.stem for t in a.tokens}
    spots = _NameSpots(passages, answer_names)
    fits: dict[tuple[object, ...], tuple[float, int]] = {}

    def fit(t: Tok, p: Analysed, x: Tok, exclude: frozenset[str]) -> tuple[float, int]:
        """``_fit``, once for each pair of contexts (what it reads of each token)."""
        key = (t.clause, t.sent, t.negated, id(p), x.clause, x.sent, x.item, x.negated, exclude)
        if key not in fits:
            fits[key] = _fit(a, t, p, x, exclude)
        return fits[key]

    for t in a.tokens:
        if not (_is_name(t) or t.kind == "code"):
            continue
        hits = spots.uses(t.low)
        if not hits:
            continue
        exclude = frozenset(t.terms)
        own = max(fit(t, p, x, exclude)[0] for p, x in hits)
        for p, x in spots.rivals(_shape(t), a.clause_terms.get(t.clause, frozenset())):
            if t.kind == x.kind == "code" and any(q is p and y.sent == x.sent for q, y in hits):
                continue  # "randint(0, max_requests_jitter)": a passage sentence with both fits both
            score, clause_ov = fit(t, p, x, exclude | frozenset(x.terms))
            if clause_ov >= 2 and score >= own + _SWAP_MARGIN:
                issues.append(ClaimIssue("name", f"“{t.raw}”: in that context the passages say “{x.raw}”", t.sent))
                return issues
    return check_sibling_swaps(a, passages) or check_exchanged(a, passages)


class _NameSpots:
    """The passage tokens the swapped-name check reads, looked up instead of scanned for each answer name (which
    took seconds on an answer of many names): each name's uses (one for each context ``_fit`` reads), and the
    names the answer leaves out by shape and clause, found through the clause terms an answer name's clause
    shares with theirs (a swap needs two)."""

    def __init__(self, passages: Sequence[Analysed], answer_names: set[str]) -> None:
        self.passages = passages
        self._uses: dict[str, dict[tuple[object, ...], tuple[Analysed, Tok]]] = {}
        self._left_out: dict[tuple[int, int, str], list[int]] = {}  # (passage, clause, shape) -> token indexes
        self._clauses: dict[str, list[tuple[int, int]]] = {}  # a clause term -> the (passage, clause)s using it
        for n, p in enumerate(passages):
            for i, x in enumerate(p.tokens):
                key = (n, x.clause, x.sent, x.item, x.negated)
                self._uses.setdefault(x.low, {}).setdefault(key, (p, x))
                if x.low in answer_names or x.stem in answer_names or x.low in _COMMON_ACRONYMS:
                    continue
                if _is_name(x) or x.kind == "code":
                    self._left_out.setdefault((n, x.clause, _shape(x)), []).append(i)
            for c, terms in p.clause_terms.items():
                for term in terms:
                    self._clauses.setdefault(term, []).append((n, c))

    def uses(self, low: str) -> list[tuple[Analysed, Tok]]:
        """The passage tokens written `low`, one for each context (the same sentences and best fit as all)."""
        return list(self._uses.get(low, {}).values())

    def rivals(self, shape: str, clause: frozenset[str]) -> list[tuple[Analysed, Tok]]:
        """Names of this shape the answer leaves out, in clauses sharing two terms with `clause`, in text order."""
        shared = _shared_counts(clause, self._clauses)
        found = sorted((n, i) for (n, c), k in shared.items() if k >= 2 for i in self._left_out.get((n, c, shape), ()))
        return [(self.passages[n], self.passages[n].tokens[i]) for n, i in found]


# ---- swapped siblings: a term of the passages put where the passages have its sibling

_COORD = re.compile(r"^(?:and|or|nor|vs|versus|and/or)$")
_SWAP_GAIN = 2  # the other sentence must restate the clause by this many more terms than any with the term
_SWAP_MIN = 3  # and share at least this many with it


def _siblings(p: Analysed) -> set[frozenset[str]]:
    """Pairs of terms the passage treats as alternatives of one kind: coordinated ("TTIN, TTOU, and CHLD",
    "increase or decrease"), modifiers of the same head noun ("master process" / "worker processes", "sync
    workers" / "async workers"), or names of the same shape (USR1 / USR2, TERM / QUIT)."""
    pairs: set[frozenset[str]] = set()
    heads: dict[str, set[str]] = {}
    names: dict[str, set[str]] = {}
    toks = p.tokens
    for i, t in enumerate(toks):
        if not t.terms:
            continue
        if (_is_name(t) or t.kind == "code") and t.low not in _COMMON_ACRONYMS and _shape(t) != "cap":
            names.setdefault(_shape(t), set()).add(t.terms[0])
        # the next content token in the same sentence, past one coordinator at most
        j = i + 1
        if j < len(toks) and toks[j].sent == t.sent and _COORD.match(toks[j].low):
            j += 1
        elif j < len(toks) and toks[j].clause == t.clause:
            j = -1  # plain neighbours in one clause are a phrase, not a list ("master process")
        if 0 < j < len(toks) and toks[j].sent == t.sent and toks[j].terms and toks[j].kind == t.kind:
            pairs.add(frozenset((t.terms[0], toks[j].terms[0])))
        k = i + 1
        if (
            k < len(toks)
            and toks[k].clause == t.clause
            and t.kind == toks[k].kind == "word"
            and toks[k].terms
            and not re.search(r"(?<!s)s$|ed$|ing$|ly$", t.low)  # a modifier, not a verb or adverb
        ):
            heads.setdefault(toks[k].terms[0], set()).add(t.terms[0])
    for group in (*heads.values(), *names.values()):
        if 2 <= len(group) <= 8:
            pairs |= {frozenset((x, y)) for x in group for y in group if x != y}
    # "small" / "smaller", "worker" / "workers": forms of one word are no alternatives
    return {pr for pr in pairs if len(pr) == 2 and not _one_word(*pr)}


def _one_word(x: str, y: str) -> bool:
    short, long_ = sorted((x, y), key=len)
    if long_.startswith(short):
        return True
    return short.isalpha() and long_.isalpha() and len(short) >= 4 and long_.startswith(short[:-1])


def check_sibling_swaps(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    """ "the master restarts it when it receives TTOU" where the passage sentence the clause restates says
    CHLD, and TTOU (the answer's word) is a sibling of CHLD in the passages: both are in the passages, so the
    absent-name checks see nothing. The answer's clause must restate a passage sentence that lacks the term,
    has the sibling instead (which the answer's clause does not use) and shares clearly more terms with the
    clause than every passage sentence that has the term."""
    sibs: set[frozenset[str]] = set().union(*(_siblings(p) for p in passages)) if passages else set()
    if not sibs:
        return []
    for t in a.tokens:
        if not t.terms or t.kind == "num":
            continue
        s = t.terms[0]
        clause = a.clause_terms.get(t.clause, frozenset())
        ctx = clause - set(t.terms)
        with_s = [(p, k) for p in passages for k, st in p.sent_terms.items() if s in st]
        if not with_s:
            continue
        own = max(len(ctx & p.sent_terms[k]) for p, k in with_s)
        for p in passages:
            for k, st in p.sent_terms.items():
                if s in st:
                    continue
                ov = len(ctx & st)
                if ov < _SWAP_MIN or ov < own + _SWAP_GAIN:
                    continue
                for x in p.sent_tokens.get(k, ()):
                    if x.sent != k or not x.terms or x.terms[0] in clause:
                        continue
                    if frozenset((s, x.terms[0])) in sibs:
                        detail = f"“{t.raw}”: the passage sentence this restates says “{x.raw}”"
                        return [ClaimIssue("name", detail, t.sent)]
    return []


# ---- exchanged pair: two terms of one passage sentence put in each other's place

_EXCHANGE_MIN = 4  # shared terms a sentence pair needs before the order of its terms says anything
_CONTRASTS = re.compile(r"\b(?:rather than|instead of|unlike|in place of|not|over)\b")
_LIST_LINK = re.compile(r"^(?:[,;/&]|and|or|nor|and/or|as well as|plus)?$")


_Firsts = tuple[dict[str, int], dict[str, int]]
_NO_TERMS: _Firsts = ({}, {})


def _firsts(x: Analysed) -> dict[int, _Firsts]:
    """For each sentence: term -> token index of its first use in it, and -> how often it uses the term. One pass
    over the tokens (read again for each pair of sentences, 2,000 characters of "A. " took seconds)."""
    by_sentence: dict[int, _Firsts] = {}
    for i, t in enumerate(x.tokens):
        if t.terms or t.kind == "num" or t.low in _NUMBER_WORDS:
            first, count = by_sentence.setdefault(t.sent, ({}, {}))
            for term in dict.fromkeys(t.terms or (t.low,)):
                first.setdefault(term, i)
                count[term] = count.get(term, 0) + 1
    return by_sentence


def _between(x: Analysed, i: int, j: int) -> list[str]:
    lo, hi = sorted((i, j))
    return [t.low for t in x.tokens[lo + 1 : hi]]


def _listed(words: list[str]) -> bool:
    """Only list glue between two terms ("A, B and C"): a list, whose order says nothing."""
    return all(_LIST_LINK.match(w) or w in ("the", "a", "an") for w in words)


class _Restated:
    """The passage sentences by the terms they use (``_firsts``), so that an answer sentence meets only those
    sharing enough terms to restate it instead of every one (answer sentences x passage sentences)."""

    def __init__(self, passages: Sequence[Analysed], their_firsts: list[dict[int, _Firsts]]) -> None:
        self.passages = passages
        self._firsts = their_firsts
        self._order: list[tuple[int, int]] = [(n, ps) for n, p in enumerate(passages) for ps in p.sent_terms]
        self._using: dict[str, list[int]] = {}  # a term -> the positions in `_order` of the sentences using it
        for k, (n, ps) in enumerate(self._order):
            for term in their_firsts[n].get(ps, _NO_TERMS)[0]:
                self._using.setdefault(term, []).append(k)

    def sharing(self, mine: dict[str, int], at_least: int) -> list[tuple[Analysed, _Firsts]]:
        """The passage sentences sharing at least `at_least` of these terms, in passage and sentence order: each
        passage with the sentence's ``_firsts``."""
        shared = _shared_counts(mine, self._using)
        out = []
        for k in sorted(shared):
            if shared[k] >= at_least:
                n, ps = self._order[k]
                out.append((self.passages[n], self._firsts[n].get(ps, _NO_TERMS)))
        return out


def check_exchanged(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    """ "names with one dash are parsed as long options, and names with two as short options" restating "…
    one dash are parsed as short options, names with two are parsed as long options": exchanging two terms
    of the restated passage sentence puts every other shared term back in the passage's order, and either a
    shared term stands between the two or the same link joins them ("based on argparse rather than optparse"
    for "based on optparse instead of argparse"; "replace dashes with underscores" for "replace underscores
    with dashes"). The two must be names, opposites, modifiers of one head noun ("long / short options") or
    joined by the same short link ("X with Y"). A faithful reordering ("rather than argparse, Click uses
    optparse") moves the other terms too; two items of a list ("A, B and C") are left alone."""
    sibs: set[frozenset[str]] = set().union(*(_siblings(p) for p in passages)) if passages else set()

    def namey(t: Tok) -> bool:
        return (_is_name(t) or t.kind == "code" or _rare_word(t)) and t.low not in _COMMON_ACRONYMS

    def head(i: int) -> tuple[str, ...]:
        return a.tokens[i + 1].terms if i + 1 < len(a.tokens) else ()

    def alternatives(x: str, y: str, ix: int, iy: int, pair: tuple[Tok, Tok, Tok, Tok]) -> bool:
        """Opposites, names, or siblings of the passages modifying one head noun ("long / short options")."""
        ax, ay, px, py = pair
        if _alternatives(x, y, set()) or ((namey(ax) or namey(px)) and (namey(ay) or namey(py))):
            return True
        return frozenset((x, y)) in sibs and bool(head(ix)) and head(ix) == head(iy)

    my_firsts, their_firsts = _firsts(a), [_firsts(p) for p in passages]
    restated = _Restated(passages, their_firsts)
    for sent in sorted(set(a.clause_sent.values())):
        mine, my_count = my_firsts.get(sent, _NO_TERMS)
        for p, (theirs, their_count) in restated.sharing(mine, _EXCHANGE_MIN):
            shared = [w for w in mine if w in theirs]
            if len(shared) < _EXCHANGE_MIN or 2 * len(shared) < max(len(mine), len(theirs)):
                continue  # the answer's sentence must restate this passage sentence, not borrow from it
            anchors = [w for w in shared if my_count[w] == their_count[w] == 1]
            for i, x in enumerate(shared):
                for y in shared[i + 1 :]:
                    if (mine[x] < mine[y]) == (theirs[x] < theirs[y]) or _one_word(x, y):
                        continue
                    pair = (a.tokens[mine[x]], a.tokens[mine[y]], p.tokens[theirs[x]], p.tokens[theirs[y]])
                    # the same short link between them; the words between two terms far apart are read only
                    # for a pair that can count (reading them for every pair of a long sentence took seconds)
                    gap = abs(mine[x] - mine[y]) - 1
                    linked = 0 < gap == abs(theirs[x] - theirs[y]) - 1 <= 2 and _between(
                        a, mine[x], mine[y]
                    ) == _between(p, theirs[x], theirs[y])
                    if not (alternatives(x, y, mine[x], mine[y], pair) or linked):
                        continue
                    rest = [z for z in anchors if mine[z] not in (mine[x], mine[y])]
                    if not rest:
                        continue
                    swapped = {x: mine[y], y: mine[x]}
                    if any((swapped[v] < mine[z]) != (theirs[v] < theirs[z]) for v in (x, y) for z in rest):
                        continue
                    lo, hi = sorted((theirs[x], theirs[y]))
                    inside = any(lo < theirs[z] < hi for z in rest)
                    if all(lo < theirs[z] < hi for z in rest):
                        continue  # nothing outside the two to hold them in place: a change of voice
                    mid_a, mid_p = _between(a, mine[x], mine[y]), _between(p, theirs[x], theirs[y])
                    if _listed(mid_a) or _listed(mid_p):
                        continue
                    same_link = mid_a == mid_p or (
                        bool(_CONTRASTS.search(" ".join(mid_a))) and bool(_CONTRASTS.search(" ".join(mid_p)))
                    )
                    if inside or same_link:
                        tx, ty = a.tokens[mine[x]].raw, a.tokens[mine[y]].raw
                        detail = f"“{tx}” and “{ty}” are in each other's place in the passage sentence this restates"
                        return [ClaimIssue("name", detail, sent)]
    return []


def _family(t: Tok) -> str:
    """What a name can stand in for: a flag for a flag, a path or channel for a path, a code identifier for
    a code identifier, any other name (Nginx, GitHub, TERM, USR1, Redis) for another."""
    if t.raw.startswith("-"):
        return "flag"
    if t.raw[:1] in "/#" or t.raw.startswith("~/") or "://" in t.raw:
        return "path"
    if t.kind == "code":
        return "code"
    return "name"


def _hyph_name(t: Tok) -> bool:
    """A hyphenated name with capitals: X-Forwarded-For, X-Real-IP (not "Base64-encoded" at a sentence start)."""
    return t.kind == "hyph" and not t.initial and sum(c.isupper() for c in t.raw) >= 2


def _mentioned(a: Analysed) -> tuple[set[str], set[str], set[str]]:
    """Every form of every word of the answer (to tell the passage names it leaves out), and its flags
    as written (a flag is mentioned only as a flag, and -n is not -N), and its whole words."""
    words: set[str] = set()
    flags: set[str] = set()
    whole = {t.low for t in a.tokens} | {t.stem for t in a.tokens}
    for t in a.tokens:
        words |= {t.low, t.stem, t.low.strip("~@-#/"), *(x for x in re.split(r"[^a-z0-9]+", t.low) if x)}
        words |= {x for x in re.split(r"[.~@()]+", t.low) if x}
        if t.raw.startswith("-"):
            flags.add(t.raw if re.match(r"^-[A-Za-z]$", t.raw) else t.low)
    return words, flags, whole


def _left_out(x: Tok, mentioned: tuple[set[str], set[str], set[str]]) -> bool:
    """Does the answer leave passage name x out (so that an absent answer name may have replaced it)?"""
    words, flags, whole = mentioned
    if x.raw.startswith("-"):
        return (x.raw if re.match(r"^-[A-Za-z]$", x.raw) else x.low) not in flags
    if x.low in words or x.stem in words or x.low.strip("~@-#/") in words:
        return False
    if x.kind == "code":  # ~celery.bin.beat is "beat", ~cli.load_dotenv is "load_dotenv" (click.echo is no typer.echo)
        segs = [g for g in re.split(r"[.~@()]+", x.low) if g]
        return not (segs and segs[-1] in whole)
    if _family(x) != "name":
        return True  # a path or channel is mentioned only whole: /page-platform is not /oncall-platform
    parts = [y for y in re.split(r"[^a-z0-9]+", x.low) if y]
    return not (parts and all(y in words for y in parts))


def _segment_as_word(x: Tok, p: Analysed, mentioned: tuple[set[str], set[str], set[str]]) -> bool:
    """ "main error handling happens in Context.invoke" restating "main error handling is happening in
    BaseCommand.main": the answer's "main" is the passage's word "main", not a mention of BaseCommand.main."""
    words, _, whole = mentioned
    if x.kind != "code" or x.low in words:
        return False
    segs = [g for g in re.split(r"[.~@()]+", x.low) if g]
    return (
        bool(segs)
        and segs[-1] in whole
        and any(y is not x and y.sent == x.sent and y.low == segs[-1] for y in p.sent_tokens.get(x.sent, ()))
    )


def _rival(
    a: Analysed, t: Tok, passages: Sequence[Analysed], mentioned: tuple[set[str], set[str], set[str]]
) -> str | None:
    """A name that the answer left out, of the same family as `t`, in the passage sentence that the answer's
    clause (or sentence) around `t` restates — sharing at least two other terms with it, the best such
    sentence: the name `t` replaced."""
    family = _family(t)
    rare = _rare_word(t)  # a rare word may stand in for another rare word, a name only for a name
    own = set(t.terms)
    clause = a.clause_terms.get(t.clause, frozenset()) - own
    cands = _overlapping(clause, passages, "sent", min(2, len(clause)), rel=_RIVAL_REL) if clause else []
    cands += _overlapping(a.sent_terms.get(t.sent, frozenset()) - own, passages, "sent", 2, rel=_RIVAL_REL)
    for p, ps, _ in cands:
        for x in p.sent_tokens.get(ps, ()):  # its tokens only (a scan of every token for each candidate took seconds)
            if t.kind == "hyph":
                named = _hyph_name(x)  # X-Real-IP stands in for X-Forwarded-For, not for any name
            else:
                named = _is_name(x) or x.kind == "code" or ((rare or t.kind == "cap") and _rare_word(x))
            if _hyph_name(x) and "".join(w[0] for w in re.split(r"[^a-z0-9]+", x.low) if w) == t.low:
                continue  # PaaS is Platform-as-a-Service
            if x.sent != ps or not named or _family(x) != family:
                continue
            if x.low in _COMMON_ACRONYMS or x.low in _NOT_NAMES:
                continue
            if not _left_out(x, mentioned) and not _segment_as_word(x, p, mentioned):
                continue
            if family == "code" and _relatives(t.low, x.low):
                continue  # broker_heartbeat vs broker_heartbeat_checkrate: a relative, not a replacement
            return x.raw
    return None


def _last_segment(low: str) -> list[str]:
    """ "retry" of "self.retry", as a list (empty for an empty name)."""
    return [g for g in re.split(r"[.~@()]+", low) if g][-1:]


def _relatives(a: str, b: str) -> bool:
    x, y = _code_parts_stemmed(a.strip("~@")), _code_parts_stemmed(b.strip("~@"))
    return bool(x) and bool(y) and (x == y[: len(x)] or y == x[: len(y)])


def _role(t: Tok) -> str | None:
    w = t.low[:-1] if t.low.endswith("s") and t.low[:-1] in _ROLE_HEADS else t.low
    return w if w in _ROLE_HEADS and t.kind in ("word", "cap", "ident") else None


def _check_roles(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    """A role title the passages never use, where the passage sentence it restates names a different role."""
    issues = []
    present = {r for p in passages for t in p.tokens if (r := _role(t))}
    for t in a.tokens:
        role = _role(t)
        if role is None or role in present:
            continue
        terms = a.clause_terms.get(t.clause, frozenset()) - {t.stem}
        for p, s_, _ in _overlapping(terms, passages, "sent", 2):
            others = {r for x in p.sent_tokens.get(s_, ()) if x.sent == s_ and (r := _role(x))}
            if others:
                issues.append(ClaimIssue("name", f"“{t.raw}”: the passages say “{sorted(others)[0]}” there", t.sent))
                return issues
    return issues


def _shape(t: Tok) -> str:
    if t.kind == "code":
        return "code"
    if _ALLCAPS.match(t.raw):
        return "caps"
    if t.kind == "cap":
        return "cap"
    if _DIGIT.search(t.raw) and "-" in t.raw:
        return "hyph-digit"
    return t.kind + ":" + t.raw[:1]


def _alternatives(x: str, y: str, sibs: set[frozenset[str]]) -> bool:
    return frozenset((x, y)) in sibs or {x, y} == {"true", "false"} or _stem(y) in _OPPOSITE.get(_stem(x), ())
