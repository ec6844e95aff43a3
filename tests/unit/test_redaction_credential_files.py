"""Passwords in the lines of credential and server files pasted into a question, through `PiiGuard.redact`: a
``.netrc`` entry, a ``.pgpass`` line, Redis's ``requirepass`` / ``masterauth`` and keepalived's ``auth_pass``. A plain
or capitalised word there was kept (the key word rules need ``:`` or ``=``, or a digit in the value).

Kept: the same files with placeholders, and lines of the same shape that hold no password (times, a sentence
about the directive, a commented-out line's word "requirepass" in prose)."""

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
        ("machine api.example.com login alice password Swordfish", "Swordfish"),
        ("machine api.example.com login alice password correcthorse", "correcthorse"),
        ("my ~/.netrc:\nmachine git.corp login alice\n  password marigold\n", "marigold"),
        ("default login anonymous password Swordfish", "Swordfish"),
        ("db.example.com:5432:app:alice:Swordfish", "Swordfish"),
        ("*:*:*:postgres:correcthorse", "correcthorse"),
        ("my .pgpass is\nlocalhost:5432:*:app:tangerine", "tangerine"),
        ("requirepass Swordfish", "Swordfish"),
        ("requirepass foobared2", "foobared2"),
        ("in redis.conf:\n  masterauth correcthorse\n", "correcthorse"),
        ('requirepass "my secret pass"', "my secret pass"),
        ("authentication {\n    auth_type PASS\n    auth_pass Swordfish\n}", "Swordfish"),
    ],
)
def test_a_password_in_a_credential_file_line_is_redacted(pii_guard, text, value):
    _assert_redacted(pii_guard, text, value)


@pytest.mark.parametrize(
    "text",
    [
        "machine api.example.com login alice password <password>",
        "machine api.example.com login alice password ${NETRC_PASSWORD}",
        "requirepass <password>",
        "requirepass ${REDIS_PASSWORD}",
        "what does requirepass do in redis.conf?",
        "set requirepass in redis.conf",
        "the login page password field is empty",
        "2024:12:07:18:25",
        "10:30:00:00:00",
        "hostname:port:database:username:password",
        "machine learning login flow password reset",
        "the machine room login desk password policy",
        "cache:1:orders:items:list",
        "localhost:5432:*:app:<password>",
        "a:b",
    ],
)
def test_credential_file_shapes_without_a_password_stay(pii_guard, text):
    _assert_kept(pii_guard, text)


SIZE = 200_000
ADVERSARIAL = [
    "machine h login u " * (SIZE // 18),
    "machine " + "h " * (SIZE // 2),
    "a:1:" * (SIZE // 4),
    "x:1:" + "b:" * (SIZE // 2),
    "requirepass " * (SIZE // 12),
    'requirepass "' + "x" * SIZE,
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda t: t[:14])
def test_credential_file_rules_do_not_hold_the_guard_on_adversarial_input(pii_guard, text):
    """A hang guard, not a speed test (see `HANG_LIMIT_S`)."""
    _assert_finishes(pii_guard, text)
