"""Email addresses, company-internal domains included, in Slack markup and spelled out.

Presidio's EmailRecognizer keeps a match only when tldextract finds a public suffix in its domain, so mail on a
domain that is not on the public suffix list — ``jane@corp.internal``, ``ops@build.local``, ``bob@fileserver.lan``,
which is where a lot of company mail lives — was not PII at all. This subclass also keeps a domain whose last label
is one of the names reserved or customary for private networks (RFC 2606 and 6761, ICANN's ``.internal``, home
networks' ``.home.arpa``, Active Directory's ``.corp``/``.ad``). Anything else still needs a public suffix, so
``x@w.T`` or ``requests@2.31.0`` stay text.

Its domain labels end in a letter or a digit: Presidio's ``\\w`` took the closing underscore of Slack italics into
the top-level domain (``_alice@example.com_`` → ``com_``: no suffix, no address, left in the clear).

``ObfuscatedEmailRecognizer`` reads addresses spelled out to get past filters (see its docstring).
"""

from __future__ import annotations

import regex
import tldextract
from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.predefined_recognizers import EmailRecognizer

from guardrails.text import STOPWORDS

PRIVATE_TLDS = frozenset(
    {
        "internal",  # ICANN, 2024: reserved for private use
        "local",  # mDNS (RFC 6762), and many Active Directory forests
        "localdomain",
        "lan",
        "home",
        "arpa",  # home.arpa (RFC 8375)
        "corp",
        "ad",  # a public ccTLD too; tldextract already accepts it
        "intranet",
        "intra",
        "private",
        "priv",
        "example",  # RFC 2606
        "test",
        "invalid",
        "localhost",
    }
)

_LOCAL = r"[!#$%&'*+\-/=?^_`{|}~\w](?:[!#$%&'*+\-/=?^_`{|}~.\w]*[!#$%&'*+\-/=?^_`{|}~\w])?"
_LABEL = r"[^\W_]+(?:[-_]+[^\W_]+)*"  # letters and digits (any script); "-" and "_" only inside
_TLD = r"[^\W_]+(?:-+[^\W_]+)*"  # no "_" in a top-level domain
_DOMAIN = rf"{_LABEL}(?:\.{_LABEL})*\.{_TLD}(?![^\W_])"
EMAIL_REGEX = rf"\b{_LOCAL}@{_DOMAIN}"
_MARKUP = "_*~"  # Slack's italic, bold and strike wrappers
# Legal in a local part, but in text they end a URL's path or query before an address ("&" is not among them:
# tom&jerry@example.com is one address).
_URL_DELIMITERS = "/?=#"
_SERVICE_ACCOUNTS = frozenset({"git"})  # git@github.com, git@gitlab.example.com: every Git host's SSH user
# A URL's scheme and user name, then ":": what follows up to "@" is the user's password (redis://:pw@host too).
_URL_PASSWORD_BEFORE = regex.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^/\s:@]{0,200}:\Z")
_USERINFO_MAX = 220  # how far back the scheme of such a URL may start
_BLANK_BEFORE = regex.compile(r"\s(?=\S*\Z)")  # the last blank before a position (searched up to it)


class EmailAddressRecognizer(EmailRecognizer):
    def __init__(self) -> None:
        super().__init__(name="EmailAddressRecognizer", patterns=[Pattern("email", EMAIL_REGEX, 0.5)])

    def validate_result(self, pattern_text: str) -> bool:
        return valid_address(pattern_text)

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None) -> list[RecognizerResult]:
        """A wrapper's opening underscore (taken as the local part's first character) stays outside the span, so
        ``_alice@example.com_`` reads ``_<EMAIL_ADDRESS>_``. In a URL, the address is what follows its last
        delimiter (``?to=jane@example.com`` keeps ``?to=``), and a password before a host (``://app:pw@db.example.com``)
        is no address: only the password is kept as a finding, so the host the question is about stays. Git's
        service account (``git@github.com:org/repo``) is nobody's address."""
        kept = []
        for r in super().analyze(text, entities, nlp_artifacts, regex_flags):
            at = text.find("@", r.start, r.end)
            local = text[r.start : at]
            if "?" in local or "://" in text[_word_start(text, r.start) : r.start]:  # in a URL's path or query
                r.start += max(local.rfind(c) for c in _URL_DELIMITERS) + 1
            if r.start == at or _service_account(text, r.start, at, r.end):
                continue
            if _URL_PASSWORD_BEFORE.search(text, max(0, r.start - _USERINFO_MAX), r.start):
                if not text.startswith("@", r.end):  # a password that is an address (ftp://anonymous:me@x.org@host)
                    r.end = at
            elif text[r.start] in _MARKUP and r.end < len(text) and text[r.end] == text[r.start]:
                r.start += 1
            kept.append(r)
        return kept


def _word_start(text: str, i: int) -> int:
    """Where the run of non-blank characters that reaches `i` starts (at most `_USERINFO_MAX` back)."""
    m = _BLANK_BEFORE.search(text, max(0, i - _USERINFO_MAX), i)
    return m.end() if m else max(0, i - _USERINFO_MAX)


