"""The decision to answer, learned from labels, per collection (issue G.1).

E's answerability probability is label-free: each collection's signals are read against its own negatives, and
one logistic layer fitted on other documentation turns them into a probability. What no label-free statistic can
see is where a team's real questions fall on that scale (typer's answerable questions sit lower on every signal
than the other sets': README, "Answer quality"). Labels do:

* evidence that the collection should have answered (y = 1): an approved correction (expert reply or "Improve
  this answer"), more 👍 than 👎 on an answer, more 👎 than 👍 on an "I don't know";
* evidence that it should not have (y = 0): more 👍 than 👎 on an "I don't know", more 👎 than 👍 on an answer
  whose reasons say it was wrong or did not answer (`wrong`, `off_topic`) or give no reason. A 👎 only for
  `outdated` or `incomplete` says the documents had the subject: it is left out.

Two recalibrations, each a retune candidate judged on held-out labels. The first is one number per collection: a
shift b added to the logit z of the label-free probability, so the gate answers when sigmoid(z + b) ≥ threshold.
It keeps E's ranking of questions, so a few dozen labels determine it. The second (below, "the weights") also
changes that ranking: offsets to the logistic layer's weights, shrunk toward the global layer with a strength
chosen by cross-validation on the train labels, so a few dozen labels cannot overfit them unnoticed.

The shift b is the maximum of the balanced log-likelihood (both classes weigh the same, as in E's own fit, so the
team's mix of questions does not set the prior) of y ~ sigmoid(z + b − logit(threshold)) under a Gaussian prior b ~
N(0, 1/prior): shrunk toward 0, the label-free default, worth about `4·prior` labels at the boundary. A collection
with fewer than `min_labels` usable labels of its own, or fewer than `min_per_class` on either side, is not moved by
either refit (what it had stays).

Only the TRAIN split is ever passed here; the held-out split judges the candidate that carries the shifts.
z comes from the `answerability` of each example's outcome under the version being refitted (the label-free
probability, before any shift), so a refit replaces the shift, never compounds it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from feedback.examples import Example
from feedback.scoring import Outcome

MIN_LABELS = 20
MIN_PER_CLASS = 3
PRIOR = 2.0  # precision of the Gaussian prior on the shift (logit units)
MAX_SHIFT = 4.0
# A 👎 on an answer with only these reasons does not say the documents lacked the answer.
NOT_ABOUT_ANSWERING = frozenset({"outdated", "incomplete"})


@dataclass(frozen=True)
class CollectionFit:
    collection: str
    labels: int  # usable labels (examples) of this collection
    should_answer: int
    should_not: int
    status: str  # fitted | too_few_labels
    shift: float  # the stored shift afterwards (the earlier one when not fitted)
    previous: float
    agreement_before: float | None  # share of these labels whose gate decision matched, label-free (+ old shift)
    agreement_after: float | None

    def as_dict(self) -> dict:
        return asdict(self)


def evidence(example: Example) -> int | None:
    """1: the collection should have answered; 0: it should have said "I don't know"; None: no evidence."""
    if example.expect in ("answer", "should_answer"):
        return 1
    if example.expect == "dont_know":
        return 0
    if example.reasons and set(example.reasons) <= NOT_ABOUT_ANSWERING:
        return None
    return 0  # not_this: rejected as wrong / not answering (or without a reason)


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))


def fit_shift(points: Sequence[tuple[float, int]], threshold: float, prior: float = PRIOR) -> float:
    """Maximum a posteriori shift for (label-free probability, y) points: balanced class weights, N(0, 1/prior)."""
    pos = sum(1 for _, y in points if y == 1)
    neg = len(points) - pos
    if not pos or not neg:
        return 0.0
    offset = _logit(threshold)
    zs = [(_logit(p) - offset, y, 0.5 * len(points) / (pos if y else neg)) for p, y in points]
    b = 0.0
    for _ in range(100):  # Newton on a strictly concave one-dimensional objective
        grad, hess = -prior * b, prior
        for z, y, w in zs:
            s = _sigmoid(z + b)
            grad += w * (y - s)
            hess += w * s * (1 - s)
        step = grad / hess
        b += step
        if abs(step) < 1e-9:
            break
    return max(-MAX_SHIFT, min(MAX_SHIFT, b))


def _agreement(points: Sequence[tuple[float, int]], shift: float, threshold: float) -> float | None:
    if not points:
        return None
    from_shift = [(_sigmoid(_logit(p) + shift) >= threshold) == bool(y) for p, y in points]
    return round(sum(from_shift) / len(from_shift), 4)


def refit_shifts(
    train: Sequence[Example],
    outcomes: Sequence[Outcome],
    *,
    threshold: float,
    current: Mapping[str, float],
    min_labels: int = MIN_LABELS,
    min_per_class: int = MIN_PER_CLASS,
    prior: float = PRIOR,
) -> tuple[dict[str, float], list[CollectionFit]]:
    """The per-collection shifts learned from TRAIN examples and their outcomes (label-free probability and the
    collection whose calibration was used), and what happened to each collection. Collections with too few labels
    keep their `current` shift (or none)."""
    points: dict[str, list[tuple[float, int]]] = {}
    for example, outcome in zip(train, outcomes, strict=True):
        if example.split != "train":
            raise ValueError("the answerability refit reads the train split only")
        y = evidence(example)
        if y is None or outcome.answerability is None or not outcome.collection:
            continue
        points.setdefault(outcome.collection, []).append((outcome.answerability, y))
    shifts = dict(current)
    fits = []
    for collection in sorted(points):
        pts = points[collection]
        pos = sum(y for _, y in pts)
        neg = len(pts) - pos
        previous = float(current.get(collection, 0.0))
        before = _agreement(pts, previous, threshold)
        if len(pts) < min_labels or min(pos, neg) < min_per_class:
            fits.append(CollectionFit(collection, len(pts), pos, neg, "too_few_labels", previous, previous, before,
                                      before))  # fmt: skip
            continue
        shift = round(fit_shift(pts, threshold, prior), 4)
        if shift:
            shifts[collection] = shift
        else:
            shifts.pop(collection, None)
        fits.append(
            CollectionFit(
                collection, len(pts), pos, neg, "fitted", shift, previous, before, _agreement(pts, shift, threshold)
            )
        )
    return shifts, fits


# ---------------------------------------------------------------------------------------------- the weights
# A shift moves the boundary but keeps E's ranking of questions; where a collection's refused answerable questions
# sit among its near-misses (typer: README, "Answer quality"), only a change of the weights can separate them. The
# weights refit learns, per collection, offsets Δ to the logistic layer's weights and bias: the logit becomes
# z + Δ·[x, 1], x the normalised signals the layer read. Δ is the MAP estimate under Δ ~ N(0, I/prior), i.e. the
# global weights as the prior mean (strong L2 toward the global layer, not toward zero), with the same balanced
# log-likelihood and threshold offset as the shift. The prior's precision is chosen by leave-one-out
# cross-validation on the collection's TRAIN labels only. Unless the chosen fit both predicts the left-out labels
# better than the global layer itself (Δ = 0) and decides them better (balanced agreement at the threshold), the
# collection is not moved: a fit that only sharpens the probabilities moves the gate's decisions at random (flask,
# half of the test split: a lower cross-validated loss, the same cross-validated decisions, and 12 points fewer
# answerable test questions answered — bench/results/retune.md).

PRIOR_GRID = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0)
# The chosen fit must beat the global layer's cross-validated loss by this much (mean balanced log-loss per label).
MIN_CV_GAIN = 0.005


@dataclass(frozen=True)
class WeightsFit:
    collection: str
    labels: int  # usable labels (evidence about answering, with the layer's signals)
    should_answer: int
    should_not: int
    status: str  # fitted | too_few_labels | no_gain (cross-validated, the refit predicts or decides no better)
    prior: float | None  # the precision chosen by cross-validation
    cv_loss_global: float | None  # leave-one-out balanced log-loss of the global layer (Δ = 0)
    cv_loss: float | None  # …and of the refit at the chosen precision
    cv_agreement_global: float | None  # leave-one-out balanced share of decisions that match the labels
    cv_agreement: float | None
    offsets: list[float]  # stored afterwards (the earlier ones when not fitted; [] = the global layer)
    agreement_before: float | None  # share of these labels whose gate decision matched, under the version refitted
    agreement_after: float | None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class _Points:
    x: np.ndarray  # [signals, 1] per label
    z: np.ndarray  # label-free logit minus logit(threshold)
    y: np.ndarray
    w: np.ndarray  # balanced class weights, summing to the number of labels


def _points(rows: Sequence[tuple[float, Sequence[float], int]], threshold: float) -> _Points:
    y = np.asarray([r[2] for r in rows], dtype=np.float64)
    pos = max(1.0, float(y.sum()))
    neg = max(1.0, float(len(y) - y.sum()))
    x = np.hstack([np.asarray([r[1] for r in rows], dtype=np.float64), np.ones((len(rows), 1))])
    z = np.asarray([_logit(r[0]) for r in rows]) - _logit(threshold)
    w = np.where(y == 1, 0.5 * len(y) / pos, 0.5 * len(y) / neg)
    return _Points(x, z, y, w)


def _np_sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def fit_offsets(pts: _Points, prior: float, start: np.ndarray | None = None) -> np.ndarray:
    """MAP offsets Δ: balanced logistic log-likelihood of y ~ σ(z + Δ·x) under Δ ~ N(0, I/prior) (Newton steps; the
    objective is strictly concave)."""
    delta = np.zeros(pts.x.shape[1]) if start is None else start.copy()
    eye = prior * np.eye(len(delta))
    for _ in range(50):
        s = _np_sigmoid(pts.z + pts.x @ delta)
        grad = pts.x.T @ (pts.w * (pts.y - s)) - prior * delta
        hess = (pts.x * (pts.w * s * (1 - s))[:, None]).T @ pts.x + eye
        step = np.linalg.solve(hess, grad)
        delta += step
        if np.abs(step).max() < 1e-8:
            break
    return delta


def _subset(pts: _Points, keep: np.ndarray) -> _Points:
    return _Points(pts.x[keep], pts.z[keep], pts.y[keep], pts.w[keep])


def _loo_logits(pts: _Points, prior: float | None) -> np.ndarray:
    """Each label's logit from a fit on all the others (prior None: the global layer, Δ = 0)."""
    if prior is None:
        return pts.z.copy()
    full = fit_offsets(pts, prior)
    out = np.empty(len(pts.y))
    for i in range(len(pts.y)):
        keep = np.arange(len(pts.y)) != i
        delta = fit_offsets(_subset(pts, keep), prior, start=full)
        out[i] = pts.z[i] + pts.x[i] @ delta
    return out


