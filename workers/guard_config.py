"""The PII guard as the settings configure it: one place for the pipeline, the Slack listener and the admin CLI."""

from __future__ import annotations

from core.settings import Settings
from guardrails.pii import PiiGuard, shared_guard


def guard_for(settings: Settings) -> PiiGuard:
    """This process's shared guard, built from `settings` on first use (Presidio takes seconds to load)."""
    return shared_guard(
        entities=settings.pii_entities,
        score_threshold=settings.pii_score_threshold,
        spacy_model=settings.spacy_model,
        require_ner=settings.pii_require_ner,
        names=settings.pii_names,
    )
