"""The per-collection, label-free decision offset of the answerability gate (workers.answerability.model): where the
collection's own off-topic pool falls under the global logistic layer moves its decision point down (never up), and
a calibration computed for another layer is redone."""

from __future__ import annotations

import json
import math
from contextlib import nullcontext

import pytest

from workers.answerability import gate as gate_module
from workers.answerability.calibration import Pools, StoredCalibration, fit_normaliser
from workers.answerability.gate import AnswerabilityGate, shifted
from workers.answerability.model import (
    MAX_OFFSET,
    OFFSET_MARGIN,
    AnswerabilityModel,
    Normaliser,
    decision_offset,
)
from workers.answerability.signals import Signals

N = len(Signals.names())


def layer(first_weight: float = 1.0, bias: float = 0.0) -> AnswerabilityModel:
    return AnswerabilityModel([first_weight] + [0.0] * (N - 1), bias)


def feats(first: float) -> list[float]:
    return [first] + [0.0] * (N - 1)


def sig(cosine_top: float) -> Signals:
    return Signals(cosine_top, *([0.0] * (N - 1)))


def test_offset_puts_the_off_topic_pools_high_quantile_a_margin_below_the_decision_point():
    # 100 off-topic questions at logits -4.0 … -2.02: the 95th percentile is about -2.1
    pool = [feats(-4.0 + 0.02 * i) for i in range(100)]
    z95 = -4.0 + 0.02 * 99 * 0.95
    assert decision_offset(layer(), pool) == pytest.approx(-OFFSET_MARGIN - z95)
    # the same pool under a layer whose bias already sits lower gets a larger offset, up to the cap
    assert decision_offset(layer(bias=-0.5), pool) == pytest.approx(-OFFSET_MARGIN - z95 + 0.5)
    assert decision_offset(layer(bias=-10.0), pool) == MAX_OFFSET


def test_offset_never_raises_the_decision_point_and_needs_a_pool():
    # off-topic questions close to (or past) the decision point: the global layer's point stays, it never tightens
    assert decision_offset(layer(), [feats(-0.5)] * 20 + [feats(1.0)] * 5) == 0.0
    assert decision_offset(layer(), []) == 0.0


def test_the_offset_comes_from_the_off_topic_pool_only():
    """Near-misses and word salads are made from the collection's own words: they set the scale (with the off-topic
    pool) but not the decision point, which reads where questions about other things fall."""
    offtopic = [sig(0.1 + 0.001 * i) for i in range(50)]
    far = Pools(positives=[sig(0.8)], offtopic=offtopic, near=[sig(0.3)] * 10, salad=[sig(0.35)] * 10)
    strict = layer(bias=-2.0)
    norm = fit_normaliser(far, strict)
    expected = decision_offset(strict, [norm.apply(s) for s in offtopic])
    assert norm.offset == pytest.approx(expected, abs=1e-6) and 0 < norm.offset < MAX_OFFSET
    # read over every negative, the word salads (above the off-topic pool) would leave no room at all
    assert decision_offset(strict, [norm.apply(s) for s in far.negatives]) == 0.0
    assert norm.model == strict.fingerprint()
    none = fit_normaliser(Pools(positives=[], offtopic=[], near=far.near, salad=far.salad), strict)
    assert none.offset == 0.0


def test_probability_with_the_offset_is_the_shifted_probability():
    model, f = layer(0.7, -0.3), feats(1.5)
    assert model.probability(f, 0.9) == pytest.approx(shifted(model.probability(f), 0.9))
    assert model.probability(f, 0.9) == pytest.approx(1 / (1 + math.exp(-(0.7 * 1.5 - 0.3 + 0.9))))


def test_stored_offset_round_trips_and_older_calibrations_are_redone():
    norm = Normaliser([0.0] * N, [1.0] * N, {"positives": 3}, offset=0.8125, model=layer().fingerprint())
    stored = json.loads(json.dumps(norm.to_json()))
    back = Normaliser.from_json(stored)
    assert (back.offset, back.model) == (0.8125, norm.model)
    with pytest.raises(ValueError, match="scale"):  # a calibration without an offset is recomputed on first use
        Normaliser.from_json({**stored, "scale": "negatives-sd"})
    assert layer(1.0).fingerprint() != layer(1.01).fingerprint()
    assert layer().fingerprint() == layer().fingerprint()


class _Conn:
    def execute(self, *_a, **_k):
        return self

    def fetchone(self):
        return {"chunks": 100}

    def transaction(self):
        return nullcontext()


def test_gate_recalibrates_a_collection_whose_offset_was_computed_for_another_layer(monkeypatch):
    current, other = layer(1.0), layer(2.0)
    stored = {"eng": StoredCalibration(Normaliser([0.0] * N, [1.0] * N, offset=0.5, model=other.fingerprint()), 100)}
    calls: list[str] = []

    def fake_calibrate(conn, collection, embedder, *, rollback=True, layer=None):
        calls.append(collection)
        assert layer is current
        fresh = Normaliser([0.0] * N, [1.0] * N, offset=1.0, model=current.fingerprint())
        stored[collection] = StoredCalibration(fresh, 100)
        return fresh

    monkeypatch.setattr(gate_module, "stored_calibration", lambda conn, c: stored.get(c))
    monkeypatch.setattr(gate_module, "calibrate", fake_calibrate)
    gate = AnswerabilityGate(embedder=None, model=current)  # type: ignore[arg-type]
    assert gate.normaliser_for(_Conn(), "eng").offset == 1.0  # type: ignore[arg-type, union-attr]
    gate._cache.clear()
    assert gate.normaliser_for(_Conn(), "eng").offset == 1.0  # type: ignore[arg-type, union-attr]
    assert calls == ["eng"]  # the fresh calibration names this layer: not redone again
