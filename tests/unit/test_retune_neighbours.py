"""Labelled neighbours (issue G.1, feedback/answerability_refit.py): the evidence a question's labelled neighbours
give, the fit of its strength on train labels, and the pipeline's nudge — in the direction the neighbours' labels
lean, and only from the train labels of the workspace whose version answers. No database: the neighbour sets are
given."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from types import SimpleNamespace

import numpy as np
import pytest

from feedback import answerability_refit as refit
from feedback import prompt_versions as pv
from feedback.examples import Example
from feedback.labels import question_key
from feedback.scoring import Outcome
from workers import pipeline as pipeline_mod
from workers.answerability.gate import Assessment

T0 = datetime(2026, 11, 1)


def unit(angle_degrees: float) -> np.ndarray:
    a = math.radians(angle_degrees)
    return np.asarray([math.cos(a), math.sin(a), 0.0])


def nset(items: list[tuple[str, float, int]]) -> refit.NeighbourSet:
    """(question, angle of its vector, 1 answer / 0 "the documents don't answer this")."""
    return refit.NeighbourSet(
        tuple(question_key(q) for q, _, _ in items),
        np.vstack([unit(a) for _, a, _ in items]),
        np.asarray([y for _, _, y in items], dtype=float),
    )


# ------------------------------------------------------------------------------------------------ the evidence


def test_close_dont_know_labels_pull_down_close_answer_labels_pull_up_far_ones_nothing():
    refused = nset([("what is the office wifi password", 10, 0), ("who caters the party", 15, 0)])
    answered = nset([("how do I request leave", 10, 1)])
    near, far = unit(0), unit(90)
    evidence, count = refit.neighbour_signal(refused, near, radius=0.5)
    assert evidence < 0 and count == 2
    evidence, count = refit.neighbour_signal(answered, near, radius=0.5)
    assert evidence > 0 and count == 1
    assert refit.neighbour_signal(refused, far, radius=0.5) == (0.0, 0), "nothing within the radius: no evidence"
    mixed = nset([("a", 0, 1), ("b", 60, 0)])  # the closer neighbour weighs more
    assert refit.neighbour_signal(mixed, unit(0), radius=0.3)[0] > 0
    assert refit.neighbour_signal(mixed, unit(60), radius=0.3)[0] < 0


def test_a_question_is_never_its_own_neighbour_when_left_out_and_other_models_are_never_compared():
    only_itself = nset([("how do I request leave", 0, 0)])
    key = question_key("How do I request leave?")
    assert refit.neighbour_signal(only_itself, unit(0), 0.5, exclude_key=key)[0] == 0
    assert refit.neighbour_signal(only_itself, np.ones(5) / math.sqrt(5), 0.1) == (0.0, 0)


def test_the_gap_leans_to_the_nearer_kind_whatever_each_kind_counts_and_reads_nothing_from_one_kind_alone():
    # One confirmed answer close by; many "the documents don't answer this" labels, all further away. The vote
    # within a wide radius follows the majority; the gap follows the nearest of each kind.
    crowd = [(f"refused {i}", 40 + i, 0) for i in range(8)]
    labels = nset([("how do I request leave", 5, 1), *crowd])
    question = unit(0)
    assert refit.neighbour_signal(labels, question, radius=0.2)[0] < 0, "the vote: outnumbered"
    gap, read = refit.pull_evidence(labels, question, {"strength": 2.0, "k": 1})
    assert gap > 0 and read == 9
    # nearer the refused ones: negative; the magnitude is clipped to [-1, 1]
    assert refit.pull_evidence(labels, unit(45), {"k": 3})[0] < 0
    far_apart = nset([("a", 0, 1), ("b", 180, 0)])
    assert refit.pull_evidence(far_apart, unit(0), {"k": 1})[0] == 1.0
    # only one kind labelled: no evidence, however close
    assert refit.pull_evidence(nset([("a", 0, 1), ("b", 3, 1)]), unit(0), {"k": 1})[0] == 0.0
    # a pull without k is the vote within its radius, as before
    assert refit.pull_evidence(labels, question, {"radius": 0.2}) == refit.neighbour_signal(labels, question, 0.2)
    # the question itself, left out, is not its own neighbour
    alone = nset([("how do I request leave", 0, 1), ("b", 90, 0)])
    assert refit.pull_evidence(alone, unit(0), {"k": 1}, exclude_key=question_key("how do I request leave"))[0] == 0


# ------------------------------------------------------------------------------------------------ the fit


def ex(i: int, expect: str, split: str = "train") -> Example:
    return Example(
        interaction_id=f"00000000-0000-0000-0000-{i:012d}",
        question=f"question {i}",
        collections=["c"],
        expect=expect,  # type: ignore[arg-type]
        reference="ref" if expect == "answer" else None,
        split=split,
        asked_at=T0 + timedelta(minutes=i),
    )


def _clustered(n: int = 40) -> tuple[list[Example], list[Outcome], refit.NeighbourSet]:
    """Answerable questions near 0°, unanswerable ones near 90°; E's score says nothing (all near 0.5, noise)."""
    rng = np.random.default_rng(3)
    examples, outcomes, items = [], [], []
    for i in range(n):
        y = i % 2
        examples.append(ex(i, "answer" if y else "dont_know"))
        outcomes.append(Outcome(status="dont_know", answer="", answerability=float(0.5 + rng.normal(0, 0.05)),
                                collection="c"))  # fmt: skip
        items.append((f"question {i}", (0 if y else 90) + float(rng.normal(0, 8)), y))
    return examples, outcomes, nset(items)


