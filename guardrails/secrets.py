"""Secrets: Yelp's ``detect-secrets`` plugins wrapped as a Presidio recognizer, plus the formats it lacks.

``detect-secrets`` (the detector LLM Guard wraps) keeps the regexes of two dozen providers' token formats: AWS,
Azure storage, Artifactory, Cloudant, Discord, GitHub, GitLab, IBM Cloud/COS, Mailchimp, npm, OpenAI, PyPI,
SendGrid, Slack, SoftLayer, Square, Stripe, Telegram, Twilio, JWTs, private keys, basic-auth URLs, and its
``KeywordDetector`` (a value assigned to a key-like word: ``password: …``, ``api_key = "…"``, ``secret == "…"``).
It scans files and reports values, not positions, so ``DetectSecretsRecognizer`` runs each plugin's own compiled
patterns line by line to get the span, and applies detect-secrets' own false-positive heuristics (templated
values, ``$VARS``, indirect references such as ``os.environ[…]``, sequential strings, UUIDs).

Left out on purpose: the plugin for public IPv4 addresses (an IP is PII, typed by Presidio) and the bare
high-entropy-string plugins (any quoted hash or id would be a "secret"); entropy is used instead on the values of
keyword assignments, where it tells a password from a setting, and on one shape only of a bare token (see
``BareKeyRecognizer``).

Hand-written recognizers remain only for what detect-secrets lacks: whole PEM blocks (it flags the header line),
GitHub fine-grained PATs, Slack app-level tokens, current OpenAI/Anthropic keys, Stripe test/publishable keys,
Google and Hugging Face keys, bare npm tokens (it needs an ``.npmrc`` line), AWS secret keys outside quotes,
assignments to words outside its keyword list (``token``, ``api-key``, ``client_secret``…), bearer and basic
``Authorization`` headers, "the password is …" / "my API key is …" in prose, and passwords given to a command
(``mysql -pSECRET``, ``sshpass -p``, ``curl -u user:pass``; the commands read word by word — ``docker login
-p``, ``redis-cli -a``, ``smbclient -U user%pass``… — are ``guardrails/command_passwords.py``'s). A password of
plain lower-case words (``password: correcthorsebatterystaple``, ``my password is hunter``), which every rule here
leaves as a "word", has its own recognizer: ``guardrails/passphrases.py``. One capitalised word as the whole value is
a password (``DB_PASSWORD=Swordfish``, ``"password": "Dragonfly"``, ``password: Lovely``) unless in lower case it is
short, a word of documentation, a reference or a participle (``names_no_capitalised_password``), or it is a
placeholder in capitals (``names_no_password``: ``password: Required``, ``"password": "Password"``,
``PASSWORD=CHANGE_ME``).

Code after a key word names where a secret comes from and is kept (``password = getpass()``, ``api_key =
os.getenv('KEY')``, ``password: SecretStr``, ``password varchar(255)``, ``token = generate_token(32)``). A value
shaped like a call is a password, though, when its name could not be code's: a name holding a digit called on a
number or a letter (``Pa55word(1)``), or one plain word — no dot, underscore nor inner capital — called on a
number alone, unless it names a SQL/ORM column type or a function of a size (``_CALLS_ON_A_NUMBER``: ``CHAR(60)``,
``String(128)``, ``urandom(32)``): ``DB_PASSWORD=Summer(2024)``, ``password=abc(123)``, ``PGPASSWORD=Winter(99)!``.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import regex
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult

from guardrails.passphrases import (
    LowercasePasswordRecognizer,
    is_lowercase_password,
    names_no_capitalised_password,
)

# Case matters for token prefixes (AKIA…, ghp_…); patterns opt in to (?i) themselves.
_FLAGS = regex.DOTALL | regex.MULTILINE

# One character of a value after a key word. Slack sends "&", "<" and ">" as "&amp;", "&lt;" and "&gt;", so a
# password holding one ("Tr0ub4dor&amp;3") used to end at the "&" or the ";" and leave its tail in the clear. An
# "&" or an entity ends a value only where the next field of a query or connection string starts ("&api_key="), or
# where an escaped closing tag does ("&lt;/password&gt;").
_FIELD = r"(?:amp;)?[\w.-]+="
VALUE_CHAR = rf"(?:&(?:amp|lt|gt);(?![\w.-]+=)(?<!&lt;(?=/))|&(?!{_FIELD}|(?:amp|lt|gt);)|[^\s\"',;<>&])"
# Where a value found by detect-secrets' keyword patterns ends: a space, or the next field of a connection string
# ("Password=…;Database=…") or of a query string ("token=…&amp;page=2").
_KEYWORD_VALUE_END = rf"\s|[;&](?={_FIELD})"
# A template in place of a value, as Slack sends "<your password>": not a secret.
_ESCAPED_TEMPLATE = r"&lt;[A-Za-z_ -]+&gt;"
# Code in a question, not a literal: where the value comes from ("password = getpass()", "= input('pw')",
# "= keyring.get_password('svc', user)", "= secrets.token_hex(16)": a call or a subscript, as detect-secrets'
# is_indirect_reference), an attribute of an object code reads settings from ("= self.password", "=
# settings.SECRET_KEY", "= process.env.DB_PASS"), or a type ("password: SecretStr", "Optional[str]", "varchar(255)").
# The reference is the whole value, brackets balanced ("abc123[1]xyz" is no call), and never in quotes (a quoted
# "hunter2(x)" is a string: the rules check `_UNQUOTED_CODE_REFERENCE`), nor a password with brackets in it
# (`_PASSWORD_WITH_BRACKETS`); and the objects are written as code writes them, in lower case ("Secrets.Are.Fun1"
# is a password).
_IDENT = r"[A-Za-z_]\w*"
_CODE_ARGS = r"(?P<code_args>\((?:[^()\n]|(?&code_args))*+\)|\[(?:[^\[\]\n]|(?&code_args))*+\])"
_CODE_END = r"(?=[.:?!]?(?:[\s,;)\]}\"'`]|$))"
_SECRET_WORD = r"(?:passw|pwd|secret|token|key|cred)"
# SQL and ORM column types and functions of a length, a size or a count: a plain word called on a number alone is
# one of these in code ("varchar(255)", "CHAR(60)", "String(128)", "urandom(32)", "range(10)") and is a password
# otherwise ("Summer(2024)", "abc(123)").
_CALLS_ON_A_NUMBER = """
char varchar varchar2 nchar nvarchar nvarchar2 character varying binary varbinary bit varbit bytes bytea blob
tinyblob mediumblob longblob text tinytext mediumtext longtext string unicode decimal dec numeric number float double
real int integer tinyint smallint mediumint bigint raw time timetz timestamp timestamptz datetime datetime2
datetimeoffset interval year
urandom randbytes random rand randstr range str hex oct bin chr bytearray len round abs sleep repeat nanoid
generate gen array buffer zeros alloc
min max size length limit count pad cost rounds iterations retries attempts timeout ttl expires expiry serial
sequence choice choices sample randint getrandom mask rotate key field optional cipher pwgen fake faker uuid salt
nonce digest
"""
# …and a name that holds what code calls a secret's function ("bcrypt(12)", "hashpw(12)", "mkpasswd(16)",
# "token(32)", "Password(128)").
_SECRET_FUNCTION_PART = r"pass|pwd|secret|hash|crypt|token"
# A name holding a digit, called once on a number or a letter, or in mixed case on anything ("Pa55word(1)",
# "hunter2(x)", "myP4ss(word)"; not "uuid4()", "b64decode(raw)", "Base64.decode64(s)"); or one word of letters in
# one case or capitalised, no dot, underscore nor inner capital, called on a number alone and not one of
# `_CALLS_ON_A_NUMBER` ("Summer(2024)", "abc(123)", "Winter(99)!"; not "varchar(255)", "generate_token(32)",
# "secrets.token_hex(16)", "generateKey(32)").
_PASSWORD_WITH_BRACKETS = (
    r"(?:[A-Za-z_]*[0-9]\w*(?:\((?:[0-9]+|[A-Za-z])\)|\[(?:[0-9]+|[A-Za-z])\])"
    r"|(?-i:(?=\w*[a-z])(?=\w*[A-Z]))[A-Za-z_]*[0-9]\w*(?:\([^()\n]*\)|\[[^\[\]\n]*\])"
    rf"|(?!(?i:{'|'.join(_CALLS_ON_A_NUMBER.split())})\(|(?i:[a-z]{{0,40}}(?:{_SECRET_FUNCTION_PART})))"
    r"(?-i:[A-Z]?[a-z]+|[A-Z]+)\([0-9]+\))"
    rf"{_CODE_END}"
)
_CODE_REFERENCE = (
    rf"(?!{_PASSWORD_WITH_BRACKETS})"
    rf"(?:{_IDENT}(?:\.{_IDENT})*(?=[\[(])"
    r"|(?-i:self|this|cls|os|process|request|req|config|conf|cfg|settings|args|opts|options|params|env|app|ctx"
    rf"|context|current_app|secrets|creds|credentials)\.{_IDENT}"
    r"|(?-i:SecretStr|SecretBytes|String)"
    # an attribute named as a secret ("user.password", "form.password.data", "Rails.application.credentials.
    # secret_key_base"), its path written as code writes it: not in capitals only ("My.Secret.Pass1" is a password)
    rf"|(?:(?-i:[a-z_])\w*|(?-i:[A-Z])\w*(?=\.(?-i:[a-z_])))(?:\.{_IDENT})*(?=\.\w*?{_SECRET_WORD})"
    rf")(?:{_CODE_ARGS}|\.{_IDENT})*{_CODE_END}"
)
# A key-like word a secret is assigned to: DB_PASSWORD, api-key, client_secret, auth.token…
_SECRET_NAME = (
    r"[a-z0-9_.-]*(?:api[_-]?key|apikey|secret|passw(?:or)?d|passwd|pwd|token|access[_-]?key|auth[_-]?key|"
    r"client[_-]?secret)[a-z0-9_.-]*"
)
# In a rule's pattern, right where the value starts: code, unless the value is in quotes.
_UNQUOTED_CODE_REFERENCE = rf"(?<![\"'`])(?:{_CODE_REFERENCE})"
_CODE_REFERENCE_RE = regex.compile(rf"(?i:{_CODE_REFERENCE})")
# The password of a connection-string template in a documentation question ("postgres://user:password@host/db",
# "USER:PASSWORD@HOST", "app:${DB_PASS}@db"): a word naming it or a variable, not a credential.
URL_PASSWORD_PLACEHOLDER = (
    r"(?i:(?:your[_-]?)?pass(?:word)?|passwd|pwd|secret|\*+|x{3,}|<[^<>@\s]*>|&lt;[^@\s]*?&gt;|"
    r"\$\{?[A-Za-z_]\w*\}?|\{\{?\s*[A-Za-z_][\w.]*\s*\}\}?|%\(\w+\)s)"
)
_URL_PASSWORD_PLACEHOLDER = regex.compile(rf"{URL_PASSWORD_PLACEHOLDER}\Z")
# A SQL string literal's text after its opening quote (group "q"), a doubled quote inside it kept: not a placeholder.
_SQL_LITERAL = (
    rf"(?!(?:{URL_PASSWORD_PLACEHOLDER})(?P=q)(?!(?P=q)))(?:(?P=q)(?P=q)|(?!(?P=q))[^\n]){{1,200}}(?=(?P=q)(?!(?P=q)))"
)

SECRET_ENTITIES = (
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "SLACK_TOKEN",
    "GITHUB_TOKEN",
    "PRIVATE_KEY",
    "JWT",
    "API_KEY",
    "GENERIC_SECRET",
)

# detect-secrets plugin class -> our entity type (anything else it ships is an API_KEY).
PLUGIN_ENTITY = {
    "AWSKeyDetector": "AWS_ACCESS_KEY",
    "SlackDetector": "SLACK_TOKEN",
    "GitHubTokenDetector": "GITHUB_TOKEN",
    "PrivateKeyDetector": "PRIVATE_KEY",
    "JwtTokenDetector": "JWT",
    "BasicAuthDetector": "GENERIC_SECRET",
    "KeywordDetector": "GENERIC_SECRET",
}
EXCLUDED_PLUGINS = {"IPPublicDetector", "Base64HighEntropyString", "HexHighEntropyString"}
# Plugins whose patterns capture the secret in a group (the rest of the match is context: "://user:…@", "key=").
GROUP_PLUGINS = {
    "BasicAuthDetector",
    "NpmDetector",
    "IbmCloudIamDetector",
    "IbmCosHmacDetector",
    "CloudantDetector",
    "SoftlayerDetector",
}
PLUGIN_SCORE = 0.95
KEYWORD_SCORE = 0.8  # below the specific token types, so a known format wins a tie over "a value after a keyword"

_TOKEN_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+/=")
_PEM_END = regex.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|---- END SSH2 ENCRYPTED PRIVATE KEY ----")
_PUTTY_END = regex.compile(r"Private-MAC:\s*[0-9a-fA-F]+")


def shannon_entropy(value: str) -> float:
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


_REFERENCE = regex.compile(
    r"(?i)^(?:os\.|env\.|process\.env|\$|\{\{|%\(|<|&lt;[a-z_ -]+&gt;$|/|\.\.?/|~|getenv|secrets?\.|vault:|ref\+|arn:|"
    r"null$|none$|"
    r"true$|false$|undefined$|changeme$|redacted$|x{3,}|\*{3,}|example|your[_-]|my[_-]?(?:password|secret|token))"
)


def plausible_secret_value(value: str) -> bool:
    """A value after a key-like word that could be a real credential (not a reference, a word or a number)."""
    from detect_secrets.filters import heuristic as h

    if len(value) < 6 or _REFERENCE.search(value):
        return False
    if h.is_templated_secret(value) or h.is_not_alphanumeric_string(value) or h.is_sequential_string(value):
        return False
    if h.is_potential_uuid(value):
        return False
    if value.isdigit() or regex.fullmatch(r"[0-9]+(?:\.[0-9]+)*[a-zA-Z]{0,3}", value):  # 128000, 1.5, 30s, 512Mi
        return False
    if regex.fullmatch(r"[a-z]+(?:[-_ .][a-z]+)*", value):  # a plain lower-case word or slug: "required", "on"
        return False
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    return (has_digit and has_alpha) or shannon_entropy(value) >= 3.0


@lru_cache(maxsize=1)
def _plugins() -> tuple:
    """(plugin class name, entity, compiled patterns, group?) for every detect-secrets plugin we use."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.keyword import (
        CONFIG_DENYLIST_REGEX_TO_GROUP,
        GOLANG_DENYLIST_REGEX_TO_GROUP,
        QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP,
    )

    plugins = []
    classes: list[Any] = sorted(get_mapping_from_secret_type_to_class().values(), key=lambda c: c.__name__)
    for cls in classes:
        name = cls.__name__
        if name in EXCLUDED_PLUGINS or name == "KeywordDetector":
            continue
        entity = PLUGIN_ENTITY.get(name, "API_KEY")
        patterns = list(cls.denylist)
        if name == "AWSKeyDetector":  # its second pattern is the secret access key in quotes after aws…key
            plugins.append((name, "AWS_ACCESS_KEY", tuple(patterns[:1]), False))
            plugins.append((name, "AWS_SECRET_KEY", tuple(patterns[1:]), True))
            continue
        plugins.append((name, entity, tuple(patterns), name in GROUP_PLUGINS))
    keyword: dict = {}
    for table in (
        CONFIG_DENYLIST_REGEX_TO_GROUP,
        QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP,
        GOLANG_DENYLIST_REGEX_TO_GROUP,
    ):
        keyword.update(table)
    return tuple(plugins), tuple(keyword.items())


