"""Issue K: a password written as plain lower-case words right after a password keyword is redacted.

Every other password rule needs a digit, a symbol or entropy, so ``password: correcthorsebatterystaple`` or ``my
password is hunter`` went through in the clear. Documentation questions — the bot's main input — write the same
keywords before words that are no password (``password: required``, ``the password is too short``, ``reset your
password: go to settings``): those must keep every word. Through `PiiGuard.redact`, the entry point the pipeline
calls on every question."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("password: correcthorsebatterystaple", "correcthorsebatterystaple"),
        ("my password is hunter", "hunter"),
        ("pw: swordfish", "swordfish"),
        ("passphrase: tangerine-umbrella-lantern", "tangerine-umbrella-lantern"),
        ("db password = opensesame", "opensesame"),
        ("DB_PASSWORD=opensesame", "opensesame"),
        ("mysql.password: opensesame in my.cnf does not work", "opensesame"),
        ('the config has "password": "swordfish" and login fails', "swordfish"),
        ("password: 'letmein'", "letmein"),
        ("my password is hunter, why can't I log in?", "hunter"),
        ("my password is hunter. Why can't I log in?", "hunter"),
        ("my password is now swordfish", "swordfish"),
        ("the password is: opensesame", "opensesame"),
        ("the wifi password is swordfish and it does not connect", "swordfish"),
        ("passphrase: correct-horse-battery-staple", "correct-horse-battery-staple"),
        ("pwd: opensesame", "opensesame"),
        ("pass: opensesame", "opensesame"),
        ("admin password = letmein", "letmein"),
        ("if password == 'swordfish': login()", "swordfish"),
        ("`password: dragonfly` in values.yaml is rejected", "dragonfly"),
        ("sudo password is monkey!", "monkey"),
        ("password: blue-giraffe", "blue-giraffe"),
        ("password: butterfly", "butterfly"),  # ends in "ly", but "butterf" is no word: not an adverb
        ('password: "correct horse battery staple"', "horse battery"),
        ("spring.datasource.password=opensesame", "opensesame"),
        ("POSTGRES_PASSWORD: opensesame", "opensesame"),
        ("password: swordfish — why does it fail?", "swordfish"),
        ("password: swordfish (the old one)", "swordfish"),
        ("password was opensesame before the reset", "opensesame"),
        ("pw: opensesame, user: bob", "opensesame"),
    ],
)
def test_a_lowercase_password_after_a_keyword_is_redacted(pii_guard, text, value):
    red = pii_guard.redact(text)
    assert value not in red.text, red.text
    assert red.secrets_found, red.entity_counts


def test_only_the_password_line_of_a_pasted_config_is_redacted(pii_guard):
    text = "user: bob\npassword: swordfish\nhost: db1\nwhy is access denied?"
    assert pii_guard.redact(text).text == "user: bob\npassword: <GENERIC_SECRET>\nhost: db1\nwhy is access denied?"


def test_the_value_alone_is_redacted_not_the_words_around_it(pii_guard):
    assert pii_guard.redact("my password is hunter, why?").text == "my password is <GENERIC_SECRET>, why?"


@pytest.mark.parametrize(
    "text",
    [
        # from the issue
        "password: required",
        "the password: field",
        "password: string",
        "password = None",
        "password: ${DB_PASSWORD}",
        "password: <your password>",
        "how do I set password: in config.yaml?",
        "password is required",
        "password is too short",
        "the password must be 8 characters",
        "reset your password: go to settings",
        "password: optional",
        "postgres://user:password@localhost:5432/db",
        # types, placeholders and defaults of documentation
        "password: secret",
        "password: hidden",
        "password: masked",
        "password: boolean",
        "password: changeme",
        "the keystore password is changeit by default",
        "password: example",
        "password: username",
        "password: mypassword",
        "password: yourpassword",
        "password: foobar",
        "password: placeholder",
        "password: default",
        "password: plaintext",
        "password: bcrypt",
        "password: keyring",
        "password = getpass",
        "password: str = Field(...)",
        "password: string;",
        '"password": "string"',
        "Password: Enter your password",
        "password: the one from vault",
        # prose about passwords
        "the password is correct but login fails",
        "the password is incorrect",
        "my password is expired",
        "the password is hashed with bcrypt",
        "the password is stored in vault",
        "the password is case-sensitive",
        "password: auto-generated",
        "password: write-only",
        "password: read-only-mode",
        "the password is mandatory",
        "the password is different",
        "the password is visible in the logs",
        "the password is longer than allowed",
        "the password is longer?",
        "is the password is lowercase?",
        "the password is unique per user",
        "the password is something I forgot",
        "change password: settings",
        "forgot password: click the link",
        "sudo: password: incorrect",
        "FATAL: password authentication failed for user app",
        "password: authentication failed",
        "password: timeout",
        "password: mismatch",
        "password: length and complexity",
        "password: policy",
        "the password is plaintext and that is bad",
        "pass: skipped",
        "pwd: command not found",
        "the password is randomly generated",
        "default password: admin",
        "the password is ignored when sso is on",
        "the password is whatever you set at install",
        "password: not-so-secret",
        # instructions go on after the word; a known word followed by a phrase describes the password
        "password: authenticate and retry",
        "password: authenticate with your sso account",
        "password: reauthenticate and try again",
        "password: enter it twice",
        "the password is gibberish after migration",
        "the password is something like hunter but longer",
        # documented defaults, masks and placeholders
        "POSTGRES_PASSWORD: postgres",
        "the default password is vagrant",
        "password: xxxxxxxx",
        'password: "your-password-here"',
        'password: "replace-with-your-password"',
        'password: "seed phrase"',
        # adverbs, participles, adjectives
        "the password is hashed twice",
        "password is typically stored hashed",
        "the password is autofilled by chrome",
        "password: hashing",
        "password is lowercased",
        "the password is alphanumeric",
        "password is memorable",
        # code: a variable, not a literal
        "login({ email, password: candidate })",
        "if password == stored: return True",
        "password: legacy",
        "password: publickey",
    ],
)
def test_documentation_about_passwords_keeps_its_words(pii_guard, text):
    red = pii_guard.redact(text)
    assert red.text == text
    assert not red.secrets_found


@pytest.mark.parametrize(
    "text",
    [
        "password: hashedPassword,",
        "password: process.env.DB_PASS,",
        "password: databaseSecrets.password,",
        "password = getpass()",
        "password = self.password",
        "password = raw_input",
        "password: SecretStr",
    ],
)
def test_code_identifiers_are_no_lowercase_password(text):
    # The guard's older assignment rule still redacts these identifiers (known over-redaction, not this rule's).
    from guardrails.passphrases import find_lowercase_passwords

    assert find_lowercase_passwords(text) == []
