"""Break-it review of the command-line password recognizer (`guardrails/command_passwords.py`), through
`PiiGuard.redact`, with commands written as users paste them into Slack:

1. leaks — a command split by a line continuation (``\\`` or ``^`` then a new line), a tool called by its path
   (``/opt/mssql-tools/bin/sqlcmd``, ``./sqlcmd``, ``C:\\tools\\sqlcmd.exe``, ``net.exe user``), an option
   written ``-p=VALUE`` or glued (``-PVALUE``, ``-wVALUE``), a quoted value glued to its option (``-p"two words"``,
   ``/p:"two words"``), Oracle logons after ``rman target``/``catalog``, in ``userid=`` or in quotes, and a ``>``
   in a password (Slack sends it as ``&gt;``, whose ``;`` ended the word);
2. over-redaction — Slack's ``&lt;password&gt;`` placeholder (its ``;`` ended the word: "&lt" was taken for the
   password and the rest shown around the mark), the words of a sentence about an option ("-p option is
   deprecated", "-P encrypts the archive", "is … -p insecure?"), a port after ``-p``, ``[password]`` and ``TOKEN``
   placeholders, a script path after sqlplus, and "net user" prose with a ``/switch`` further on."""

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
        # a line continuation: the command goes on on the next line
        ("```\ndocker login -u admin \\\n  -p Tr0ub4dor ghcr.io\n```", "Tr0ub4dor"),
        ("sqlcmd -S db \\\n  -U sa \\\n  -P 'YourStrong@Passw0rd'", "YourStrong@Passw0rd"),
        ("sqlcmd -S db -U sa \\\r\n  -P Tr0ub4dor", "Tr0ub4dor"),
        ("sqlcmd -S db ^\n  -U sa ^\n  -P Tr0ub4dor", "Tr0ub4dor"),
        ("mongosh -u admin \\\n-p hunter22", "hunter22"),
        # the tool called by its path or with .exe
        ("/opt/mssql-tools/bin/sqlcmd -S localhost -U SA -P 'YourStrong@Passw0rd'", "YourStrong@Passw0rd"),
        ("/usr/bin/mongosh -u admin -p Tr0ub4dor", "Tr0ub4dor"),
        ("./sqlcmd -S db -U sa -P Tr0ub4dor", "Tr0ub4dor"),
        ("C:\\tools\\sqlcmd.exe -S db -U sa -P Tr0ub4dor", "Tr0ub4dor"),
        ('"C:\\Program Files\\7-Zip\\7z.exe" x a.7z -phunter22', "hunter22"),
        ("net.exe user alice Tr0ub4dor /add", "Tr0ub4dor"),
        ("PsExec.exe \\\\host -u admin -p Tr0ub4dor cmd", "Tr0ub4dor"),
        # -p=VALUE and a value glued to a short option
        ("docker login -u admin -p=Tr0ub4dor ghcr.io", "Tr0ub4dor"),
        ("mongosh -u admin -p=hunter22", "hunter22"),
        ("docker login -u admin -pTr0ub4dor ghcr.io", "Tr0ub4dor"),
        ("mongodump -u admin -phunter22 --db app", "hunter22"),
        ("sqlcmd -S db -U sa -PTr0ub4dor", "Tr0ub4dor"),
        ("ldapsearch -x -D cn=admin,dc=x -whunter22 -b dc=x", "hunter22"),
        ("unzip -Phunter22 x.zip", "hunter22"),
        ("influx -username admin -password=hunter22", "hunter22"),
        # a quoted value glued to its option
        ('7z x -p"Tr0ub 4dor" a.7z', "Tr0ub 4dor"),
        ("7z x -p'hunter22' a.7z", "hunter22"),
        ('xfreerdp /v:host /u:alice /p:"Tr0ub 4dor"', "Tr0ub 4dor"),
        ('xfreerdp /v:host /u:alice "/p:hunter22"', "hunter22"),
        ('docker login -u admin -p="Tr0ub 4dor"', "Tr0ub 4dor"),
        # Oracle logons elsewhere than the first operand
        ("rman target sys/hunter22@orcl", "hunter22"),
        ("rman target / catalog rcat/hunter22@catdb", "hunter22"),
        ("rman target=sys/hunter22@orcl", "hunter22"),
        ("expdp userid=system/hunter22@orcl directory=dp", "hunter22"),
        ("expdp directory=dp dumpfile=x.dmp userid=system/hunter22", "hunter22"),
        ("sqlldr userid=scott/tiger42 control=x.ctl", "tiger42"),
        ("sqlplus 'sys/hunter22@orcl as sysdba'", "hunter22"),
        ('sqlplus "scott/tiger42@orcl"', "tiger42"),
        ('impdp \\"sys/hunter22@orcl as sysdba\\" directory=dp', "hunter22"),
        # ">" in a password, as Slack sends it
        ("sqlcmd -S db -U sa -P Tr0ub&gt;4dor", "4dor"),
        ("docker login -u me -p pa&lt;ss99 ghcr.io", "ss99"),
    ],
)
def test_a_password_written_as_users_paste_commands_is_redacted(pii_guard, text, value):
    _assert_redacted(pii_guard, text, value)


