"""A capitalised password told in a sentence ("my password is Swordfish"), through `PiiGuard.redact`. It was kept:
the lower-case rule (`guardrails/passphrases.py`) read lower-case words only, and the capitalised-word rule of
`guardrails/secrets.py` reads a setting's value (``password: Swordfish``), not prose.

A capitalised word after "password is" is read as the lower-case rule reads a word there (in lower case: where the
value ends, what follows it, whether it is a word of documentation, a participle, an adverb). Title case ("Your
Password Is Stored Encrypted") is a heading, not a sentence telling a password, and stays."""

from __future__ import annotations

import pytest

from tests.unit.test_redaction_brackets_cli_capitals import _assert_kept, _assert_redacted


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("my password is Swordfish", "Swordfish"),
        ("my password is Swordfish.", "Swordfish"),
        ("the admin password is Marigold, can you reset it?", "Marigold"),
        ("Password is Swordfish and it still fails", "Swordfish"),
        ("the wifi password is now Sunflower!", "Sunflower"),
        ("my old password was Butterfly", "Butterfly"),
        ('the password is "Swordfish"', "Swordfish"),
        ("passphrase is Tangerine-Umbrella", "Tangerine-Umbrella"),
        ("Hi, my vpn password is Kingfisher - why does it fail?", "Kingfisher"),
    ],
)
def test_a_capitalised_password_in_a_sentence_is_redacted(pii_guard, text, value):
    _assert_redacted(pii_guard, text, value)


@pytest.mark.parametrize(
    "text",
    [
        "The password is Required.",
        "The password is Optional when SSO is on",
        "The password is Stored as a bcrypt hash",
        "Your password is Encrypted at rest",
        "The password is Never shown again",
        "the password is Randomly generated",
        "The password is Twelve characters long",
        "the password is Postgres by default",
        "the default password is Admin",
        "Your Password Is Stored Encrypted",
        "Why the Password Is Required",
        "What To Do When Your Password Is Forgotten",
        "the password is Password",
        "the password is Secret",
        "the password is Something you choose",
        "The password is Different for each environment",
        "the password is Either the API key or the token",
        "the password is Unicode-aware",
        "the password is Hidden",
    ],
)
def test_sentences_and_headings_about_a_password_stay(pii_guard, text):
    _assert_kept(pii_guard, text)
