"""PII and secret detection (Presidio, fully offline) and typed-placeholder redaction.

Pattern recognizers only unless a spaCy NER model is configured: cards of every brand (guardrails/cards.py),
phones through libphonenumber (guardrails/phones.py), secrets through detect-secrets (guardrails/secrets.py),
emails on company-internal domains, in Slack markup and spelled out (guardrails/emails.py), IP addresses without
loopback (guardrails/ips.py) and Presidio's own IBAN, SSN… recognizers. People's names are found from given-name
lists where a sentence shows a person (guardrails/person_names.py; ``names=False`` turns it off). Without a model,
places and names the lists lack are NOT detected; every verdict says so (``"ner": "not configured"``) and
``require_ner=True`` refuses to build such a guard.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

import regex

from guardrails.cards import CardNumberRecognizer
from guardrails.command_passwords import CommandLinePasswordRecognizer
from guardrails.emails import EmailAddressRecognizer, ObfuscatedEmailRecognizer
from guardrails.iban import IbanNumberRecognizer
from guardrails.ips import IpAddressRecognizer
from guardrails.person_names import PersonNameRecognizer
from guardrails.phones import PhoneNumberRecognizer
from guardrails.secrets import SECRET_ENTITIES, secret_recognizers

if TYPE_CHECKING:
    from presidio_analyzer.nlp_engine import NlpEngine


class PiiVerdict(TypedDict):
    """What redaction found (never the values): stored with every interaction, shown by `ask --json`."""

    found: bool
    entities: dict[str, int]  # entity type → how many
    secrets: bool
    ner: str  # the NER model that checked names and places, or "not configured"


log = logging.getLogger(__name__)

PII_ENTITIES = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "IP_ADDRESS",
    "US_SSN",
    "US_ITIN",
    "US_PASSPORT",
    "US_BANK_NUMBER",
    "CRYPTO",
)
# Not in the default set: MEDICAL_LICENSE and UK_NHS match inside hex strings, UUIDs and phone numbers
# (see bench/results/pii.md); add them through ANSWERLOOP_PII_ENTITIES where they matter.
NER_ENTITIES = ("PERSON", "LOCATION")
DEFAULT_ENTITIES = PII_ENTITIES + SECRET_ENTITIES
NER_OFF = "not configured"  # the verdict's "ner" when names and places were not checked
# Presidio's own recognizers replaced by ours (issue K: cards of every brand, phones in any international format,
# IP addresses without loopback/unspecified/network blocks, emails on company-internal domains).
# Our classes are named differently: Presidio's loader looks predefined recognizers up by class name.
REPLACED_RECOGNIZERS = ("CreditCardRecognizer", "PhoneRecognizer", "IpRecognizer", "EmailRecognizer")


SSN_WORDS = regex.compile(r"(?i)\b(?:ssns?|ss\s?#|social\s+security(?:\s+(?:number|no\.?|#))?)")
_SSN_WINDOW = 40


def ssn_in_context_recognizer():
    """US_SSN written without dashes (``536221234``) or as 5-4 / 3-6 digits, when the words naming it come just
    before. Presidio's patterns for those shapes score 0.05 and rely on a spaCy context enhancer to reach the
    threshold; without an NLP model there are no tokens to enhance from, so "my ssn is 536221234" was kept in the
    clear. Nine digits alone stay text (an order or account id); Presidio's checks for never-issued numbers hold."""
    from presidio_analyzer import Pattern
    from presidio_analyzer.predefined_recognizers import UsSsnRecognizer

    class _Recognizer(UsSsnRecognizer):
        SCORE = 0.6

        def __init__(self) -> None:
            super().__init__(
                patterns=[
                    Pattern("ssn_digits", r"(?<![\w.+-])\d{9}(?![\w-]|[.,]\d)", 0.05),
                    Pattern("ssn_5_4_or_3_6", r"(?<![\w.+-])(?:\d{5}-\d{4}|\d{3}-\d{6})(?![\w-]|[.,]\d)", 0.05),
                ],
                name="SsnInContextRecognizer",
            )

        def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
            kept = []
            for r in super().analyze(text, entities, nlp_artifacts, regex_flags):
                if SSN_WORDS.search(text[max(0, r.start - _SSN_WINDOW) : r.start]):
                    r.score = self.SCORE
                    kept.append(r)
            return kept

    return _Recognizer()


class PiiConfigError(RuntimeError):
    """The guard cannot start as configured (a required NER model is missing)."""


