"""The conditions-and-quantifiers check: "only", "only if", "even if", "unless", "regardless", universals,
before/after and absolutes must be backed by the passage sentences the answer clause restates, and a
quantifier must not widen or swap the passages' ("every X" where they restrict X, "both" for "either").
It also runs the ``structure`` checks. An added "only" or "always" narrows or widens a claim by one word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from guardrails.claims.analysis import Analysed, ClaimIssue, _backing, _clause_text
from guardrails.claims.lexicon import (
    _ABSOLUTE,
    _AFTER,
    _BEFORE,
    _CONTRAST_NOT,
    _HEDGE_PHRASES,
    _HEDGES,
    _NOT_UNIVERSAL,
    _NUMBER_WORDS,
    _ONLY,
    _ONLY_EXCLUSIVE_BACKING,
    _ONLY_PHRASES,
    _PARTIAL,
    _TEMPORAL,
    _UNIVERSAL_BACKING,
    _UNIVERSAL_STRONG,
    _UNIVERSAL_WEAK,
    _UNLESS_BACKING,
    _regardless,
    _words,
)
from guardrails.claims.names import _is_name
from guardrails.claims.structure import _check_crossed, _check_order, _check_slot_swap, _check_steps
from guardrails.claims.tokens import _PLAIN_NUM
from guardrails.text import STOPWORDS, _stem

_COND_WORDS = _words("if when whenever provided")
_NEED_WORDS = _words("must need needs needed require requires required")


def _condition_stated(rest: str, pw: str) -> bool:
    """ "only if X" restating a passage that states X as a condition ("if X", "when X") or a requirement
    ("must X for this to …"), and not as "even if X": the passage makes X the condition, "only" just
    stresses it ("if it does not have a url_prefix, it is not possible …" backs "only if it has one")."""
    m = re.search(r"\b(?:if|when|whenever|as long as|provided)\b(.*)", rest)
    cond = {_stem(w) for w in (m.group(1) if m else rest).split()[:8] if w not in STOPWORDS and len(w) > 2}
    if not cond:
        return False
    pws = pw.split()
    for i, w in enumerate(pws):
        if (w not in _COND_WORDS and w not in _NEED_WORDS) or (i and pws[i - 1] == "even"):
            continue
        near = {_stem(x) for x in pws[max(0, i - 6) : i + 9] if x not in STOPWORDS}
        if len(cond & near) >= min(2, len(cond)):
            return True
    return False


def _only_cue(ws: list[str], sent_words: str, pw: str, p_set: set[str]) -> str | None:
    """ "only" (exclusive), "only if" (conditional) or "only after" (temporal) without backing."""
    # "not restricted to a single variable" says the opposite of "only"
    has_only = bool(p_set & _ONLY) or any(re.search(rf"(?<!\bnot )(?<!n't ){ph}", pw) for ph in _ONLY_PHRASES)
    k = next((i for i, w in enumerate(ws) if w in _ONLY), -1)
    nxt = ws[k + 1] if 0 <= k < len(ws) - 1 else ""
    if nxt in _NUMBER_WORDS or _PLAIN_NUM.match(nxt) or nxt in ("a", "one", "once", "as", "ever"):
        return None  # "only 5 seconds", "only as many as": emphasis on an amount
    rest = sent_words.split("only", 1)[-1]
    conditional = bool(re.search(r"\b(if|when|whenever|as long as|provided)\b", rest))
    temporal = bool(set(rest.split()) & _TEMPORAL)
    if conditional and not temporal:
        if has_only:
            return None
        if "unless" in p_set:
            return "only if"  # "only if X" restating "unless X" inverts it
        return None if _condition_stated(rest, pw) else "only"
    if has_only or p_set & _ONLY_EXCLUSIVE_BACKING or _CONTRAST_NOT.search(pw):
        return None
    if temporal and p_set & (_TEMPORAL | _BEFORE | _AFTER):
        return None
    return "only"


def _clause_cues(a: Analysed, c: int, cands: list, pw: str, p_set: set[str]) -> list[tuple[str, str]]:
    words = a.clause_low[c]
    ws = words.split()
    w_set = set(ws) - {m.group(m.lastindex or 0) for m in _NOT_UNIVERSAL.finditer(words)}
    out: list[tuple[str, str]] = []
    if w_set & _ONLY or any(ph in words for ph in _ONLY_PHRASES):
        what = _only_cue(ws, a.sent_low[a.clause_sent[c]], pw, p_set)
        if what:
            out.append(("condition", what))
    if "even" in w_set and "even" not in p_set and not _regardless(pw):
        out.append(("condition", "even"))
    if_not = "if" in p_set and any(t.neg_op for p, s, _ in cands for t in p.sent_tokens.get(s, ()))
    if "unless" in w_set and not (p_set & _UNLESS_BACKING) and not if_not:  # "unless X" restates "if not X"
        out.append(("condition", "unless"))
    if _regardless(words) and not _regardless(pw):
        out.append(("scope", "regardless / whether or not"))
    strong = w_set & _UNIVERSAL_STRONG
    widening = strong | (w_set & (_UNIVERSAL_WEAK | {"both", "any", "anyone"}))
    has_only = bool(p_set & _ONLY)
    if strong and not (p_set & _UNIVERSAL_BACKING):
        out.append(("scope", sorted(strong)[0]))
    elif widening and has_only and not w_set & _ONLY and not (p_set & (_UNIVERSAL_BACKING - {"no"})):
        out.append(("scope", sorted(widening)[0]))  # "both workers and clients" restating "only the worker"
    pws = pw.split()
    for i, w in enumerate(ws):  # "every situation" restating "most situations"
        if w not in _UNIVERSAL_WEAK and w not in _UNIVERSAL_STRONG:
            continue
        nouns = {_stem(x) for x in ws[i + 1 : i + 3] if x not in STOPWORDS}
        partial = next(
            (x for k, x in enumerate(pws) if x in _PARTIAL and nouns & {_stem(y) for y in pws[k + 1 : k + 3]}), None
        )
        if partial:
            out.append(("scope", f"{w} (the passages say “{partial}”)"))
    restricted = set(a.sent_low[a.clause_sent[c]].split()) & (_ONLY | {"not"})
    for i, w in enumerate(ws):  # "every worker type" restating "only affects the gthread worker type"
        if w not in ("every", "each", "all", "any") or restricted:
            continue
        nouns = {_stem(x) for x in ws[i + 1 : i + 4] if x not in STOPWORDS}
        for k, x in enumerate(pws):
            before = pws[max(0, k - 4) : k]
            if _stem(x) in nouns and (
                "only" in before or ("not" in before and {"all", "every"} & set(before[before.index("not") :]))
            ):
                out.append(("scope", f"{w} (the passages restrict “{x}”)"))
                break
        else:
            continue
        break
    swap = (
        _quantifier_swap(ws, a.sent_low[a.clause_sent[c]].split(), pw.split())
        or (
            _both_for_or(a.sent_low[a.clause_sent[c]].split(), pw.split())
            if "both" in a.clause_low[c].split()
            else None
        )
        or _named_kinds_widened(ws, cands)
    )
    even = _condition_for_even(ws, pw.split())
    if even:
        out.append(("condition", even))
    if swap:
        out.append(("scope", swap))
    absolute = _ABSOLUTE.search(words) and not (w_set & _HEDGES)
    if absolute and (p_set & _HEDGES or _HEDGE_PHRASES.search(pw)) and not _ABSOLUTE.search(pw):
        out.append(("scope", "always / never"))  # an absolute restating a hedged passage
    return out


_SOME_OF = _words("any one first some either")
_ALL_OF = _words("all both every each")
_ONE_OF = re.compile(r"\b(?:only one|just one|one of them|either of them|either one)\b")


def _quantified(ws: list[str], quantifiers: frozenset[str], nouns: set[str]) -> str | None:
    """The quantifier of `quantifiers` that qualifies one of `nouns` ("all their fields", "every worker")."""
    for k, x in enumerate(ws):
        if x in quantifiers and nouns & {_stem(y) for y in ws[k + 1 : k + 4] if y not in STOPWORDS}:
            return x
    return None


def _quantifier_swap(ws: list[str], sent: list[str], pws: list[str]) -> str | None:
    """ "equal if any of their fields are equal" restating "all their fields are equal", "the first validator"
    for "all validators", "only one of them runs" for "they are both run": the answer picks one (or some) of
    what the passage sentence says of all of them (unless the answer's sentence says that too: "all queues, or
    one")."""
    one = _ONE_OF.search(" ".join(ws))
    if one and "both" in pws and "both" not in ws:
        return f"“{one.group(0)}” (the passages say “both”)"
    for i, w in enumerate(ws):
        if w not in _SOME_OF or (w == "one" and i and ws[i - 1] in ("no", "than", "least", "by", "only")):
            continue
        nouns = {_stem(x) for x in ws[i + 1 : i + 4] if x not in STOPWORDS and x != "one"}
        if not nouns or _quantified(sent, _ALL_OF, nouns) or _quantified(pws, frozenset((w,)), nouns):
            continue
        universal = _quantified(pws, _ALL_OF, nouns)
        if universal:
            return f"{w} (the passages say “{universal}”)"
    return None


def _condition_for_even(ws: list[str], pws: list[str]) -> str | None:
    """ "called unless there was an exception" (or "only if …") restating "called even if there is an
    exception": the answer makes a condition of what the passage says does not matter."""
    for i, w in enumerate(ws):
        if w != "unless" and not (w == "only" and i + 1 < len(ws) and ws[i + 1] in ("if", "when")):
            continue
        cond = {_stem(x) for x in ws[i + 1 : i + 8] if x not in STOPWORDS and x not in ("if", "when")}
        for k, x in enumerate(pws):
            if x == "even" and k + 1 < len(pws) and pws[k + 1] in ("if", "when", "though"):
                theirs = {_stem(y) for y in pws[k + 2 : k + 9] if y not in STOPWORDS}
                if len(cond & theirs) >= min(2, len(cond)):
                    return f"{w} (the passages say “even {pws[k + 1]}”)"
    return None


def _named_kinds_widened(ws: list[str], cands: list) -> str | None:
    """ "it works with every transport" restating "with the RabbitMQ and Redis transports it works": the
    passage sentences only ever say the noun after names that pick some of them out, never with a quantifier
    of their own, and the answer says it of all of them."""
    for i, w in enumerate(ws):
        if w not in ("every", "each", "all", "any") or (i and ws[i - 1] in ("not", "like", "than")):
            continue
        noun = next((x for x in ws[i + 1 : i + 4] if x not in STOPWORDS), None)
        if noun is None or not noun.isalpha():  # "every SEV1 and SEV2" names them itself
            continue
        n = _stem(noun)
        uses = [
            (p, k)
            for p, s, _ in cands
            for k in p.sent_indexes.get(s, ())
            if p.tokens[k].terms and p.tokens[k].stem == n
        ]
        if not uses:
            continue
        named = 0
        for p, k in uses:
            before = p.tokens[max(0, k - 4) : k]
            if any(t.low in _UNIVERSAL_BACKING for t in before):
                return None
            named += any(_is_name(t) or t.kind in ("code", "ident") for t in before[-2:])
        if named == len(uses):
            return f"{w} {noun} (the passages name which)"
    return None


_BOTH_SPAN = 8  # words from "both" to its "and" in a "both X and Y" the rule reads as a coordination


def _both_for_or(sent: list[str], pws: list[str]) -> str | None:
    """ "aborts only if both its error rate … and its latency …" restating "aborts if the error rate … or the
    latency …": the answer requires together what the passage sentence takes either of."""
    if "both" not in sent or "both" in pws or "and" not in sent[sent.index("both") :]:
        return None
    k = sent.index("both")
    m = sent.index("and", k)
    if m - k > _BOTH_SPAN:
        return None  # "giving both flags at once, … one to enable and one to disable": "both" of a noun
    left = {_stem(w) for w in sent[k + 1 : m] if w not in STOPWORDS}
    right = {_stem(w) for w in sent[m + 1 : m + 7] if w not in STOPWORDS}

    def joined(i: int) -> bool:
        before, after = pws[max(0, i - 7) : i], pws[i + 1 : i + 7]
        return bool(left & {_stem(x) for x in before} and right & {_stem(x) for x in after})

    if any(w == "and" and joined(i) for i, w in enumerate(pws)):
        return None  # "provide an enable and disable flag": the passages join the two with "and" too
    for i, w in enumerate(pws):
        before, after = pws[max(0, i - 7) : i], pws[i + 1 : i + 7]
        if (
            w == "or"
            and "and" not in before
            and left & {_stem(x) for x in before}
            and right & {_stem(x) for x in after}
        ):
            return "both (the passages say “or”)"
    return None


_COLLOCATED_CUES = _words("only even always all every whole entire both any each")


def _collocated(cue: str, words: str, passages: Sequence[Analysed]) -> bool:
    """The cue with the word it qualifies ("the only dependency", "always executed") is a phrase of the
    passages, wherever they say it: the answer repeats it rather than adding it."""
    ws = words.split()
    for k, w in enumerate(ws):
        if w != cue:
            continue
        nxt = next((_stem(x) for x in ws[k + 1 : k + 4] if x not in STOPWORDS), None)
        if nxt is None:
            continue
        for p in passages:
            for text in p.sent_low.values():
                ps = text.split()
                for i, x in enumerate(ps):
                    if x == cue and any(_stem(y) == nxt for y in ps[i + 1 : i + 4] if y not in STOPWORDS):
                        return True
    return False


def check_cues(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    """Conditions and quantifiers the answer adds must be backed by the passage sentences it restates."""
    issues: list[ClaimIssue] = []
    # the cues of a clause worded like one already read, in a sentence worded alike: an answer repeating a
    # sentence held a worker for seconds matching each copy with every passage sentence
    verdicts: dict[tuple[object, ...], list[tuple[str, str]]] = {}
    for c in a.clause_low:
        sent = a.clause_sent[c]
        wording = (a.clause_terms.get(c), a.sent_terms.get(sent), a.clause_low[c], a.sent_low.get(sent))
        if wording not in verdicts:
            found = _backing(a, c, passages)
            verdicts[wording] = [
                (kind, what)
                for kind, what in (_clause_cues(a, c, *found) if found is not None else [])
                if not (what in _COLLOCATED_CUES and _collocated(what, a.clause_low[c], passages))
            ]
        if not verdicts[wording]:
            continue
        text = _clause_text(a, c)
        for kind, what in verdicts[wording]:
            issues.append(ClaimIssue(kind, f"“{what}” in “{text}” is not backed by the cited passages", sent))
    issues += _check_order(a, passages)
    issues += _check_steps(a, passages)
    issues += _check_crossed(a, passages)
    issues += _check_slot_swap(a, passages)
    return issues
