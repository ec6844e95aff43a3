"""Crafted text must not hold the guardrails for long: a pattern that scans a long run from each of its positions
takes time that grows with the square of the run. The grounding check's literals (`guardrails.grounding.literals`,
run on every answer and its passages) read an email address from every position of a run of word characters,
dots or dashes and a domain name from every label of a dotted run: 20,000 characters of "a." took ~20 s,
200 KB hours. Hang guards, not speed tests: the text is processed in a forked child killed after a limit."""

from __future__ import annotations

import pytest

from guardrails.claims import check_answer
from guardrails.grounding import literals
from tests.unit.test_redaction_brackets_cli_capitals import HANG_LIMIT_S, _redacts_within

QUESTION = 4000  # the default ANSWERLOOP_MAX_QUESTION_CHARS
FILE = 200_000
LITERAL_LIMIT_S = 10  # a 200 KB text's literals take well under a second when no pattern rescans


class _LiteralCheck:
    """`literals` where `_redacts_within` calls `redact`: the same forked, killed-after-a-limit child."""

    redact = staticmethod(literals)


def _literals_within(text: str, seconds: float) -> bool:
    return _redacts_within(_LiteralCheck(), text, seconds)


RUNS = ["a.", "1.", "a-", "_", "a", "x-y.", "a+"]


@pytest.mark.parametrize("size", [QUESTION, FILE])
@pytest.mark.parametrize("unit", RUNS)
def test_a_long_run_does_not_hold_the_literal_check(unit, size):
    text = "see " + unit * (size // len(unit)) + "x"
    assert _literals_within(text, LITERAL_LIMIT_S), f"literals() did not finish {len(text)} characters"


@pytest.mark.parametrize("size", [QUESTION, FILE])
def test_a_long_run_of_domains_into_a_call_does_not_hold_the_literal_check(size):
    """Each domain of the run was checked for the call at its end by scanning to it: 4,200 characters took ~3 s."""
    text = "a.com." * (size // 6) + "("
    assert _literals_within(text, LITERAL_LIMIT_S), f"literals() did not finish {len(text)} characters"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("mail bob.smith+x@acme-corp.co.uk now", ["bob.smith+x@acme-corp.co.uk"]),
        ("go to pay.acme.com.", ["pay.acme.com"]),
        ("a.b.c.d.example.com and -acme.io", ["a.b.c.d.example.com", "acme.io"]),
        ("_.acme.com", ["acme.com"]),
        ("x" * 63 + ".com", ["x" * 63 + ".com"]),
        ("a@b.com.+x@c.com", ["a@b.com", ".+x@c.com"]),
        ("run app.run() or acme.com(", []),
    ],
)
def test_literals_found_as_before(text, found):
    assert literals(text) == found


REDACT_RUNS = [
    "password" + "1." * (QUESTION // 2),
    "password" + "1." * (FILE // 2),
    "a@" + "_" * FILE,
    "http://u:" + "a." * (FILE // 2),
]


@pytest.mark.parametrize("text", REDACT_RUNS, ids=lambda t: f"{t[:10]!r}x{len(t)}")
def test_a_long_dotted_run_does_not_hold_the_pii_guard(pii_guard, text):
    assert _redacts_within(pii_guard, text, HANG_LIMIT_S), f"the guard did not finish {len(text)} characters"


class _ClaimCheckAgainst:
    """`check_answer` of a text against given passages where `_redacts_within` calls `redact`."""

    def __init__(self, passages: list[str]) -> None:
        self.passages = passages

    def redact(self, text: str) -> None:
        check_answer(text, self.passages)


@pytest.mark.parametrize("unit", ["A. ", "1 ", ". A"])
def test_a_long_run_of_short_sentences_does_not_hold_the_claim_checks(unit):
    """The exchanged-terms check read every token of a passage again for each pair of sentences, and the number
    check every token for each pair of numbers: an answer and a passage of 2,000 characters of "A. " took 7 s, of
    "1 " 40 s; 4,000 characters took minutes (8,000 characters of "1 " now take under a second). A hang guard,
    not a speed test."""
    text = unit * (QUESTION // len(unit))
    guard = _ClaimCheckAgainst([text])
    assert _redacts_within(guard, text, HANG_LIMIT_S), f"check_answer did not finish {len(text)} characters"


ANSWER = 3000
PASSAGE = 1500
CLAIM_LIMIT_S = 15  # each case takes under a second now


@pytest.mark.parametrize("unit", ["Acme. ", "1 ", "1.5 kg "])
def test_a_repeated_sentence_against_eight_passages_does_not_hold_the_claim_checks(unit):
    """An answer of 3,000 characters repeating a short sentence, cited against 8 passages of 1,500 characters of
    it: the polarity check compared every answer clause with every passage clause, rescanning each passage's
    tokens and joining the negations of every candidate for each candidate ("Acme. " took 3.5 minutes), and the
    number check every answer number with every passage number and every other answer number ("1 " 35 s,
    "1.5 kg " 3 s). Clauses, sentences and numbers worded alike are now judged once. A hang guard, not a speed
    test."""
    text = unit * (ANSWER // len(unit))
    guard = _ClaimCheckAgainst([unit * (PASSAGE // len(unit))] * 8)
    assert _redacts_within(guard, text, CLAIM_LIMIT_S), f"check_answer did not finish {len(text)} characters"
