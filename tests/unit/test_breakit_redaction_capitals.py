"""Break-it review of today's secret-redaction changes (brackets, command-line passwords, capitalised words),
through `PiiGuard.redact`:

1. common real passwords written capitalised (``password: Lovely``, ``password: Family``, ``PASSWORD=Victory``)
   were redacted before the capitalised rule deferred to the lower-case one, whose shape rules for prose ("the
   password is randomly generated", "… is visible") kept them;
2. code calling a function of a size on a number after a secret's name (``password = bcrypt(12)``, ``token =
   uuid(4)``, ``password = length(8)``) was taken for a password;
3. ``redis-cli -a`` read prose ("redis-cli -a prints a warning"), an empty password (``-a ""``: the next word was
   taken) and a Windows variable (``-a %REDIS_PASSWORD%``) as the password;
4. a tool's name glued to punctuation, repeated ("redis-cli,redis-cli,…"), made the recognizer read the whole rest of
   the message for every repetition (quadratic: 40 KB took half a minute)."""

from __future__ import annotations

import pytest

from tests.unit.test_redaction_brackets_cli_capitals import (
    _assert_finishes,
    _assert_kept,
    _assert_redacted,
)

# 1. capitalised common passwords


@pytest.mark.parametrize(
    "word",
    [
        "Lovely",
        "Family",
        "Beautiful",
        "Crystal",
        "Victory",
        "Natural",
        "Infinity",
        "Serenity",
        "Trinity",
        "Fishing",
        "Amazing",
        "Magical",
        "Classic",
        "Whatever",
        "Passion",
    ],
)
@pytest.mark.parametrize("template", ["password: {}", "PASSWORD={}", '"password": "{}"', "DB_PASSWORD={}"])
def test_a_common_password_written_capitalised_is_redacted(pii_guard, template, word):
    _assert_redacted(pii_guard, template.format(word), word)


@pytest.mark.parametrize(
    "text",
    [
        "password: Required",
        "password=Hidden",
        "password: None",
        '"password": "Password"',
        "POSTGRES_PASSWORD=Postgres",
        "password: Mandatory",
        "password: Sensitive",
    ],
)
def test_capitalised_words_of_documentation_stay(pii_guard, text):
    _assert_kept(pii_guard, text)


@pytest.mark.parametrize(
    "text",
    [
        "Password: Whatever you type is hidden",
        "password: Nothing happens when I click",
        "Password: Usually the same as the username",
        "Password: Typically stored in vault",
        "Password: Currently not supported",
        "Password: Family members share it",
        "Password: Natural language passphrases work best",
    ],
)
def test_a_sentence_after_a_password_keyword_stays(pii_guard, text):
    """The first word of a sentence is read by the lower-case rule, as before: only a word standing alone as the
    value is read by the narrower rule for capitalised passwords."""
    _assert_kept(pii_guard, text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("PGPASSWORD=Lovely psql -h db", "Lovely"),
        ('"password": "Family", "user": "bob"', "Family"),
        ("password: Victory (the old one)", "Victory"),
        ("<password>Crystal</password>", "Crystal"),
        ("password: Swordfish psql", "Swordfish"),
    ],
)
def test_a_capitalised_value_standing_alone_is_redacted(pii_guard, text, value):
    _assert_redacted(pii_guard, text, value)


# 2. functions of a size called on a number


@pytest.mark.parametrize(
    "text",
    [
        "password = bcrypt(12)",
        "password = hash(12)",
        "token = uuid(4)",
        "password = salt(16)",
        "password = length(8)",
        "password = min(8)",
        "password = max(64)",
        "password = size(8)",
        "token = ttl(3600)",
        "token = timeout(30)",
        "password = rounds(12)",
        "password = cost(12)",
        "password = hashpw(12)",
        "password = genpass(16)",
        "password = mkpasswd(16)",
        "password = pwgen(16)",
        "token = token(32)",
        "secret = secret(32)",
        "password = Password(128)",
        "password: Optional(32)",
        "api_key = Key(32)",
        "password = Sequence(1)",
        "password = iterations(100000)",
        "password = getrandom(16)",
        "password = randint(8)",
        "password = choice(10)",
    ],
)
def test_a_function_of_a_size_after_a_secret_name_stays(pii_guard, text):
    _assert_kept(pii_guard, text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("DB_PASSWORD=Summer(2024)", "Summer(2024)"),
        ("password=abc(123)", "abc(123)"),
        ("password = Brandon(7)", "Brandon(7)"),
        ("password=Lovely(99)", "Lovely(99)"),
    ],
)
def test_a_word_called_on_a_number_is_still_a_password(pii_guard, text, value):
    _assert_redacted(pii_guard, text, value)


# 3. redis-cli -a


@pytest.mark.parametrize(
    "text",
    [
        "redis-cli -a prints a warning",
        "Why does redis-cli -a print a warning about the password on the command line?",
        "redis-cli -a shows the warning even with --no-auth-warning?",
        'redis-cli -a "" ping',
        "redis-cli -a '' ping",
        "redis-cli -a %REDIS_PASSWORD% ping",
    ],
)
def test_redis_cli_prose_and_placeholders_stay(pii_guard, text):
    _assert_kept(pii_guard, text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("redis-cli -a foobared ping", "foobared"),
        ("redis-cli -a dragon and it fails", "dragon"),
        ("redis-cli -a sunshine ping", "sunshine"),
        ("redis-cli -a Sunshine --no-auth-warning ping", "Sunshine"),
        ("redis-cli -a s3cr3t then nothing happens", "s3cr3t"),
        ("redis-cli\t-a foobared ping", "foobared"),
    ],
)
def test_redis_cli_passwords_are_still_redacted(pii_guard, text, value):
    _assert_redacted(pii_guard, text, value)


# 4. hang guard


SIZE = 200_000
ADVERSARIAL = [
    "redis-cli," * (SIZE // 10),
    "htpasswd:" * (SIZE // 9),
    "redis-cli=" * (SIZE // 10),
    "redis-cli -a " + "x," * (SIZE // 2),
    "redis-cli " + ("a" * 500 + " ") * (SIZE // 501),
    "password=" + "Summer(1)" * (SIZE // 9),
    "password: " + "Lovely" * (SIZE // 6),
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda t: t[:14])
def test_repeated_tool_names_do_not_hold_the_guard(pii_guard, text):
    """A hang guard, not a speed test: 200 KB redacted in a forked child (the guard already built), killed after
    HANG_LIMIT_S seconds; a message of that size takes a few seconds when nothing is read again and again."""
    _assert_finishes(pii_guard, text)
