"""More attacks on "no PII at rest": values the way people paste them that the redaction did not see through —
characters that show as nothing inside a value, a value percent-encoded in a link. Through the real pipeline (real
Postgres); then every table and the log."""

from __future__ import annotations

import logging

import pytest

from tests.support.pii_scan import all_text

ZWSP, ZWJ, WORD_JOINER, SOFT_HYPHEN, BOM = "\u200b", "\u200d", "\u2060", "\u00ad", "\ufeff"
# Characters that show as nothing: copied from a web page or a PDF (a soft hyphen where a line was broken, a
# zero-width space where an address was protected from scrapers) they sit inside the value the person pasted.
INVISIBLE = {
    "email_zwsp": ("maria.garcia" + ZWSP + "@northwind-customer.com", ["maria.garcia", "northwind-customer"]),
    "card_soft_hyphens": (
        SOFT_HYPHEN.join(["4539", "1488", "0343", "6467"]),
        ["1488" + SOFT_HYPHEN, SOFT_HYPHEN + "0343"],  # what a partial redaction would leave
    ),
    "phone_word_joiners": ("+41" + WORD_JOINER + "44 123 45 67", ["123 45 67"]),
    "github_token_zwj": ("ghp_" + ZWJ + "R7dQm2Xk9LpWv4Ns8Tb3Yc6Hj1Ze5Ga0Uf2Q", ["R7dQm2Xk9LpWv4Ns8Tb3"]),
    "slack_token_bom": ("xoxb-" + BOM + "2741963058-5512893377140-kP9sQ2mZ7vX4cL8nR1tB6wYd", ["kP9sQ2mZ7vX4"]),
}


def _leaks(stored: str, value: str, fragments: list[str]) -> list[str]:
    visible = "".join(ch for ch in value if ch not in (ZWSP, ZWJ, WORD_JOINER, SOFT_HYPHEN, BOM))
    return [form for form in (value, visible, *fragments) if form in stored]


@pytest.mark.parametrize("kind", sorted(INVISIBLE))
def test_a_value_with_invisible_characters_inside_is_redacted_before_anything_is_stored(pipeline, caplog, kind):
    caplog.set_level(logging.DEBUG)
    value, fragments = INVISIBLE[kind]
    result = pipeline.ask(f"I pasted {value} into the form: what is the hotel cap in London?", ["handbook"])
    assert result.guard["pii_in"]["found"], f"{kind} was not recognised"
    stored = all_text(pipeline.database_url) + "\n" + result.question_redacted
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert _leaks(stored, value, fragments) == [], f"{kind} reached Postgres"
    assert _leaks(logged, value, fragments) == [], f"{kind} reached the log"


# A link copied from an admin console or a CRM carries the customer's address and phone in its query string,
# percent-encoded the way a browser writes them.
LINK = (
    "https://billing.example.com/customers?email=maria.garcia%40northwind-customer.com"
    "&phone=%2B41%2044%20123%2045%2067&tab=invoices"
)


def test_values_percent_encoded_in_a_pasted_link_are_redacted_before_anything_is_stored(pipeline, caplog):
    caplog.set_level(logging.DEBUG)
    result = pipeline.ask(f"This customer's page {LINK} shows a hotel in London: what is the cap?", ["handbook"])
    assert result.guard["pii_in"]["entities"].get("EMAIL_ADDRESS") == 1, result.guard["pii_in"]
    assert result.guard["pii_in"]["entities"].get("PHONE_NUMBER") == 1, result.guard["pii_in"]
    stored = all_text(pipeline.database_url) + "\n" + result.question_redacted
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for form in ("maria.garcia", "northwind-customer", "%2B41", "123%2045%2067"):
        assert form not in stored, f"{form!r} reached Postgres"
        assert form not in logged, f"{form!r} reached the log"