@dataclass(frozen=True)
class Finding:
    entity_type: str
    start: int
    end: int
    score: float

    @property
    def is_secret(self) -> bool:
        return self.entity_type in SECRET_ENTITIES


@dataclass(frozen=True)
class Redaction:
    """The result of guarding a text: the redacted text and what was removed (types and counts only)."""

    text: str
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    ner: str = NER_OFF  # whether names and places were checked: "not configured" or the spaCy model used

    @property
    def found(self) -> bool:
        return bool(self.findings)

    @property
    def entity_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for f in self.findings:
            counts[f.entity_type] = counts.get(f.entity_type, 0) + 1
        return dict(sorted(counts.items()))

    @property
    def secrets_found(self) -> bool:
        return any(f.is_secret for f in self.findings)

    def verdict(self) -> PiiVerdict:
        return {"found": self.found, "entities": self.entity_counts, "secrets": self.secrets_found, "ner": self.ner}


class PiiGuard:
    """Detects PII and secrets and replaces them with typed placeholders such as ``<EMAIL_ADDRESS>``.

    Built once per process (loading recognizers takes a second); ``analyze`` is thread-safe.
    """

    def __init__(
        self,
        *,
        entities: list[str] | tuple[str, ...] | None = None,
        score_threshold: float = 0.35,
        spacy_model: str | None = None,
        with_secrets: bool = True,
        builtin_only: bool = False,
        require_ner: bool = False,
        names: bool = True,
    ) -> None:
        """``builtin_only`` keeps Presidio's predefined recognizers as they ship (the bench's baseline);
        ``require_ner`` (ANSWERLOOP_PII_REQUIRE_NER) refuses to build a guard that cannot see names and places;
        ``names`` (ANSWERLOOP_PII_NAMES) finds people's names without a model too (guardrails/person_names.py)."""
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_anonymizer import AnonymizerEngine

        if require_ner and not spacy_model:
            raise PiiConfigError(
                "ANSWERLOOP_PII_REQUIRE_NER is true but no NER model is configured: set ANSWERLOOP_SPACY_MODEL to an "
                "installed spaCy pipeline (package name or folder). Without one, names and places are not redacted."
            )
        _offline_tldextract()
        nlp_engine = _nlp_engine(spacy_model)
        self.ner = spacy_model.rstrip("/").rsplit("/", 1)[-1] if spacy_model else NER_OFF  # the model's name
        registry = RecognizerRegistry(supported_languages=["en"])
        presidio_log = logging.getLogger("presidio-analyzer")
        level = presidio_log.level
        presidio_log.setLevel(logging.ERROR)  # it warns about each non-English recognizer it skips
        try:
            registry.load_predefined_recognizers(nlp_engine=nlp_engine, languages=["en"])
        finally:
            presidio_log.setLevel(level)
        if spacy_model:
            registry.add_nlp_recognizer(nlp_engine=nlp_engine)
        if not builtin_only:
            for name in REPLACED_RECOGNIZERS:
                registry.remove_recognizer(name)
            registry.add_recognizer(CardNumberRecognizer())
            registry.add_recognizer(PhoneNumberRecognizer())
            registry.add_recognizer(IpAddressRecognizer())
            registry.add_recognizer(EmailAddressRecognizer())
            registry.add_recognizer(ObfuscatedEmailRecognizer())  # "alice [at] example [dot] com"
            registry.add_recognizer(IbanNumberRecognizer())  # alongside Presidio's, which misses some
            registry.add_recognizer(ssn_in_context_recognizer())  # "my ssn is 536221234": no NLP context boost
            if names:
                registry.add_recognizer(PersonNameRecognizer())  # beside an NER model's, when one is configured
        if with_secrets:
            for recognizer in [*secret_recognizers(), CommandLinePasswordRecognizer()]:
                registry.add_recognizer(recognizer)
        self._analyzer = AnalyzerEngine(nlp_engine=nlp_engine, registry=registry, supported_languages=["en"])
        self._anonymizer = AnonymizerEngine()
        wanted = list(entities) if entities else list(DEFAULT_ENTITIES)
        if not with_secrets:
            wanted = [e for e in wanted if e not in SECRET_ENTITIES]
        if spacy_model:
            wanted += [e for e in NER_ENTITIES if e not in wanted]
        if names and not builtin_only and not entities and "PERSON" not in wanted:
            wanted.append("PERSON")
        self.entities = wanted
        self.score_threshold = score_threshold
        self.analyze("warm-up: a@example.com 10.0.0.1 +41 44 123 45 67 4111 1111 1111 1111 api_key=Zx81kQpLmN3vB7")

    def analyze(self, text: str) -> list[Finding]:
        """Findings with offsets into `text`. The recognizers read a copy with look-alike characters made plain
        (`plain_lookalikes`: same length, so the offsets hold): a card or IBAN pasted with no-break spaces is
        still a card or an IBAN. When the text holds characters that show as nothing or percent-escapes
        (`seen_through`), they also read it as a person sees it, and what they find there is redacted over the
        characters it came from."""
        if not text.strip():
            return []
        plain = plain_lookalikes(text)
        findings = [Finding(r.entity_type, r.start, r.end, r.score) for r in self._recognize(plain)]
        seen = seen_through(plain)
        if seen is not None:
            visible, spans = seen
            findings += [
                Finding(r.entity_type, spans[r.start][0], spans[r.end - 1][1], r.score)
                for r in self._recognize(visible)
                if r.end > r.start
            ]
        return _resolve_overlaps(_continued_secrets(text, _resolve_overlaps(findings)))

    def _recognize(self, text: str) -> list:
        return self._analyzer.analyze(
            text=text, language="en", entities=self.entities, score_threshold=self.score_threshold
        )

    def redact(self, text: str) -> Redaction:
        findings = self.analyze(text)
        if not findings:
            return Redaction(text=text, ner=self.ner)
        from presidio_anonymizer.entities import RecognizerResult  # the anonymizer's own result type

        results = [RecognizerResult(f.entity_type, f.start, f.end, f.score) for f in findings]
        redacted = self._anonymizer.anonymize(text=text, analyzer_results=results).text
        return Redaction(text=redacted, findings=tuple(findings), ner=self.ner)