def _extend_token(line: str, start: int, end: int) -> tuple[int, int]:
    """Grow a token match over adjacent token characters, so a pattern that stops early leaves nothing visible."""
    while start > 0 and line[start - 1] in _TOKEN_CHARS:
        start -= 1
    while end < len(line):
        ch = line[end]
        if ch in _TOKEN_CHARS or (ch == "." and end + 1 < len(line) and line[end + 1] in _TOKEN_CHARS):
            end += 1
        else:
            break
    return start, end


def _trim(line: str, start: int, end: int, stop: str = r"\s") -> tuple[int, int]:
    while start < end and line[start] in " \t\"'`=:,;([{<":
        start += 1
    while end > start and line[end - 1] in " \t\"'`,;.)]}>":
        end -= 1
    cut = regex.search(stop, line[start:end])
    if cut:
        end = start + cut.start()
    return start, end


# A run of blanks (spaces, tabs, other non-breaking whitespace) longer than this is cut to this length before the
# detect-secrets patterns read a line: aligned columns ("DB_PASSWORD          = …") stay as they are.
BLANK_RUN = 16
_LONG_BLANK_RUN = regex.compile(rf"[^\S\r\n]{{{BLANK_RUN + 1},}}")


def squeeze_blanks(line: str) -> tuple[str, Callable[[int], int]]:
    """`line` with each run of more than BLANK_RUN blanks cut to BLANK_RUN, and the map from a position in the
    result back to the same character of `line`."""
    kept: list[str] = []
    cuts: list[int] = []  # where in the result a run was cut
    removed: list[int] = []  # how many characters were left out up to that cut
    last = dropped = 0
    for m in _LONG_BLANK_RUN.finditer(line):
        keep_to = m.start() + BLANK_RUN
        kept.append(line[last:keep_to])
        cuts.append(keep_to - dropped)
        dropped += m.end() - keep_to
        removed.append(dropped)
        last = m.end()
    if not cuts:
        return line, lambda i: i
    kept.append(line[last:])

    def origin(i: int) -> int:
        at = bisect_right(cuts, i)
        return i + (removed[at - 1] if at else 0)

    return "".join(kept), origin


