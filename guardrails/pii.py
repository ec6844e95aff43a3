"""PII and secret detection (Presidio, fully offline) and typed-placeholder redaction."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from guardrails.secrets import SECRET_ENTITIES, secret_recognizers

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

    def verdict(self) -> dict:
        return {"found": self.found, "entities": self.entity_counts, "secrets": self.secrets_found}


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
    ) -> None:
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_anonymizer import AnonymizerEngine

        _offline_tldextract()
        nlp_engine = _nlp_engine(spacy_model)
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
        if with_secrets:
            for recognizer in secret_recognizers():
                registry.add_recognizer(recognizer)
        self._analyzer = AnalyzerEngine(nlp_engine=nlp_engine, registry=registry, supported_languages=["en"])
        self._anonymizer = AnonymizerEngine()
        wanted = list(entities) if entities else list(DEFAULT_ENTITIES)
        if not with_secrets:
            wanted = [e for e in wanted if e not in SECRET_ENTITIES]
        if spacy_model:
            wanted += [e for e in NER_ENTITIES if e not in wanted]
        self.entities = wanted
        self.score_threshold = score_threshold

    def analyze(self, text: str) -> list[Finding]:
        if not text.strip():
            return []
        results = self._analyzer.analyze(
            text=text, language="en", entities=self.entities, score_threshold=self.score_threshold
        )
        return _resolve_overlaps([Finding(r.entity_type, r.start, r.end, r.score) for r in results])

    def redact(self, text: str) -> Redaction:
        findings = self.analyze(text)
        if not findings:
            return Redaction(text=text)
        from presidio_analyzer import RecognizerResult

        results = [RecognizerResult(f.entity_type, f.start, f.end, f.score) for f in findings]
        redacted = self._anonymizer.anonymize(text=text, analyzer_results=results).text
        return Redaction(text=redacted, findings=tuple(findings))


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


def _nlp_engine(spacy_model: str | None):
    if spacy_model:
        from presidio_analyzer.nlp_engine import SpacyNlpEngine

        engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": spacy_model}])
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
