"""The negation check: a term the answer negates must not be asserted by the passage clause it restates
(and vice versa), a word's opposite must not replace it ("eagerly" for "lazily"), a word a "not" governs
must not be stated plainly by the passages, and ``name=True`` must not replace ``name=False``. A dropped or
added "not" changes a claim while leaving its words, and so its similarity, almost unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import replace

from guardrails.claims.analysis import Analysed, ClaimIssue, _clause_text, _overlapping
from guardrails.claims.lexicon import _NEG_PHRASES, _OPPOSITE, _OVERRIDE, _words
from guardrails.claims.tokens import Tok


def _clause_candidates(
    terms: frozenset[str], passages: Sequence[Analysed], min_overlap: int
) -> list[tuple[Analysed, int, frozenset[str]]]:
    """Passage clauses sharing at least `min_overlap` terms with an answer clause, or all of their (one or
    two) terms ("not that it is fixed")."""
    out = []
    for p in passages:
        for k, pt in p.clause_terms.items():
            ov = terms & pt
            if len(ov) >= min_overlap or (ov and ov == pt and len(pt) <= 2):
                out.append((p, k, ov))
    return out


def _polarities(a: Analysed, clause: int, primary: bool = False) -> dict[str, list[Tok]]:
    """Term -> the tokens of one clause carrying it (`primary`: not counting the parts of identifiers)."""
    pol: dict[str, list[Tok]] = {}
    for t in a.clause_tokens.get(clause, ()):
        for term in t.terms[:1] if primary and t.kind in ("code", "ident", "hyph") else t.terms:
            pol.setdefault(term, []).append(t)
    return pol


def _minor_part(term: str, t: Tok, shared: frozenset[str]) -> bool:
    """`term` is a piece of identifier `t` and a larger piece of it is shared too: count it once."""
    if t.kind not in ("code", "ident", "hyph") or term == t.terms[0]:
        return False
    return any(x in shared for x in t.terms if x != term and len(x) > len(term) and term in x)


def check_opposites(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    """A word of the answer clause whose opposite the passage sentence it restates uses instead."""
    issues: list[ClaimIssue] = []
    for c, terms in a.clause_terms.items():
        mine = {t.stem for t in a.clause_tokens.get(c, ()) if t.kind in ("word", "cap")} & _OPPOSITE.keys()
        if not mine:
            continue
        content = terms - mine
        if len(content) < 2 and a.clause_low[c].split()[:1] in (["but"], ["and"], ["yet"]):
            # "…, but are slightly slower": an elliptical clause restates the subject of the clause before it
            before = [k for k in a.clause_terms if k < c and a.clause_sent[k] == a.clause_sent[c]]
            content |= a.clause_terms[max(before)] - mine if before else frozenset()
        cands = _overlapping(content, passages, "sent", 2, rel=1.0) if len(content) >= 2 else []
        sent_stems = {t.stem for t in a.sent_tokens.get(a.clause_sent[c], ())}
        for x in sorted(mine):
            ys = _OPPOSITE[x]
            if ys & sent_stems:
                continue  # the answer names both ("faster but larger")
            for p, ps, _ in cands:
                p_stems = {t.stem for t in p.sent_tokens.get(ps, ())}
                if ys & p_stems and x not in p_stems:
                    word = next(t.raw for t in p.sent_tokens.get(ps, ()) if t.stem in ys)
                    detail = f"“{_clause_text(a, c)}” says the opposite of “{word}”"
                    issues.append(ClaimIssue("negation", detail, a.clause_sent[c]))
                    break
            else:
                continue
            break
    return issues


def _list_fragment(p: Analysed, pc: int) -> bool:
    """A clause of one term that is an item of a list ("JSON, YAML, Pickle, and msgpack"): it asserts
    nothing on its own, so it has no polarity to contradict."""
    if len(p.clause_terms.get(pc, ())) != 1 or any(t.negated for t in p.clause_tokens.get(pc, ())):
        return False
    return p.sent_clauses.get(p.clause_sent[pc], 0) > 1


# -- predicate flips: the word a "not" governs
_NEGATORS = _words("not never cannot")
_PRED_SKIP = _words("be been being is are was were ever always really yet actually even get got the a an")
_CONDITIONALS = _words("if unless")
# Verbs too common to be retrieval terms that still carry a claim a "not" can flip ("doesn't need pid files",
# "does not have to be on the module path", "will not use the server configuration"), by lemma.
_PRED_VERBS = {
    **dict.fromkeys(("need", "needs", "needed"), "need"),
    **dict.fromkeys(("use", "uses", "used"), "use"),
    **dict.fromkeys(("have", "has", "had"), "have"),
    **dict.fromkeys(("work", "works", "worked"), "work"),
}


def _negator(t: Tok) -> bool:
    return t.low in _NEGATORS or t.low.endswith("n't")


def _predicates(x: Analysed) -> list[tuple[Tok, bool]]:
    """Each content word, and whether a negator governs it: the first word after "not" / "n't" / "never"
    past auxiliaries ("isn't acknowledged", "won't be retried", "cannot catch")."""
    toks = x.tokens
    governed = _governed(toks)
    return [
        (replace(t, stem=_PRED_VERBS[t.low]) if t.low in _PRED_VERBS else t, i in governed)
        for i, t in enumerate(toks)
        if t.kind == "word" and (t.terms or t.low in _PRED_VERBS) and not _negator(t)
    ]


def _governed(toks: list[Tok]) -> set[int]:
    """The indexes of the words a negator governs (``_predicates``)."""
    governed: set[int] = set()
    for i, t in enumerate(toks):
        if not _negator(t):
            continue
        j = i + 1
        while j < len(toks) and toks[j].clause == t.clause and toks[j].low in _PRED_SKIP:
            j += 1
        if j < len(toks) and toks[j].clause == t.clause and toks[j].kind == "word" and not _negator(toks[j]):
            governed.add(j)
    return governed


def _negations(x: Analysed, sent: int, besides: str = "") -> int:
    """Negation operators and phrases ("rather than", "no longer") in one sentence, not counting the word
    `besides` (a stem) itself: "rejects" is the claim that "doesn't reject" denies, not another negation."""
    words = f" {x.sent_low[sent]} "
    return sum(1 for t in x.sent_tokens.get(sent, ()) if (t.neg_op or _negator(t)) and t.stem != besides) + sum(
        words.count(f" {ph} ") for ph in _NEG_PHRASES
    )


_DENIALS = _words(
    "unless without reject rejects rejected ignore ignores ignored omit omits omitted refuse refuses refused "
    "impossible unable off"
)


def _denial_counts(x: Analysed, clause: int) -> tuple[int, int]:
    """A clause's "not"s and "no"s, and its denying words (``_negated_alike``)."""
    toks = x.clause_tokens.get(clause, ())
    return sum(1 for t in toks if _negator(t) or t.low == "no"), sum(1 for t in toks if t.low in _DENIALS)


