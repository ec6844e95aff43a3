"""Attacks on "no PII at rest" the seeded scan (tests/support/pii_scan.py) does not try: values written the way
they arrive when pasted from a banking app, a PDF or a web page — digit groups joined by no-break or thin spaces,
non-breaking hyphens, fullwidth characters. Asked through the real pipeline; then every table and the log."""

from __future__ import annotations

import logging

import pytest

from tests.support.pii_scan import all_text

NBSP, THIN, NARROW, NB_HYPHEN = "\u00a0", "\u2009", "\u202f", "\u2011"
PASTED = {
    "card_nbsp": NBSP.join(["4539", "1488", "0343", "6467"]),
    "card_thin": THIN.join(["5425", "2334", "3010", "9903"]),
    "card_nb_hyphen": NB_HYPHEN.join(["4917", "4845", "8989", "7107"]),
    "iban_nbsp": NBSP.join(["DE89", "3704", "0044", "0532", "0130", "00"]),
    "iban_narrow": NARROW.join(["GB82", "WEST", "1234", "5698", "7654", "32"]),
    "email_fullwidth_at": "maria.garcia\uff20northwind-customer.com",
}


def _forms(value: str) -> set[str]:
    """The value as pasted, and with its separators made plain (what a careless normalisation would store)."""
    plain = value
    for ch in (NBSP, THIN, NARROW):
        plain = plain.replace(ch, " ")
    return {
        value,
        plain,
        plain.replace(NB_HYPHEN, "-"),
        plain.replace(" ", "").replace(NB_HYPHEN, ""),
        value.replace("\uff20", "@"),
    }


@pytest.mark.parametrize("kind", sorted(PASTED))
def test_a_pasted_value_with_unicode_separators_is_redacted_before_anything_is_stored(pipeline, caplog, kind):
    caplog.set_level(logging.DEBUG)
    value = PASTED[kind]
    result = pipeline.ask(f"Refund to {value} please: what is the hotel cap in London?", ["handbook"])
    assert result.guard["pii_in"]["found"], f"{kind} was not recognised"
    stored = all_text(pipeline.database_url)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for form in _forms(value):
        assert form not in result.question_redacted and form not in stored, f"{kind} reached Postgres as {form!r}"
        assert form not in logged, f"{kind} reached the log"
