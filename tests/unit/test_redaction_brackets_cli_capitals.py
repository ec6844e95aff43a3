"""Passwords a user pastes into a question, and the words written the same way that are none, through
`PiiGuard.redact` (the entry point the pipeline calls on every question):

1. a password with brackets shaped like a call or a SQL type (``DB_PASSWORD=Summer(2024)``) was kept as code;
2. a password given to a command-line tool (``redis-cli -a s3cr3tpass``, ``htpasswd -b file user Passw0rd``) was
   kept;
3. a capitalised word after a password keyword was redacted whatever it said: ``DB_PASSWORD=Swordfish`` rightly,
   but ``password: Required``, ``PASSWORD=CHANGE_ME``, ``"password": "Password"`` too.

Each group also keeps the code, commands and documentation written the same way."""

from __future__ import annotations

import multiprocessing

import pytest


def _assert_redacted(pii_guard, text, value):
    red = pii_guard.redact(text)
    assert value not in red.text, red.text
    assert red.secrets_found, red.entity_counts


def _assert_kept(pii_guard, text):
    red = pii_guard.redact(text)
    assert red.text == text, red.entity_counts


# 1. brackets


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("DB_PASSWORD=Summer(2024)", "Summer(2024)"),
        ("password=abc(123)", "abc(123)"),
        ("export PGPASSWORD=Winter(99)!", "Winter(99)"),
        ("password: Autumn(1987) fails on login", "Autumn(1987)"),
        ("api_key = Spring(42)", "Spring(42)"),
    ],
)
def test_a_password_shaped_like_a_call_is_redacted(pii_guard, text, value):
    _assert_redacted(pii_guard, text, value)


@pytest.mark.parametrize(
    "text",
    [
        "password varchar(255)",
        "password = getpass()",
        "api_key = os.getenv('KEY')",
        "api_key = secrets.token_hex(16)",
        "password: SecretStr",
        "password = hash_password(raw)",
        "token = generate_token(32)",
        "password CHAR(60) NOT NULL",
        "password NVARCHAR(128) NULL",
        "password: Decimal(10)",
        "password = String(255)",
        "key = urandom(32)",
        "token = randbytes(16)",
        "secret_key = generateKey(32)",
        "password = Column(String(128), nullable=False)",
    ],
)
def test_calls_and_types_after_a_secret_name_stay(pii_guard, text):
    _assert_kept(pii_guard, text)


# 2. command-line passwords


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("mysql -u root -pS3cretPass db", "S3cretPass"),
        ("mysql --password=hunter2x", "hunter2x"),
        ("mysql -u root --password=Swordfish db", "Swordfish"),
        ("mariadb -h db --password='Tr0ub4dor&3'", "Tr0ub4dor"),
        ("redis-cli -a s3cr3tpass", "s3cr3tpass"),
        ("redis-cli -h cache -p 6379 -a foobared ping", "foobared"),
        ('redis-cli -a "my pass" ping', "my pass"),
        ("redis-cli --pass Hunter2x ping", "Hunter2x"),
        ("sshpass -p 'Tr0ub4dor' ssh host", "Tr0ub4dor"),
        ("curl -u admin:hunter2x https://api.example.com", "hunter2x"),
        ("htpasswd -b file user Passw0rd", "Passw0rd"),
        ("htpasswd -cb /etc/nginx/.htpasswd admin Swordfish", "Swordfish"),
        ("htpasswd -nbB admin hunter", "hunter"),
        ("htpasswd -b -B .htpasswd admin 'my secret'", "my secret"),
    ],
)
def test_a_password_given_to_a_command_is_redacted(pii_guard, text, value):
    _assert_redacted(pii_guard, text, value)


@pytest.mark.parametrize(
    "text",
    [
        "mysql -p",
        "mysql -p db",
        "mysql -u root -p mydb asks for the password",
        "with redis-cli, use -a to pass the password",
        "redis-cli -a <password> ping",
        "redis-cli -a $REDIS_PASSWORD ping",
        "redis-cli -a",
        "curl -u user https://api.example.com",
        "ls -a",
        "ls -a /etc",
        "htpasswd -c .htpasswd admin",
        "htpasswd -b file user <password>",
        "how does htpasswd -b take the password?",
    ],
)
def test_commands_without_a_password_stay(pii_guard, text):
    _assert_kept(pii_guard, text)