@pytest.mark.parametrize(
    "text",
    [
        # Slack's &lt;placeholder&gt;
        "sqlcmd -S localhost -U SA -P &lt;YourStrong@Passw0rd&gt;",
        "docker login -u me -p &lt;token&gt; ghcr.io",
        "redis-cli -a &lt;password&gt; ping",
        "rabbitmqctl add_user alice &lt;password&gt;",
        "sqlplus scott/&lt;password&gt;@orcl",
        "htpasswd -b .htpasswd alice &lt;password&gt;",
        # a sentence about an option
        "docker login -p option is deprecated",
        "what does the docker login -p flag do",
        "docker login -p flag",
        "the docker login -p parameter shows a warning",
        "Is docker login -p insecure? It shows a warning",
        "Is docker login -p insecure?",
        "zip -P encrypts the archive with a weak cipher",
        "ssh-keygen -N newpass is the new passphrase option",
        "ssh-keygen -p -P oldpass -N newpass -f key",
        "mongosh -u myUser -p myPassword",
        # a port after -p
        "mongosh -h db -p 27017",
        # placeholders in brackets or capitals
        "docker login -u me -p [password] ghcr.io",
        "sqlcmd -S db -U sa -P [YourPassword]",
        "docker login -u USERNAME -p TOKEN ghcr.io",
        "docker login ghcr.io -u me -p GITHUB_TOKEN",
        'docker login -u me -p "..." ghcr.io',
        # a script, not a logon
        "sqlplus scripts/setup.sql fails",
        # "net user" in prose, a /switch further on
        "The net user command syntax is net user username password /add",
    ],
)
def test_a_command_or_sentence_without_a_password_stays(pii_guard, text):
    _assert_kept(pii_guard, text)


SIZE = 200_000
ADVERSARIAL = [
    "sqlcmd -P \\\n" * (SIZE // 12),
    "docker login -u a \\\n" * (SIZE // 20),
    "/usr/bin/mongosh " * (SIZE // 17),
    "a/" * (SIZE // 2) + "sqlcmd -P x",
    "net.exe user " * (SIZE // 13),
    "docker login -p &lt;" * (SIZE // 20),
    "7z -p" + "&lt;" * (SIZE // 4),
    "rman target " * (SIZE // 12),
    "expdp " + "userid=a/b " * (SIZE // 11),
    "sqlplus '" + "a/b " * (SIZE // 4),
    "docker login -p " + "A_" * (SIZE // 2),
    "docker login -p " + "[" * SIZE,
    "xfreerdp " + '/p:"' * (SIZE // 4),
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda t: t[:14])
def test_command_passwords_stay_linear_on_adversarial_input(pii_guard, text):
    """A hang guard, not a speed test (see `HANG_LIMIT_S`)."""
    _assert_finishes(pii_guard, text)
