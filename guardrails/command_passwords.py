"""Passwords given to a command on its command line, pasted into a question: ``docker login -p s3cret``,
``sqlcmd -U sa -P s3cret``, ``smbclient -U alice%s3cret``, ``7z a -ps3cret``, ``sqlplus scott/tiger@orcl``,
``rabbitmqctl add_user alice s3cret``.

The tool may be called by its path or with .exe (``/opt/mssql-tools/bin/sqlcmd``, ``net.exe user``). The command is
read word by word as the shell splits it (quotes kept together, a backslash, ``^`` or PowerShell's backtick line
continuation read as a space, Slack's ``&lt;`` ``&gt;`` ``&amp;`` part of a word), up to where it ends (``;``, ``|``,
``&&``, a backtick, the end of the line), and each tool says where its password stands (`COMMANDS`): after an option
(``-p s3cret``), glued to one (``-ps3cret``, ``-p=s3cret``, ``-p"s3 cret"``, ``/p:s3cret``, ``--user=alice%s3cret``),
after the user name and a separator (``alice%s3cret``, ``alice,s3cret``, Oracle's ``user/password@db``, also after
rman's ``target`` and in ``userid=``), after a key word (``db2 connect to DB user USER using s3cret``), or as an
operand (``htpasswd -b FILE USER PASSWORD``, ``rabbitmqctl add_user USER PASSWORD``, ``isql DSN USER PASSWORD``).
A password may also be echoed into a command that reads it from its standard input (``echo s3cret | docker login
--password-stdin``, ``echo 'alice:s3cret' | chpasswd``, ``echo s3cret | sudo -S …``).

Not a password: the option alone (the tool prompts), a placeholder or a variable (``-p <password>``,
``-p &lt;token&gt;``, ``-p [password]``, ``-p TOKEN``, ``-p $TOKEN``, ``-storepass:env VAR``), another option
(``-p --host``), a function word, a port (``-p 27017``), a script path (``sqlplus scripts/setup.sql``), the
words of a sentence about the option ("docker login -p prints a warning", "the -p flag", "-P encrypts the
archive", "is docker login -p insecure?", "how does htpasswd -b take the password?"), and ``word/word`` in a
sentence about an Oracle tool ("how does sqlplus client/server mode work").

Other forms are patterns in ``guardrails/secrets.py``: ``mysql -pSECRET`` (its quoted ``-p'…'`` and
``--password='…'`` are read here), ``sshpass -p``, ``curl -u user:pass``, a URL's ``user:pass@`` (``psql
postgresql://…``, ``mongosh mongodb://…``), and ``--password=…`` / ``--password …``, a key word assignment for
every tool.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import takewhile
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
# "&amp;&amp;" as Slack sends it —, a backtick, the end of the line). A line continuation (a backslash, cmd's caret,
# or PowerShell's backtick after a space, at the end of a line) is a space: the command goes on. Slack sends "&", "<"
# and ">" as "&amp;", "&lt;" and "&gt;": their ";" is part of the word ("&lt;password&gt;", "Tr0ub&gt;4dor").
_SHELL_WORD = regex.compile(
    r"(?P<continued>[\\^][ \t]*\r?\n|(?<=[ \t])`(?!`)[ \t]*\r?\n)"
    r"|(?P<q>[\"'])(?P<quoted>[^\"'\n]{0,200})(?P=q)|(?P<stop>[;|`\n]|&(?:amp;)?&)"
    r"|(?P<word>(?:[^\s\"'`;|&\\^]|[\\^](?![ \t]*\r?\n)|&(?:lt|gt);|&amp;(?!&)|&(?!(?:amp;)?&))+)|\S"
)
_COMMAND_WORDS = 30  # how far a command's words are read
# Not a password where one is given: a variable, a template, a placeholder ("$REDIS_PASSWORD", "<password>",
# "%REDIS_PASSWORD%"), "[password]", a name for one ("newpass", "myPassword", "TOKEN", "GITHUB_TOKEN"), an ellipsis.
_PLACEHOLDER = regex.compile(
    rf"(?:{URL_PASSWORD_PLACEHOLDER})\Z|<|&lt;|\$|\{{|%(?:\(|\w+%)|\[[^\[\]]*\]\Z"
    r"|(?i:new|old|my|your)[_-]?(?i:pass(?:word|phrase|wd)?|pwd?|secret|token)\Z"
    r"|(?:[A-Z0-9]+_)*(?:TOKEN|PASSWORD|PASSWD|PASS|PWD|SECRET|KEY|PAT)(?:_[A-Z0-9]+)*\Z|(?:\.{3}|…)\Z"
)
# Not a password after an option: what a sentence calls it ("the -p flag", "-p option is deprecated"), and the
# port of the server these tools talk to, given to -p by mistake ("mongosh -h db -p 27017").
_NOT_A_VALUE = frozenset(
    (
        *("flag", "flags", "option", "options", "switch", "switches", "parameter", "parameters", "param", "params"),
        *("argument", "arguments", "arg", "args"),
        *("21", "22", "80", "389", "443", "636", "1433", "1521", "1883", "3306", "3389", "5000", "5432", "5672"),
        *("6379", "8080", "8086", "8883", "9042", "27017", "27018"),
    )
)


def _given_password(word: ShellWord) -> bool:
    text = word.text
    if word.quoted:
        return bool(text) and not _PLACEHOLDER.match(text)
    return (
        len(text) >= 3
        and not text.startswith("-")
        and not _PLACEHOLDER.match(text)
        and not is_function_word(text)
        and text.lower() not in _NOT_A_VALUE
    )


_ARTICLES = frozenset(("the", "a", "an"))


def _said_in_a_sentence(value: ShellWord, following: ShellWord | None) -> bool:
    """``value following`` are words of a sentence about the option ("-p prints a warning"), not a password then
    more of the command (`reads_as_prose`)."""
    if following is None or value.quoted or following.quoted:
        return False
    # a verb then an article: "zip -P encrypts the archive", however rare the verb
    verb = value.text.isalpha() and value.text.islower() and value.text.endswith("s")
    return reads_as_prose(value.text, following.text) or (verb and following.text.lower() in _ARTICLES)


# Options of the same first letter written with one dash ("mongo -port 27017"), not a value glued to "-p".
_ONE_DASH_OPTIONS = frozenset(("-port", "-pass", "-password", "-pw", "-passwd"))


def _bunched_at(word: ShellWord, options: frozenset[str]) -> int | None:
    """Where one of the one-letter `options` stands in a word of one-letter options bunched together as getopt
    reads them (``-xw``, ``-rP``, ``-xwSECRET``): the index of its letter, after at least one other letter."""
    text = word.text
    if word.quoted or len(text) < 3 or text[0] != "-" or not text[1].isalpha():
        return None
    for i in range(1, len(text)):
        if i > 1 and f"-{text[i]}" in options:
            return i
        if not text[i].isalpha():
            return None
    return None


def option_password(*spaced: str, glued: tuple[str, ...] = (), separator: str = "", bunched: bool = False) -> Finder:
    """The password after one of the `spaced` options (``-p SECRET``) or glued to one of the `glued` prefixes
    (``-pSECRET``, ``/p:SECRET``, ``--user=…``) or to a spaced option and "=" (``-p=SECRET``); a quoted value may
    follow a glued prefix at once (``-p"two words"``), and an option may be quoted (``"/p:SECRET"``). With a
    `separator`, the option's value is ``USER<sep>PASSWORD`` (``-U alice%SECRET``) and the password is what follows
    the first separator. `bunched`: the tool reads its options as getopt does, so a one-letter option may end a
    bunch of them (``-xw SECRET``, ``-rP SECRET``) or, if it may be glued, stand in one (``-xwSECRET``)."""
    prefixes = sorted(glued + tuple(f"{option}=" for option in spaced), key=len, reverse=True)
    letters = frozenset(o for o in (*spaced, *glued) if len(o) == 2 and o[0] == "-" and o[1].isalpha())

    def find(words: list[ShellWord]) -> list[Span]:
        spans = []
        for at, word in enumerate(words):
            if word.quoted and len(word.text.split()) != 1:
                continue  # a quoted option is one word
            after = words[at + 1] if at + 1 < len(words) else None
            following = words[at + 2] if at + 2 < len(words) else None
            if word.text in spaced and after is not None:
                value = after
            elif bunched and (i := _bunched_at(word, letters)) is not None:
                option = f"-{word.text[i]}"
                if i + 1 < len(word.text) and option in glued:
                    value, following = word.tail(i + 1), after
                elif i + 1 == len(word.text) and option in spaced and after is not None:
                    value = after
                else:
                    continue
            else:
                prefix = next((p for p in prefixes if word.text.startswith(p)), None)
                if prefix is None or word.text.lower() in _ONE_DASH_OPTIONS:
                    continue
                if len(word.text) > len(prefix):
                    value, following = word.tail(len(prefix)), after
                elif after is not None and after.quoted and after.start == word.end + 1 and not word.quoted:
                    value = after  # -p"two words": the quote at once after the option
                else:
                    continue
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
        # the switch before the password or right after it: "the net user command syntax is … /add" is a sentence
        through_next = words[: words.index(value) + 2]
        if switch_needed and plain_word and not any(not w.quoted and w.text.startswith("/") for w in through_next):
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
# not "/ as sysdba" (the operating system's login), nor a path ("scripts/setup.sql", "a/b/c"), nor words of a
# sentence (`_logon_in_a_sentence`).
_ORACLE_LOGON = regex.compile(r"[A-Za-z][\w$#]*/(?P<password>[^/@\s]+)(?P<connect>@\S*)?")
# Where else a logon stands: after rman's "target", "catalog" or "auxiliary", or as their value or userid's in a
# KEY=VALUE parameter (``rman target=sys/x``, ``expdp userid=system/x@pdb directory=dp``).
_ORACLE_LOGON_KEYWORD = frozenset(("target", "catalog", "auxiliary"))
_ORACLE_LOGON_PARAMETER = regex.compile(r"(?i:userid|target|catalog|auxiliary)=")
_PARAMETER = regex.compile(r"[A-Za-z_]\w*=")
_SCRIPT = regex.compile(r"(?i:\.(?:sql|sh|txt|log|ctl|par|dmp|bat|cmd|ps1))\Z")


def _oracle_logon_password(words: list[ShellWord]) -> list[Span]:
    spans: list[Span] = []
    first_operand, after_keyword = True, False
    for at, word in enumerate(words):
        text, offset = word.text, 0
        if not word.quoted:
            if text == "\\":
                continue  # the escape of a quote: expdp \"sys/x@orcl as sysdba\"
            parameter = _ORACLE_LOGON_PARAMETER.match(text)
            if text.startswith("@"):
                first_operand = False  # a script: what follows are its arguments
            if text.startswith(("-", "@")) or (_PARAMETER.match(text) and not parameter):
                after_keyword = False
                continue
            if text.lower() in _ORACLE_LOGON_KEYWORD:
                after_keyword = True
                continue
            if parameter:
                offset = parameter.end()
        elif text[:1].isspace():
            continue
        else:
            text = text.split()[0] if text.split() else ""  # "sys/x@orcl as sysdba" in quotes
        if not (first_operand or after_keyword or offset):
            continue
        first_operand = after_keyword = False
        logon = _ORACLE_LOGON.fullmatch(text, offset)
        if logon and (word.quoted or not _logon_in_a_sentence(logon, words[at + 1 : at + 3])):
            start, end = word.start + logon.start("password"), word.start + logon.end("password")
            password = ShellWord(logon.group("password"), start, end, False)
            if _given_password(password) and not _SCRIPT.search(password.text):
                spans.append((start, end))
    return spans


# Words written with a slash in sentences about these tools, never a logon ("sqlplus client/server").
_SLASH_PHRASES = frozenset(
    (
        *("client/server", "read/write", "input/output", "and/or", "either/or", "on/off", "yes/no", "true/false"),
        *("import/export", "export/import", "backup/restore", "backup/recovery", "start/stop", "startup/shutdown"),
        *("upload/download", "source/target", "primary/standby", "linux/windows", "windows/linux", "unix/linux"),
        *("control/data", "full/incremental", "read/only", "data/index", "dev/test", "test/prod"),
    )
)
_PLAIN_WORD = regex.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*\Z")
# What a message says a command did ("isql MyDSN gives Data source name not found", "returns IM002"): no operand.
_SAID_OF_A_COMMAND = frozenset(
    (
        *("fails", "failed", "works", "worked", "hangs", "hung", "returns", "returned", "gives", "gave", "says"),
        *("said", "throws", "threw", "errors", "errored", "prints", "printed", "shows", "showed", "connects"),
        *("connected", "succeeds", "succeeded", "gets", "got", "reports", "reported", "refuses", "refused"),
        *("complains", "crashes", "crashed", "times", "timed", "keeps", "locks", "needs", "asks", "prompts"),
    )
)
# What goes on from a `word/word` or a `using WORD` that is a phrase, not a logon then more of the command: a
# function word ("import/export of schemas", "full/incremental for backups") or a noun such phrases name
# ("client/server mode", "using kerberos tickets"). Any other word after a plain-word password leaves it a
# password: "sqlplus scott/tiger gets ORA-01017" — a list of what may follow a logon is never complete.
_PHRASE_GOES_ON = frozenset(
    (
        *("of", "for", "vs", "versus", "between", "mode", "modes", "architecture", "model", "redirection"),
        *("differences", "guide", "files", "file", "tickets", "ticket", "authentication", "auth", "setup"),
        *("support", "access", "operations", "options", "settings", "configuration", "environment"),
    )
)


def _logon_in_a_sentence(logon: regex.Match[str], after: list[ShellWord]) -> bool:
    """``word/word`` after an Oracle tool is words of a sentence ("how does sqlplus client/server mode work", "rman
    full/incremental for backups"), not USER/PASSWORD, when no ``@connect`` follows and it is a common pair or
    `_a_phrase_goes_on`."""
    if logon.group("connect"):
        return False
    return logon.group().lower() in _SLASH_PHRASES or _a_phrase_goes_on(logon.group("password"), after)


def _a_phrase_goes_on(value: str, after: list[ShellWord]) -> bool:
    """`value`, a plain word, then the words `after` it are a phrase (`_PHRASE_GOES_ON`: "client/server mode",
    "using kerberos tickets"), not a password then the rest of the command or of the sentence about it."""
    if not _PLAIN_WORD.match(value):
        return False
    following = after[0] if after else None
    if following is None or following.quoted or not _PLAIN_WORD.match(following.text):
        return False  # the command ends, or goes on with an option, a script, KEY=VALUE, a quoted command…
    return following.text.lower() in _PHRASE_GOES_ON


_DB2_LOGON = frozenset(("connect", "attach"))
_DB2_PASSWORD_KEYWORDS = frozenset(("using", "new", "confirm"))
_RUN = regex.compile(r"\S+")


def _statement_words(words: list[ShellWord]) -> list[ShellWord]:
    """`words` with a quoted statement first split into its words (``db2 "connect to db user u using PASS"``)."""
    if not words or not words[0].quoted:
        return words
    first = words[0]
    inner = [
        ShellWord(m.group(), first.start + m.start(), first.start + m.end(), False) for m in _RUN.finditer(first.text)
    ]
    return inner + words[1:]


def _db2_password(words: list[ShellWord]) -> list[Span]:
    """DB2's command line: ``db2 connect to DB user USER using PASSWORD`` (or ``attach to NODE …``; ``new PASSWORD
    confirm PASSWORD`` changes it), the statement in quotes maybe, after the CLP's options (``db2 -v connect …``)."""
    words = _statement_words([w for w in words if w.quoted or not w.text.startswith("-")])
    if not words or words[0].quoted or words[0].text.lower() not in _DB2_LOGON:
        return []
    texts = [w.text.lower() if not w.quoted else "" for w in words]
    user = next((i for i, t in enumerate(texts) if t == "user"), None)
    if user is None or user + 2 >= len(words):
        return []
    spans = []
    for at in range(user + 2, len(words) - 1):
        value = words[at + 1]
        if texts[at] not in _DB2_PASSWORD_KEYWORDS or not _given_password(value):
            continue
        after = words[at + 2 : at + 4]
        in_a_sentence = _said_in_a_sentence(value, after[0] if after else None) or _a_phrase_goes_on(value.text, after)
        if value.quoted or not in_a_sentence:  # "using kerberos tickets" is a sentence, "using 'kerberos'" no
            spans.append((value.start, value.end))
    return spans


