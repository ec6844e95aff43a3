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


# ---------------------------------------------------------------------------------------------- labelled neighbours
# The shift and the weights read E's ten signals, which cannot tell a refused answerable question from a near-miss
# when both look alike to retrieval. The team's labels carry other evidence: the questions themselves. A new
# question close (cosine of the embeddings of the REDACTED questions, `question_vectors`, migration 0021) to train
# questions the team labelled "the documents don't answer this" (👍 on an "I don't know", 👎 wrong / didn't answer
# on an answer) gets its logit lowered, one close to questions confirmed answered (👍 on an answer, an approved
# correction, 👎 on an "I don't know") raised:
#
#     evidence = Σ w_i·(2·y_i − 1) / max(1, Σ w_i),   w_i = (cos_i − radius) / (1 − radius) for cos_i ≥ radius
#
# in [-1, 1] (0 with no neighbour within the radius), and the logit becomes z + b + strength·evidence. Per collection,
# (b, strength) are the MAP fit of the balanced log-likelihood of the TRAIN labels, each label's evidence read from
# the other train labels only (never its own question), with the prior's precision chosen by leave-one-out and the
# radius from NEIGHBOUR_RADII by the same leave-one-out loss. A collection is moved only when that cross-validated
# loss beats the best fit without neighbours (the version's own logit, or a shift b alone: a gain a shift explains
# is the 'calibration' candidate's, not this one's), its cross-validated decisions are no worse, and the strength is
# positive (the neighbours lean the way their labels say). Neighbours are read only within one workspace (the
# retuned scope's labels, `feedback.retune.labels_team`) and one collection, and only from the train split, so the
# held-out gate judges a candidate on questions whose labels it never read.

# The vote above reads only neighbours within a radius, and their labels' mix: with few labels, most new questions
# have none close enough, and a collection's majority label outvotes the nearest one. The second form, the *gap*,
# reads every question: how much closer its K nearest should-answer questions are than its K nearest should-not ones,
#
#     evidence = clip((mean of the K best cos to y = 1 − mean of the K best cos to y = 0) / GAP_SCALE, −1, 1),
#
# each side weighing the same however many labels it has. Outside the product (`bench/label_neighbours_probe.py`,
# each set's dev questions as the labelled pool, setting chosen on dev) it raised the near-miss AUC on the test
# split of all three evaluation sets. The refit chooses between the forms (and K) by the same leave-one-out loss.
NEIGHBOUR_RADII = (0.2, 0.3, 0.4, 0.5, 0.6)
NEIGHBOUR_GAP_KS = (3, 5)
GAP_SCALE = 0.25
NEIGHBOUR_MAX_STRENGTH = 8.0


@dataclass(frozen=True)
class NeighbourSet:
    """The train-labelled questions of one workspace and collection: their keys, unit vectors and evidence."""

    keys: tuple[str, ...]
    vectors: np.ndarray  # n × d, unit rows (the embedder's)
    ys: np.ndarray  # 1: should answer, 0: should say "I don't know"

    def __len__(self) -> int:
        return len(self.keys)


EMPTY_NEIGHBOURS = NeighbourSet((), np.zeros((0, 0)), np.zeros(0))


def neighbour_evidence(sims: np.ndarray, ys: np.ndarray, radius: float) -> float:
    """The labels of the neighbours within `radius` (cosine), weighed by how far inside it they are: in [-1, 1]."""
    if not len(sims):
        return 0.0
    inside = sims >= radius
    if not inside.any():
        return 0.0
    w = (sims[inside] - radius) / max(1e-9, 1.0 - radius)
    return float((w * (2.0 * ys[inside] - 1.0)).sum() / max(1.0, float(w.sum())))


def neighbour_gap(sims: np.ndarray, ys: np.ndarray, k: int) -> float:
    """How much closer the `k` nearest should-answer questions are than the `k` nearest should-not ones, in
    GAP_SCALE units clipped to [-1, 1]; 0 unless both kinds are there."""
    answer, refuse = sims[ys == 1], sims[ys == 0]
    if not len(answer) or not len(refuse):
        return 0.0
    gap = float(np.sort(answer)[-k:].mean() - np.sort(refuse)[-k:].mean())
    return max(-1.0, min(1.0, gap / GAP_SCALE))


