"""An answer of many distinct values (numbers with units, percentages, dates, versions, names) against 8 passages
of 1,200 characters of the same must not hold the claim checks: the number check compared every answer number
with every passage number (and each such pair with every other answer number), 3,000 characters of distinct
percentages or dates took 45 s; the swapped-name check compared every answer name with every passage token,
the exchanged-terms check every answer sentence with every passage sentence, and the order and crossed-pair
checks rescanned a passage's tokens for each sentence pair. Each now looks its candidates up. Hang guards, not
speed tests: the check runs in a forked child killed after a limit."""

from __future__ import annotations

import pytest

from guardrails.claims import check_answer
from tests.unit.test_breakit_redos import ANSWER, CLAIM_LIMIT_S, _ClaimCheckAgainst
from tests.unit.test_redaction_brackets_cli_capitals import _redacts_within

PASSAGE = 1200
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
UNITS = ["seconds", "minutes", "hours", "days", "MB", "GB", "kilobytes", "workers", "requests", "times"]


def _value(kind: str, i: int) -> str:
    """The i-th of a run of distinct values of one kind."""
    if kind == "numbers":
        return f"{i * 37 + 1} {UNITS[i % len(UNITS)]}"
    if kind == "percentages":
        return f"{i // 10}.{i % 10}%"
    if kind == "dates":
        return f"{MONTHS[i % 12]} {i % 28 + 1}, {1900 + i // 12}" if i % 2 else f"{1900 + i // 12}-{i % 12 + 1:02d}-01"
    if kind == "versions":
        return f"version {i // 100}.{i // 10 % 10}.{i % 10}"
    letters = "BCDFGKLMNPRSTVZ"  # names: capitalised words, distinct by their letters
    return f"{letters[i % 15]}o{letters[i // 15 % 15].lower()}a{letters[i // 225 % 15].lower()}ix uses it."


def _run(kind: str, start: int, size: int) -> str:
    """Distinct values of one kind from the start-th on, `size` characters of them."""
    out: list[str] = []
    i = start
    while sum(len(x) + 1 for x in out) < size:
        out.append(_value(kind, i))
        i += 1
    return " ".join(out)[:size]


KINDS = ["numbers", "percentages", "dates", "versions", "names"]


@pytest.mark.parametrize("kind", KINDS)
def test_an_answer_of_many_distinct_values_does_not_hold_the_claim_checks(kind):
    text = _run(kind, 0, ANSWER)
    guard = _ClaimCheckAgainst([_run(kind, 300 * (n + 1), PASSAGE) for n in range(8)])
    assert _redacts_within(guard, text, CLAIM_LIMIT_S), f"check_answer did not finish {len(text)} characters"


def test_an_answer_of_every_kind_of_value_does_not_hold_the_claim_checks():
    text = " ".join(_run(kind, 0, ANSWER // len(KINDS)) for kind in KINDS)
    passages = [" ".join(_run(kind, 300 * (n + 1), PASSAGE // len(KINDS)) for kind in KINDS) for n in range(8)]
    assert _redacts_within(_ClaimCheckAgainst(passages), text, CLAIM_LIMIT_S)


@pytest.mark.parametrize(
    ("answer", "passage", "kinds"),
    [
        ("The timeout is 300 seconds.", "The timeout is 5 minutes. Retries: 3.", []),
        ("The timeout is 7 minutes.", "The timeout is 5 minutes. Retries: 3.", ["number"]),
        ("Up to 1,000 requests per minute.", "Up to 1000 requests per minute.", []),
        ("Since version 4.0 it retries.", "Since version 4.0 it retries 3 times.", []),
        ("It grew by 12.5%.", "It grew by 12.5% in March and 3% in April.", []),
        ("It grew by 12.6%.", "It grew by 12.5% in March and 3% in April.", ["number"]),
        ("A year is 31,536,000 seconds.", "A year is 365 days.", []),
    ],
)
def test_numbers_judged_as_before(answer, passage, kinds):
    """The looked-up passage numbers give the verdicts the pairwise comparison gave (unit conversion, digit
    grouping, versions, a year as roughly 365 days)."""
    assert [i.kind for i in check_answer(answer, [passage], checks=("numbers",))] == kinds
