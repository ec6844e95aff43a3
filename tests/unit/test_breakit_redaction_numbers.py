"""Break-it: numbers written with the spacing people paste (an IBAN with doubled spaces or tabs between its
groups), a US SSN written without dashes next to the words naming it, and IP-shaped version numbers. Through
`PiiGuard.redact`, the entry point the pipeline calls on every question."""

from __future__ import annotations

import pytest

IBAN = "DE89370400440532013000"


@pytest.mark.parametrize(
    "written",
    [
        "DE89  3704  0044  0532  0130  00",  # two spaces, as a banking PDF lays the groups out
        "DE89\t3704\t0044\t0532\t0130\t00",  # tab-separated, pasted from a spreadsheet
        "DE89 3704  0044 0532  0130 00",  # uneven
        "de89  3704  0044  0532  0130  00",
    ],
)
def test_an_iban_with_odd_spacing_is_redacted(pii_guard, written):
    text = f"please refund to {written} today"
    red = pii_guard.redact(text)
    assert red.text == "please refund to <IBAN_CODE> today", red.text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("my ssn is 536221234, can HR update it", "536221234"),
        ("Social Security number: 536221234", "536221234"),
        ("SSN 536 22 1234 on the W-2 is wrong", "536 22 1234"),
        ("ssn#536221234", "536221234"),
    ],
)
def test_an_ssn_without_dashes_next_to_its_name_is_redacted(pii_guard, text, value):
    red = pii_guard.redact(text)
    assert value not in red.text, red.text
    assert red.text == text.replace(value, "<US_SSN>"), red.text


@pytest.mark.parametrize(
    "text",
    [
        "order 536221234 was shipped to the wrong office",  # nine digits, no SSN word: an id
        "the SSN field rejects 000221234",  # area 000 is never issued
        "the SSN field rejects 666221234",
        "what is the ssn format?",
    ],
)
def test_nine_digit_ids_and_never_issued_numbers_are_not_ssns(pii_guard, text):
    assert "US_SSN" not in pii_guard.redact(text).entity_counts
