"""A long run of spaces, tabs or blank lines in a message must not hold the guard: the lookbehinds of the
"password … value" patterns tried every split of a whitespace run at every position of it (a question of 4,000
characters, the limit, took about a minute; 200 KB of an attached file, hours). Whitespace there is bounded now,
and a password after a run of a few spaces is still found."""

from __future__ import annotations

import pytest

from tests.unit.test_redaction_brackets_cli_capitals import _assert_finishes

QUESTION = 4000  # the default ANSWERLOOP_MAX_QUESTION_CHARS
FILE = 200_000
RUNS = [
    "a" + " " * QUESTION + "b",
    "a" + "\n" * QUESTION + "b",
    "password" + " " * QUESTION + "x",
    "token" + "\t" * QUESTION + ": x",
    "a" + " " * FILE + "b",
    "a" + " \n" * (FILE // 2) + "b",
    "password" + "\t" * FILE,
    "echo x |" + " " * FILE + "sudo",
    "requirepass" + " " * FILE,
]


@pytest.mark.parametrize("text", RUNS, ids=lambda t: f"{t[:8]!r}x{len(t)}")
def test_a_long_whitespace_run_does_not_hold_the_guard(pii_guard, text):
    """A hang guard, not a speed test (see `HANG_LIMIT_S`)."""
    _assert_finishes(pii_guard, text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("password    Zq8pX2mN", "Zq8pX2mN"),
        ("password:      Zq8pX2mN", "Zq8pX2mN"),
        ("password \n Zq8pX2mN", "Zq8pX2mN"),
        ("pw   :   Zq8pX2mN", "Zq8pX2mN"),
        ("the password   is   pgj82ywdmS+3", "pgj82ywdmS+3"),
        ("my API key   is   R7dQm2x9LpT4vW8kZ3", "R7dQm2x9LpT4vW8kZ3"),
        ("Passwort   :   Geheim123x", "Geheim123x"),
    ],
)
def test_a_password_after_a_few_spaces_is_still_redacted(pii_guard, text, value):
    red = pii_guard.redact(text)
    assert value not in red.text, red.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DB_PASSWORD" + " " * 40 + '= "x9Kq2!pLmQ"', "DB_PASSWORD" + " " * 40 + '= "<GENERIC_SECRET>"'),
        (
            "a" + " " * 50 + "b" + "\t" * 30 + 'api_key = "x9Kq2!pLmQ7"',
            "a" + " " * 50 + "b" + "\t" * 30 + 'api_key = "<GENERIC_SECRET>"',
        ),
        (" " * 100 + "see ghp_" + "a1B2c3D4e5" * 4, " " * 100 + "see <GITHUB_TOKEN>"),
    ],
)
def test_a_secret_after_a_long_blank_run_is_redacted_where_it_stands(pii_guard, text, expected):
    """The patterns read the line with its long blank runs cut short; the finding is placed back on the line as
    written (`squeeze_blanks`): the text around it is unchanged, blanks included."""
    assert pii_guard.redact(text).text == expected
