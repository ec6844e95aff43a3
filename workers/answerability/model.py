"""The answerability model: signals normalised by the collection's own calibration, then one logistic layer.

`Normaliser` is per collection and label-free (calibration.py): each signal is measured from the collection's
negatives' mean (0) in units of the negatives' own spread, so a cosine of 0.45 can be "far above the noise" in one
collection and "typical noise" in another. (The scale used to run from the negatives' mean to the
pseudo-questions' mean, but how easy a collection's pseudo-questions are depends on its shape, not on its real
questions: in the typer docs they were as easy as anywhere while real questions were much harder. Measured by
fitting on two evaluation sets' dev splits and applying to the third: README, "Answer quality".)
`AnswerabilityModel` is the logistic layer over normalised signals, shipped fitted on the dev splits of the
evaluation sets (`bench/fit_answerability.py` writes `global_model.json`); labels refine it per collection in the
retune.

`decision_offset` is the one per-collection part of the decision, also label-free: where the collection's own
off-topic pool falls under the logistic layer. A collection whose off-topic questions all sit far below the global
decision point (typer: they share no vocabulary with a CLI library's docs) has room to answer its harder real
questions; the offset lowers its decision point until the pool's 95th percentile sits `OFFSET_MARGIN` logits below
it, never raising it (the global layer is the strictest a collection gets) and by at most `MAX_OFFSET`. Chosen by
leaving one evaluation set out on the dev splits (README, "Answer quality").
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from workers.answerability.signals import Signals

GLOBAL_MODEL = Path(__file__).with_name("global_model.json")
# How a Normaliser scales signals; a stored calibration of another scale is recalibrated.
SCALE = "negatives-sd+offtopic-offset"
# The decision offset: the off-topic pool's OFFSET_QUANTILE-th percentile logit is put OFFSET_MARGIN below the
# layer's own decision point (logit 0), within [0, MAX_OFFSET].
OFFSET_QUANTILE = 95.0
OFFSET_MARGIN = 1.25
MAX_OFFSET = 2.0


def _sigmoid(z: np.ndarray | float) -> np.ndarray | float:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


@dataclass
class Normaliser:
    """Per collection: each signal's negatives' mean and the negatives' spread (standard deviation), and the
    label-free decision offset (a logit added to the logistic layer's) computed for the layer `model` names."""

    negative_mean: list[float]
    span: list[float]
    info: dict = field(default_factory=dict)
    offset: float = 0.0
    model: str = ""  # AnswerabilityModel.fingerprint() the offset was computed for

    def apply(self, signals: Signals) -> list[float]:
        x = np.asarray(signals.vector())
        return ((x - np.asarray(self.negative_mean)) / np.asarray(self.span)).clip(-5, 5).tolist()

    def to_json(self) -> dict:
        return {
            "features": Signals.names(),
            "scale": SCALE,
            "negative_mean": self.negative_mean,
            "span": self.span,
            "offset": self.offset,
            "model": self.model,
            "info": self.info,
        }

    @classmethod
    def from_json(cls, data: dict) -> Normaliser:
        if data.get("features") != Signals.names():
            raise ValueError("calibrated on other signals")
        if data.get("scale") != SCALE:
            raise ValueError("calibrated on another scale")  # → recalibrated on first use
        return cls(data["negative_mean"], data["span"], data.get("info", {}), float(data["offset"]), str(data["model"]))

    @classmethod
    def fit(cls, positives: list[Signals], negatives: list[Signals]) -> Normaliser:
        """The scale comes from the negatives (questions the collection does not answer: a shipped off-topic pool,
        near-misses and word salads made from its own text). Where the pseudo-questions fall on it is kept in
        `info` as a diagnostic only."""
        pos = np.asarray([s.vector() for s in positives], dtype=np.float64).reshape(-1, len(Signals.names()))
        neg = np.asarray([s.vector() for s in negatives], dtype=np.float64)
        neg_mean = neg.mean(axis=0)
        # A signal (nearly) constant over the negatives must not blow up: a floor, and apply() clips at ±5.
        spread = np.maximum(neg.std(axis=0), 1e-3)
        info: dict = {"positives": len(pos), "negatives": len(neg)}
        if len(pos):
            info["positives_at"] = ((pos.mean(axis=0) - neg_mean) / spread).round(3).tolist()
        return cls(neg_mean.round(6).tolist(), spread.round(6).tolist(), info)


@dataclass
class AnswerabilityModel:
    weights: list[float]
    bias: float
    info: dict = field(default_factory=dict)  # how it was fitted

    def logit(self, features: list[float]) -> float:
        return float(np.asarray(features) @ np.asarray(self.weights) + self.bias)

    def probability(self, features: list[float], offset: float = 0.0) -> float:
        return float(_sigmoid(self.logit(features) + offset))

    def fingerprint(self) -> str:
        """Names this layer: a calibration's decision offset was computed for one layer and is redone for another."""
        blob = json.dumps([self.weights, self.bias], sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def to_json(self) -> dict:
        return {"features": Signals.names(), "weights": self.weights, "bias": self.bias, "info": self.info}

    @classmethod
    def from_json(cls, data: dict) -> AnswerabilityModel:
        if data.get("features") != Signals.names():
            raise ValueError("the model was fitted on other signals")
        return cls(data["weights"], data["bias"], data.get("info", {}))


def decision_offset(model: AnswerabilityModel, offtopic_features: list[list[float]]) -> float:
    """The collection's label-free decision offset (module docstring) from its off-topic pool's normalised
    signals; 0 without a pool."""
    if not offtopic_features:
        return 0.0
    z = [model.logit(f) for f in offtopic_features]
    return float(np.clip(-OFFSET_MARGIN - np.percentile(z, OFFSET_QUANTILE), 0.0, MAX_OFFSET))


@lru_cache(maxsize=1)
def global_model() -> AnswerabilityModel:
    return AnswerabilityModel.from_json(json.loads(GLOBAL_MODEL.read_text()))


def fit(
    positives: list[list[float]], negatives: list[list[float]], *, l2: float = 1.0, iterations: int = 50
) -> AnswerabilityModel:
    """Logistic regression (Newton steps, L2) with balanced class weights, so the pools' sizes don't set the
    prior."""
    x = np.asarray(positives + negatives, dtype=np.float64)
    y = np.asarray([1.0] * len(positives) + [0.0] * len(negatives))
    sample_w = np.where(y == 1, 0.5 / max(1, len(positives)), 0.5 / max(1, len(negatives))) * len(y)
    xs = np.hstack([x, np.ones((len(y), 1))])
    w = np.zeros(xs.shape[1])
    reg = np.full(xs.shape[1], l2)
    reg[-1] = 0.0  # no penalty on the bias
    for _ in range(iterations):
        p = _sigmoid(xs @ w)
        grad = xs.T @ (sample_w * (p - y)) + reg * w
        hess = (xs * (sample_w * p * (1 - p))[:, None]).T @ xs + np.diag(reg)
        step = np.linalg.solve(hess + 1e-9 * np.eye(len(w)), grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    p = np.asarray(_sigmoid(xs @ w))
    info = {
        "positives": len(positives),
        "negatives": len(negatives),
        "train_accuracy_pos": round(float((p[y == 1] >= 0.5).mean()) if positives else 0.0, 4),
        "train_accuracy_neg": round(float((p[y == 0] < 0.5).mean()) if negatives else 0.0, 4),
    }
    return AnswerabilityModel([round(float(v), 6) for v in w[:-1]], round(float(w[-1]), 6), info)
