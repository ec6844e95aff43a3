"""Passwords given to a command on its command line, pasted into a question: ``docker login -p s3cret``,
``sqlcmd -U sa -P s3cret``, ``smbclient -U alice%s3cret``, ``7z a -ps3cret``, ``sqlplus scott/tiger@orcl``,
``rabbitmqctl add_user alice s3cret``.

The command is read word by word as the shell splits it (quotes kept together), up to where it ends (``;``, ``|``,
``&&``, a backtick, the end of the line), and each tool says where its password stands (`COMMANDS`): after an
option (``-p s3cret``), glued to one (``-ps3cret``, ``/p:s3cret``, ``--user=alice%s3cret``), after the user name
and a separator (``alice%s3cret``, ``alice,s3cret``, Oracle's ``user/password@db``), or as an operand
(``htpasswd -b FILE USER PASSWORD``, ``rabbitmqctl add_user USER PASSWORD``).

Not a password: the option alone (the tool prompts), a placeholder or a variable (``-p <password>``,
``-p $TOKEN``, ``-storepass:env VAR``), another option (``-p --host``), a function word, and the words of a
sentence about the option ("docker login -p prints a warning", "how does htpasswd -b take the password?").

Other forms are patterns in ``guardrails/secrets.py``: ``mysql -pSECRET``, ``sshpass -p``, ``curl -u user:pass``,
and ``--password=…`` / ``--password …``, a key word assignment for every tool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult

from guardrails.passphrases import is_function_word, reads_as_prose
from guardrails.secrets import URL_PASSWORD_PLACEHOLDER

SCORE = 0.85  # as the other command-line patterns: a value where the tool takes its password


class ShellWord(NamedTuple):
    """One word of a command as the shell splits it: its text (without quotes) and where that text stands."""

    text: str
    start: int
    end: int
    quoted: bool

    def tail(self, offset: int) -> ShellWord:
        """The word from character `offset` of its text on (``-pSECRET`` → ``SECRET``)."""
        return ShellWord(self.text[offset:], self.start + offset, self.end, self.quoted)


Span = tuple[int, int]
Finder = Callable[[list[ShellWord]], list[Span]]

# One word of a shell command: in quotes, or up to a space or a quote; or what ends the command (";", "|", "&&" —
# "&amp;&amp;" as Slack sends it —, a backtick, the end of the line).
_SHELL_WORD = regex.compile(
    r"(?P<q>[\"'])(?P<quoted>[^\"'\n]{0,200})(?P=q)|(?P<stop>[;|`\n]|&(?:amp;)?&)"
    r"|(?P<word>(?:[^\s\"'`;|&]|&(?!(?:amp;)?&))+)|\S"
)
_COMMAND_WORDS = 30  # how far a command's words are read
# Not a password where one is given: a variable, a template, a placeholder ("$REDIS_PASSWORD", "<password>",
# "%REDIS_PASSWORD%").
_PLACEHOLDER = regex.compile(rf"(?:{URL_PASSWORD_PLACEHOLDER})\Z|<|&lt;|\$|\{{|%(?:\(|\w+%)")


def _given_password(word: ShellWord) -> bool:
    text = word.text
    if word.quoted:
        return bool(text) and not _PLACEHOLDER.match(text)
    return len(text) >= 3 and not text.startswith("-") and not _PLACEHOLDER.match(text) and not is_function_word(text)


def _said_in_a_sentence(value: ShellWord, following: ShellWord | None) -> bool:
    """``value following`` are words of a sentence about the option ("-p prints a warning"), not a password then
    more of the command (`reads_as_prose`)."""
    return (
        following is not None
        and not value.quoted
        and not following.quoted
        and reads_as_prose(value.text, following.text)
    )


def option_password(*spaced: str, glued: tuple[str, ...] = (), separator: str = "") -> Finder:
    """The password after one of the `spaced` options (``-p SECRET``) or glued to one of the `glued` prefixes
    (``-pSECRET``, ``/p:SECRET``, ``--user=…``). With a `separator`, the option's value is ``USER<sep>PASSWORD``
    (``-U alice%SECRET``) and the password is what follows the first separator."""

    def find(words: list[ShellWord]) -> list[Span]:
        spans = []
        for at, word in enumerate(words):
            if word.quoted:
                continue
            following = words[at + 2] if at + 2 < len(words) else None
            if word.text in spaced and at + 1 < len(words):
                value = words[at + 1]
            else:
                prefix = next((p for p in glued if word.text.startswith(p) and len(word.text) > len(p)), None)
                if prefix is None:
                    continue
                value, following = word.tail(len(prefix)), words[at + 1] if at + 1 < len(words) else None
            if separator:
                cut = value.text.find(separator)
                if cut < 1:
                    continue
                value = value.tail(cut + 1)
            if _given_password(value) and not _said_in_a_sentence(value, following):
                spans.append((value.start, value.end))
        return spans

    return find


def operand_password(subcommands: tuple[str, ...], position: int, *, switch_needed: bool = False) -> Finder:
    """The password as the operand at `position` after one of the `subcommands` (``rabbitmqctl add_user USER
    PASSWORD``), or after the command itself when `subcommands` is empty (``net user USER PASSWORD``). Options
    (``-n node``, ``/add``) are not operands. `switch_needed`: only when the command has a ``/switch`` too, or the
    password a digit or a symbol — "the net user count went up" is a sentence."""

    def find(words: list[ShellWord]) -> list[Span]:
        start = 0
        if subcommands:
            start = next((i + 1 for i, w in enumerate(words) if not w.quoted and w.text in subcommands), -1)
            if start < 0:
                return []
        operands = [w for w in words[start:] if w.quoted or not w.text.startswith(("-", "/"))]
        if len(operands) <= position or any(not w.quoted and is_function_word(w.text) for w in operands[:position]):
            return []  # a sentence about the command: "rabbitmqctl add_user takes a name and a password"
        value = operands[position]
        following = operands[position + 1] if position + 1 < len(operands) else None
        if not _given_password(value) or _said_in_a_sentence(value, following):
            return []
        plain_word = not value.quoted and value.text.isalpha()
        if switch_needed and plain_word and not any(not w.quoted and w.text.startswith("/") for w in words):
            return []
        return [(value.start, value.end)]

    return find


def _htpasswd_password(words: list[ShellWord]) -> list[Span]:
    """``htpasswd -b FILE USER PASSWORD`` (``-nb USER PASSWORD``: -n prints the line instead of writing a file); the
    options may stand apart or together (``-cb``, ``-b -B``), -C and -r take a number."""
    flags, operands, takes_number = "", [], False
    for word in words:
        if takes_number:
            takes_number = False
        elif not word.quoted and len(word.text) > 1 and word.text.startswith("-"):
            flags += word.text[1:]
            takes_number = word.text[-1] in "Cr"
        else:
            operands.append(word)
    at = 1 if "n" in flags else 2
    if "b" not in flags or len(operands) <= at:
        return []
    if any(not w.quoted and is_function_word(w.text) for w in operands[:at]):
        return []  # a sentence about the command: "how does htpasswd -b take the password?"
    value = operands[at]
    return [(value.start, value.end)] if _given_password(value) else []


# Oracle's logon: USER/PASSWORD, then @CONNECT maybe (``scott/tiger@orcl``, ``sys/x@//host:1521/svc as sysdba``);
# not "/ as sysdba" (the operating system's login), nor a path ("scripts/setup.sql", "a/b/c").
_ORACLE_LOGON = regex.compile(r"[A-Za-z][\w$#]*/(?P<password>[^/@\s]+)(?:@\S*)?")


def _oracle_logon_password(words: list[ShellWord]) -> list[Span]:
    for word in words:
        if word.quoted or word.text.startswith(("-", "@")):
            continue
        logon = _ORACLE_LOGON.fullmatch(word.text)
        if logon:
            start, end = word.start + logon.start("password"), word.start + logon.end("password")
            return [(start, end)] if _given_password(ShellWord(logon.group("password"), start, end, False)) else []
        return []  # the first operand is the logon, or there is none
    return []


def _commands(names: str, finder: Finder) -> dict[str, Finder]:
    return dict.fromkeys(names.split(","), finder)


_PROMPTING_P = option_password("-p", "--password")
# Where each tool takes a password (names in lower case; a space in a name is one or more spaces or tabs).
COMMANDS: dict[str, Finder] = {
    "redis-cli": option_password("-a", "--pass"),
    "htpasswd": _htpasswd_password,
    **_commands("docker login,podman login,nerdctl login,buildah login,skopeo login,oras login", _PROMPTING_P),
    **_commands("helm registry login", _PROMPTING_P),
    **_commands(
        "mongosh,mongo,mongodump,mongorestore,mongoexport,mongoimport,mongostat,mongotop,mongofiles", _PROMPTING_P
    ),
    "cqlsh": _PROMPTING_P,
    "influx": option_password("-password", "--password", "-p"),
    **_commands("sqlcmd,bcp,ipmitool", option_password("-P")),
    **_commands("mosquitto_pub,mosquitto_sub,mosquitto_rr", option_password("-P", "--pw")),
    **_commands("ldapsearch,ldapadd,ldapmodify,ldapdelete,ldapwhoami,ldapcompare,ldapmodrdn", option_password("-w")),
    "ldappasswd": option_password("-w", "-s", "-a"),
    **_commands("zip,unzip", option_password("-P", "--password")),
    **_commands("7z,7za,7zr", option_password(glued=("-p",))),
    **_commands("rar,unrar", option_password(glued=("-p", "-hp"))),
    **_commands(
        "keytool,jarsigner",
        option_password(
            "-storepass", "-keypass", "-srcstorepass", "-deststorepass", "-srckeypass", "-destkeypass", "-new"
        ),
    ),
    "ssh-keygen": option_password("-N", "-P"),
    **_commands("psexec,psexec64,rdesktop", option_password("-p")),
    **_commands("xfreerdp,wlfreerdp,sdl-freerdp", option_password(glued=("/p:",))),
    **_commands(
        "smbclient,rpcclient,smbcacls", option_password("-U", "--user", glued=("--user=", "-U"), separator="%")
    ),
    "lftp": option_password("-u", "--user", separator=","),
    **_commands("sqlplus,rman,expdp,impdp,sqlldr,dgmgrl", _oracle_logon_password),
    "rabbitmqctl": operand_password(("add_user", "change_password", "authenticate_user"), 1),
    "net user": operand_password((), 1, switch_needed=True),
}
# A tool's name as a command: not a part of a longer word or path, a space after it ("redis-cli," or "htpasswd:"
# glued to the rest of a message, repeated, would read the same long word again for each).
_COMMAND = regex.compile(
    r"(?<![\w./\\-])(?P<tool>"
    + "|".join(regex.escape(name).replace(r"\ ", r"[ \t]+") for name in sorted(COMMANDS, key=len, reverse=True))
    + r")(?=[ \t])",
    regex.IGNORECASE,
)


def command_words(text: str, start: int) -> list[ShellWord]:
    """The words of the command whose arguments start at `start`, up to its end or `_COMMAND_WORDS` of them."""
    words: list[ShellWord] = []
    for m in _SHELL_WORD.finditer(text, start):
        if m.group("stop") or len(words) == _COMMAND_WORDS:
            break
        if m.group("q"):
            words.append(ShellWord(m.group("quoted"), m.start("quoted"), m.end("quoted"), True))
        elif m.group("word"):
            word = m.group("word").rstrip(".,?:")
            words.append(ShellWord(word, m.start("word"), m.start("word") + len(word), False))
    return words


class CommandLinePasswordRecognizer(EntityRecognizer):
    """GENERIC_SECRET: the password given to a command that takes one on its command line (module docstring)."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["GENERIC_SECRET"], name="CommandLinePasswordRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        results = []
        for command in _COMMAND.finditer(text):
            tool = " ".join(command.group("tool").lower().split())
            for start, end in COMMANDS[tool](command_words(text, command.end())):
                results.append(RecognizerResult("GENERIC_SECRET", start, end, SCORE))
        return results