def _negated_alike(a: Analysed, c: int, p: Analysed, pc: int) -> bool:
    """One clause says "not" once and the other denies with a word instead ("rejects", "ignores", "omitted",
    "turns off", "without", "unless", "impossible"): both say the same thing negatively, each scoped its own
    way ("rejects signatures older than that" / "validates that the signature is not older")."""

    (na, da), (np_, dp) = _denial_counts(a, c), _denial_counts(p, pc)
    return (na, da, np_, dp) in ((1, 0, 0, 1), (0, 1, 1, 0))


def check_predicate_flips(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    """ "it isn't acknowledged" restating "it's still acknowledged" (and the reverse): the word a negator
    governs on one side is stated, with no negation anywhere in its sentence, by the other side's sentence
    that shares the most other terms with it. Sentences with "if" / "unless" are left to the polarity check
    (a default and its exception: "isn't reported unless enabled" vs "if True it is reported")."""
    # whether each passage use of a word is negated, by passage, sentence and stem (not rescanned for each use)
    p_preds: dict[tuple[int, int, str], list[bool]] = {}
    for p in passages:
        for x, n in _predicates(p):
            p_preds.setdefault((id(p), x.sent, x.stem), []).append(n)
    for t, governed in _predicates(a):
        terms = a.sent_terms.get(t.sent, frozenset()) - {t.stem, *t.terms}
        if len(terms) < 2 or _CONDITIONALS & set(a.sent_low[t.sent].split()):
            continue
        for p, ps, _ in _overlapping(terms, passages, "sent", 2, rel=1.0):
            same = p_preds.get((id(p), ps, t.stem), [])
            if not same or _CONDITIONALS & set(p.sent_low[ps].split()):
                continue
            flipped = (governed and not any(same) and not _negations(p, ps, t.stem)) or (
                not governed and all(same) and not _negations(a, t.sent, t.stem)
            )
            if flipped:
                return [ClaimIssue("negation", f"“{t.raw}”: the passages say the opposite", t.sent)]
    return []


def _condition_polarity(words: str) -> int | None:
    """A conditional clause's polarity: "unless X" and "if X isn't …" (or "if not specified") are the same
    negated condition; None for a clause that states no condition."""
    ws = words.split()
    if not {"if", "unless"} & set(ws):
        return None
    negs = sum(1 for w in ws if w in _NEGATORS or w.endswith("n't") or w in ("no", "unless"))
    return negs % 2


def _same_condition(answer_clause: str, passage_clause: str) -> bool:
    """Both clauses are conditions and negate them alike: "unless you really need it" restating "if you
    don't really need that", "if you don't name the callable" restating "if not specified"."""
    mine = _condition_polarity(answer_clause)
    return mine is not None and mine == _condition_polarity(passage_clause)


_FLAG_VALUE = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(True|False)\b")


def check_flag_values(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    """ "when init=True" where the passages only ever say "init=False": a boolean argument set the other way."""
    theirs: dict[str, set[str]] = {}
    for p in passages:
        for name, value in _FLAG_VALUE.findall(p.text):
            theirs.setdefault(name, set()).add(value)
    for name, value in _FLAG_VALUE.findall(a.text):
        if theirs.get(name) and value not in theirs[name]:
            sent = next((t.sent for t in a.tokens if t.raw.startswith(name)), 0)
            return [ClaimIssue("negation", f"“{name}={value}”: the passages only say {name}={value != 'True'}", sent)]
    return []


_DENYING_REPLIES = _words("no nope")
# Words with which a passage sentence limits or denies without a "not": a "No," may restate those.
_RESTRICTING = _words(
    "only except unless but however although must require requires required need needs needed frozen freeze "
    "block blocks blocked ban bans banned prohibit prohibits prohibited restrict restricts restricted lock locked "
    "suspend suspended pause paused halt halted deny denies denied limit limits limited"
)
_ANSWER_CONDITIONS = _words("if unless without except only until when whenever before after once")
_BOUNDS = _words("more less fewer longer shorter over beyond above below exceed exceeds most least")


def check_reply_denial(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    """ "No, deploys on Fridays are not possible." restating "Deploys are allowed on Fridays, as long as …":
    a "No," that opens a negated statement denies it, so the passage sentence its negated clause restates (all
    its terms but the negated word) must deny or limit it too — a "not", a negative word ("forbidden") or a
    restricting one ("only", "frozen", "must"). A negated synonym ("not possible", "not an option") escapes the
    term-by-term polarity check; the reply word says which way the answer means it. A "No," before a positive
    statement answers a question's own negation ("Is it disabled?" "No, it is enabled") and is left to the
    other checks, as is a statement with a condition, a bound or a number of its own ("unless", "only if",
    "not more than 100"), and "No, it isn't automatic; billing issues them" (the clause restated is not the
    negated one)."""
    issues: list[ClaimIssue] = []
    governed = {id(a.tokens[i]) for i in _governed(a.tokens)}
    for sent in a.sent_low:
        toks = a.sent_tokens.get(sent, [])
        if len(toks) < 3 or toks[0].low not in _DENYING_REPLIES or toks[1].clause == toks[0].clause:
            continue
        body = toks[1:]
        if {t.low for t in body} & (_ANSWER_CONDITIONS | _BOUNDS) or any(t.kind == "num" for t in body):
            continue
        for c in dict.fromkeys(t.clause for t in body if _negator(t) or t.low == "no" or t.neg_op):
            terms = a.clause_terms.get(c, frozenset()) - {
                x for t in body if t.clause == c and id(t) in governed for x in t.terms
            }
            if len(terms) < 2:
                continue
            cands = _overlapping(terms, passages, "sent", 2, rel=1.0)
            if not cands or len(cands[0][2]) < 0.75 * len(terms):
                continue
            if any(
                t.neg_op or _negator(t) or t.low == "no" or t.low in _RESTRICTING
                for p, ps, _ in cands
                for t in p.sent_tokens.get(ps, ())
            ):
                continue
            p, ps, _ = cands[0]
            text = " ".join(t.raw for t in p.sent_tokens.get(ps, ()))
            issues.append(ClaimIssue("negation", f"“No, …” denies what “{text}” states", sent))
            break
    return issues


def check_polarity(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    issues: list[ClaimIssue] = check_opposites(a, passages) + check_flag_values(a, passages)
    issues += check_predicate_flips(a, passages) + check_reply_denial(a, passages)
    # what each passage clause contributes, worked out once per clause rather than once per answer clause that
    # restates it (an answer repeating "Acme. " held a worker for minutes)
    pols: dict[tuple[int, int, bool], dict[str, list[Tok]]] = {}

    def polarities(x: Analysed, clause: int, primary: bool = False) -> dict[str, list[Tok]]:
        key = (id(x), clause, primary)
        if key not in pols:
            pols[key] = _polarities(x, clause, primary)
        return pols[key]

    negated_terms: dict[tuple[int, int], set[str]] = {}
    # a passage clause's list-fragment and conditional flags and the id of everything the verdict on it reads:
    # a clause like one already judged (repeated text) is judged alike, so each answer clause judges it once
    kinds: dict[tuple[int, int], tuple[int, bool, bool]] = {}
    kind_ids: dict[tuple[object, ...], int] = {}

    def kind(p: Analysed, pc: int) -> tuple[int, bool, bool]:
        if (id(p), pc) not in kinds:
            fragment = _list_fragment(p, pc)
            conditional = bool(_CONDITIONALS & set(p.sent_low[p.clause_sent[pc]].split()))
            pol = tuple(
                sorted(
                    (term, tuple((t.negated, t.neg_pred, t.neg_op, bool(t.terms)) for t in ts))
                    for term, ts in polarities(p, pc, primary=True).items()
                )
            )
            key = (fragment, conditional, p.clause_terms[pc], p.clause_low[pc], pol, _denial_counts(p, pc))
            kinds[id(p), pc] = (kind_ids.setdefault(key, len(kind_ids)), fragment, conditional)
        return kinds[id(p), pc]

    term_uses: dict[str, int] = {}  # term -> how many (passage, clause) pairs have it
    for q in passages:
        for pt in q.clause_terms.values():
            for x in pt:
                term_uses[x] = term_uses.get(x, 0) + 1

    def clause_uses(ov: AbstractSet[str]) -> int:
        """How many (passage, clause) pairs have each term of `ov`, summed."""
        return sum(term_uses.get(x, 0) for x in ov)

    # an answer clause worded like one already judged, in a sentence worded alike, gets the same verdict
    verdicts: dict[tuple[object, ...], tuple[Analysed, int] | None] = {}
    for c, terms in a.clause_terms.items():
        if not terms:
            continue
        sent = a.clause_sent[c]
        neg_sent = {x for t in a.sent_tokens.get(sent, ()) if t.negated for x in t.terms}
        wording = (
            tuple(
                (t.raw, t.low, t.kind, t.stem, t.terms, t.neg_op, t.negated, t.neg_pred)
                for t in a.clause_tokens.get(c, ())
            ),
            a.clause_low[c],
            a.sent_low[sent],
            frozenset(neg_sent),
        )
        if wording in verdicts:
            verdict = verdicts[wording]
            if verdict is not None:
                issues.append(_opposite_polarity(a, c, *verdict))
            continue
        verdicts[wording] = None
        a_pol = _polarities(a, c, primary=True)
        cands = _clause_candidates(terms, passages, 2 if len(terms) >= 3 else 1)
        pred_a = {x for x, ts in a_pol.items() if any(t.negated and t.neg_pred for t in ts)}
        override = "unless" in a.clause_low[c].split()
        # negations in passage clauses at least as close to the answer clause as a candidate, by its overlap
        negs_by_size: dict[int, list[set[str]]] = {}
        for p, pc, ov in cands:
            if (id(p), pc) not in negated_terms:
                negated_terms[id(p), pc] = {x for x, ts in polarities(p, pc).items() if any(t.negated for t in ts)}
            negs_by_size.setdefault(len(ov), []).append(negated_terms[id(p), pc])
        negs_within: dict[int, set[str]] = {}
        running: set[str] = set()
        for size in sorted(negs_by_size, reverse=True):
            running = running.union(*negs_by_size[size])
            negs_within[size] = running
        pred_neg_a = {x for x, ts in a_pol.items() if any(t.negated and (t.neg_pred or t.neg_op) for t in ts)}
        only_if = bool(re.search(r"\bonly (?:if|when|whenever)\b", a.sent_low[sent]))
        judged: set[int] = set()
        for p, pc, ov in cands:
            kind_id, fragment, conditional = kind(p, pc)
            if kind_id in judged:
                continue  # the same verdict as a clause like it before, which found nothing
            judged.add(kind_id)
            if fragment:
                continue
            if only_if and conditional:
                continue  # "only if it has X" restating "if it does not have X, it is not …": the contrapositive
            p_pol = polarities(p, pc, primary=True)
            # negations in passage clauses at least as close to the answer clause as this one
            neg_cands = negs_within[len(ov)]
            ov = ov & a_pol.keys() & p_pol.keys()
            if not ov:
                continue
            if override and p.clause_terms[pc] & _OVERRIDE:
                continue  # "off unless you enable Y" restating "off by default … you can enable it with Y"
            neg_p = {x for x, ts in p_pol.items() if any(t.negated for t in ts)}
            pred_neg_p = {x for x, ts in p_pol.items() if any(t.negated and (t.neg_pred or t.neg_op) for t in ts)}
            found = None
            for side in ("answer", "passage"):
                contra: list[str] = []
                agree = 0
                pred: list[str] = []
                strong = False
                for term in ov:
                    carriers = a_pol.get(term, [])
                    if carriers and all(_minor_part(term, t, ov) for t in carriers):
                        continue  # a part of an identifier that is itself in the overlap: count the identifier once
                    mine = {t.negated for t in carriers}
                    theirs = {t.negated for t in p_pol.get(term, [])}
                    if len(mine) != 1:
                        continue
                    if mine <= theirs:
                        agree += 1
                        continue
                    if (side == "answer") != (True in mine):
                        continue
                    contra.append(term)
                    negated = [t for t in (a_pol[term] if side == "answer" else p_pol[term]) if t.negated]
                    if any(t.neg_pred or t.neg_op in (2, 3) or (t.neg_op == 1 and t.terms) for t in negated):
                        pred.append(term)
                    strong = strong or any(t.neg_op in (2, 3) for t in negated)
                if not pred:
                    continue
                # a negation with a counterpart on the other side is a paraphrase of it, scoped differently
                # (or the other side negates something this clause also talks about)
                if side == "answer" and (pred_a & neg_cands or pred_neg_p & terms):
                    continue
                if side == "passage" and (neg_p & neg_sent or pred_neg_a & p.clause_terms[pc]):
                    continue
                # one shared term is enough only between short clauses, or for a term used once in the passages
                p_terms = p.clause_terms[pc]
                short = (len(ov) == 1 and len(terms) <= 2 and (len(p_terms) <= 2 or clause_uses(ov) == 1)) or (
                    len(p_terms) <= 2 and p_terms <= set(contra)
                )
                if not strong and (len(contra) < (1 if short else 2) or (len(contra) <= agree and len(pred) < 2)):
                    continue
                found = pred
                break
            if found is None:
                continue
            pred = found
            # the passages may state a flipped term with the answer's polarity in a clause as close to it
            own_polarity = {x: {t.negated for t in a_pol[x]} for x in pred}
            unrestated = [
                x
                for x in pred
                if not any(
                    own_polarity[x] <= {t.negated for t in polarities(p2, pc2, primary=True).get(x, [])}
                    for p2, pc2, ov2 in cands
                    if (p2, pc2) != (p, pc) and x in ov2 and len(ov2) >= len(ov)
                )
            ]
            strong_left = any(
                t.neg_op in (2, 3) and t.negated for x in unrestated for t in (a_pol.get(x, []) + p_pol.get(x, []))
            )
            if unrestated and (len(unrestated) >= 2 or strong_left or len(pred) == 1):
                if _same_condition(a.clause_low[c], p.clause_low[pc]):
                    continue
                if _negated_alike(a, c, p, pc):
                    continue  # "rejects signatures older than that" restating "validates it is not older"
                issues.append(_opposite_polarity(a, c, p, pc))
                verdicts[wording] = (p, pc)
                break
    return issues


def _opposite_polarity(a: Analysed, c: int, p: Analysed, pc: int) -> ClaimIssue:
    return ClaimIssue(
        "negation", f"“{_clause_text(a, c)}” has the opposite polarity of “{_clause_text(p, pc)}”", a.clause_sent[c]
    )