def pull_evidence(
    neighbours: NeighbourSet,
    vector: Sequence[float] | np.ndarray,
    pull: Mapping[str, float],
    exclude_key: str | None = None,
) -> tuple[float, int]:
    """(evidence, neighbours read) for a version's pull of one collection: the gap of its `k` nearest when the pull
    names `k`, else the vote of those within its `radius`."""
    if "k" not in pull:
        return neighbour_signal(neighbours, vector, float(pull.get("radius", 1.0)), exclude_key)
    found = _similarities(neighbours, vector, exclude_key)
    if found is None:
        return 0.0, 0
    sims, ys = found
    return neighbour_gap(sims, ys, int(pull["k"])), len(sims)


def _similarities(
    neighbours: NeighbourSet, vector: Sequence[float] | np.ndarray, exclude_key: str | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """(cosines, labels) of the labelled questions to `vector`; None with none, or with another model's vectors."""
    if not len(neighbours):
        return None
    v = np.asarray(vector, dtype=np.float64)
    if neighbours.vectors.shape[1] != v.shape[0]:
        return None  # another model's vectors are never compared
    sims, ys = neighbours.vectors @ v, neighbours.ys
    if exclude_key is not None:
        keep = np.asarray([k != exclude_key for k in neighbours.keys])
        sims, ys = sims[keep], ys[keep]
    return sims, ys


def neighbour_signal(
    neighbours: NeighbourSet, vector: Sequence[float] | np.ndarray, radius: float, exclude_key: str | None = None
) -> tuple[float, int]:
    """(evidence, neighbours within the radius) for a question's vector; `exclude_key`: leave that question out."""
    found = _similarities(neighbours, vector, exclude_key)
    if found is None:
        return 0.0, 0
    sims, ys = found
    return neighbour_evidence(sims, ys, radius), int((sims >= radius).sum())


def store_question_vector(
    conn, interaction_id, team_id: str, collection: str | None, model: str, vector: Sequence[float]
) -> None:
    """Keep a recorded question's vector (of its redacted text, as the pipeline searched with it)."""
    if not collection or not model:
        return
    conn.execute(
        "INSERT INTO question_vectors (interaction_id, team_id, collection, embedding_model, embedding) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (interaction_id) DO NOTHING",
        (interaction_id, team_id or "", collection, model, np.asarray(vector, dtype=np.float32)),
    )


def question_vectors(conn, team: str | None, interaction_ids: Sequence[str]) -> dict[str, tuple[str, str, np.ndarray]]:
    """interaction id → (collection, model, vector) for these interactions of one workspace (`team`; None: every
    label of a single-workspace install, as `feedback.retune.labels_team` says)."""
    if not interaction_ids:
        return {}
    rows = conn.execute(
        "SELECT interaction_id, collection, embedding_model, embedding FROM question_vectors "
        "WHERE interaction_id = ANY(%(ids)s::uuid[]) AND (%(team)s::text IS NULL OR team_id = %(team)s)",
        {"ids": list(interaction_ids), "team": team},
    ).fetchall()
    return {str(r["interaction_id"]): (r["collection"], r["embedding_model"], _as_array(r["embedding"])) for r in rows}


def _as_array(value) -> np.ndarray:
    """A pgvector value as read (a `Vector` for an untyped column, or an array) as float64."""
    to_numpy = getattr(value, "to_numpy", None)
    return np.asarray(to_numpy() if to_numpy else value, dtype=np.float64)


def neighbour_sets(
    conn,
    team: str | None,
    train: Sequence[Example],
    *,
    model: str | None = None,
) -> dict[str, NeighbourSet]:
    """Per collection, the train examples with evidence about answering and a stored vector (of `model`, else of
    the model most of them were embedded with)."""
    from feedback.labels import question_key

    usable = [(e, y) for e in train if e.split == "train" and (y := evidence(e)) is not None]
    vectors = question_vectors(conn, team, [e.interaction_id for e, _ in usable])
    if model is None:
        models = [m for _, m, _ in vectors.values()]
        model = max(set(models), key=models.count) if models else None
    by_collection: dict[str, list[tuple[str, np.ndarray, int]]] = {}
    for e, y in usable:
        found = vectors.get(e.interaction_id)
        if found is None or found[1] != model:
            continue
        by_collection.setdefault(found[0], []).append((question_key(e.question), found[2], y))
    return {
        c: NeighbourSet(
            tuple(k for k, _, _ in rows), np.vstack([v for _, v, _ in rows]), np.asarray([y for _, _, y in rows], float)
        )
        for c, rows in by_collection.items()
    }


def labelled_neighbours(
    conn, team: str | None, collection: str, model: str, *, votes_need_approval: bool = False
) -> NeighbourSet:
    """What the pipeline reads at answer time: the workspace's train-labelled questions of one collection."""
    from feedback.examples import load_examples

    examples = load_examples(conn, votes_need_approval=votes_need_approval, team=team)
    train = [e for e in examples if e.split == "train"]
    return neighbour_sets(conn, team, train, model=model).get(collection, EMPTY_NEIGHBOURS)


@dataclass(frozen=True)
class NeighboursFit:
    collection: str
    labels: int  # usable train labels with a stored vector
    should_answer: int
    should_not: int
    status: str  # fitted | too_few_labels | no_gain | wrong_sign
    radius: float | None
    strength: float | None
    bias: float | None  # added to the collection's shift
    prior: float | None
    cv_loss_before: float | None  # leave-one-out balanced log-loss without neighbours (own logit, or a shift alone)
    cv_loss: float | None
    cv_agreement_before: float | None
    cv_agreement: float | None
    with_neighbours: int  # labels with at least one labelled neighbour within the chosen radius
    agreement_before: float | None
    agreement_after: float | None
    k: int | None = None  # the gap form's K (radius None), when the refit chose it

    def as_dict(self) -> dict:
        return asdict(self)


def current_logit(
    probability: float,
    features: Sequence[float] | None,
    collection: str,
    shifts: Mapping[str, float],
    offsets: Mapping[str, Sequence[float]],
) -> float:
    """The logit the gate compares under a version: label-free, plus its shift and weight offsets (as gate.py)."""
    z = _logit(probability) + float(shifts.get(collection, 0.0))
    offs = offsets.get(collection)
    if offs and features and len(offs) == len(features) + 1:
        z += float(sum(o * f for o, f in zip(offs, features, strict=False)) + offs[-1])
    return z


def refit_neighbours(
    train: Sequence[Example],
    outcomes: Sequence[Outcome],
    sets: Mapping[str, NeighbourSet],
    *,
    threshold: float,
    current_shifts: Mapping[str, float],
    current_offsets: Mapping[str, Sequence[float]],
    current_neighbours: Mapping[str, Mapping[str, float]],
    min_labels: int = MIN_LABELS,
    min_per_class: int = MIN_PER_CLASS,
    grid: Sequence[float] = PRIOR_GRID,
    radii: Sequence[float] = NEIGHBOUR_RADII,
    gap_ks: Sequence[int] = NEIGHBOUR_GAP_KS,
) -> tuple[dict[str, float], dict[str, dict[str, float]], list[NeighboursFit]]:
    """Per collection, the neighbours' form (a vote within a radius, or the gap of the K nearest), strength and the
    shift that goes with them, from TRAIN examples, their outcomes under the version refitted and the train-labelled
    neighbour sets; and what happened to each."""
    from feedback.labels import question_key

    rows: dict[str, list[tuple[float, str, int]]] = {}
    for example, outcome in zip(train, outcomes, strict=True):
        if example.split != "train":
            raise ValueError("the answerability refit reads the train split only")
        label = evidence(example)
        c = outcome.collection
        if label is None or outcome.answerability is None or not c or c not in sets:
            continue
        key = question_key(example.question)
        if key not in sets[c].keys:
            continue  # no stored vector for this question: its evidence cannot be read
        logit = current_logit(outcome.answerability, outcome.features, c, current_shifts, current_offsets)
        rows.setdefault(c, []).append((logit, key, label))
    shifts = dict(current_shifts)
    neighbours = {c: dict(v) for c, v in current_neighbours.items()}
    fits: list[NeighboursFit] = []
    offset = _logit(threshold)
    for c in sorted(rows):
        nset = sets[c]
        z = np.asarray([r[0] for r in rows[c]]) - offset
        y = np.asarray([r[2] for r in rows[c]], dtype=np.float64)
        pos, neg = int(y.sum()), int(len(y) - y.sum())
        w = np.where(y == 1, 0.5 * len(y) / max(1, pos), 0.5 * len(y) / max(1, neg))
        before = round(float(((z >= 0) == (y == 1)).mean()), 4)
        if len(y) < min_labels or min(pos, neg) < min_per_class:
            fits.append(NeighboursFit(c, len(y), pos, neg, "too_few_labels", None, None, None, None, None, None, None,
                                      None, 0, before, before))  # fmt: skip
            continue
        index = {k: i for i, k in enumerate(nset.keys)}
        sims = nset.vectors @ nset.vectors.T
        # Without neighbours: the version's own logit, or a refitted shift alone if that predicts the left-out labels
        # better. The neighbours are credited only for what a shift cannot do (the 'calibration' candidate does that).
        base = _Points(np.ones((len(y), 1)), z, y, w)
        loss0, agree0 = _balanced_loss(base, z), _balanced_agreement(base, z)
        _, shift_loss, shift_agree = choose_prior(base, grid)
        if shift_loss < loss0:
            loss0, agree0 = shift_loss, shift_agree
        # loss, the pull's form ({"radius": r} or {"k": K}), prior, agreement, points
        best: tuple[float, dict[str, float], float, float, _Points] | None = None
        forms: list[dict[str, float]] = [{"radius": r} for r in radii] + [{"k": k} for k in gap_ks]
        keys = np.asarray(nset.keys)
        # each label's cosines to, and the labels of, the OTHER train labels (its own question left out): every
        # form reads the same ones
        others = [(sims[index[key]][keys != key], nset.ys[keys != key]) for _, key, _ in rows[c]]
        for form in forms:
            ev = []
            for cos, ys in others:
                if "k" in form:
                    ev.append(neighbour_gap(cos, ys, int(form["k"])))
                else:
                    ev.append(neighbour_evidence(cos, ys, form["radius"]))
            pts = _Points(np.column_stack([np.asarray(ev), np.ones(len(y))]), z, y, w)
            prior, loss, agree = choose_prior(pts, grid)
            if best is None or loss < best[0] - 1e-9:
                best = (loss, form, prior, agree, pts)
        assert best is not None
        loss, form, prior, agree, pts = best
        radius, gap_k = form.get("radius"), (int(form["k"]) if "k" in form else None)
        strength, bias = (float(v) for v in fit_offsets(pts, prior))
        strength = min(strength, NEIGHBOUR_MAX_STRENGTH)
        reach = int((pts.x[:, 0] != 0).sum())
        cv = (round(loss0, 4), round(loss, 4), round(agree0, 4), round(agree, 4))
        logits = pts.z + strength * pts.x[:, 0] + bias
        after = round(float(((logits >= 0) == (y == 1)).mean()), 4)
        status = (
            "no_gain"
            if loss > loss0 - MIN_CV_GAIN or agree < agree0 - 1e-9
            else "wrong_sign"
            if strength <= 0
            else "fitted"
        )
        fits.append(NeighboursFit(c, len(y), pos, neg, status, radius, round(strength, 4), round(bias, 4), prior, *cv,
                                  reach, before, after if status == "fitted" else before, gap_k))  # fmt: skip
        if status == "fitted":
            neighbours[c] = {"strength": round(strength, 4), **form}
            new_shift = round(float(current_shifts.get(c, 0.0)) + bias, 4)
            if new_shift:
                shifts[c] = new_shift
            else:
                shifts.pop(c, None)
    return shifts, neighbours, fits


# Train-labelled questions without a vector: asked before migration 0021 stored them. Their collection is the one
# whose calibration answered them (recorded in the interaction's scores), or the only collection they were asked of.
_UNVECTORED_SQL = """
SELECT DISTINCT ON (i.id) i.id AS interaction_id, i.team_id, i.question_redacted,
       COALESCE(i.scores->>'answerability_collection',
                CASE WHEN cardinality(i.collections) = 1 THEN i.collections[1] END) AS collection
FROM labels l JOIN interactions i ON i.id = l.interaction_id
WHERE l.split = 'train' AND l.status <> 'retracted'
  AND (%(team)s::text IS NULL OR l.team_id = %(team)s)
  AND NOT EXISTS (SELECT 1 FROM question_vectors q WHERE q.interaction_id = i.id)
ORDER BY i.id
LIMIT %(limit)s
"""


def backfill_question_vectors(conn, team: str | None, embedder, *, limit: int = 5000, batch: int = 64) -> int:
    """Embed the workspace's train-labelled questions that have no stored vector, so that labels given before
    migration 0021 count as neighbours too; returns how many were stored. The text embedded is what the pipeline
    embeds: the stored REDACTED question without its placeholders. `embedder`: a `workers.embeddings.Embedder`
    (the pipeline's; nothing happens without embeddings)."""
    from guardrails.text import without_placeholders

    if not getattr(embedder, "dim", 0):
        return 0
    rows = [
        (r, text)
        for r in conn.execute(_UNVECTORED_SQL, {"team": team, "limit": limit}).fetchall()
        if r["collection"] and (text := without_placeholders(r["question_redacted"] or ""))
    ]
    for start in range(0, len(rows), batch):
        part = rows[start : start + batch]
        vectors = embedder.embed([text for _, text in part])
        for (r, _), vector in zip(part, vectors, strict=True):
            store_question_vector(conn, r["interaction_id"], r["team_id"], r["collection"], embedder.name, vector)
    return len(rows)