def _service_account(text: str, start: int, at: int, end: int) -> bool:
    """Git's SSH user as Git writes it: ``git@host:org/repo`` (scp syntax) or ``ssh://git@host/…`` — an address
    written ``git@acme.com`` in a sentence is still one."""
    if text[start:at].lower() not in _SERVICE_ACCOUNTS:
        return False
    return text.startswith(":", end) or text[max(0, start - 3) : start] == "://"


def valid_address(address: str) -> bool:
    """A public suffix (tldextract's bundled list) or a private-network top-level domain after the "@"."""
    if tldextract.extract(address).fqdn:  # Presidio's own check
        return True
    domain = address.rsplit("@", 1)[-1].rstrip(".").lower()
    labels = domain.split(".")
    return len(labels) >= 2 and labels[-1] in PRIVATE_TLDS and all(labels)


# Spelled-out separators. Bracketed ("[at]", "(dot)", "{at}", "[.]", "[@]") and a spaced "@" are written only to
# hide an address; the plain words "at" and "dot" are also English.
_OPEN, _CLOSE = r"[\[({<]", r"[\])}>]"
_AT = rf"[ \t]*{_OPEN}[ \t]*(?i:at|@)[ \t]*{_CLOSE}[ \t]*|[ \t]*@[ \t]*|[ \t]+(?:at|AT)[ \t]+"
_DOT = rf"[ \t]*{_OPEN}[ \t]*(?i:dot|\.)[ \t]*{_CLOSE}[ \t]*|[ \t]+(?:dot|DOT)[ \t]+|\."
OBFUSCATED_EMAIL_REGEX = (
    rf"(?<![\w.+-])[\w+-](?:[\w.+-]*[\w+-])?(?:{_AT}){_LABEL}(?:(?:{_DOT}){_LABEL})*(?:{_DOT}){_TLD}(?![^\W_]|-|_\w)"
)
_AT_SPLIT = regex.compile(_AT)
_DOT_SPLIT = regex.compile(rf"({_DOT})")
_ADDRESS_CHAR = regex.compile(r"[._+0-9]")
MAIL_CONTEXT = regex.compile(
    r"(?i)\b(?:e-?mail(?:s|ed|ing)?|mail(?:s|ed|ing|box|boxes)?|inbox|cc|bcc|contact|forward(?:ed|ing)?|"
    r"write\s+to|wrote\s+to|reply|replied|reach|bounce[sd]?|send|sent)\b"
)
_CONTEXT_WINDOW = 60


class ObfuscatedEmailRecognizer(PatternRecognizer):
    """EMAIL_ADDRESS spelled out: ``alice [at] example [dot] com``, ``alice (at) example.com``,
    ``alice@example[.]com``, ``alice[@]example.com``, ``alice @ example dot com``, ``alice AT example DOT com``.

    Brackets, an "@" before a spelled "dot" or capitals AT … DOT are only ever written to hide an address: those are
    addresses when the domain has a real top-level domain (a spaced "@" with real dots is a matrix product in
    Python: ``A @ A.mT``; .mt is Malta's). The lower-case words ("alice at example dot com") are also English —
    "look at example dot com" names a site — and without NER a name cannot be told from a verb, so they count only
    with a spelled "dot" and either a character no English word has in the part before "at" (``.``, ``_``, ``+``, a
    digit: ``alice.smith at example dot com``), or a mail word nearby ("email", "mail", "cc", "send", "reply"…)
    and a part before "at" that is no function word ("email me at example dot com" is not the mailbox "me").
    """

    def __init__(self) -> None:
        super().__init__(
            supported_entity="EMAIL_ADDRESS",
            name="ObfuscatedEmailRecognizer",
            patterns=[Pattern("obfuscated_email", OBFUSCATED_EMAIL_REGEX, 1.0)],
            supported_language="en",
            context=[],
        )

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None) -> list[RecognizerResult]:
        kept = []
        for r in super().analyze(text, entities, nlp_artifacts, regex_flags):
            # the words around it, not its own: "mail" in "look at mail dot example dot com" is a host name
            around = f"{text[max(0, r.start - _CONTEXT_WINDOW) : r.start]} {text[r.end : r.end + _CONTEXT_WINDOW]}"
            if _is_hidden_address(text[r.start : r.end], around):
                kept.append(r)
        return kept


def _is_hidden_address(value: str, around: str) -> bool:
    at = _AT_SPLIT.search(value)
    if at is None:
        return False
    local, domain = value[: at.start()], value[at.end() :]
    parts = _DOT_SPLIT.split(domain)
    labels, dots = parts[::2], parts[1::2]
    if not valid_address(f"{local}@{'.'.join(labels)}"):
        return False
    at_sep = at.group().strip()
    spelled = [d.strip() for d in dots if d != "."]
    if at_sep[0] in "[({<" or any(d[0] in "[({<" for d in spelled):
        return True
    if not spelled:
        return False  # real dots only: a plain address, a matrix product (A @ A.mT), "at docs.example.com"
    if at_sep == "@" or (at_sep == "AT" and "DOT" in spelled):
        return True
    if _ADDRESS_CHAR.search(local):
        return True
    return bool(MAIL_CONTEXT.search(around)) and local.lower() not in STOPWORDS
