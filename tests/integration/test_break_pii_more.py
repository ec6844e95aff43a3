"""More attacks on "no PII at rest": values the way people paste them that the redaction did not see through —
characters that show as nothing inside a value. Through the real pipeline (real Postgres); then every table and
the log."""

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
