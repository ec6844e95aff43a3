"""The answerability layer's weights learned from labels, per collection (issue G.1, feedback/answerability_refit.py):
offsets to the global layer's weights, MAP around it with a prior strength chosen by cross-validation on the train
labels, and the gate's hook that applies them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from feedback import answerability_refit as refit
from feedback.examples import Example
from feedback.scoring import Outcome
from workers.answerability.gate import offset_logit, shifted

T0 = datetime(2026, 11, 1)


def ex(i: int, collection: str, expect: str, split: str = "train", reasons: Sequence[str] = ()) -> Example:
    return Example(
        interaction_id=f"00000000-0000-0000-0000-{i:012d}",
        question=f"question {i}",
        collections=[collection],
        expect=expect,  # type: ignore[arg-type]
        reference="ref" if expect in ("answer", "not_this") else None,
        split=split,
        asked_at=T0 + timedelta(minutes=i),
        reasons=list(reasons),
    )


def _p(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def ranking_problem(collection: str = "typer", n: int = 40) -> tuple[list[Example], list[Outcome]]:
    """The global layer puts answerable and unanswerable questions at the same label-free logits (it cannot rank
    them), while the second signal separates them: only a change of weights can help, a shift cannot."""
    examples, outcomes = [], []
    for i in range(n):
        answerable = i % 2 == 0
        z = [-0.8, -0.3, 0.2, 0.6][(i // 2) % 4]  # the same spread on both sides
        second = (1.2 if answerable else -1.2) + 0.3 * ((i * 7) % 5 - 2) / 2
        features = (0.5 * ((i * 3) % 4 - 1.5), second, 0.0)
        examples.append(ex(i, collection, "answer" if answerable else "dont_know"))
        outcomes.append(
            Outcome(status="dont_know", answer="", answerability=_p(z), collection=collection, features=features)
        )
    return examples, outcomes


def decisions(offsets: list[float], outcomes: Sequence[Outcome]) -> list[bool]:
    out = []
    for o in outcomes:
        assert o.answerability is not None and o.features is not None
        out.append(shifted(o.answerability, offset_logit(offsets, o.features)) >= 0.5)
    return out


def test_a_ranking_problem_is_learned_by_the_weights_where_a_shift_cannot():
    examples, outcomes = ranking_problem()
    offsets, shifts, [fit] = refit.refit_offsets(
        examples, outcomes, threshold=0.5, current_offsets={}, current_shifts={"typer": -0.3}
    )
    assert fit.status == "fitted", fit
    assert fit.cv_loss is not None and fit.cv_loss_global is not None and fit.cv_loss < fit.cv_loss_global
    assert fit.cv_agreement is not None and fit.cv_agreement > 0.9 >= 0.6 >= (fit.cv_agreement_global or 0)
    assert len(offsets["typer"]) == 4 and offsets["typer"][1] > 0, "the separating signal gets weight"
    assert "typer" not in shifts, "the offsets' bias replaces the collection's shift"
    truth = [e.expect == "answer" for e in examples]
    assert decisions(offsets["typer"], outcomes) == truth
    assert fit.agreement_after is not None and fit.agreement_before is not None
    assert fit.agreement_after == 1.0 > fit.agreement_before
    # the best shift alone cannot rank them
    points = [(o.answerability or 0.0, int(t)) for o, t in zip(outcomes, truth, strict=True)]
    b = refit.fit_shift(points, threshold=0.5)
    assert sum((refit._sigmoid(refit._logit(p) + b) >= 0.5) == bool(y) for p, y in points) / len(points) <= 0.65


def test_labels_the_global_layer_already_explains_move_nothing():
    examples, outcomes = [], []
    for i in range(30):
        answerable = i % 2 == 0
        z = (1.5 if answerable else -1.5) + 0.2 * (i % 3)
        examples.append(ex(i, "flask", "answer" if answerable else "dont_know"))
        outcomes.append(
            Outcome("dont_know", "", answerability=_p(z), collection="flask", features=(0.1 * (i % 7), -0.2, 0.0))
        )
    offsets, _, [fit] = refit.refit_offsets(
        examples, outcomes, threshold=0.5, current_offsets={"flask": [0.0, 0.0, 0.0, 0.1]}, current_shifts={}
    )
    assert fit.status == "no_gain", fit
    assert offsets == {"flask": [0.0, 0.0, 0.0, 0.1]} and fit.offsets == [0.0, 0.0, 0.0, 0.1]


def test_a_stronger_prior_keeps_the_offsets_closer_to_the_global_layer():
    examples, outcomes = ranking_problem()
    rows = [
        (o.answerability or 0.0, o.features or (), int(e.expect == "answer"))
        for e, o in zip(examples, outcomes, strict=True)
    ]
    pts = refit._points(rows, 0.5)
    norms = [float((refit.fit_offsets(pts, prior) ** 2).sum()) for prior in (1.0, 16.0, 256.0)]
    assert norms[0] > norms[1] > norms[2] > 0


def test_too_few_labels_keep_the_collection_as_it_was():
    examples, outcomes = ranking_problem("small", n=12)
    current = {"small": [0.0, 0.5, 0.0, 0.0]}
    offsets, shifts, [fit] = refit.refit_offsets(
        examples, outcomes, threshold=0.5, current_offsets=current, current_shifts={"small": 0.2}
    )
    assert fit.status == "too_few_labels" and fit.labels == 12
    assert offsets == current and shifts == {"small": 0.2}


def test_outcomes_without_signals_or_evidence_are_not_used():
    examples, outcomes = ranking_problem()
    blind = [Outcome(o.status, o.answer, answerability=o.answerability, collection=o.collection) for o in outcomes]
    offsets, shifts, fits = refit.refit_offsets(examples, blind, threshold=0.5, current_offsets={}, current_shifts={})
    assert (offsets, shifts, fits) == ({}, {}, [])
    outdated = [ex(i, "typer", "not_this", reasons=["outdated"]) for i in range(len(examples))]
    _, _, fits = refit.refit_offsets(outdated, outcomes, threshold=0.5, current_offsets={}, current_shifts={})
    assert fits == [], "a 👎 only for 'outdated' says nothing about answering"


def test_held_out_labels_are_refused():
    examples, outcomes = ranking_problem()
    examples[3] = ex(3, "typer", "answer", split="heldout")
    with pytest.raises(ValueError, match="train split only"):
        refit.refit_offsets(examples, outcomes, threshold=0.5, current_offsets={}, current_shifts={})


def test_the_gate_applies_offsets_of_the_right_length_only():
    assert offset_logit([1.0, -2.0, 0.5], [2.0, 1.0]) == pytest.approx(2.0 - 2.0 + 0.5)
    assert offset_logit([1.0, 2.0], [2.0, 1.0]) == 0.0, "fitted on other signals: the global layer"
    assert offset_logit(None, [2.0]) == 0.0 and offset_logit([1.0, 1.0], []) == 0.0


def test_a_refit_that_only_sharpens_the_probabilities_is_not_kept():
    # The global layer decides every label right but without confidence: a refit lowers the loss a lot, yet it
    # cannot decide better, so the collection is not moved.
    examples, outcomes = [], []
    for i in range(30):
        answerable = i % 2 == 0
        z = (0.2 if answerable else -0.2) + 0.05 * (i % 3)
        examples.append(ex(i, "flask", "answer" if answerable else "dont_know"))
        features = (1.0 if answerable else -1.0, 0.1 * (i % 4))
        outcomes.append(Outcome("dont_know", "", answerability=_p(z), collection="flask", features=features))
    offsets, _, [fit] = refit.refit_offsets(examples, outcomes, threshold=0.5, current_offsets={}, current_shifts={})
    assert fit.cv_loss is not None and fit.cv_loss_global is not None and fit.cv_loss < fit.cv_loss_global - 0.05
    assert fit.cv_agreement == fit.cv_agreement_global == 1.0
    assert fit.status == "no_gain" and offsets == {}
