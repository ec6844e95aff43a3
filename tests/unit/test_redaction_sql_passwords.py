"""Passwords in SQL statements pasted into a question, through `PiiGuard.redact`. MySQL's and Oracle's ``IDENTIFIED
BY``, MySQL's ``SET PASSWORD … = '…'`` and a plain word in PostgreSQL's ``CREATE ROLE … PASSWORD '…'`` were kept:
the key word rules need a ``:`` or ``=`` after "password", or a digit in the value.

Kept: placeholders and bind variables (``'<password>'``, ``:pwd``, ``?``, ``${DB_PASSWORD}``), the statements with no
password (``IDENTIFIED EXTERNALLY``, ``PASSWORD NULL``) and sentences using the same words ("users are identified by
email")."""

from __future__ import annotations

import pytest

from tests.unit.test_redaction_brackets_cli_capitals import (
    _assert_finishes,
    _assert_kept,
    _assert_redacted,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("CREATE USER 'app'@'%' IDENTIFIED BY 'Swordfish';", "Swordfish"),
        ("CREATE USER app IDENTIFIED BY hunter22;", "hunter22"),
        ("ALTER USER app IDENTIFIED BY 'correcthorse'", "correcthorse"),
        ("alter user app identified by tiger", "tiger"),
        ("CREATE USER 'a'@'localhost' IDENTIFIED WITH mysql_native_password BY 'Tr0ub 4dor';", "Tr0ub 4dor"),
        ("GRANT ALL ON db.* TO 'app'@'%' IDENTIFIED BY 'hunter22';", "hunter22"),
        ('CREATE USER IF NOT EXISTS app IDENTIFIED BY "Swordfish";', "Swordfish"),
        ("SET PASSWORD FOR 'app'@'%' = 'Swordfish';", "Swordfish"),
        ("SET PASSWORD = PASSWORD('correcthorse');", "correcthorse"),
        ("set password for app = 'marigold'", "marigold"),
        ("CREATE ROLE app LOGIN PASSWORD 'correcthorse';", "correcthorse"),
        ("ALTER ROLE app WITH ENCRYPTED PASSWORD 'Swordfish' VALID UNTIL 'infinity';", "Swordfish"),
        ("create user app with password 'tangerine';", "tangerine"),
        ("CREATE USER app WITH LOGIN PASSWORD 'it''s a secret';", "s a secret"),
    ],
)
def test_a_password_in_a_sql_statement_is_redacted(pii_guard, text, value):
    _assert_redacted(pii_guard, text, value)


@pytest.mark.parametrize(
    "text",
    [
        "CREATE USER 'app'@'%' IDENTIFIED BY '<password>';",
        "CREATE USER app IDENTIFIED BY :pwd",
        "ALTER USER app IDENTIFIED BY ?",
        "CREATE USER app IDENTIFIED BY '${DB_PASSWORD}';",
        "CREATE USER app IDENTIFIED BY 'password';",
        "CREATE USER app IDENTIFIED EXTERNALLY;",
        "CREATE USER app IDENTIFIED BY VALUES",
        "ALTER ROLE app PASSWORD NULL;",
        "CREATE ROLE app WITH LOGIN PASSWORD '<password>';",
        "SET PASSWORD FOR app = ?;",
        "users are identified by email",
        "each user is identified by their token",
        "a role identified by name",
        "the alter user statement sets the password",
        "alter user app identified by",
    ],
)
def test_sql_without_a_password_and_sentences_stay(pii_guard, text):
    _assert_kept(pii_guard, text)


SIZE = 200_000
ADVERSARIAL = [
    "CREATE USER a IDENTIFIED BY '" + "x" * SIZE,
    "identified by " * (SIZE // 14),
    "create user " + "a " * (SIZE // 2) + "identified by x",
    "CREATE ROLE a " + "x" * SIZE + " PASSWORD 'y'",
    "alter role a password '" * (SIZE // 23),
    "SET PASSWORD FOR " + "a" * SIZE + " = 'x'",
    "set password = '" + "''" * (SIZE // 2),
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda t: t[:14])
def test_sql_password_rules_do_not_hold_the_guard_on_adversarial_input(pii_guard, text):
    """A hang guard, not a speed test (see `HANG_LIMIT_S`)."""
    _assert_finishes(pii_guard, text)
