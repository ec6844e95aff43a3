"""A command pasted from PowerShell goes on over lines ending in a backtick (its line continuation), as a shell
command does over a backslash: the password on a later line is the command's, through `PiiGuard.redact`. A
backtick that opens or closes Markdown code, or a code fence, ends the command as before."""

from __future__ import annotations

import pytest

from tests.unit.test_redaction_brackets_cli_capitals import _assert_finishes, _assert_kept, _assert_redacted


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("docker login -u me `\n  -p Kq81bz registry.example.com", "Kq81bz"),
        ("sqlcmd -S db.example.com `\n    -U sa `\n    -P Kq81bz -Q 'SELECT 1'", "Kq81bz"),
        ("sqlcmd -S db `\r\n -U sa `\r\n -P Kq81bz", "Kq81bz"),
        ("mongosh --host db `\t\n -u admin -p Kq81bz", "Kq81bz"),
    ],
)
def test_a_password_after_a_powershell_line_continuation_is_redacted(pii_guard, text, value):
    _assert_redacted(pii_guard, text, value)


@pytest.mark.parametrize(
    "text",
    [
        "run `docker login`\n-p is the port flag of docker run",
        "docker login -u me\n```\n-p 8080:80 maps the port",
        "```\ndocker login -u me\n```\n-p was not needed",
        "try `sqlcmd -S db`\n-P is missing there",
    ],
)
def test_markdown_backticks_still_end_the_command(pii_guard, text):
    _assert_kept(pii_guard, text)


def test_a_long_run_of_continued_lines_finishes(pii_guard):
    _assert_finishes(pii_guard, "sqlcmd -S db" + " `\n" * 20_000 + " -P x")
