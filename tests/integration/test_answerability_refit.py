"""The decision to answer learned from labels, per collection (issue G.1, feedback/answerability_refit.py).

The fit on its own (direction, too few labels, train only), the retune that carries it as a candidate through the
held-out gate (real Postgres: versions, pointer, report; answers from a stand-in answer_fn whose gate reads the
candidate's shifts), and the pipeline's gate reading the stored shift of the collection it answers from.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from core import db
from feedback import answerability_refit as refit
from feedback import prompt_versions as pv
from feedback import retune as retune_mod
from feedback.examples import Example
from feedback.retune import RetuneOptions, retune
from feedback.scoring import Outcome

T0 = datetime(2026, 11, 1)


def ex(i: int, collection: str, expect: str, split: str = "train", reasons: Sequence[str] = ()) -> Example:
    return Example(
        interaction_id=f"00000000-0000-0000-0000-{i:012d}",
        question=f"question number {i} about {collection} topic{i}",
        collections=[collection],
        expect=expect,  # type: ignore[arg-type]
        reference=f"reference answer {i} for {collection} topic{i}" if expect in ("answer", "not_this") else None,
        split=split,
        asked_at=T0 + timedelta(minutes=i),
        reasons=list(reasons),
    )


def out(p: float, collection: str) -> Outcome:
    return Outcome(status="dont_know", answer="", answerability=p, collection=collection)


# ------------------------------------------------------------------------------------------- the fit alone


def test_labels_that_say_answer_more_move_the_shift_up_and_the_other_way_down():
    # Answerable questions sit low (0.3) on the label-free scale: the team's corrections say answer them.
    up = [(0.3, 1)] * 15 + [(0.05, 0)] * 10
    shift = refit.fit_shift(up, threshold=0.5)
    assert shift > 0.5
    assert all(refit._sigmoid(refit._logit(p) + shift) >= 0.5 for p, y in up if y == 1)
    # Unanswerable questions sit high (0.7): 👎 "wrong" on those answers says refuse them.
    down = [(0.95, 1)] * 15 + [(0.7, 0)] * 10
    shift = refit.fit_shift(down, threshold=0.5)
    assert shift < -0.5
    assert all(refit._sigmoid(refit._logit(p) + shift) < 0.5 for p, y in down if y == 0)


def test_the_shift_is_shrunk_toward_the_label_free_default():
    points = [(0.3, 1)] * 15 + [(0.05, 0)] * 10
    weak, strong = refit.fit_shift(points, 0.5, prior=0.1), refit.fit_shift(points, 0.5, prior=50.0)
    assert 0 < strong < weak
    assert refit.fit_shift([(0.3, 1)] * 30, 0.5) == 0.0, "one side only: nothing to locate the boundary with"


def test_which_labels_are_evidence_about_answering():
    assert refit.evidence(ex(1, "a", "answer")) == 1
    assert refit.evidence(ex(2, "a", "should_answer")) == 1
    assert refit.evidence(ex(3, "a", "dont_know")) == 0
    assert refit.evidence(ex(4, "a", "not_this", reasons=["wrong"])) == 0
    assert refit.evidence(ex(5, "a", "not_this", reasons=["off_topic"])) == 0
    assert refit.evidence(ex(6, "a", "not_this", reasons=["outdated"])) is None
    assert refit.evidence(ex(7, "a", "not_this", reasons=["incomplete", "outdated"])) is None


def test_a_collection_with_too_few_labels_keeps_its_calibration():
    train = [ex(i, "a", "answer") for i in range(15)] + [ex(100 + i, "a", "dont_know") for i in range(10)]
    train += [ex(200 + i, "b", "answer") for i in range(6)] + [ex(300 + i, "b", "dont_know") for i in range(4)]
    outcomes = [out(0.3 if e.expect == "answer" else 0.05, e.collections[0]) for e in train]
    shifts, fits = refit.refit_shifts(train, outcomes, threshold=0.5, current={"b": -0.25}, min_labels=20)
    by = {f.collection: f for f in fits}
    assert by["a"].status == "fitted" and shifts["a"] > 0
    assert by["b"].status == "too_few_labels" and by["b"].labels == 10
    assert shifts["b"] == -0.25, "a collection without enough labels of its own is not moved"
    assert by["a"].agreement_after is not None and by["a"].agreement_before is not None
    assert by["a"].agreement_after > by["a"].agreement_before


def test_held_out_labels_are_refused_by_the_fit():
    with pytest.raises(ValueError):
        refit.refit_shifts([ex(1, "a", "answer", split="heldout")], [out(0.3, "a")], threshold=0.5, current={})


# ------------------------------------------------------------------------------ the retune that carries it

P_ANSWERABLE = 0.3  # where this collection's answerable questions sit on the label-free scale
P_UNANSWERABLE = 0.05


def _fake_answer_fn(truth: dict[str, bool]):
    """A gate like the pipeline's: label-free p per question, the version's shift for the collection, the threshold;
    answering gives the reference text (so agreement holds)."""

    def answer(question: str, collections: Sequence[str], version: pv.PromptVersion, hidden: Sequence[int]) -> Outcome:
        collection = collections[0]
        p = P_ANSWERABLE if truth[question] else P_UNANSWERABLE
        z = math.log(p / (1 - p)) + version.params.answerability_shift.get(collection, 0.0)
        if 1 / (1 + math.exp(-z)) < version.params.answerability_threshold:
            return Outcome(
                status="dont_know", answer="", reason="weak_retrieval", answerability=p, collection=collection
            )
        i = question.split()[2]
        return Outcome(
            status="answered",
            answer=f"reference answer {i} for {collection} topic{i}",
            grounding="grounded",
            answerability=p,
            collection=collection,
        )

    return answer


def _examples(heldout_says_answer: bool) -> tuple[list[Example], dict[str, bool]]:
    """Collection 'a': 30 train labels saying its answerable questions (at p 0.3) should be answered; collection
    'b': only 8 train labels. Held-out labels of 'a' agree with train, or contradict it."""
    examples: list[Example] = []
    truth: dict[str, bool] = {}
    i = 0
    for collection, n_ans, n_not in (("a", 18, 12), ("b", 5, 3)):
        for k in range(n_ans + n_not):
            i += 1
            e = ex(i, collection, "answer" if k < n_ans else "dont_know")
            examples.append(e)
            truth[e.question] = k < n_ans
    for k in range(16):
        i += 1
        answerable_question = k < 10
        expect = "answer" if answerable_question and heldout_says_answer else "dont_know"
        e = ex(i, "a", expect, split="heldout")
        examples.append(e)
        truth[e.question] = answerable_question
    return examples, truth


def _run(monkeypatch, url: str, heldout_says_answer: bool):
    examples, truth = _examples(heldout_says_answer)
    monkeypatch.setattr(retune_mod, "load_examples", lambda conn, **kw: list(examples))
    options = RetuneOptions(grid={}, min_heldout=10)
    return retune(_fake_answer_fn(truth), database_url=url, options=options, actor="test")


def test_the_retune_promotes_the_refit_and_the_active_version_carries_it(clean_db, monkeypatch):
    result = _run(monkeypatch, clean_db, heldout_says_answer=True)
    assert result.decision == "promoted", result.summary
    assert result.report["winner"] in ("calibration", "params+calibration")
    fits = {f["collection"]: f for f in result.report["answerability_calibration"]["calibration"]}
    assert fits["a"]["status"] == "fitted" and fits["a"]["shift"] > 0
    assert fits["b"]["status"] == "too_few_labels" and fits["b"]["labels"] == 8
    with db.connect(clean_db) as conn:
        active = pv.active_version(conn)
    assert active.id == result.candidate_version_id != 1
    assert active.params.answerability_shift.get("a", 0) > 0
    assert "b" not in active.params.answerability_shift, "too few labels: the collection keeps the label-free gate"


def test_held_out_labels_judge_the_refit_but_never_feed_it(clean_db, monkeypatch):
    agree = _run(monkeypatch, clean_db, heldout_says_answer=True)
    with db.connect(clean_db) as conn:
        pv.activate(conn, 1, "test", reason="again from the seed")
        conn.commit()
    contradict = _run(monkeypatch, clean_db, heldout_says_answer=False)
    agreed, contradicted = (
        {f["collection"]: f["shift"] for f in r.report["answerability_calibration"]["calibration"]}
        for r in (agree, contradict)
    )
    assert agreed["a"] == contradicted["a"] > 0, "the held-out labels changed nothing in the fit"
    assert contradict.decision == "not_promoted", "the held-out split says the refit is wrong: refused"
    with db.connect(clean_db) as conn:
        assert pv.active_version_id(conn) == 1


# ------------------------------------------------------------------------------------- the pipeline's gate


def test_the_gate_uses_the_stored_shift_of_the_collection_it_answers_from(pipeline, ingested_handbook):
    question = "How many days of annual leave do employees get?"
    with db.connect(ingested_handbook) as conn:
        seed = pv.active_version(conn)
    before = pipeline.ask(question, ["handbook"], record=False)
    p = before.scores["answerability"]
    assert 0 < p < 1 and before.scores.get("answerability_label_free") == p
    assert before.scores.get("answerability_collection") == "handbook"

    def with_shift(shifts: dict[str, float]) -> pv.PromptVersion:
        return seed.model_copy(update={"params": seed.params.model_copy(update={"answerability_shift": shifts})})

    refused = pipeline.ask(question, ["handbook"], record=False, version=with_shift({"handbook": -12.0}))
    assert refused.status == "dont_know" and refused.reason == "weak_retrieval"
    assert refused.scores["answerability"] < p and refused.scores.get("answerability_label_free") == p
    assert refused.scores.get("answerability_shift") == -12.0
    other = pipeline.ask(question, ["handbook"], record=False, version=with_shift({"another": -12.0}))
    assert other.status == before.status and other.scores["answerability"] == p
    # The same, stored: a version whose params carry the shift, made active, is what the pipeline loads.
    with db.connect(ingested_handbook) as conn:
        vid = pv.create_version(
            conn,
            instructions=seed.instructions,
            few_shot=[],
            params=seed.params.model_copy(update={"answerability_shift": {"handbook": 12.0}}),
            parent_id=seed.id,
            author="retune",
        )
        pv.activate(conn, vid, "test")
        conn.commit()
    stored = pipeline.ask(question, ["handbook"], record=False)
    assert stored.prompt_version == vid and stored.scores["answerability"] > p
    assert stored.scores.get("answerability_label_free") == p