def test_the_strength_is_fitted_on_train_labels_where_neighbours_tell_what_the_score_cannot():
    train, outcomes, neighbours = _clustered()
    _, pulls, fits = refit.refit_neighbours(
        train, outcomes, {"c": neighbours}, threshold=0.5, current_shifts={}, current_offsets={},
        current_neighbours={"other": {"strength": 1.0, "radius": 0.5}}, min_labels=20,
    )  # fmt: skip
    fit = fits[0]
    assert fit.status == "fitted", fit
    assert pulls["c"]["strength"] > 0
    assert pulls["c"].get("radius") in refit.NEIGHBOUR_RADII or pulls["c"].get("k") in refit.NEIGHBOUR_GAP_KS
    assert pulls["other"] == {"strength": 1.0, "radius": 0.5}, "a collection not refitted keeps its pull"
    assert fit.cv_agreement is not None and fit.cv_agreement_before is not None
    assert fit.cv_agreement > fit.cv_agreement_before
    assert fit.agreement_after is not None and fit.agreement_before is not None
    assert fit.agreement_after > fit.agreement_before


def test_the_gap_form_is_fitted_and_kept_with_its_k_when_it_is_the_form_offered():
    train, outcomes, neighbours = _clustered()
    _, pulls, fits = refit.refit_neighbours(
        train, outcomes, {"c": neighbours}, threshold=0.5, current_shifts={}, current_offsets={},
        current_neighbours={}, min_labels=20, radii=(),
    )  # fmt: skip
    fit = fits[0]
    assert fit.status == "fitted" and fit.k in refit.NEIGHBOUR_GAP_KS and fit.radius is None, fit
    assert pulls["c"] == {"strength": fit.strength, "k": fit.k}
    assert fit.cv_agreement is not None and fit.cv_agreement_before is not None
    assert fit.cv_agreement > fit.cv_agreement_before


def test_questions_with_no_close_labelled_neighbour_move_nothing_and_held_out_labels_are_refused():
    train, outcomes, neighbours = _clustered()
    rng = np.random.default_rng(5)
    scattered = rng.normal(size=(len(neighbours), 400))  # random directions: no two questions alike
    scattered /= np.linalg.norm(scattered, axis=1, keepdims=True)
    apart = refit.NeighbourSet(neighbours.keys, scattered, neighbours.ys)
    shifts, pulls, fits = refit.refit_neighbours(
        train, outcomes, {"c": apart}, threshold=0.5, current_shifts={"c": 0.2}, current_offsets={},
        current_neighbours={}, min_labels=20,
    )  # fmt: skip
    assert fits[0].status in ("no_gain", "wrong_sign") and pulls == {} and shifts == {"c": 0.2}
    with pytest.raises(ValueError):
        refit.refit_neighbours([ex(1, "answer", split="heldout")], outcomes[:1], {"c": neighbours}, threshold=0.5,
                               current_shifts={}, current_offsets={}, current_neighbours={})  # fmt: skip


# ---------------------------------------------------------------------------------------- the pipeline's nudge


def _assessment(p: float, collection: str = "handbook") -> Assessment:
    return Assessment(p, "medium", None, collection, p, 0.0, (0.1, 0.2))  # type: ignore[arg-type]


def _version(team: str | None, pulls: dict) -> pv.PromptVersion:
    params = pv.AnsweringParams(answerability_neighbours=pulls)
    return pv.PromptVersion(id=7, instructions="", params=params, author="t", created_at=T0, team_id=team)


