"""Exact claim checks for grounding: numbers with units, named identifiers, negation polarity, conditions
and quantifiers.

Lexical and embedding support tell whether an answer sentence is *about* what a cited passage says; they
barely notice a changed number, a swapped setting name, a dropped "not" or an added "only". These checks
look for exactly those, each against the cited passages:

- **numbers** — every number in the answer (digits or words, with its unit: durations, sizes,
  percentages, percentage points, currencies, times of day, versions, ordinals, multipliers) must equal a
  number in the passages after unit normalisation ("5 minutes" = "300 seconds", "half an hour" = "30
  minutes", "two days" = "48 hours"), with a compatible rate ("per week" ≠ "per month") and counted noun
  ("10 workers" where the passages say "3 workers"); digits may be grouped as 1,000 or 1_000. A bare passage
  number ("Default: 500_000") takes the unit its paragraph's prose names ("the maximum size in bytes"), so
  "500,000 bytes" matches it and "500,000 kilobytes" does not. A small count
  that the answer enumerates itself after a colon ("two time limits: a hard one … and a soft one …") is
  checked through its items, and "first" is an ordinal only where the passages number things. When the
  passages hold several values of that kind (a decimal after "version", "since" or a product name is a
  release, not a rival for a count),
  the answer's wording around the number must not fit a *different* value clearly better ("must
  acknowledge within 10 minutes" where 5 is the acknowledgement time and 10 the escalation time).
- **names** — product and proper names (capitalised words, CamelCase, ALLCAPS), --flags, #channels,
  /commands, paths, e-mail addresses, tokens mixing letters and digits and code identifiers (snake_case,
  dotted.names, keyword arguments such as ``hidden=True``) and lower-case words English hardly uses
  (wordfreq Zipf < 1.5, not an inflection: "gevent", "msgpack") that the cited passages lack are a substitution
  where the passage sentence the answer restates has a name of the same family (flag, path, code, other
  name) that the answer leaves out ("HAProxy" where it says "Nginx", ``hide_input`` where it says
  ``confirmation_prompt``); with no such rival they are context a chunk does not carry (the product the
  docs are about, a name from the section heading, JSON or OS) and left to the similarity support. Code
  identifiers must also not be a variant of a different identifier the passage uses
  (``worker_prefetch_count`` for ``worker_prefetch_multiplier``); a name the passages do mention must not
  sit where the passages put a different one (TERM vs QUIT, Monday vs Wednesday); a role title the
  passages never use must not replace the one they give ("the platform lead" for "the on-call primary"). A
  compound is present when its name-bearing parts are ("Base64-encoded", "Pub/Sub" for "pubsub"),
  reStructuredText's link references ("Nginx_") are the names they refer to, and a setting is its flag
  (``max_requests`` for ``--max-requests``). A word the passages do use must not sit where the passage
  sentence the answer's clause restates (clearly better than any sentence with that word) has its *sibling*
  instead: a term the passages coordinate with it ("TTIN, TTOU, and CHLD"), another modifier of the same head
  noun ("master process" / "worker processes") or a name of the same shape (USR1 / USR2).
- **negation** — terms the answer negates (not, no, never, n't, without, other than, un-…, non-…, "stop /
  prevent … from …ing", "turns off", and negative words such as disabled / excluded / deprecated /
  independent / incompatible; Python's ``None`` is a value, not a negation) must not be asserted by the
  passage clause the
  answer restates, and vice versa ("not disabled" counts as asserted). A bound worded with a negation ("no
  more than", "no sooner than", "can't go below", "cannot exceed") states a limit, not a denial; a one-term
  item of a list ("JSON, YAML, Pickle, and msgpack") asserts nothing and has no polarity to contradict. An
  answer word whose opposite the sentence it restates uses instead (eagerly / lazily, smaller / larger,
  hard / soft) is a flipped claim too, and so is a word a "not" governs ("it isn't acknowledged") that the
  best-aligned sentence of the passages states with no negation at all ("it's still acknowledged"), including
  verbs too common to be retrieval terms ("doesn't need pid files", "does not have to be on the path").
  Paraphrased negations are recognised as such: "unless X" restates "if … not X" (and "if not specified");
  each "no" of "no downtime and no lost requests" has its own scope; "prevent a client from forging" denies
  the forging; "recommended over X" is "rather than X"; "rarely" / "seldom" are hedges, not negations.
- **conditions and quantifiers** — "only", "only if", "even if", "unless", "regardless / whether or not",
  "all / always / whole", before / after, and an absolute ("always", "never", "at all") restating a
  hedged passage ("usually", "may") must be backed by the passage sentences the answer clause restates;
  "only if X" is backed by a passage that states X as its condition or requirement ("if it does not have
  X, it is not possible …", "must be X for this to make sense") but not by "even if X" or "unless X". A
  cue the passages use with the same word ("the only dependency") is repeated, not added; "every / any X"
  where the passages restrict X ("only affects the gthread worker type", "not all settings") widens the
  claim; steps ordered with "then" / "falls back to" must keep the order of the passage sentence they restate.

Everything is regular expressions and set arithmetic over a few hundred tokens (about a millisecond per
answer); the module imports nothing beyond the standard library, ``guardrails.text`` and (lazily, for word
frequencies, offline) ``wordfreq``.

These are heuristics, measured by ``bench/grounding_bench.py`` on ``bench/data/grounding/``: the number and
unit checks are close to exact; the negation, name and condition checks catch most single-fact edits on the
data they were developed on but generalise less well (see ``bench/results/grounding.md``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import pairwise

from guardrails.text import STOPWORDS, _stem
from guardrails.text import sentences as _sentences

# ---------------------------------------------------------------------------------------------- lexicons


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_UNITS_WORDS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
_TEENS_WORDS = "sixteen seventeen eighteen nineteen twenty"
_NUMBER_WORDS = {w: i for i, w in enumerate(f"{_UNITS_WORDS} {_TEENS_WORDS}".split())} | {
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "dozen": 12,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_ORDINAL_WORDS = "first second third fourth fifth sixth seventh eighth ninth tenth"
_ORDINALS = {w: i for i, w in enumerate(_ORDINAL_WORDS.split(), 1)}
_MULTIPLIERS = {"twice": 2, "double": 2, "triple": 3, "thrice": 3}
_VAGUE = _words("hundreds thousands dozens millions several few couple")

# unit word (singular, lowercase) -> (dimension, factor to the dimension's base unit)
_UNITS: dict[str, tuple[str, float]] = {}
for _names, _dim, _factor in (
    (("millisecond", "ms", "msec"), "time", 0.001),
    (("second", "sec", "s"), "time", 1.0),
    (("minute", "min"), "time", 60.0),
    (("hour", "hr", "h"), "time", 3600.0),
    (("day",), "time", 86400.0),
    (("week",), "time", 604800.0),
    (("month",), "time", 2_592_000.0),
    (("year",), "time", 31_536_000.0),
    (("business day", "working day", "workday"), "bday", 1.0),
    (("byte",), "size", 1.0),
    (("kilobyte", "kb", "kib"), "size", 1024.0),
    (("megabyte", "mb", "mib"), "size", 1024.0**2),
    (("gigabyte", "gb", "gib"), "size", 1024.0**3),
    (("percent", "per cent"), "pct", 1.0),
    (("percentage point", "pp"), "pp", 1.0),
    (("euro", "eur"), "eur", 1.0),
    (("dollar", "usd"), "usd", 1.0),
    (("pound", "gbp"), "gbp", 1.0),
):
    for _n in _names:
        _UNITS[_n] = (_dim, _factor)
_CURRENCY = {"€": "eur", "$": "usd", "£": "gbp"}
_MEASURE_DIMS = _words("time bday size pct pp eur usd gbp")

# -- negation
_NEG_WORDS = _words(
    "not no never none nothing nobody neither nor cannot without refuse refuses refused unable impossible"
    " avoid avoids lack lacks poorly badly"
)
_NEG_PHRASES = (
    "other than",
    "rather than",
    "instead of",
    "no longer",
    "apart from",
    "leave out",
    "leaves out",
    "left out",
    "leaving out",
)
_SKIP_WORDS = _words("skip skips skipped skipping omit omits omitted omitting")
# Words that negate their own concept ("disabled" = not enabled): they stand for the positive term, negated.
_NEG_LEXICON = {
    "disabled": "enabl",
    "excluded": "includ",
    **dict.fromkeys(("forbid", "forbidden", "disallow", "disallowed"), "allow"),
    **dict.fromkeys(("unsupported", "deprecated"), "support"),
    **dict.fromkeys(("distrust", "untrusted"), "trust"),
    **dict.fromkeys(("manual", "manually"), "automat"),
    **dict.fromkeys(("transient", "non-persistent"), "persist"),
    **dict.fromkeys(("ignored", "discarded"), "keep"),
    "rejected": "accept",
    "false": "true",
    "off": "#on",
    # in- / non- antonyms: "independent of" = "doesn't depend on"
    **dict.fromkeys(("independent", "independently"), "depend"),
    "incorrect": "correct",
    "incompatible": "compat",
    "insecure": "secur",
    "inactive": "activ",
    "incomplete": "complet",
    "immutable": "mutabl",
}
# "stop Flask from loading", "prevents it from running": the verb negates what follows "from".
_FROM_NEGATORS = _words("stop stops stopped stopping prevent prevents prevented preventing keep keeps block blocks")
# "preferred over X", "recommended over X": X is what is not chosen, as with "rather than X".
_PREFER_STEMS = frozenset(("prefer", "recommend", "favor", "favour", "choos", "chosen", "pick"))
_POS_LEXICON = {"persistent": "persist", "durable": "persist", "automatic": "automat", "automatically": "automat"}
# Participles that negate the subject they describe: "the shared argument … is disabled".
_NEG_PARTICIPLES = _words("disabled excluded ignored rejected discarded forbidden disallowed")
# Verbs whose object is negated ("ignore the result" = not keep it): mapped term, scope over what follows.
_NEG_VERBS = {
    **dict.fromkeys(("ignore", "ignores", "ignoring", "discard", "discards"), "keep"),
    **dict.fromkeys(("disable", "disables", "disabling"), "enabl"),
    **dict.fromkeys(("exclude", "excludes", "excluding"), "includ"),
    **dict.fromkeys(("reject", "rejects", "rejecting"), "accept"),
}
_LESS_EXCEPTIONS = _words("regardless nevertheless nonetheless unless wireless endless countless")
_UN_EXCEPTIONS = _words(
    "until under understand understood unique unit units universal uniform union unix unicode unify unified"
    " unless undo unlock unload unpack underlying"
)
_CLAUSE_BREAK_WORDS = _words("but whereas while although though otherwise however yet")
_SCOPE_BREAK_WORDS = _CLAUSE_BREAK_WORDS | _words(
    "and or if unless when whenever until because so since which who that once before after then by"
)
# Operators that negate only what follows them.
_AFTER_ONLY = (
    frozenset(_NEG_VERBS)
    | _SKIP_WORDS
    | _words(
        "no none nothing nobody without unless except avoid avoids refuse refuses refused unable impossible lack lacks"
        " from over"
    )
)
# ... and may run across "and" / "or" / a relative clause ("skipping anyone who …", "other than A or B"); "without"
# covers the noun phrase it introduces only ("topics without subscriptions aren't cleaned up").
_LIST_NEGATORS = _words("no excluding except other rather instead apart skipping omitting over")

# -- conditions and quantifiers
_ONLY = _words("only solely exclusively")
_ONLY_PHRASES = ("limited to", "restricted to", "nothing but")
_ONLY_EXCLUSIVE_BACKING = _ONLY | _words("sole single except exception until once unless")
_CONTRAST_NOT = re.compile(r", not\b|\bnot that\b|\brather than\b|\binstead of\b|\bbut not\b|\bas soon as\b|\bbefore\b")
_TEMPORAL = _words("after once before until when soon")
_UNIVERSAL_STRONG = _words("always all whole entire everyone everything everybody whenever")
_UNIVERSAL_WEAK = _words("every each")
_UNIVERSAL_BACKING = (
    _UNIVERSAL_STRONG
    | _UNIVERSAL_WEAK
    | _words("any anyone anything never none no daily weekly hourly regardless forever both")
)
# "can't always", "not every": a negated universal says "not in every case", which is no widening; nor is the
# "any" of a comparison ("like any class", "faster than any other")
_NOT_UNIVERSAL = re.compile(
    r"(?:\bnot|n't|\bnever|\bcannot)\s+(?:\w+\s+)?(always|all|every|each|everyone|everything|whole|entire)\b"
    r"|\b(?:like|than)\s+(any)\b"
)
_PARTIAL = _words("most some many several certain few")
_REGARDLESS = re.compile(
    r"\bregardless\b|\bwhether or not\b|\bno matter\b|\bwhatever\b|\bwhichever\b|\birrespective\b"
    r"|\bwhether\b[^,;]*\bor\b"
)
# "guesses whether it is an argument or an option": "whether" after one of these asks a question, it does not
# say the outcome does not matter
_EMBEDDING = _words(
    "guess guesses guessed check checks checked decide decides decided determine determines determined know knows "
    "tell tells ask asks see sees test tests on choose chooses controls control controlling indicate indicates "
    "detect detects detecting detected depending depends depend about"
)


def _regardless(words: str) -> bool:
    """Says the outcome does not matter: "regardless", "no matter", "whether X or Y" not embedded as a question
    ("checks whether X or Y")."""
    for m in _REGARDLESS.finditer(words):
        if not m.group().startswith("whether"):
            return True
        before = words[: m.start()].split()
        if not before or before[-1] not in _EMBEDDING:
            return True
    return False


# "unless you change it" restates "X by default, but you can change it"
_UNLESS_BACKING = _words(
    "unless except until otherwise but however default instead alternatively can option configur disabl enabl"
    " chang overrid set"
)
_INTERVAL = re.compile(
    r"\b(?:every|each)\s+(?=(?:\d|one\b|two\b|three\b|four\b|five\b|ten\b|few\b|other\b|second\b"
    r"|minute|hour|day|week|month|year))"
)
_OVERRIDE = _words("can configur set option enabl overrid chang")
_HEDGES = _words("usually often generally typically sometimes probably likely may might rarely seldom hardly barely")
_HEDGE_PHRASES = re.compile(r"\bin general\b|\bin some cases\b|\bat best\b|\bmost of the time\b")
_ABSOLUTE = re.compile(r"\balways\b|\bnever\b|\bat all\b|\bany of\b|\bevery time\b|\bin all cases\b")
_BEFORE = _words("before beforehand prior ahead earlier sooner")
_AFTER = _words("after afterwards afterward later once following")

# -- names
# General-purpose abbreviations an answer may use without the passage spelling them out.
_COMMON_ACRONYMS = _words("ci pr id url api cpu ram os ui http https ok faq vs")
_GENERIC_RECEIVERS = _words("self cls app task obj")
# Heads of role titles ("platform lead", "engineering manager", "on-call primary"): swapping one for another
# changes who does something as surely as swapping two product names.
_ROLE_HEADS = _words(
    "lead manager director commander owner primary secondary author reviewer facilitator administrator admin"
    " maintainer architect vp cto ceo"
)
_NOT_NAMES = _words("yes no note tip also however so then i ok")

# ---------------------------------------------------------------------------------------------- tokens

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


# ---------------------------------------------------------------------------------------------- quantities


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


# ---------------------------------------------------------------------------------------------- texts


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


# ---------------------------------------------------------------------------------------------- issues


@dataclass(frozen=True)
class ClaimIssue:
    kind: str  # "number" | "name" | "negation" | "condition" | "scope"
    detail: str
    sentence: int = 0  # index into ``guardrails.text.sentences(answer)``

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


def _clause_text(a: Analysed, clause: int) -> str:
    return " ".join(t.raw for t in a.tokens if t.clause == clause)


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


def _context(a: Analysed, tok: Tok, exclude: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    return a.clause_terms.get(tok.clause, frozenset()) - exclude, a.sent_terms.get(tok.sent, frozenset()) - exclude


def _item_terms(a: Analysed, item: int) -> frozenset[str]:
    return frozenset(x for t in a.tokens if t.item == item for x in t.terms)


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
        for text in p.sent_low.values():
            ws = [x for x in re.split(r"[^a-z0-9]+", text) if x]
            for i in range(len(ws)):
                if "".join(x[0] for x in ws[i : i + len(w)]) == w and len(w) >= 2:
                    return True
                if i + 1 < len(ws) and any(
                    w[:k] == ws[i][:k] and len(w) - k >= 3 and ws[i + 1].startswith(w[k:]) for k in range(3, len(w) - 2)
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
            if not _name_present(t, passages):
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
    for t in a.tokens:
        if not (_is_name(t) or t.kind == "code"):
            continue
        hits = [(p, x) for p in passages for x in p.tokens if x.low == t.low]
        if not hits:
            continue
        shape = _shape(t)
        exclude = frozenset(t.terms)
        own = max(_fit(a, t, p, x, exclude)[0] for p, x in hits)
        for p in passages:
            for x in p.tokens:
                if x.low in answer_names or x.stem in answer_names or _shape(x) != shape or x.low in _COMMON_ACRONYMS:
                    continue
                if not (_is_name(x) or x.kind == "code"):
                    continue
                if t.kind == x.kind == "code" and any(q is p and y.sent == x.sent for q, y in hits):
                    continue  # "randint(0, max_requests_jitter)": a passage sentence with both fits both
                score, clause_ov = _fit(a, t, p, x, exclude | frozenset(x.terms))
                if clause_ov >= 2 and score >= own + _SWAP_MARGIN:
                    issues.append(ClaimIssue("name", f"“{t.raw}”: in that context the passages say “{x.raw}”", t.sent))
                    return issues
    return check_sibling_swaps(a, passages) or check_exchanged(a, passages)


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
                for x in p.tokens:
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


def _firsts(x: Analysed, sent: int) -> tuple[dict[str, int], dict[str, int]]:
    """Term -> token index of its first use in a sentence, and -> how often the sentence uses it."""
    first: dict[str, int] = {}
    count: dict[str, int] = {}
    for i, t in enumerate(x.tokens):
        if t.sent == sent and (t.terms or t.kind == "num" or t.low in _NUMBER_WORDS):
            for term in dict.fromkeys(t.terms or (t.low,)):
                first.setdefault(term, i)
                count[term] = count.get(term, 0) + 1
    return first, count


def _between(x: Analysed, i: int, j: int) -> list[str]:
    lo, hi = sorted((i, j))
    return [t.low for t in x.tokens[lo + 1 : hi]]


def _listed(words: list[str]) -> bool:
    """Only list glue between two terms ("A, B and C"): a list, whose order says nothing."""
    return all(_LIST_LINK.match(w) or w in ("the", "a", "an") for w in words)


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

    for sent in sorted(set(a.clause_sent.values())):
        mine, my_count = _firsts(a, sent)
        for p in passages:
            for ps in p.sent_terms:
                theirs, their_count = _firsts(p, ps)
                shared = [w for w in mine if w in theirs]
                if len(shared) < _EXCHANGE_MIN or 2 * len(shared) < max(len(mine), len(theirs)):
                    continue  # the answer's sentence must restate this passage sentence, not borrow from it
                anchors = [w for w in shared if my_count[w] == their_count[w] == 1]
                for i, x in enumerate(shared):
                    for y in shared[i + 1 :]:
                        if _one_word(x, y) or (mine[x] < mine[y]) == (theirs[x] < theirs[y]):
                            continue
                        pair = (a.tokens[mine[x]], a.tokens[mine[y]], p.tokens[theirs[x]], p.tokens[theirs[y]])
                        mid_a, mid_p = _between(a, mine[x], mine[y]), _between(p, theirs[x], theirs[y])
                        linked = bool(mid_a) and mid_a == mid_p and len(mid_a) <= 2
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
                        if _listed(mid_a) or _listed(mid_p):
                            continue
                        same_link = mid_a == mid_p or (
                            bool(_CONTRASTS.search(" ".join(mid_a))) and bool(_CONTRASTS.search(" ".join(mid_p)))
                        )
                        if inside or same_link:
                            tx, ty = a.tokens[mine[x]].raw, a.tokens[mine[y]].raw
                            detail = (
                                f"“{tx}” and “{ty}” are in each other's place in the passage sentence this restates"
                            )
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
        and any(y is not x and y.sent == x.sent and y.low == segs[-1] for y in p.tokens)
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
        for x in p.tokens:
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
            others = {r for x in p.tokens if x.sent == s_ and (r := _role(x))}
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
    for t in a.tokens:
        if t.clause == clause:
            for term in t.terms[:1] if primary and t.kind in ("code", "ident", "hyph") else t.terms:
                pol.setdefault(term, []).append(t)
    return pol


def _minor_part(term: str, t: Tok, shared: frozenset[str]) -> bool:
    """`term` is a piece of identifier `t` and a larger piece of it is shared too: count it once."""
    if t.kind not in ("code", "ident", "hyph") or term == t.terms[0]:
        return False
    return any(x in shared for x in t.terms if x != term and len(x) > len(term) and term in x)


# Opposites: an answer that says one where the sentence it restates says the other reverses the claim as
# surely as a "not" does ("evaluated eagerly" for "lazily", "smaller" for "larger", "the hard limit" for "the
# soft limit"). General English antonyms, compared as stems; negations and the enable/include/accept family
# are the polarity check's.
_OPPOSITES = (
    "eager/lazy eagerly/lazily small/large smaller/larger smallest/largest fast/slow faster/slower"
    " quickly/slowly synchronous/asynchronous synchronously/asynchronously sync/async required/optional"
    " mandatory/optional private/public increase/decrease increases/decreases raise/lower higher/lower"
    " upper/lower minimum/maximum min/max more/less most/least earliest/latest same/different local/remote"
    " internal/external inbound/outbound read/write"
    " succeed/fail success/failure implicit/explicit implicitly/explicitly temporary/permanent"
    " temporarily/permanently static/dynamic input/output upload/download encrypt/decrypt compress/decompress"
    " ascending/descending above/below inside/outside hard/soft strong/weak"
    " older/newer oldest/newest lowercase/uppercase increment/decrement sender/receiver producer/consumer"
    " show/hide shows/hides shown/hidden visible/hidden add/remove adds/removes added/removed"
    " allow/deny allows/denies allowed/denied start/stop starts/stops started/stopped open/close opens/closes"
    " opened/closed first/last upwards/downwards upward/downward create/delete creates/deletes"
    " created/deleted attach/detach connect/disconnect safe/unsafe secure/insecure"
    " early/late earlier/later sooner/later absolute/relative global/local lowest/highest import/export"
    " push/pull send/receive sends/receives sent/received parent/child client/server begin/end"
    " inner/outer light/heavy cheap/expensive cheaper/costlier easy/hard easier/harder"
    " single/multiple positive/negative valid/invalid save/waste speed/slow longer/shorter enter/exit"
    " gain/lose sequential/parallel sequentially/concurrently good/poor good/bad better/worse best/worst"
    " keep/strip keeps/strips kept/stripped benefit/cost benefits/costs automatic/manual automatically/manually"
    " encouraged/discouraged encourage/discourage recommended/discouraged allowed/forbidden"
    " increase/reduce increases/reduces often/rarely frequently/rarely big/small bigger/smaller simple/complex"
    " easy/difficult safe/dangerous correct/incorrect strict/lenient shared/private mutable/immutable many/few"
    " much/little"
)


def _opposite_stems() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for pair in _OPPOSITES.split():
        x, y = (_stem(w) for w in pair.split("/"))
        if x != y:
            out.setdefault(x, set()).add(y)
            out.setdefault(y, set()).add(x)
    return {k: frozenset(v) for k, v in out.items()}


_OPPOSITE = _opposite_stems()


def check_opposites(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    """A word of the answer clause whose opposite the passage sentence it restates uses instead."""
    issues: list[ClaimIssue] = []
    for c, terms in a.clause_terms.items():
        mine = {t.stem for t in a.tokens if t.clause == c and t.kind in ("word", "cap")} & _OPPOSITE.keys()
        if not mine:
            continue
        content = terms - mine
        if len(content) < 2 and a.clause_low[c].split()[:1] in (["but"], ["and"], ["yet"]):
            # "…, but are slightly slower": an elliptical clause restates the subject of the clause before it
            before = [k for k in a.clause_terms if k < c and a.clause_sent[k] == a.clause_sent[c]]
            content |= a.clause_terms[max(before)] - mine if before else frozenset()
        cands = _overlapping(content, passages, "sent", 2, rel=1.0) if len(content) >= 2 else []
        sent_stems = {t.stem for t in a.tokens if t.sent == a.clause_sent[c]}
        for x in sorted(mine):
            ys = _OPPOSITE[x]
            if ys & sent_stems:
                continue  # the answer names both ("faster but larger")
            for p, ps, _ in cands:
                p_stems = {t.stem for t in p.tokens if t.sent == ps}
                if ys & p_stems and x not in p_stems:
                    word = next(t.raw for t in p.tokens if t.sent == ps and t.stem in ys)
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
    if len(p.clause_terms.get(pc, ())) != 1 or any(t.negated for t in p.tokens if t.clause == pc):
        return False
    sent = p.clause_sent[pc]
    return sum(1 for k, s_ in p.clause_sent.items() if s_ == sent) > 1


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
    governed: set[int] = set()
    for i, t in enumerate(toks):
        if not _negator(t):
            continue
        j = i + 1
        while j < len(toks) and toks[j].clause == t.clause and toks[j].low in _PRED_SKIP:
            j += 1
        if j < len(toks) and toks[j].clause == t.clause and toks[j].kind == "word" and not _negator(toks[j]):
            governed.add(j)
    return [
        (replace(t, stem=_PRED_VERBS[t.low]) if t.low in _PRED_VERBS else t, i in governed)
        for i, t in enumerate(toks)
        if t.kind == "word" and (t.terms or t.low in _PRED_VERBS) and not _negator(t)
    ]


def _negations(x: Analysed, sent: int, besides: str = "") -> int:
    """Negation operators and phrases ("rather than", "no longer") in one sentence, not counting the word
    `besides` (a stem) itself: "rejects" is the claim that "doesn't reject" denies, not another negation."""
    words = f" {x.sent_low[sent]} "
    return sum(1 for t in x.tokens if t.sent == sent and (t.neg_op or _negator(t)) and t.stem != besides) + sum(
        words.count(f" {ph} ") for ph in _NEG_PHRASES
    )


_DENIALS = _words(
    "unless without reject rejects rejected ignore ignores ignored omit omits omitted refuse refuses refused "
    "impossible unable off"
)


def _negated_alike(a: Analysed, c: int, p: Analysed, pc: int) -> bool:
    """One clause says "not" once and the other denies with a word instead ("rejects", "ignores", "omitted",
    "turns off", "without", "unless", "impossible"): both say the same thing negatively, each scoped its own
    way ("rejects signatures older than that" / "validates that the signature is not older")."""

    def counts(x: Analysed, clause: int) -> tuple[int, int]:
        toks = [t for t in x.tokens if t.clause == clause]
        return sum(1 for t in toks if _negator(t) or t.low == "no"), sum(1 for t in toks if t.low in _DENIALS)

    (na, da), (np_, dp) = counts(a, c), counts(p, pc)
    return (na, da, np_, dp) in ((1, 0, 0, 1), (0, 1, 1, 0))


def check_predicate_flips(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    """ "it isn't acknowledged" restating "it's still acknowledged" (and the reverse): the word a negator
    governs on one side is stated, with no negation anywhere in its sentence, by the other side's sentence
    that shares the most other terms with it. Sentences with "if" / "unless" are left to the polarity check
    (a default and its exception: "isn't reported unless enabled" vs "if True it is reported")."""
    p_preds = [(p, _predicates(p)) for p in passages]
    for t, governed in _predicates(a):
        terms = a.sent_terms.get(t.sent, frozenset()) - {t.stem, *t.terms}
        if len(terms) < 2 or _CONDITIONALS & set(a.sent_low[t.sent].split()):
            continue
        for p, ps, _ in _overlapping(terms, passages, "sent", 2, rel=1.0):
            same = [n for q, preds in p_preds if q is p for x, n in preds if x.sent == ps and x.stem == t.stem]
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


def check_polarity(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    issues: list[ClaimIssue] = check_opposites(a, passages) + check_flag_values(a, passages)
    issues += check_predicate_flips(a, passages)
    for c, terms in a.clause_terms.items():
        if not terms:
            continue
        a_pol = _polarities(a, c, primary=True)
        cands = _clause_candidates(terms, passages, 2 if len(terms) >= 3 else 1)
        pred_a = {x for x, ts in a_pol.items() if any(t.negated and t.neg_pred for t in ts)}
        sent = a.clause_sent[c]
        neg_sent = {x for t in a.tokens if t.sent == sent and t.negated for x in t.terms}
        override = "unless" in a.clause_low[c].split()
        cand_negs = [
            (len(ov), {x for x, ts in _polarities(p, pc).items() if any(t.negated for t in ts)}) for p, pc, ov in cands
        ]
        pred_neg_a = {x for x, ts in a_pol.items() if any(t.negated and (t.neg_pred or t.neg_op) for t in ts)}
        only_if = bool(re.search(r"\bonly (?:if|when|whenever)\b", a.sent_low[sent]))
        for p, pc, ov in cands:
            if _list_fragment(p, pc):
                continue
            if only_if and _CONDITIONALS & set(p.sent_low[p.clause_sent[pc]].split()):
                continue  # "only if it has X" restating "if it does not have X, it is not …": the contrapositive
                continue
            p_pol = _polarities(p, pc, primary=True)
            # negations in passage clauses at least as close to the answer clause as this one
            neg_cands = set().union(*(negs for size, negs in cand_negs if size >= len(ov)))
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
                short = (
                    len(ov) == 1
                    and len(terms) <= 2
                    and (
                        len(p_terms) <= 2
                        or sum(x in pt for q in passages for pt in q.clause_terms.values() for x in ov) == 1
                    )
                ) or (len(p_terms) <= 2 and p_terms <= set(contra))
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
                    own_polarity[x] <= {t.negated for t in _polarities(p2, pc2, primary=True).get(x, [])}
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
                issues.append(
                    ClaimIssue(
                        "negation",
                        f"“{_clause_text(a, c)}” has the opposite polarity of “{_clause_text(p, pc)}”",
                        a.clause_sent[c],
                    )
                )
                break
    return issues


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
    if_not = "if" in p_set and any(t.neg_op for p, s, _ in cands for t in p.tokens if t.sent == s)
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
        uses = [(p, k) for p, s, _ in cands for k, t in enumerate(p.tokens) if t.sent == s and t.terms and t.stem == n]
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
    for c in a.clause_low:
        found = _backing(a, c, passages)
        if found is None:
            continue
        text = _clause_text(a, c)
        for kind, what in _clause_cues(a, c, *found):
            if what in _COLLOCATED_CUES and _collocated(what, a.clause_low[c], passages):
                continue
            issues.append(
                ClaimIssue(kind, f"“{what}” in “{text}” is not backed by the cited passages", a.clause_sent[c])
            )
    issues += _check_order(a, passages)
    issues += _check_steps(a, passages)
    issues += _check_crossed(a, passages)
    issues += _check_slot_swap(a, passages)
    return issues


def _content(x: Analysed, sent: int) -> list[Tok]:
    return [t for t in x.tokens if t.sent == sent and t.terms and t.kind != "num"]


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
    for i, t in enumerate(x.tokens):
        if t.sent == sent and t.terms:
            key = t.low if t.low in ("true", "false") else t.terms[0]
            seen.setdefault(key, []).append(i)
            if len(t.terms) > 1 and t.terms[1] != key:
                seen.setdefault(t.terms[1], []).append(i)
    return {k: v[0] for k, v in seen.items() if len(v) == 1}


def _alternatives(x: str, y: str, sibs: set[frozenset[str]]) -> bool:
    return frozenset((x, y)) in sibs or {x, y} == {"true", "false"} or _stem(y) in _OPPOSITE.get(_stem(x), ())


def _check_crossed(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    """ "lazy=True for reading and lazy=False for writing" restating "lazy=True for writing and lazy=False for
    reading": of two pairs of alternatives both sentences name, the answer keeps the order of one pair and
    inverts the other, a pair of opposites, i.e. it pairs them up the other way round. (A reordered paraphrase
    inverts both; a list reordered freely is no pair of opposites.)"""
    sibs: set[frozenset[str]] = set().union(*(_siblings(p) for p in passages)) if passages else set()
    for sent in sorted(set(a.clause_sent.values())):
        mine = _once(a, sent)
        if len(mine) < 4:
            continue
        for p in passages:
            for ps, terms in p.sent_terms.items():
                if len(terms & mine.keys()) < 4:
                    continue
                theirs = _once(p, ps)
                shared = sorted(mine.keys() & theirs.keys())
                pairs = [(x, y) for i, x in enumerate(shared) for y in shared[i + 1 :] if _alternatives(x, y, sibs)]
                kept = [pr for pr in pairs if (mine[pr[0]] < mine[pr[1]]) == (theirs[pr[0]] < theirs[pr[1]])]
                crossed = [pr for pr in pairs if pr not in kept]
                for x, y in crossed:  # opposites crossed; the pair kept in order may be any alternatives
                    if _alternatives(x, y, set()) and any(not {x, y} & set(k) for k in kept):
                        detail = f"the answer pairs “{x}” and “{y}” the other way round than the passage sentence"
                        return [ClaimIssue("condition", detail, sent)]
    return []


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
    for i, t in enumerate(a.tokens):
        mine = _BEFORE if t.low in _BEFORE else _AFTER if t.low in _AFTER else None
        if mine is None or (t.low == "once" and i + 1 < len(a.tokens) and a.tokens[i + 1].low in ("per", "every")):
            continue
        comp = _complement(a, i) - _NUMBER_STEMS
        if not comp:
            continue
        opposite = (_AFTER if mine is _BEFORE else _BEFORE) | _DURING  # "before it's under load" for "while"
        for p in passages:
            for j, x in enumerate(p.tokens):
                if x.low not in opposite:
                    continue
                pcomp = _complement(p, j)
                same_rel = any(
                    y.low in mine and _complement(p, k) & comp for k, y in enumerate(p.tokens) if y.sent == x.sent
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
    for i, t in enumerate(x.tokens):
        if t.sent != sent:
            continue
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
    for sent, low in a.sent_low.items():
        if _REORDERING & set(low.split()):
            continue
        mine = _steps(a, sent)
        if not mine or len(mine) < 2:
            continue
        cands = [
            (len(a.sent_terms[sent] & p.sent_terms[ps]), p, ps)
            for p in passages
            for ps in p.sent_terms
            if not _REORDERING & set(p.sent_low[ps].split())
        ]
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


CHECKS = ("numbers", "names", "negation", "conditions")
_CHECK_FUNCTIONS = {
    "numbers": check_numbers,
    "names": check_names,
    "negation": check_polarity,
    "conditions": check_cues,
}


def check_answer(answer: str, passages: Sequence[str], checks: Collection[str] = CHECKS) -> list[ClaimIssue]:
    """Every exact-check issue of an answer against its cited passages (empty = no objection). Each issue
    carries the index of its sentence in ``guardrails.text.sentences(answer)``. `checks` picks a subset of
    ``CHECKS``."""
    unknown = set(checks) - set(CHECKS)
    if unknown:
        raise ValueError(f"unknown exact checks: {sorted(unknown)} (known: {', '.join(CHECKS)})")
    if not passages or not answer.strip() or not checks:
        return []
    ps = analyse_passages(tuple(passages))
    a = analyse(answer)
    issues = [i for name in CHECKS if name in checks for i in _CHECK_FUNCTIONS[name](a, ps)]
    outer = {t.sent: t.outer for t in a.tokens}
    return [replace(i, sentence=outer.get(i.sentence, 0)) for i in issues]
