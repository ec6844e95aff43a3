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
  A "No," opening a negated statement ("No, deploys on Fridays are not possible") needs a passage sentence
  that denies or limits what that statement restates, not one that plainly allows it.
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
- **time qualifiers** (run with the conditions) — a relative time ("last year", "next month", "this week",
  "recently", "yesterday", "ago", "soon") or a year, month, weekday or numeric date the answer adds must be one
  a cited passage gives, in any format ("March 1, 2019" for "2019-03-01"; "the past year" for "last year"),
  and "until X" must not restate the passages' "since X" (nor the reverse).

Everything is regular expressions and set arithmetic over a few hundred tokens (about a millisecond per
answer); the package imports nothing beyond the standard library, ``guardrails.text`` and (lazily, for word
frequencies, offline) ``wordfreq``.

These are heuristics, measured by ``bench/grounding_bench.py`` on ``bench/data/grounding/``: the number and
unit checks are close to exact; the negation, name and condition checks catch most single-fact edits on the
data they were developed on but generalise less well (see ``bench/results/grounding.md``).

The modules, each importing only those before it: ``lexicon`` (word lists), ``tokens`` (tokenizer and
negation scopes), ``quantities`` (numbers with units), ``analysis`` (an analysed text, ``ClaimIssue`` and
the clause-alignment helpers the checks share), then the checks: ``numbers``, ``names``, ``polarity``,
``temporal`` (time qualifiers; ``names`` reads its months), ``structure`` (slot swaps, crossed pairs, order of
steps) and ``cues``; this module runs them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

from guardrails.claims.analysis import Analysed, ClaimIssue, analyse, analyse_passages
from guardrails.claims.cues import check_cues
from guardrails.claims.names import check_exchanged, check_names, check_sibling_swaps
from guardrails.claims.numbers import check_numbers
from guardrails.claims.polarity import check_flag_values, check_opposites, check_polarity, check_predicate_flips
from guardrails.claims.quantities import Quantity, quantities
from guardrails.claims.temporal import check_time
from guardrails.claims.tokens import Tok, tokenize

__all__ = [
    "CHECKS",
    "Analysed",
    "ClaimIssue",
    "Quantity",
    "Tok",
    "analyse",
    "analyse_passages",
    "check_answer",
    "check_cues",
    "check_exchanged",
    "check_flag_values",
    "check_names",
    "check_numbers",
    "check_opposites",
    "check_polarity",
    "check_predicate_flips",
    "check_sibling_swaps",
    "check_time",
    "quantities",
    "tokenize",
]


CHECKS = ("numbers", "names", "negation", "conditions")


def _check_conditions(a: Analysed, passages: Sequence[Analysed]) -> list[ClaimIssue]:
    """Conditions, quantifiers and time qualifiers ("last year", "since March"): each narrows when a claim holds."""
    return check_cues(a, passages) + check_time(a, passages)


_CHECK_FUNCTIONS = {
    "numbers": check_numbers,
    "names": check_names,
    "negation": check_polarity,
    "conditions": _check_conditions,
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