# One character for one (offsets stay valid): Unicode spaces (no-break, thin, narrow, ideographic …) to a space,
# hyphens and dashes (non-breaking hyphen, en dash, minus …) to "-", fullwidth ASCII (digits, letters, ＠ …) to
# ASCII. What pasting from a banking app, a PDF or a web page puts between the groups of a card or an IBAN.
_LOOKALIKES = str.maketrans(
    {
        **{
            ch: " "
            for ch in "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
        },
        **{ch: "-" for ch in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"},
        **{chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F) if code != 0xFF0D},
    }
)


def plain_lookalikes(text: str) -> str:
    """`text` with look-alike spaces, dashes and fullwidth characters made ASCII, one character for one."""
    return text.translate(_LOOKALIKES)


# Format characters (Unicode category Cf) show as nothing: zero-width space, joiners, word joiner, soft hyphen, BOM,
# direction marks. Pasted from a web page or a PDF they sit inside an address, a card number or a token, and split
# it for every recognizer. A percent-escape of printable ASCII (%40 for "@", %2B for "+", %20 for a space) is how a
# link copied from a browser carries an address or a phone number in its query string.
_HIDDEN = regex.compile(r"\p{Cf}")
_ESCAPE = regex.compile(r"%(?:[2-6][0-9A-Fa-f]|7[0-9A-Ea-e])")
# Scripts written without spaces between words: an address, a card or an IP typed in Japanese, Chinese, Korean or
# Thai text touches the letters around it ("メールはtaro@example.jpです"), and to every recognizer's \b and \w
# those letters are part of the value. Read as a person does, there is a word break where the script changes.
_SPACELESS_SCRIPTS = ("Han", "Hiragana", "Katakana", "Hangul", "Thai", "Lao", "Khmer", "Myanmar")
_SPACELESS = "[" + "".join(rf"\p{{scx={script}}}" for script in _SPACELESS_SCRIPTS) + "]"
_SCRIPT_BREAK = regex.compile(rf"(?<={_SPACELESS})(?=[A-Za-z0-9+])|(?<=[A-Za-z0-9])(?={_SPACELESS})")
# Slack sends a typed "&" as "&amp;": "tom&amp;jerry@example.com" is the address "tom&jerry@example.com".
_AMP = regex.compile(r"&amp;")
_SEE_THROUGH = regex.compile(rf"{_HIDDEN.pattern}|{_ESCAPE.pattern}|{_AMP.pattern}|{_SCRIPT_BREAK.pattern}")


