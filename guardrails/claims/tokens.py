"""The tokenizer of the exact claim checks: ``Tok`` (a token with its kind, terms, sentence, clause and list
item) and ``tokenize``, which also marks the tokens a negation covers (``not``, ``no``, ``without``, "stop …
from", negative words) so every check compares polarity the same way. A bound worded with a negation ("no more
than", "cannot exceed") is left unnegated here, because it states a limit, not a denial.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from guardrails.claims.lexicon import (
    _AFTER_ONLY,
    _CLAUSE_BREAK_WORDS,
    _CURRENCY,
    _FROM_NEGATORS,
    _LESS_EXCEPTIONS,
    _LIST_NEGATORS,
    _NEG_LEXICON,
    _NEG_PARTICIPLES,
    _NEG_PHRASES,
    _NEG_VERBS,
    _NEG_WORDS,
    _NUMBER_WORDS,
    _POS_LEXICON,
    _PREFER_STEMS,
    _SCALES,
    _SCOPE_BREAK_WORDS,
    _SKIP_WORDS,
    _UN_EXCEPTIONS,
    _UNITS,
    _words,
)
from guardrails.text import STOPWORDS, _stem
from guardrails.text import sentences as _sentences

_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?:_\d{3})+|\d+)(?:\.\d+)?"  # 1,000 / 1_000 (Python) / 1000
_PLAIN_NUM = re.compile(rf"^{_NUM}$")
_TOD = re.compile(r"^(\d{1,2}):(\d{2})$")
_AMPM = re.compile(r"^(\d{1,2})(?::(\d{2}))?(am|pm)$", re.I)
_PCT = re.compile(rf"^({_NUM})%$")
_CUR = re.compile(rf"^([€$£])({_NUM})$")
_VERSION = re.compile(r"^v?\d+(?:\.\d+){2,}\+?$|^v?\d+\.x$", re.I)
_NUM_UNIT = re.compile(r"^(\d+(?:\.\d+)?|[a-z]+)-([a-z]+?)s?$", re.I)
_NUM_SUFFIX = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|min|h|kb|mb|gb|kib|mib|gib)$", re.I)
_ORD_DIGITS = re.compile(r"^(\d+)(st|nd|rd|th)$", re.I)
_LIST_MARKER = re.compile(r"^\d{1,2}[.)]$")
_CAMEL = re.compile(r"[a-z][A-Z]")
_ALLCAPS = re.compile(r"^[A-Z][A-Z0-9]*(?:[-_][A-Z0-9]+)*$")
_LETTER = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"\d")
_LEAD = "([{<\"'`*"
_TRAIL = ".,;:!?)]}>\"'`*"
_RST_REF = re.compile(r"^[A-Za-z][A-Za-z0-9]*_$")
_SPLIT = re.compile(r"[=\[\]{}()]|[—–]|(?<!\d),|,(?!\d{3})|(?<=\d)-(?=\d)")


@dataclass
class Tok:
    raw: str  # as written, wrappers stripped
    low: str  # lowercased, possessive 's stripped
    kind: str  # "num" | "code" (snake_case, dotted) | "ident" | "hyph" | "cap" | "word"
    stem: str
    sent: int
    clause: int
    initial: bool  # first word of a sentence or list item: its capital says nothing
    outer: int = 0  # index of the sentence in ``guardrails.text.sentences(text)``
    terms: tuple[str, ...] = ()  # alignment terms this token contributes
    neg_op: int = 0  # 1 = operator with a scope ("not"), 2 = negates only itself ("transient"), 3 = its subject
    negated: bool = False
    neg_pred: bool = False  # inside the part of a negation's scope that follows it (the predicate)
    item: int = 0  # list item / paragraph-level unit


def _norm_text(text: str) -> str:
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


def _classify(s: str) -> str:
    if _PLAIN_NUM.match(s) or _TOD.match(s) or _AMPM.match(s) or _PCT.match(s) or _CUR.match(s):
        return "num"
    if _VERSION.match(s) or _NUM_SUFFIX.match(s) or _ORD_DIGITS.match(s):
        return "num"
    m = _NUM_UNIT.match(s)
    if m and (m.group(1)[0].isdigit() or m.group(1).lower() in _NUMBER_WORDS) and m.group(2).lower() in _UNITS:
        return "num"
    if not _LETTER.search(s):
        return "other"
    low = s.lower()
    if low in ("e.g", "i.e", "etc", "vs", "a.m", "p.m"):
        return "word"
    if "_" in s or re.search(r"[A-Za-z0-9]\.[A-Za-z_]", s):
        return "code"
    if (
        "://" in s
        or re.search(r"\w@\S", s)
        or re.match(r"^--?[A-Za-z]", s)
        or re.match(r"^[#/][A-Za-z0-9]", s)
        or _CAMEL.search(s)
        or (_ALLCAPS.match(s[:-1] if s.endswith("s") else s) and sum(c.isupper() for c in s) >= 2)
        or (_DIGIT.search(s) and _LETTER.search(s))
        or "/" in s
        or ":" in s
    ):
        return "ident"
    if "-" in s.strip("-"):
        return "hyph"
    if s[0].isupper():
        return "cap"
    return "word"


def _tok_terms(kind: str, low: str, stem: str) -> tuple[str, ...]:
    if kind == "num":
        return ()
    if kind in ("code", "ident", "hyph"):
        segs = [g for g in re.split(r"[.~@()]+", low) if g and g != low] if kind == "code" else []
        parts = [_stem(p) for p in re.split(r"[^a-z0-9]+", low) if len(p) > 1 and p not in STOPWORDS]
        return (low, *segs, *parts)
    w = low.replace("'", "")
    if w in STOPWORDS or len(w) < 2 or (w.endswith("nt") and w[:-2] + "n't" != w and "'" in low):
        return ()
    if w in _NEG_WORDS or low.endswith("n't") or w in _NUMBER_WORDS or w in _SCALES:
        return ()
    if w.startswith("un") and len(w) > 6 and w not in _UN_EXCEPTIONS:
        return (stem, _stem(w[2:]))
    return (stem,)


def tokenize(text: str) -> list[Tok]:
    """Tokens with sentence and clause numbers. Sentences are ``guardrails.text.sentences`` with "- " list
    items split off; clauses split at , ; ( ) dashes and contrastive words (but, while, although …)."""
    out: list[Tok] = []
    sent_no = 0
    clause_no = 0
    item_no = 0
    for outer, sent in enumerate(_sentences(_norm_text(text))):
        if re.match(r"^\s*(?:[-*•]|\d{1,2}\.)\s", sent) or outer == 0:
            item_no += 1
        for k, item in enumerate(re.split(r"(?:^|\s)[-*•](?=\s)", sent)):
            if k:
                item_no += 1
            chunks = item.split()
            if not chunks:
                continue
            first = True
            in_import = False
            for ci, chunk in enumerate(chunks):
                if not re.search(r"[\w€$£%]", chunk):
                    if chunk.strip("-—–"):
                        continue
                    clause_no += 1  # a dash on its own
                    continue
                # "2." opening a list item is its marker, unless it is all there is ("CPU * 2." split at the *)
                if _LIST_MARKER.match(chunk) and (
                    (ci == 0 and len(chunks) > 1)
                    or chunk.endswith(")")
                    or (ci == len(chunks) - 1 and ci and chunks[ci - 1].endswith(":"))
                ):
                    clause_no += 1
                    first = True
                    continue
                chunk = re.sub(r"\(\)(?=\W*$)", "", chunk)
                lead = ""
                while chunk and chunk[0] in _LEAD:
                    lead += chunk[0]
                    chunk = chunk[1:]
                trail = ""
                while chunk and chunk[-1] in _TRAIL:
                    trail = chunk[-1] + trail
                    chunk = chunk[:-1]
                if "(" in lead:
                    clause_no += 1
                pieces = _SPLIT.split(chunk)
                calls = {m.start() for m in re.finditer(r"\(", chunk)}
                kwargs = {m.start() for m in re.finditer(r"(?<=\w)=(?!=)", chunk)}
                offset = 0
                for pi, part in enumerate(pieces):
                    end_at = offset + len(part)
                    # "Queue('tasks')", "hidden=True": a call or a keyword argument is code, not a word
                    is_call = (end_at in calls or end_at in kwargs) and bool(part)
                    offset = end_at + 1
                    part = part.strip(_LEAD + _TRAIL)
                    if pi and re.search(r"[—–]", chunk):
                        clause_no += 1
                    if not part:
                        continue
                    if _RST_REF.match(part):
                        part = part[:-1]  # a reStructuredText link reference: "Nginx_" is Nginx
                    if part[0] in _CURRENCY and len(part) > 1 and not _CUR.match(part):
                        part = part[1:]
                    kind = _classify(part)
                    if (is_call or in_import) and kind in ("cap", "word", "ident"):
                        kind = "code"
                    in_import = part == "import" or (in_import and trail.endswith(",") and pi == len(pieces) - 1)
                    if kind == "other":
                        if part in _CURRENCY:
                            kind = "word"
                        else:
                            continue
                    low = part.lower()
                    if low.endswith("'s") and len(low) > 3:
                        low, part = low[:-2], part[:-2]
                    if kind in ("word", "cap") and low in _CLAUSE_BREAK_WORDS and not first:
                        clause_no += 1
                    stem = low if kind in ("num", "code", "ident") else _stem(low.replace("'", ""))
                    t = Tok(part, low, kind, stem, sent_no, clause_no, first, outer, item=item_no)
                    t.terms = _tok_terms(kind, low, stem)
                    if _bound_at(chunks, ci, pi == len(pieces) - 1):
                        pass  # "no more than 5", "no sooner than", "can't go below": a bound, not a negation
                    elif low == "none" and kind == "cap" and not first:
                        pass  # Python's None, a value ("None means …"), not a negation
                    elif low in _NEG_WORDS or low.endswith("n't") or low in _SKIP_WORDS:
                        t.neg_op = 1
                    elif (
                        low == "from"
                        and any(x.low in _FROM_NEGATORS for x in out[-5:] if x.sent == sent_no)
                        and ci + 1 < len(chunks)
                        and chunks[ci + 1].lower().strip(_TRAIL).endswith("ing")
                    ):
                        t.neg_op = 1  # "stop Flask from loading": what follows is negated
                    elif low == "over" and any(
                        x.stem in _PREFER_STEMS for x in out[-6:] if x.sent == sent_no and x.clause == clause_no
                    ):
                        t.neg_op = 1  # "recommended over the command line": rather than it
                    elif low.startswith("non-") and len(low) > 6 and low not in _NEG_LEXICON:
                        t.neg_op = 2
                        t.terms = (_stem(low[4:]),)
                    elif low == "except" and not (
                        ci + 1 < len(chunks) and chunks[ci + 1].lower() in ("in", "on", "during", "when", "if", "for")
                    ):
                        t.neg_op = 1  # "except Redis": not including Redis ("except in debug mode" is a condition)
                        t.terms = ("includ",)
                    elif low in _NEG_VERBS:
                        t.neg_op = 1
                        t.terms = (_NEG_VERBS[low],)
                    elif low in _NEG_LEXICON and low != "off":
                        t.neg_op = 3 if low in _NEG_PARTICIPLES else 2
                        t.terms = (_NEG_LEXICON[low],)
                    elif kind == "word" and low.endswith("less") and len(low) > 7 and low not in _LESS_EXCEPTIONS:
                        t.neg_op = 2  # "blameless": without blame
                        t.terms = (_stem(low[:-4]),)
                    elif low in _POS_LEXICON:
                        t.terms = (*t.terms, _POS_LEXICON[low])
                    elif kind == "word" and low.startswith("un") and len(low) > 6 and low not in _UN_EXCEPTIONS:
                        t.neg_op = 2
                    out.append(t)
                    first = False
                if any(c in ",;:)" for c in trail) or (trail.endswith(".") and ci < len(chunks) - 1):
                    clause_no += 1
            clause_no += 1
            sent_no += 1
        clause_no += 1
    _mark_negation(out)
    return out


_COMPARATIVES = _words(
    "more less fewer sooner later earlier longer shorter greater higher lower bigger smaller larger older newer"
)
_BOUND_VERBS = _words("go drop fall")
_BOUND_PREPS = _words("below above beyond over under")


def _bound_at(chunks: list[str], ci: int, last_piece: bool) -> bool:
    """Is the negation word at chunk ci part of a bound — "no/not more than", "no sooner than", "can't go
    below", "cannot exceed", "must not be longer than"? Such phrases state a limit that a passage may state
    as "at most", "at least" or "within"; they assert the limit rather than deny anything."""
    if not last_piece:
        return False
    low = chunks[ci].lower().strip(_TRAIL + _LEAD).replace("’", "'")
    nxt = [c.lower().strip(_TRAIL + _LEAD) for c in chunks[ci + 1 : ci + 4]]
    if low in ("no", "not") and len(nxt) >= 2 and nxt[0] in _COMPARATIVES and nxt[1] == "than":
        return True
    if not (low.endswith("n't") or low in ("cannot", "not", "never")) or not nxt:
        return False
    if nxt[0] in ("exceed", "exceeds"):
        return True
    if len(nxt) >= 2 and nxt[0] in _BOUND_VERBS and nxt[1] in _BOUND_PREPS:
        return True
    return len(nxt) >= 3 and nxt[0] == "be" and nxt[1] in _COMPARATIVES and nxt[2] == "than"


def _mark_negation(tokens: list[Tok]) -> None:
    """Negation scope. An operator ("not", "never", "n't", "without", "skip", "ignore" …) covers up to 3
    tokens before it (not for "no", "without", verbs such as "ignore" …) and up to 5 after it, within its
    clause and not across a conjunction; list negators ("without", "excluding", "skipping", "other than" …)
    reach 8 tokens and run across "and" / "or" / a relative clause. A negative participle ("is disabled")
    covers its subject back to the start of the clause; a negative adjective ("transient", "un…",
    "…less") only itself. A token is negated when an odd number of operators cover it, so "not disabled"
    reads as enabled and "must not ignore the results" as keeping them. `neg_pred` marks tokens in the
    predicate part of a scope (after the operator, or the subject of a participle)."""
    n = len(tokens)
    lows = [t.low for t in tokens]
    ops: list[int] = []
    for i, t in enumerate(tokens):
        if t.neg_op or (i + 1 < n and f"{t.low} {lows[i + 1]}" in _NEG_PHRASES and tokens[i + 1].clause == t.clause):
            ops.append(i)
        elif t.low in ("off", "on") and (
            (
                i
                and lows[i - 1]
                in (
                    *("turn", "turns", "turned", "turning", "switch", "switches", "switched", "switching"),
                    *("is", "are", "be", "it", "that", "them"),
                )
            )
            or lows[i + 1 : i + 3] == ["by", "default"]
        ):
            t.terms = ("#on",)
            if t.low == "off":
                t.neg_op = 3
                ops.append(i)
    count = [0] * n
    pred = [False] * n
    for i in ops:
        t = tokens[i]
        count[i] += 1
        if t.neg_op == 2:
            continue
        if t.neg_op == 3:  # a participle: back over its subject, to the start of the clause
            j = i - 1
            while j >= 0 and i - j <= 8 and tokens[j].clause == t.clause and lows[j] not in _SCOPE_BREAK_WORDS:
                if tokens[j].neg_op:
                    break
                count[j] += 1
                pred[j] = True
                j -= 1
            continue
        phrase = i + 1 < n and f"{t.low} {lows[i + 1]}" in _NEG_PHRASES
        list_neg = t.low in _LIST_NEGATORS or (phrase and t.low != "no")
        if t.low not in _AFTER_ONLY and not phrase:
            j = i - 1
            while j >= 0 and i - j <= 3 and tokens[j].clause == t.clause and lows[j] not in _SCOPE_BREAK_WORDS:
                if pred[j] or tokens[j].neg_op:
                    break
                count[j] += 1
                j -= 1
        j = i + (2 if phrase else 1)
        reach = 8 if list_neg and t.low != "no" else 5 + (1 if phrase else 0)
        while j < n and j - i <= reach and tokens[j].clause == t.clause:
            w = lows[j]
            crossing = (w == "that" and j - i <= 2) or (list_neg and w in ("and", "or", "who", "that", "which"))
            if w in _SCOPE_BREAK_WORDS and not crossing:
                break
            if tokens[j].neg_op == 1 and lows[j - 1] in ("and", "or", "nor"):
                break  # "no downtime and no lost requests": the second operator has a scope of its own
            count[j] += 1
            pred[j] = True
            j += 1
    for t, c, pr in zip(tokens, count, pred, strict=True):
        t.negated = c % 2 == 1
        t.neg_pred = pr
