"""The answerability gate: the calibrated probability for one question, and the words people see for it."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from core.db import Conn
from workers.answerability.calibration import calibrate, stored_calibration
from workers.answerability.model import AnswerabilityModel, Normaliser, global_model
from workers.answerability.signals import Signals, read_signals
from workers.embeddings import Embedder
from workers.search import keyword

log = logging.getLogger(__name__)

Confidence = Literal["high", "medium", "low"]
_CACHE_S = 60.0
# Recalibrate when a collection has grown or shrunk by this share since it was calibrated.
_DRIFT = 0.3


def confidence(probability: float, threshold: float) -> Confidence:
    """What a person reads: "high" well past the gate, "medium" past it, "low" below (→ "I don't know")."""
    if probability >= max(0.8, threshold):
        return "high"
    return "medium" if probability >= threshold else "low"


@dataclass(frozen=True)
class Assessment:
    probability: float
    confidence: Confidence
    signals: Signals
    collection: str | None  # whose calibration was used
    # The probability before the collection's label-learned shift (equal to `probability` without one): what the
    # retune refits from, so refits never compound. It includes the collection's label-free decision offset.
    label_free: float = 0.0
    # The logit added by what the active version learned from labels for this collection: its shift, plus its
    # weight offsets applied to `features` (0 without either).
    shift: float = 0.0
    # The normalised signals the logistic layer read (empty without a calibration): what the weights refit reads.
    features: tuple[float, ...] = ()


def offset_logit(offsets: Sequence[float] | None, features: Sequence[float]) -> float:
    """offsets·[features, 1]: the per-collection change to the logistic layer's logit learned from labels. Offsets
    of another length (a version fitted on other signals) are not applied: the collection keeps the global layer."""
    if not offsets or not features:
        return 0.0
    if len(offsets) != len(features) + 1:
        log.warning("answerability offsets of %d values for %d signals: not applied", len(offsets), len(features))
        return 0.0
    return float(sum(o * f for o, f in zip(offsets, features, strict=False)) + offsets[-1])


def shifted(probability: float, shift: float) -> float:
    """The probability with `shift` added to its logit (the per-collection recalibration learned from labels)."""
    if not shift:
        return probability
    p = min(max(probability, 1e-9), 1 - 1e-9)
    z = math.log(p / (1 - p)) + shift
    return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))


class AnswerabilityGate:
    """One per pipeline. Calibrations are read from Postgres (cached a minute); a collection never
    calibrated, or changed much since, is calibrated on first use (a few seconds, once)."""

    def __init__(self, embedder: Embedder, model: AnswerabilityModel | None = None) -> None:
        self.embedder = embedder
        self.model = model or global_model()
        self._cache: dict[str, tuple[float, Normaliser | None]] = {}
        self._lock = threading.Lock()

    def normaliser_for(self, conn: Conn, collection: str) -> Normaliser | None:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(collection)
        if cached and now - cached[0] < _CACHE_S:
            return cached[1]
        stored = stored_calibration(conn, collection)
        row = conn.execute("SELECT chunks FROM collection_stats WHERE collection = %s", (collection,)).fetchone()
        size = row["chunks"] if row else 0
        normaliser = stored.normaliser if stored else None
        stale = stored is None or abs(size - stored.chunks) > _DRIFT * max(stored.chunks, 1)
        # …or its decision offset was computed for another logistic layer (a refitted global_model.json)
        stale = stale or (normaliser is not None and normaliser.model != self.model.fingerprint())
        if size and stale:
            with conn.transaction():  # a savepoint: the caller's transaction goes on
                normaliser = calibrate(conn, collection, self.embedder, rollback=False, layer=self.model)
        with self._lock:
            self._cache[collection] = (now, normaliser)
        return normaliser

    def assess(
        self,
        conn: Conn,
        question: str,
        collections: Sequence[str],
        retrieval,
        threshold: float,
        shifts: Mapping[str, float] | None = None,
        offsets: Mapping[str, Sequence[float]] | None = None,
        exclude_documents: Sequence[int] = (),
    ) -> Assessment:
        """`shifts` and `offsets`: the active version's per-collection recalibration learned from labels
        (`AnsweringParams.answerability_shift`, `answerability_offsets`), applied to the collection whose
        calibration is used. `exclude_documents`: what retrieval hid, left out of the term statistics too."""
        stats = keyword.term_stats(conn, question, collections, exclude_documents)
        signals = read_signals(question, stats, retrieval)
        owner = retrieval.passages[0].collection if retrieval.passages else (collections[0] if collections else None)
        normaliser = self.normaliser_for(conn, owner) if owner else None
        features = normaliser.apply(signals) if normaliser is not None else []
        # label-free: the global layer, with the collection's own decision offset (from its off-topic pool)
        label_free = self.model.probability(features, normaliser.offset) if normaliser is not None else 0.0
        shift = 0.0
        if normaliser is not None:
            shift = float((shifts or {}).get(owner or "", 0.0))
            shift += offset_logit((offsets or {}).get(owner or ""), features)
        p = shifted(label_free, shift)
        return Assessment(
            round(p, 4),
            confidence(p, threshold),
            signals,
            owner,
            round(label_free, 4),
            round(shift, 6),
            tuple(round(f, 4) for f in features),
        )