def _balanced_loss(pts: _Points, logits: np.ndarray) -> float:
    s = np.clip(_np_sigmoid(logits), 1e-9, 1 - 1e-9)
    return float(-(pts.w * (pts.y * np.log(s) + (1 - pts.y) * np.log(1 - s))).sum() / len(pts.y))


def _balanced_agreement(pts: _Points, logits: np.ndarray) -> float:
    right = (logits >= 0) == (pts.y == 1)
    return float((pts.w * right).sum() / pts.w.sum())


def choose_prior(pts: _Points, grid: Sequence[float] = PRIOR_GRID) -> tuple[float, float, float]:
    """(precision, its leave-one-out loss, its leave-one-out balanced agreement) with the lowest loss; a tie goes
    to the stronger prior (closer to the global layer)."""
    best: tuple[float, float, float] | None = None
    for prior in sorted(grid, reverse=True):
        logits = _loo_logits(pts, prior)
        loss = _balanced_loss(pts, logits)
        if best is None or loss < best[1] - 1e-9:
            best = (prior, loss, _balanced_agreement(pts, logits))
    assert best is not None
    return best


def _agreement_at(pts: _Points, offsets: Sequence[float] | None, shift: float) -> float:
    extra = pts.x @ np.asarray(offsets) if offsets and len(offsets) == pts.x.shape[1] else 0.0
    return round(float(((pts.z + shift + extra >= 0) == (pts.y == 1)).mean()), 4)