_SYBASE_ISQL = option_password("-P", glued=("-P",))
_ODBC_ISQL = operand_password((), 2)


def _isql_password(words: list[ShellWord]) -> list[Span]:
    """Sybase's ``isql -U USER -P PASSWORD -S SERVER`` (options in capitals), or unixODBC's ``isql DSN USER
    PASSWORD`` (its options are small letters: ``isql -v DSN USER PASSWORD``)."""
    if any(not w.quoted and w.text.startswith(("-U", "-P", "-S")) for w in words):
        return _SYBASE_ISQL(words)
    operands = [w for w in words if w.quoted or not w.text.startswith("-")]
    if len(operands) > 1 and not operands[1].quoted and operands[1].text.lower() in _SAID_OF_A_COMMAND:
        return []  # "isql MyDSN returns IM002": a message about the command, no USER PASSWORD
    return _ODBC_ISQL(words)


def _commands(names: str, finder: Finder) -> dict[str, Finder]:
    return dict.fromkeys(names.split(","), finder)


_REGISTRY_CLIENTS = ("docker", "podman", "nerdctl", "buildah", "skopeo", "oras")  # `TOOL login`
_PROMPTING_P = option_password("-p", "--password", glued=("-p",))
# Where each tool takes a password (names in lower case; a space in a name is one or more spaces or tabs).
COMMANDS: dict[str, Finder] = {
    "redis-cli": option_password("-a", "--pass", bunched=True),
    "htpasswd": _htpasswd_password,
    **_commands(",".join(f"{tool} login" for tool in _REGISTRY_CLIENTS), _PROMPTING_P),
    **_commands("helm registry login", _PROMPTING_P),
    **_commands(
        "mongosh,mongo,mongodump,mongorestore,mongoexport,mongoimport,mongostat,mongotop,mongofiles", _PROMPTING_P
    ),
    "cqlsh": _PROMPTING_P,
    "influx": option_password("-password", "--password", "-p"),
    **_commands("sqlcmd,bcp,ipmitool", option_password("-P", glued=("-P",))),
    **_commands("mosquitto_pub,mosquitto_sub,mosquitto_rr", option_password("-P", "--pw")),
    **_commands(
        "ldapsearch,ldapadd,ldapmodify,ldapdelete,ldapwhoami,ldapcompare,ldapmodrdn",
        option_password("-w", glued=("-w",), bunched=True),
    ),
    "ldappasswd": option_password("-w", "-s", "-a", glued=("-w",), bunched=True),
    **_commands("zip,unzip", option_password("-P", "--password", glued=("-P",), bunched=True)),
    **_commands("7z,7za,7zr", option_password(glued=("-p",))),
    **_commands("rar,unrar", option_password(glued=("-p", "-hp"))),
    **_commands(
        "keytool,jarsigner",
        option_password(
            "-storepass", "-keypass", "-srcstorepass", "-deststorepass", "-srckeypass", "-destkeypass", "-new"
        ),
    ),
    "ssh-keygen": option_password("-N", "-P", glued=("-N", "-P"), bunched=True),
    **_commands("psexec,psexec64,rdesktop", option_password("-p", glued=("-p",))),
    **_commands("xfreerdp,wlfreerdp,sdl-freerdp", option_password(glued=("/p:",))),
    **_commands(
        "smbclient,rpcclient,smbcacls", option_password("-U", "--user", glued=("--user=", "-U"), separator="%")
    ),
    "lftp": option_password("-u", "--user", separator=","),
    **_commands("sqlplus,rman,expdp,impdp,exp,imp,sqlldr,dgmgrl", _oracle_logon_password),
    "db2": _db2_password,
    "isql": _isql_password,
    # -p'two words' (the pattern in guardrails/secrets.py reads -pSECRET, no quote); -p alone prompts
    **_commands("mysql,mysqldump,mysqladmin,mariadb", option_password(glued=("-p", "--password="))),
    "rabbitmqctl": operand_password(("add_user", "change_password", "authenticate_user"), 1),
    "net user": operand_password((), 1, switch_needed=True),
}
# A tool's name as a command: not a part of a longer word, a space after it ("redis-cli," or "htpasswd:" glued to
# the rest of a message, repeated, would read the same long word again for each); after a path maybe, with .exe
# maybe ("/opt/mssql-tools/bin/sqlcmd", "./sqlcmd", "C:\\tools\\sqlcmd.exe", "net.exe user", a quoted path). Between
# the words of a name, up to three of the tool's global options, each with its value maybe ("docker --config DIR
# login", "docker -D login", "helm --debug registry login").
_GLOBAL_OPTIONS = r"(?:[ \t]+--?[A-Za-z][\w-]*(?:=\S*)?(?:[ \t]+[^\s-]\S*)?){0,3}"
_COMMAND = regex.compile(
    r"(?<![\w.-])(?P<tool>"
    + "|".join(
        regex.escape(name).replace(r"\ ", rf"(?:\.exe)?{_GLOBAL_OPTIONS}[ \t]+")
        for name in sorted(COMMANDS, key=len, reverse=True)
    )
    + r")(?:\.exe[\"']?)?(?=[ \t])",
    regex.IGNORECASE,
)
_EXE = regex.compile(r"\.exe\Z", regex.IGNORECASE)


