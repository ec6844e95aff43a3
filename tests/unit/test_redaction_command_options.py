"""Command-line passwords written the way getopt and the registry clients also take them, through
`PiiGuard.redact`: one-letter options bunched together (``ldapsearch -xw PASS``, ``zip -rP PASS``,
``ssh-keygen -qN PASS``, ``redis-cli -na PASS``) and the tool's global options before its subcommand
(``docker --config DIR login -p PASS``, ``podman --log-level debug login -p PASS``). Before, all of these kept the
password in the clear. Each group keeps the commands of the same shape that hold no password."""

from __future__ import annotations

import pytest

from tests.unit.test_redaction_brackets_cli_capitals import _assert_finishes, _assert_kept, _assert_redacted


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("ldapsearch -xw Kq81bz -D cn=admin,dc=example,dc=com", "Kq81bz"),
        ("ldapsearch -x -LLL -H ldap://db -D cn=admin -xw 'two words' uid=bob", "two words"),
        ("ldapmodify -xwKq81bz -f change.ldif", "Kq81bz"),
        ("zip -rP Kq81bz backup.zip reports/", "Kq81bz"),
        ("zip -reP Hunter22x backup.zip reports/", "Hunter22x"),
        ("unzip -oP Kq81bz backup.zip", "Kq81bz"),
        ("ssh-keygen -qN Kq81bz -t ed25519 -f deploy_key", "Kq81bz"),
        ("redis-cli -h cache -na Kq81bz ping", "Kq81bz"),
    ],
)
def test_a_password_after_bunched_one_letter_options_is_redacted(pii_guard, text, value):
    _assert_redacted(pii_guard, text, value)


@pytest.mark.parametrize(
    "text",
    [
        "ldapsearch -x -LLL -b dc=example,dc=com uid=bob",
        "ldapsearch -xLLL uid=bob",
        "zip -r backup.zip reports/",
        "zip -rq backup.zip reports/",
        "unzip -o backup.zip",
        "ssh-keygen -qt ed25519 -f deploy_key",
        "redis-cli -h cache -n 2 ping",
        "zip -rP encrypts the archive with a password",
    ],
)
def test_bunched_options_without_a_password_stay(pii_guard, text):
    _assert_kept(pii_guard, text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("docker --config ~/.docker-ci login -u bot -p Kq81bz registry.example.com", "Kq81bz"),
        ("docker -D login -u bob -p Kq81bz ghcr.io", "Kq81bz"),
        ("docker --config=/tmp/cfg login -p Kq81bz", "Kq81bz"),
        ("podman --log-level debug login -u me -p Kq81bz quay.io", "Kq81bz"),
        ("helm --debug registry login -u me -p Kq81bz registry.example.com", "Kq81bz"),
        ("helm registry --debug login -u me -p Kq81bz registry.example.com", "Kq81bz"),
    ],
)
def test_a_password_after_global_options_before_the_subcommand_is_redacted(pii_guard, text, value):
    _assert_redacted(pii_guard, text, value)


@pytest.mark.parametrize(
    "text",
    [
        "docker --config ~/.docker-ci run -p 8080:80 nginx",
        "docker -D run -p 8080:80 nginx",
        "docker --config ~/.docker-ci login -u bot registry.example.com",
        "docker --context prod login",
        "docker -D logs -p web",
    ],
)
def test_global_options_before_another_subcommand_stay(pii_guard, text):
    _assert_kept(pii_guard, text)


@pytest.mark.parametrize(
    "text",
    [
        "docker" + " -D" * 5_000 + " login -p x",
        "docker" + " --config d" * 3_000,
        "zip -" + "r" * 20_000 + "P x",
        "ldapsearch " + "-x " * 6_000,
    ],
)
def test_long_runs_of_options_finish(pii_guard, text):
    _assert_finishes(pii_guard, text)
