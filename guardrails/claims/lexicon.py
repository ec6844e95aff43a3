"""Word lists the exact claim checks read: number, ordinal and unit words, negators and the words that
negate their own concept, condition / quantifier / hedge cues, name exceptions and general English opposites.
They are data, kept apart from the rules so that a round of grounding rules that only adds words touches this
module alone; everything here is built at import time from the standard library and ``guardrails.text``.
"""

from __future__ import annotations

import re

from guardrails.text import _stem


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