def command_words(text: str, start: int) -> list[ShellWord]:
    """The words of the command whose arguments start at `start`, up to its end or `_COMMAND_WORDS` of them."""
    return _read_command(text, start)[0]


def _read_command(text: str, start: int) -> tuple[list[ShellWord], int | None]:
    """`command_words`, and where the text after a ``|`` that ends the command starts (None: no pipe ends it)."""
    words: list[ShellWord] = []
    for m in _SHELL_WORD.finditer(text, start):
        if len(words) == _COMMAND_WORDS:
            break
        if m.group("stop"):
            piped = m.group("stop") == "|" and not text.startswith("|", m.end())
            return words, m.end() if piped else None
        if m.group("q"):
            words.append(ShellWord(m.group("quoted"), m.start("quoted"), m.end("quoted"), True))
        elif m.group("word"):
            word = m.group("word")
            if not text.startswith(("'", '"'), m.end()):  # "/p:" glued to a quoted value keeps its colon
                word = word.rstrip(".,?:")
            words.append(ShellWord(word, m.start("word"), m.start("word") + len(word), False))
    return words, None


# A password echoed into a command that reads it from its standard input: "echo PASS | docker login
# --password-stdin", "echo 'user:PASS' | chpasswd", "echo PASS | sudo -S apt update", "printf '%s' PASS | gh auth
# login --with-token". Not a variable nor a file ("echo $TOKEN | …", "cat pw.txt | …"), nor an echo into a command
# that reads no password ("echo alice | sudo tee /etc/hostname").
_ECHO = regex.compile(r"(?<![\w./-])(?P<tool>echo|printf)(?=[ \t])")
_ECHO_OPTION = regex.compile(r"-[neE]+\Z")
_STDIN_READERS: dict[str, tuple[str, ...]] = {  # a command, and the words that make it read a password from stdin
    "chpasswd": (),
    "passwd": (),
    "cryptsetup": (),
    **dict.fromkeys((*_REGISTRY_CLIENTS, "helm"), ("login", "--password-stdin")),
    "gh": ("login", "--with-token"),
    "gpg": ("--passphrase-fd",),
}