class DetectSecretsRecognizer(EntityRecognizer):
    """Every detect-secrets plugin (but public IPs and bare high-entropy strings) as one Presidio recognizer."""

    def __init__(self) -> None:
        super().__init__(supported_entities=list(SECRET_ENTITIES), name="DetectSecretsRecognizer")

    def load(self) -> None:
        _plugins()
        self.analyze('password: "x9Kq2!pLm" token=ghp_x api_key = os.environ["K"]', None)  # compile lazy regexes

    def analyze(self, text: str, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        offset = 0
        for line in text.splitlines(keepends=True):
            results += self._analyze_line(line.rstrip("\r\n"), text, offset)
            offset += len(line)
        return results

    def _analyze_line(self, line: str, text: str, offset: int) -> list[RecognizerResult]:
        """The findings of one line of `text` (`offset`: where the line starts). The patterns read the line with its
        long runs of blanks cut short (`squeeze_blanks`: some detect-secrets patterns try every split of a run at
        each of its positions — "password" then 4,000 spaces took minutes); `origin` places each finding back on
        the line as written."""
        from detect_secrets.filters import heuristic as h
        from detect_secrets.plugins.jwt import JwtTokenDetector

        plugins, keyword = _plugins()
        body, origin = squeeze_blanks(line)
        results: list[RecognizerResult] = []

        def found(entity: str, start: int, end: int, score: float) -> None:
            results.append(RecognizerResult(entity, offset + origin(start), offset + origin(end), score))

        if len(body) < 8:
            return results
        for name, entity, patterns, grouped in plugins:
            for pattern in patterns:
                for m in pattern.finditer(body):
                    span = self._span(body, m, grouped)
                    if span is None:
                        continue
                    start, end = span
                    if name == "BasicAuthDetector" and _URL_PASSWORD_PLACEHOLDER.match(body[start:end]):
                        continue
                    if name == "PrivateKeyDetector":  # the block, to its END line
                        key_start = offset + origin(start)
                        results.append(
                            RecognizerResult(entity, key_start, self._key_block_end(text, key_start), PLUGIN_SCORE)
                        )
                        continue
                    if not grouped:
                        start, end = _extend_token(body, start, end)
                        if name == "JwtTokenDetector" and not JwtTokenDetector.is_formally_valid(body[start:end]):
                            continue
                    found(entity, start, end, PLUGIN_SCORE)
        if h.is_indirect_reference(body):
            return results
        for pattern, group in keyword:
            for m in pattern.finditer(body):
                # a value ends at a space, or at ";" / "&" between the fields of a connection string
                start, end = _trim(body, m.start(group), m.end(group), _KEYWORD_VALUE_END)
                value = body[start:end]
                quoted = body[start - 1 : start] in ("'", '"')
                if quoted:  # a quoted value ends at its closing quote, not at the punctuation before it
                    close = body.find(body[start - 1], end)
                    if close != -1 and not body[end:close].strip(" \t,;.)]}>"):
                        end = close
                        value = body[start:end]
                if (
                    plausible_secret_value(value)
                    and not h.is_prefixed_with_dollar_sign(value)
                    and (quoted or not _CODE_REFERENCE_RE.match(body, start))
                ):
                    found("GENERIC_SECRET", start, end, KEYWORD_SCORE)
        return results

    @staticmethod
    def _span(line: str, m: re.Match, grouped: bool) -> tuple[int, int] | None:
        if grouped:  # the secret is the last group that matched (the rest is "://user:", "key=" …)
            groups = [i for i in range(1, m.re.groups + 1) if m.group(i)]
            if not groups:
                return None
            start, end = m.span(groups[-1])
        else:
            start, end = m.span()
        start, end = _trim(line, start, end)
        return (start, end) if end - start >= 4 else None

    @staticmethod
    def _key_block_end(text: str, start: int) -> int:
        """A private key from its header line to its END line (or to the end of the text when cut off)."""
        header_end = text.find("\n", start)
        if header_end == -1:
            return len(text)
        end_re = _PUTTY_END if text.startswith("PuTTY", start) else _PEM_END
        m = end_re.search(text, header_end)
        return m.end() if m else len(text)


# A value of one word in capitals after a key word ("password: Required", "POSTGRES_PASSWORD=Postgres",
# "PASSWORD=CHANGE_ME"): the rules here take a capitalised word (a lower-case one is left to
# `guardrails/passphrases.py`), and it is a password ("DB_PASSWORD=Swordfish", '"password": "Dragonfly"',
# "password: Lovely") unless in lower case it is short or a word of documentation, a reference, a participle
# (`names_no_capitalised_password`), or it is a placeholder written in capitals with underscores.
_CAPITALISED_WORD = regex.compile(r"(?:[A-Z][a-z]+|[A-Z]+)\.?")
_CAPITALS_PLACEHOLDER = regex.compile(r"[A-Z]+(?:_[A-Z]+)+")


# More words after the value on its line: the first word of a sentence ("Password: Usually the same as the
# username"), not a value standing alone — unless it is glued to "=" or quoted ("PGPASSWORD=Lovely psql").
_MORE_WORDS = regex.compile(r"[ \t]+[A-Za-z]")


def names_no_password(value: str, *, more_words: bool = False) -> bool:
    """A capitalised word found as a secret's value that is no password ("Required", "Password", "CHANGE_ME").
    ``more_words``: a sentence goes on after it, so the word is read as the lower-case rule reads one
    (`is_lowercase_password`: "Usually", "Whatever", "Family members…" are words of a sentence)."""
    if _CAPITALS_PLACEHOLDER.fullmatch(value):
        return True
    if not _CAPITALISED_WORD.fullmatch(value):
        return False
    word = value.rstrip(".").lower()
    return not is_lowercase_password(word) if more_words else names_no_capitalised_password(word)


class GenericSecretRecognizer(PatternRecognizer):
    """The hand-written GENERIC_SECRET patterns, but a capitalised word that names no password (`names_no_password`)."""

    def invalidate_result(self, pattern_text: str) -> bool:
        return names_no_password(pattern_text)

    def analyze(self, text: str, entities, nlp_artifacts=None, regex_flags=None) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        return [
            r
            for r in results
            if not (
                text[r.start - 1 : r.start] not in ("=", '"', "'", "`", ">")
                and _MORE_WORDS.match(text, r.end)
                and names_no_password(text[r.start : r.end], more_words=True)
            )
        ]


def _recognizer(
    entity: str,
    patterns: list[tuple[str, str, float]],
    context: list[str] | None = None,
    cls: type[PatternRecognizer] = PatternRecognizer,
):
    return cls(
        supported_entity=entity,
        name=f"{entity.title().replace('_', '')}Recognizer",
        patterns=[Pattern(name=n, regex=r, score=s) for n, r, s in patterns],
        context=context or [],
        supported_language="en",
        global_regex_flags=_FLAGS,
    )


def handwritten_recognizers() -> list[PatternRecognizer]:
    """Formats detect-secrets does not cover (see the module docstring)."""
    return [
        _recognizer(
            "AWS_SECRET_KEY",
            [
                (
                    "aws_secret_assignment",
                    r"(?i)(?<=\b(?:aws_?secret(?:_?access)?_?key|secret_?access_?key)[\"']?\s*[:=]\s*[\"']?)"
                    r"[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])",
                    0.95,
                ),
                (
                    "aws_secret_in_prose",
                    r"(?i)(?<=\baws\b[^\n]{0,30}?\bsecret(?:\s+access)?\s+key\b[^\n]{0,40}?(?:\bis|=|:)\s*[\"']?)"
                    r"(?=[A-Za-z0-9/+=]*[0-9])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])",
                    0.95,
                ),
            ],
        ),
        _recognizer(
            "SLACK_TOKEN",
            [
                ("slack_token", r"\bxox[abposre]-[A-Za-z0-9-]{10,}\b", 0.95),
                ("slack_app_token", r"\bxapp-\d-[A-Za-z0-9-]{10,}\b", 0.95),
            ],
        ),
        _recognizer(
            "GITHUB_TOKEN",
            [
                ("github_classic", r"\bgh[pousr]_[A-Za-z0-9]{20,255}\b", 0.95),  # 36; a cut-off one too
                ("github_fine_grained", r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b", 0.95),
            ],
        ),
        _recognizer(
            "PRIVATE_KEY",
            [
                (
                    "pem_private_key",
                    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?"
                    r"(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\Z)",
                    1.0,
                )
            ],
        ),
        _recognizer(
            "JWT",
            [("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b", 0.95)],
        ),
        _recognizer(
            "API_KEY",
            [
                ("openai_key", r"\bsk-(?:proj-|ant-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}\b", 0.9),
                ("stripe_key", r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b", 0.9),
                ("google_api_key", r"\bAIza[0-9A-Za-z_-]{35}\b", 0.9),
                ("huggingface_token", r"\bhf_[A-Za-z0-9]{30,}\b", 0.9),
                ("npm_token", r"\bnpm_[A-Za-z0-9]{36}\b", 0.9),
                ("stripe_webhook_secret", r"\bwhsec_[A-Za-z0-9+/=]{24,}", 0.9),
                ("google_oauth_access_token", r"\bya29\.[A-Za-z0-9_-]{20,}", 0.9),
                ("google_oauth_client_secret", r"\bGOCSPX-[A-Za-z0-9_-]{20,}", 0.9),
                ("digitalocean_token", r"\bdo[opr]_v1_[a-f0-9]{64}\b", 0.9),
                ("shopify_token", r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b", 0.9),
                (
                    "discord_webhook",
                    r"(?<=\bhttps://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d{5,}/)[A-Za-z0-9_-]{20,}",
                    0.9,
                ),
            ],
        ),
        _recognizer(
            "GENERIC_SECRET",
            cls=GenericSecretRecognizer,
            patterns=[
                (
                    "secret_assignment",
                    # (also an XML setting: <password>…</password>, as Slack sends it too — a tag, not the
                    # placeholder of a URL: "app:&lt;password&gt;@db" —, <add key="DbPassword" value="…"/>)
                    rf"(?i)(?<=\b{_SECRET_NAME}[\"']?\s*(?::=|[:=])\s*[\"']?|(?<![^\s>;])(?:<|&lt;){_SECRET_NAME}(?:>|&gt;)"
                    rf"|\b(?:key|name)\s*=\s*[\"']{_SECRET_NAME}[\"']\s+value\s*=\s*[\"'])"
                    # not a reference to a secret (env var, template, path, a YAML tag: "!vault |", "!secret db_pw")
                    # nor a plain number or word (a shell default too: "${DB_PASSWORD:-postgres}")…
                    r"(?!os\.environ|\$|\{\{|%\(|/|![A-Za-z_]+(?:\s|$)"
                    r"|(?:[0-9]+[a-z]{0,2}|(?-i:[a-z-]+))(?:[\s\"',;<>&?}]|$))"
                    rf"(?!{_UNQUOTED_CODE_REFERENCE})"
                    rf"(?!{_ESCAPED_TEMPLATE}){VALUE_CHAR}{{6,}}",
                    0.85,
                ),
                (
                    # the fallback written into code that reads a secret setting: os.getenv("DB_PASSWORD", "…"),
                    # config('SECRET_KEY', default='…'), ENV.fetch('API_KEY', '…'), process.env.TOKEN || '…',
                    # … or '…': the code stays, the literal goes
                    "secret_setting_default",
                    rf"(?i)(?<=\b{_SECRET_NAME}[\"']?\s*(?::=|=>|[:=])\s*(?:(?:[\w.]+\.)?(?:getenv|get|fetch|env|config)"
                    r"\([^()\n]*?,\s*(?:default\s*=\s*)?|[^\n]*?\s(?:or|\|\||\?\?)\s*)(?P<q>[\"']))"
                    r"(?=[^\"'\s]*[0-9])(?=[^\"'\s]*[a-z])[^\"'\s]{6,}(?=(?P=q))",
                    0.85,
                ),
                # SQL: MySQL's and Oracle's IDENTIFIED BY, MySQL's SET PASSWORD, PostgreSQL's PASSWORD '…' in
                # CREATE/ALTER ROLE|USER. A quoted literal there is the password whatever its shape ('' is a quote
                # inside it); not a placeholder ('<password>', '${DB_PASSWORD}', 'password').
                (
                    "sql_identified_by",
                    r"(?i)(?<=\bidentified\s+(?:with\s+[\"'`]?\w+[\"'`]?\s+)?(?:by|as)\s+(?:password\s+)?(?P<q>[\"']))"
                    + _SQL_LITERAL,
                    0.85,
                ),
                (
                    # Oracle writes it unquoted: only in CREATE/ALTER USER ("users are identified by email" stays)
                    "sql_identified_by_unquoted",
                    r"(?i)(?<=\b(?:create|alter)\s+user\s+(?:if\s+not\s+exists\s+)?[^\s;]{1,128}\s+identified\s+by\s+)"
                    rf"(?!values\b|password\b|(?:{URL_PASSWORD_PLACEHOLDER})(?:[\s;]|\Z))[A-Za-z0-9_#$][^\s;'\"()]{{2,}}",
                    0.85,
                ),
                (
                    "sql_set_password",
                    r"(?i)(?<=\bset\s+password\s*(?:for\s+[^\s=;]{1,200}\s*)?=\s*(?:(?:old_)?password\s*\(\s*)?"
                    r"(?P<q>[\"']))" + _SQL_LITERAL,
                    0.85,
                ),
                (
                    "sql_role_password",
                    r"(?i)(?<=\b(?:create|alter)\s+(?:user|role)\s[^;\n]{0,200}?\bpassword\s+(?P<q>'))" + _SQL_LITERAL,
                    0.85,
                ),
                # Credential and server files: a .netrc entry (machine HOST login USER password PASSWORD, over
                # lines too; HOST has a dot or a port, or is localhost: "machine learning login …" is prose), a
                # .pgpass line (host:port:database:user:password, the whole line, a port of 4-5 digits or *),
                # Redis's requirepass / masterauth and keepalived's auth_pass directives (a line of their own). Any
                # word there is the password, but a placeholder.
                (
                    "netrc_password",
                    r"(?<=\b(?:machine[ \t]+(?:localhost|[^\s.:]{1,253}[.:][^\s]{1,253})|default)"
                    r"\s+login\s+[^\s]{1,255}\s+password[ \t]+)"
                    rf"(?!(?:{URL_PASSWORD_PLACEHOLDER})(?:\s|\Z))[^\s]{{2,200}}",
                    0.85,
                ),
                (
                    "pgpass_password",
                    r"(?<=^[ \t]*(?:\*|[^:\s#]{0,253}[A-Za-z.][^:\s]{0,253}):(?:\*|[0-9]{4,5}):"
                    r"[^:\s]{0,63}[A-Za-z*_][^:\s]{0,63}:[^:\s]{0,63}[A-Za-z*_][^:\s]{0,63}:)"
                    rf"(?!(?:{URL_PASSWORD_PLACEHOLDER})[ \t]*$)[^\s]{{1,200}}(?=[ \t]*$)",
                    0.85,
                ),
                (
                    "server_password_directive",
                    r"(?<=^[ \t]{0,16}(?:requirepass|masterauth|auth_pass)[ \t]{1,16}[\"']?)"
                    rf"(?!(?:{URL_PASSWORD_PLACEHOLDER})[ \t]*$)"
                    r"(?:(?<=[\"'])[^\"'\n]{1,200}(?=[\"'][ \t]*$)|(?<![\"'])[^\s\"'#]{3,200}(?=[ \t]*(?:#.*)?$))",
                    0.85,
                ),
                (
                    "password_in_prose",  # "I set the db password to pgj82ywdmS+3": needs a digit and a letter
                    r"(?i)(?<=\bpass(?:word|phrase)\s{1,16}(?:is|to|was|of)\s{1,16}[\"']?)"
                    rf"(?=[^\s\"']*[0-9])(?=[^\s\"']*[a-z]){VALUE_CHAR}{{6,}}",
                    0.8,
                ),
                (
                    # "login admin, password Zq8p…", "passwd Zq8p…", "pw: Zq8p…", "p/w: Zq8p…": the word right before
                    # the value (a short one — "pass", "pw" — only with a colon: "pass test123 to it" is a verb)
                    "password_word_then_value",
                    r"(?i)(?<=(?:\b(?:password|passwd|passphrase)(?:\s{0,16}[:=]\s{0,16}|\s{1,16})|\b(?:pass|pw|pwd|p/w)"
                    r"\s{0,16}[:=]\s{0,16})[\"']?)"
                    rf"(?!{_UNQUOTED_CODE_REFERENCE})(?=[^\s\"']*[0-9])(?=[^\s\"']*[a-z]){VALUE_CHAR}{{6,}}",
                    0.8,
                ),
                (
                    # "the key is Zq8p…": a long random value (16+, a digit, small and capital letters)
                    "key_is_value",
                    r"(?i)(?<=\bkey\s+(?:is|was)\s+[\"'`]?)"
                    r"(?=[^\s\"'`]*[0-9])(?=[^\s\"'`]*(?-i:[a-z]))(?=[^\s\"'`]*(?-i:[A-Z]))[^\s\"'`,;:<>()]{16,}",
                    0.8,
                ),
                (
                    # "my API key is R7dQm…", "API key: …", "set the access token to '…'": told, not assigned. A long
                    # value (16+, no colon: not a time, not a URL) with a letter and a digit after the words naming it
                    "secret_in_prose",
                    r"(?i)(?<=\b(?:api[\s_-]?(?:key|token)|access[\s_-]?(?:key|token)|auth(?:entication)?[\s_-]?"
                    r"(?:key|token)|bearer[\s_-]?token|client[\s_-]?secret|secret(?:[\s_-]?key)?|token)"
                    r"(?:\s{1,16}(?:is|was|to)\s{1,16}|\s{0,16}[:=]\s{0,16})[\"'`]?)"
                    rf"(?!{_UNQUOTED_CODE_REFERENCE})(?=[^\s\"'`]*[0-9])(?=[^\s\"'`]*[a-z])(?:&(?!{_FIELD})|[^\s\"'`,;:<>()&]){{16,}}",
                    0.8,
                ),
                ("bearer_header", r"(?i)(?<=\bbearer\s+)[A-Za-z0-9_\-.=]{16,}", 0.85),
                ("basic_auth_header", r"(?i)(?<=\bauthorization:\s*basic\s+)[A-Za-z0-9+/]{8,}={0,2}", 0.85),
                (
                    # any other scheme ("Token …" in Django REST framework, "ApiKey …", "SSWS …") or none at all
                    "authorization_header",
                    r"(?i)(?<=\b(?:proxy-)?authorization\s*[:=]\s*[\"']?(?:[a-z][\w-]{1,20}\s+)?)"
                    r"(?=[^\s\"']*[0-9])[A-Za-z0-9_\-.=+/~]{16,}",
                    0.85,
                ),
                # a user's password in a URL, the user name left out too: redis://:pass@host
                (
                    "url_credentials",
                    rf"(?<=\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)(?!{URL_PASSWORD_PLACEHOLDER}@)[^/\s@]{{3,}}(?=@[^\s/]+)",
                    0.9,
                ),
                (
                    # curl -u user:pass, --user=user:pass (not docker's uid:gid or user:group, nor a shell substitution)
                    "user_option_credentials",
                    r"(?<=\s(?:-u|--user)[\s=]+[\"']?[^\s:\"'@$]{1,64}:)(?![0-9]+(?:[\s\"']|$)|[a-z]+(?:[\s\"']|$)|\$)[^\s\"']{3,}",
                    0.85,
                ),
                # sshpass -p SECRET / -pSECRET
                ("sshpass_option", r"(?<=\bsshpass\s+-p\s*[\"']?)[^\s\"']{3,}", 0.85),
                # base64 credentials: Docker's config.json "auth", .npmrc's _auth (both "user:password")
                (
                    "base64_auth_field",
                    r"(?i)(?<=(?:\"auth\"\s*:\s*\"|\b_auth\s*=\s*[\"']?))[A-Za-z0-9+/]{8,}={0,2}",
                    0.85,
                ),
                (
                    # a quoted password with a space in it ("correct horse 42 battery"): the whole quoted value, when
                    # it holds a digit or a symbol (an example body's "string" or "your password here" has neither)
                    "quoted_password_with_spaces",
                    r"(?i)(?<=\bpass(?:word|wd|phrase)?[\"']?\s*[:=]\s*(?P<q>[\"']))"
                    r"(?=[^\"'\n]*\s)(?=[^\"'\n]*[0-9!@#$%^*?])[^\"'\n]{6,200}(?=(?P=q))",
                    0.8,
                ),
                # mysql -pSECRET: the password glued to the option
                (
                    "mysql_password_option",
                    r"(?<=\b(?:mysql|mysqldump|mysqladmin|mariadb)\b[^\n]{0,100}?\s-p)[^\s\"'-][^\s\"']{2,}",
                    0.85,
                ),
                (
                    # the signature of a signed URL (Azure SAS, S3 and GCS presigned): whoever holds it has access
                    "signed_url_signature",
                    r"(?i)(?<=[?&;](?:sig|signature|x-amz-signature|x-goog-signature)=)[A-Za-z0-9%+/=_-]{16,}",
                    0.85,
                ),
                (
                    # a password named in another language: Passwort, пароль, mot de passe, パスワード, 密码, 비밀번호…
                    "password_other_language",
                    r"(?i)(?<=(?:\b(?:passwort|kennwort|contrase[ñn]a|mot\s{1,4}de\s{1,4}passe|mdp|senha|wachtwoord|"
                    r"l[öo]senord|has[łl]o|parola|salasana|пароль)|密码|密碼|パスワード|비밀번호|暗証番号)"
                    r"\s{0,16}[:=]\s{0,16}[\"'`]?)"
                    rf"(?=[^\s\"'`]*[0-9])(?=[^\s\"'`]*[^\W\d_]){VALUE_CHAR}{{6,}}",
                    0.8,
                ),
            ],
        ),
    ]


# A PEM private key encoded once more in base64, as a Kubernetes Secret's data holds it ("tls.key: LS0tLS1CRUdJTi…"):
# every base64 PEM starts with the encoding of "-----BEGIN"; decoded, its header says whether it is a private key.
BASE64_PEM_REGEX = r"\bLS0tLS1CRUdJTi[A-Za-z0-9+/]*={0,2}"


class Base64PrivateKeyRecognizer(PatternRecognizer):
    """PRIVATE_KEY: a base64-encoded PEM block whose header names a private key (a certificate is not one)."""

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PRIVATE_KEY",
            name="Base64PrivateKeyRecognizer",
            patterns=[Pattern("base64_pem", BASE64_PEM_REGEX, 1.0)],
            supported_language="en",
            global_regex_flags=_FLAGS,
        )

    def validate_result(self, pattern_text: str) -> bool:
        import base64
        import binascii

        head = pattern_text[:96]  # a multiple of 4: decodes alone
        try:
            header = base64.b64decode(head[: len(head) - len(head) % 4]).split(b"\n", 1)[0]
        except (binascii.Error, ValueError):
            return False
        return b"PRIVATE KEY" in header


# Exactly 40 characters of base64's alphabet standing alone: not inside a link or a path, a file name, a longer
# run or a prefixed digest ("sha384-…").
BARE_KEY_REGEX = r"(?<![\w/+.@#%&?~-])[A-Za-z0-9/+]{40}(?![\w/+=-])(?!\.\w)"
BARE_KEY_ENTROPY = 4.5  # detect-secrets' own limit for base64 strings; a CamelCase name stays under it (~4.3)


class BareKeyRecognizer(PatternRecognizer):
    """GENERIC_SECRET: a key pasted with no word naming it, when it has the one shape no documentation identifier
    has — 40 random characters of upper- and lower-case letters and digits (``/`` and ``+`` allowed): an AWS
    secret access key, a Cloudflare API token, an unprefixed vendor key.

    Only 40: a git SHA is 40 characters too but hex (one case, no g–z), a UUID has dashes, and the random ids that
    documentation questions quote come in other lengths — Google Drive ids (33, 44), base64 SHA-256 digests (43,
    44), IPFS CIDs (46), base58 addresses (32–44). No shape test tells those from a key of the same length, so a
    bare token of another length is left to the named forms ("token: …", "my key is …"). A random 40-character
    token falls under the entropy limit about twice in a hundred; a CamelCase name of 40 characters stays under it.
    """

    def __init__(self) -> None:
        super().__init__(
            supported_entity="GENERIC_SECRET",
            name="BareKeyRecognizer",
            patterns=[Pattern("bare_key", BARE_KEY_REGEX, 0.6)],  # under the named forms: theirs is the type
            supported_language="en",
            global_regex_flags=_FLAGS,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        from detect_secrets.filters import heuristic as h

        mixed = all(regex.search(c, pattern_text) for c in ("[A-Z]", "[a-z]", "[0-9]"))
        if not mixed or h.is_sequential_string(pattern_text) or shannon_entropy(pattern_text) < BARE_KEY_ENTROPY:
            return False
        return None  # keep the pattern's score


def secret_recognizers() -> list[EntityRecognizer]:
    return [
        DetectSecretsRecognizer(),
        *handwritten_recognizers(),
        BareKeyRecognizer(),
        Base64PrivateKeyRecognizer(),
        LowercasePasswordRecognizer(),
    ]