# 3. capitalised passwords in a setting


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("DB_PASSWORD=Swordfish", "Swordfish"),
        ('password: "Sunshine"', "Sunshine"),
        ("password: 'Sunshine'", "Sunshine"),
        ('"password": "Dragonfly"', "Dragonfly"),
        ('{"user": "bob", "password": "Dragonfly"} is rejected', "Dragonfly"),
        ("<password>Marigold</password>", "Marigold"),
        ("&lt;password&gt;Marigold&lt;/password&gt;", "Marigold"),
        ("PGPASSWORD=Swordfish psql -h db", "Swordfish"),
        ("password: Swordfish", "Swordfish"),
        ("password = Swordfish", "Swordfish"),  # a name in code or a value: taken as the value
        ("PASSWORD=SWORDFISH", "SWORDFISH"),
        ("api_key: Marigold", "Marigold"),
    ],
)
def test_a_capitalised_password_in_a_setting_is_redacted(pii_guard, text, value):
    _assert_redacted(pii_guard, text, value)


@pytest.mark.parametrize(
    "text",
    [
        "Password: Enter your password",
        "password: Required",
        "PASSWORD=CHANGE_ME",
        "password: None",
        "password = True",
        '"password": "Password"',
        "DB_PASSWORD=${DB_PASSWORD}",
        "password: <your password>",
        '"password": "Required"',
        "<password>Optional</password>",
        "POSTGRES_PASSWORD=Postgres",
        "password=Hidden",
        '"password": "Enter your password"',
        "password: Required.",
        "SECRET_KEY=YOUR_SECRET_KEY",
        "PASSWORD=CHANGEME",
        "password: Mandatory",
    ],
)
def test_capitalised_words_outside_a_setting_or_naming_no_password_stay(pii_guard, text):
    _assert_kept(pii_guard, text)


# hang guard for the new patterns


SIZE = 200_000
ADVERSARIAL = [
    "password=" + "Abc(" * (SIZE // 4),
    "DB_PASSWORD=" + "A" * SIZE + "(1)",
    "password: " + "Zz(9) " * (SIZE // 6),
    "password=abc(" + "1" * SIZE + ")x",
    "token = " + "varchar" * (SIZE // 7) + "(1)",
    "redis-cli " + "-a " * (SIZE // 3),
    "redis-cli -a x " * (SIZE // 15),
    'redis-cli -a "' + "x " * (SIZE // 2),
    "htpasswd " + "-b " * (SIZE // 3) + "x",
    "htpasswd -b " + "f " * (SIZE // 2),
    "mysql " + "--password " * (SIZE // 11),
    '"password": "' + "S" + "a" * SIZE,
    "password=" + "Sword" * (SIZE // 5),
    "<password>" + "M" * SIZE,
    "PASSWORD=" + "A_" * (SIZE // 2) + "a",
]


# A hang guard, not a speed test: 200 KB takes 3-7 s of CPU when nothing backtracks (13 s wall seen with the
# machine loaded by a test run beside it); a pattern that rereads its input takes many minutes at this size.
HANG_LIMIT_S = 60


def _redact_in_child(guard, text, done) -> None:
    guard.redact(text)
    done.set()


def _assert_finishes(pii_guard, text) -> None:
    """The hang guard of a redaction rule: `text` redacted within HANG_LIMIT_S (not a speed test)."""
    assert _redacts_within(pii_guard, text, HANG_LIMIT_S), (
        f"the guard did not finish {len(text)} characters within {HANG_LIMIT_S} s"
    )


def _redacts_within(guard, text, seconds) -> bool:
    """`text` redacted in a forked child (the guard already built), killed after `seconds`: did it finish?"""
    ctx = multiprocessing.get_context("fork")
    done = ctx.Event()
    child = ctx.Process(target=_redact_in_child, args=(guard, text, done))
    child.start()
    child.join(seconds)
    if child.is_alive():
        child.kill()
        child.join()
    return done.is_set()


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda t: t[:14])
def test_the_new_patterns_do_not_hold_the_guard_on_adversarial_input(pii_guard, text):
    """A hang guard, not a speed test: 200 KB of a pattern's prefix repeated, redacted in a forked child (the
    guard already built) that is killed after HANG_LIMIT_S seconds; a message of that size takes a few seconds when
    no pattern backtracks."""
    _assert_finishes(pii_guard, text)