def _echoed_value(tool: str, words: list[ShellWord]) -> ShellWord | None:
    """The one word echoed (``echo -n PASS``, ``printf '%s\\n' PASS``, ``printf PASS``), or None."""
    while words and tool == "echo" and not words[0].quoted and _ECHO_OPTION.match(words[0].text):
        words = words[1:]
    if tool == "printf" and len(words) > 1 and "%" in words[0].text:
        words = words[1:]  # the format
    return words[0] if len(words) == 1 else None


def _reads_password_from_stdin(words: list[ShellWord]) -> str | None:
    """The command (of `words`) that reads a password from its standard input, or None: ``sudo -S``, ``chpasswd``,
    ``passwd``, ``docker login --password-stdin``, ``gh auth login --with-token``, ``htpasswd -i``…"""
    texts = [w.text for w in words if not w.quoted]
    if texts[:1] == ["sudo"]:
        options = list(takewhile(lambda t: t.startswith("-"), texts[1:]))
        if any(not o.startswith("--") and "S" in o for o in options):
            return "sudo"
        texts = texts[1 + len(options) :]
    if not texts:
        return None
    command = _EXE.sub("", texts[0].rsplit("/", 1)[-1]).lower()
    if command == "htpasswd":
        return command if any(t.startswith("-") and not t.startswith("--") and "i" in t for t in texts) else None
    needed = _STDIN_READERS.get(command)
    return command if needed is not None and all(n in texts for n in needed) else None


