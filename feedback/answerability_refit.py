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

The recalibration is one number per collection: a shift b added to the logit z of the label-free probability,
so the gate answers when sigmoid(z + b) ≥ threshold. It keeps E's ranking of questions (its AUC is high
everywhere; what is off per collection is the location), so a few dozen labels determine it, where a full
logistic refit of the signals' weights would overfit them. b is the maximum of the balanced log-likelihood (both
classes weigh the same, as in E's own fit, so the team's mix of questions does not set the prior) of
y ~ sigmoid(z + b − logit(threshold)) under a Gaussian prior b ~ N(0, 1/prior): shrunk toward 0, the label-free
default, worth about `4·prior` labels at the boundary. A collection with fewer than `min_labels` usable labels of
its own, or fewer than `min_per_class` on either side, is not moved (its earlier shift, if any, stays).

Only the TRAIN split is ever passed here; the held-out split judges the candidate that carries the shifts.
z comes from the `answerability` of each example's outcome under the version being refitted (the label-free
probability, before any shift), so a refit replaces the shift, never compounds it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

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
