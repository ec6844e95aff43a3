"""A password echoed into a command that reads it from standard input, pasted into a question, through
`PiiGuard.redact`: ``echo Swordfish | docker login -u me --password-stdin``, ``echo 'alice:Swordfish' | chpasswd``,
``echo hunter2x | sudo -S apt update``. The echoed word was kept: the command-line rules read a tool's own
arguments, and the pipe ends a command.

Kept: a variable or a file piped in (``echo $TOKEN | …``, ``cat pw.txt | …``), an echo piped into a command that
reads no password, and the option alone."""

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
        ("echo Swordfish | docker login -u me --password-stdin", "Swordfish"),
        ("echo 'hunter22' | docker login ghcr.io -u me --password-stdin", "hunter22"),
        ('echo -n "Tr0ub 4dor" | podman login --password-stdin -u me quay.io', "Tr0ub 4dor"),
        ("echo 'alice:Swordfish' | chpasswd", "Swordfish"),
        ('echo "alice:correcthorse" | sudo chpasswd', "correcthorse"),
        ("echo marigold | passwd --stdin alice", "marigold"),
        ("echo hunter2x | sudo -S apt update", "hunter2x"),
        ("echo 'Swordfish' | sudo -kS systemctl restart nginx", "Swordfish"),
        ("printf '%s\\n' 'Swordfish' | docker login -u me --password-stdin", "Swordfish"),
        ("printf 'hunter22' | gh auth login --with-token", "hunter22"),
        ("echo tangerine | htpasswd -i .htpasswd alice", "tangerine"),
        ("run `echo Swordfish | docker login -u me --password-stdin` then push", "Swordfish"),
    ],
)
def test_a_password_echoed_into_a_command_is_redacted(pii_guard, text, value):
    _assert_redacted(pii_guard, text, value)


@pytest.mark.parametrize(
    "text",
    [
        "echo $REGISTRY_TOKEN | docker login -u me --password-stdin",
        'echo "$CR_PAT" | docker login ghcr.io -u me --password-stdin',
        "cat ~/pw.txt | docker login -u me --password-stdin",
        "echo hello | grep hello",
        "echo done | tee log.txt",
        "echo alice | sudo tee /etc/hostname",
        "echo <password> | sudo -S apt update",
        "docker login -u me --password-stdin",
        "echo 'alice:<password>' | chpasswd",
        "echo the password | passwd --stdin",
    ],
)
def test_echoes_without_a_password_stay(pii_guard, text):
    _assert_kept(pii_guard, text)


SIZE = 200_000
ADVERSARIAL = [
    "echo " * (SIZE // 5),
    "echo x | " * (SIZE // 9),
    "echo " + "x " * (SIZE // 2) + "| chpasswd",
    "echo x |" + " " * SIZE + "sudo",
    "printf " + "'%s' " * (SIZE // 5),
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda t: t[:14])
def test_piped_password_rule_does_not_hold_the_guard_on_adversarial_input(pii_guard, text):
    """A hang guard, not a speed test (see `HANG_LIMIT_S`)."""
    _assert_finishes(pii_guard, text)