def _piped_passwords(text: str) -> list[Span]:
    spans = []
    for echo in _ECHO.finditer(text):
        words, after_pipe = _read_command(text, echo.end())
        value = _echoed_value(echo.group("tool"), words)
        if value is None or after_pipe is None:
            continue
        reader = _reads_password_from_stdin(command_words(text, after_pipe))
        if reader == "chpasswd":  # USER:PASSWORD
            cut = value.text.find(":")
            value = value.tail(cut + 1) if cut > 0 else value._replace(text="")
        if reader and _given_password(value):
            spans.append((value.start, value.end))
    return spans


class CommandLinePasswordRecognizer(EntityRecognizer):
    """GENERIC_SECRET: the password given to a command that takes one on its command line (module docstring)."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["GENERIC_SECRET"], name="CommandLinePasswordRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        spans: dict[Span, None] = {}  # once each: the commands of a line read on into the next ones
        for command in _COMMAND.finditer(text):
            for start, end in COMMANDS[_tool_name(command.group("tool"))](command_words(text, command.end())):
                if not _asked_about(text, start, end):
                    spans[start, end] = None
        for span in _piped_passwords(text):
            spans[span] = None
        return [RecognizerResult("GENERIC_SECRET", start, end, SCORE) for start, end in spans]


def _tool_name(matched: str) -> str:
    """The `COMMANDS` name of a tool as `_COMMAND` matched it: without its path, .exe and global options."""
    words = [_EXE.sub("", word) for word in matched.lower().split()]
    names = [n for n in COMMANDS if n.split()[0] == words[0] and all(w in words[1:] for w in n.split()[1:])]
    return max(names, key=len)


def _asked_about(text: str, start: int, end: int) -> bool:
    """A common English word that ends a question is what is asked about the option ("is docker login -p
    insecure?"), not a password."""
    word = text[start:end]
    return (
        text.startswith("?", end)
        and (end + 1 == len(text) or text[end + 1].isspace())
        and word.isalpha()
        and word.islower()
        and reads_as_prose(word, "the")
    )