def _nudger(monkeypatch, labelled):
    """A stand-in pipeline whose labelled neighbours come from `labelled`, and the real nudge method."""
    monkeypatch.setattr(pipeline_mod.refit, "labelled_neighbours", labelled)
    monkeypatch.setattr(pipeline_mod, "labels_team", lambda conn, scope: None)
    fake = SimpleNamespace(
        _neighbours={}, embedder=SimpleNamespace(name="minilm"), settings=SimpleNamespace(
            feedback_votes_need_approval=False)
    )  # fmt: skip
    return fake, pipeline_mod.Pipeline._neighbour_nudge


def test_the_nudge_follows_the_labels_of_the_versions_workspace_only(monkeypatch):
    # Workspace TA's team said the documents don't answer questions like this one; TB's team said they do.
    sets = {
        "TA": nset([("is there a company gym", 5, 0), ("does the office have showers", 12, 0)]),
        "TB": nset([("is there a company gym", 5, 1)]),
    }
    asked: list[tuple] = []

    def labelled(conn, team, collection, model, *, votes_need_approval=False):
        asked.append((team, collection, model))
        return sets.get(team, refit.EMPTY_NEIGHBOURS)

    fake, nudge = _nudger(monkeypatch, labelled)
    pull = {"handbook": {"strength": 4.0, "radius": 0.5}}
    question = unit(0)

    down = nudge(fake, None, _version("TA", pull), _assessment(0.6), question)  # type: ignore[arg-type]
    assert down is not None
    assert down[0].probability < 0.5 < 0.6 and down[0].confidence == "low" and down[1]["evidence"] < 0
    assert down[0].label_free == 0.6 and down[0].shift < 0
    up = nudge(fake, None, _version("TB", pull), _assessment(0.4), question)  # type: ignore[arg-type]
    assert up is not None and up[0].probability > 0.4 and up[1]["evidence"] > 0
    assert [a[0] for a in asked] == ["TA", "TB"], "each version reads its own workspace's labels, nothing else"
    # A workspace with no labelled neighbour (TC) is not moved by TA's or TB's labels.
    same = nudge(fake, None, _version("TC", pull), _assessment(0.6), question)  # type: ignore[arg-type]
    assert same is not None and same[0].probability == 0.6 and same[1]["near"] == 0
    # No pull for this collection (or a version without one): the assessment is left alone, nothing is read.
    asked.clear()
    assert nudge(fake, None, _version("TA", pull), _assessment(0.6, "other"), question) is None  # type: ignore[arg-type]
    assert nudge(fake, None, _version("TA", {}), _assessment(0.6), question) is None  # type: ignore[arg-type]
    assert asked == []


def test_the_nudge_reads_the_gap_form_when_the_pull_names_k(monkeypatch):
    # The answer label is close, the refused ones further: the gap lifts the question, the vote (wide radius,
    # outnumbered) would have lowered it.
    labels = nset([("how do I request leave", 5, 1), *[(f"refused {i}", 40 + i, 0) for i in range(6)]])
    fake, nudge = _nudger(monkeypatch, lambda *a, **k: labels)
    gap = nudge(fake, None, _version("TA", {"handbook": {"strength": 3.0, "k": 1}}), _assessment(0.4), unit(0))  # type: ignore[arg-type]
    assert gap is not None and gap[0].probability > 0.5 and gap[1]["evidence"] > 0 and gap[1]["near"] == 7
    fake._neighbours.clear()
    vote = nudge(fake, None, _version("TA", {"handbook": {"strength": 3.0, "radius": 0.2}}), _assessment(0.4), unit(0))  # type: ignore[arg-type]
    assert vote is not None and vote[0].probability < 0.4


def test_a_gain_a_shift_alone_explains_is_not_credited_to_the_neighbours():
    # E ranks the questions right but every one sits below the gate: a shift fixes that. The neighbours (all close,
    # all labelled answer) pull every question up alike, which is the same shift under another name.
    rng = np.random.default_rng(11)
    train, outcomes, items = [], [], []
    for i in range(40):
        y = int(i % 4 != 0)
        train.append(ex(i, "answer" if y else "dont_know"))
        p = (0.35 if y else 0.12) + float(rng.normal(0, 0.02))
        outcomes.append(Outcome(status="dont_know", answer="", answerability=p, collection="c"))
        items.append((f"question {i}", float(rng.normal(0, 3)), 1))  # all alike, all "answer": a constant pull
    shifts, pulls, fits = refit.refit_neighbours(
        train, outcomes, {"c": nset(items)}, threshold=0.5, current_shifts={}, current_offsets={},
        current_neighbours={}, min_labels=20,
    )  # fmt: skip
    assert fits[0].status != "fitted" and pulls == {} and shifts == {}, fits[0]