def seen_through(text: str) -> tuple[str, list[tuple[int, int]]] | None:
    """`text` as a person reads it — without the characters that show as nothing, percent-escapes and Slack's
    "&amp;" decoded, a space
    where a script without spaces meets Latin letters or digits — and, for each character of it, the span in `text`
    it came from (empty for an added space); None when there is nothing to see through."""
    if not _SEE_THROUGH.search(text):
        return None
    visible: list[str] = []
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        m = _SEE_THROUGH.match(text, i)
        if m is not None and m.end() == i:  # a script break: a space before the character, then the character
            visible.append(" ")
            spans.append((i, i))
            m = None
        if m is None:
            visible.append(text[i])
            spans.append((i, i + 1))
        elif m.group() == "&amp;":
            visible.append("&")
            spans.append((i, m.end()))
        elif m.group().startswith("%"):
            visible.append(chr(int(m.group()[1:], 16)))
            spans.append((i, m.end()))
        i = m.end() if m else i + 1
    return "".join(visible), spans


# A token broken over lines (wrapped by a terminal or an editor, or typed so to get past a filter): the rest of its
# line, then a next line that is one run of token characters with a digit, a capital past its first letter or a
# token's punctuation in it — not a word such as "thanks" or "Done." after a token pasted on its own line, nor the
# next KEY=value line of a pasted .env file.
_TOKEN_REST = regex.compile(r"[A-Za-z0-9_\-+/=.]*[ \t]*\r?\n[ \t]*([A-Za-z0-9_\-+/=.]{2,200})[ \t]*(?=\r?\n|$)")
_TOKEN_PIECE = regex.compile(r"[0-9_\-+/=]|.[A-Z]")
_ASSIGNMENT = regex.compile(r"[A-Za-z_][\w.-]*=[^=]")  # the next line of a pasted .env file: DB_HOST=db1


def _continued_secrets(text: str, findings: list[Finding]) -> list[Finding]:
    """Each secret (but a PEM block, which has its own END line) grown over the lines that carry on its token."""
    grown = []
    for f in findings:
        end = f.end
        while f.is_secret and not text[f.start : f.end].endswith("-----"):  # a PEM block ends at its END line
            m = _TOKEN_REST.match(text, end)
            piece = m.group(1) if m else ""
            if not _TOKEN_PIECE.search(piece) or _ASSIGNMENT.match(piece) or not regex.search("[A-Za-z0-9]", piece):
                break
            end = m.end(1)
        grown.append(Finding(f.entity_type, f.start, end, f.score) if end != f.end else f)
    return grown


def _rank(f: Finding) -> tuple:
    return (f.is_secret, f.end - f.start, f.score)


def _resolve_overlaps(findings: list[Finding]) -> list[Finding]:
    """Merge overlapping findings into one span, so nothing of either is left visible.

    The merged span takes the type of a secret if one is involved, else of the longest finding: a checksum
    match inside a token (a "UK_NHS" in a Slack token) must not leave the rest of the token in the clear.
    """
    merged: list[Finding] = []
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if merged and f.start < merged[-1].end:
            last = merged[-1]
            best = max(last, f, key=_rank)
            merged[-1] = Finding(best.entity_type, last.start, max(last.end, f.end), max(last.score, f.score))
        else:
            merged.append(f)
    return merged


def _offline_tldextract() -> None:
    """Make sure the shared extractor uses its bundled snapshot even if imported before guardrails."""
    import tldextract.tldextract as tx

    if tx.TLD_EXTRACTOR.suffix_list_urls:
        tx.TLD_EXTRACTOR = tx.TLDExtract(suffix_list_urls=())


def _nlp_engine(spacy_model: str | None) -> NlpEngine:
    if spacy_model:
        from pathlib import Path

        import spacy
        from presidio_analyzer.nlp_engine import SpacyNlpEngine

        # Presidio would download a missing model; nothing may be downloaded at run time.
        if not (spacy.util.is_package(spacy_model) or Path(spacy_model).is_dir()):
            raise PiiConfigError(
                f"spaCy model {spacy_model!r} is not installed (neither a package nor a folder); install it or unset "
                "ANSWERLOOP_SPACY_MODEL — models are never downloaded at run time"
            )

        engine: NlpEngine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": spacy_model}])
    else:
        from presidio_analyzer.nlp_engine import NoOpNlpEngine

        engine = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "no_op"}])
    engine.load()
    return engine


_guard: PiiGuard | None = None
_guard_lock = threading.Lock()


def shared_guard(**kwargs) -> PiiGuard:
    """The process-wide guard (heavy to build, so built once per worker process)."""
    global _guard
    with _guard_lock:
        if _guard is None:
            _guard = PiiGuard(**kwargs)
        return _guard