def refit_offsets(
    train: Sequence[Example],
    outcomes: Sequence[Outcome],
    *,
    threshold: float,
    current_offsets: Mapping[str, Sequence[float]],
    current_shifts: Mapping[str, float],
    min_labels: int = MIN_LABELS,
    min_per_class: int = MIN_PER_CLASS,
    grid: Sequence[float] = PRIOR_GRID,
) -> tuple[dict[str, list[float]], dict[str, float], list[WeightsFit]]:
    """Per-collection weight offsets learned from TRAIN examples and their outcomes (label-free probability, the
    normalised signals and the collection), the shifts that remain, and what happened to each collection. A fitted
    collection's shift is dropped (the offsets' bias replaces it: they are fitted from the label-free logit); the
    others keep their offsets and shift."""
    rows: dict[str, list[tuple[float, Sequence[float], int]]] = {}
    for example, outcome in zip(train, outcomes, strict=True):
        if example.split != "train":
            raise ValueError("the answerability refit reads the train split only")
        y = evidence(example)
        if y is None or outcome.answerability is None or not outcome.collection or not outcome.features:
            continue
        rows.setdefault(outcome.collection, []).append((outcome.answerability, outcome.features, y))
    offsets = {c: list(v) for c, v in current_offsets.items()}
    shifts = dict(current_shifts)
    fits = []
    for collection in sorted(rows):
        pts = _points(rows[collection], threshold)
        pos = int(pts.y.sum())
        neg = len(pts.y) - pos
        previous = list(current_offsets.get(collection, []))
        before = _agreement_at(pts, previous, float(current_shifts.get(collection, 0.0)))
        if len(pts.y) < min_labels or min(pos, neg) < min_per_class:
            fits.append(WeightsFit(collection, len(pts.y), pos, neg, "too_few_labels", None, None, None, None, None,
                                   previous, before, before))  # fmt: skip
            continue
        global_logits = _loo_logits(pts, None)
        loss0, agree0 = _balanced_loss(pts, global_logits), _balanced_agreement(pts, global_logits)
        prior, loss, agree = choose_prior(pts, grid)
        cv = (round(loss0, 4), round(loss, 4), round(agree0, 4), round(agree, 4))
        if loss > loss0 - MIN_CV_GAIN or agree <= agree0 + 1e-9:
            fits.append(WeightsFit(collection, len(pts.y), pos, neg, "no_gain", prior, *cv, previous, before, before))
            continue
        delta = [round(float(v), 4) for v in fit_offsets(pts, prior)]
        offsets[collection] = delta
        shifts.pop(collection, None)
        after = _agreement_at(pts, delta, 0.0)
        fits.append(WeightsFit(collection, len(pts.y), pos, neg, "fitted", prior, *cv, delta, before, after))
    return offsets, shifts, fits
