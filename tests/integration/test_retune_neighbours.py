"""Labelled neighbours through the retune and the pipeline (issue G.1; feedback/answerability_refit.py, migration
0021): the retune fits a neighbour strength on TRAIN labels and their stored question vectors, the held-out gate
accepts it, and the promoted version carries it; the real pipeline stores the vector of each recorded (redacted)
question and applies a version's stored pull from the train labels of that version's workspace only."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np

from core import db
from feedback import answerability_refit as refit
from feedback import labels
from feedback import prompt_versions as pv
from feedback import retune as retune_mod
from feedback.examples import Example
from feedback.retune import RetuneOptions, retune
from feedback.scoring import Outcome
from workers.interactions import record_interaction

T0 = datetime(2026, 11, 1)
P_ALL = 0.45  # E's score says nothing here: every question sits just below the gate


def _vector(answerable: bool, i: int) -> np.ndarray:
    """Answerable questions point one way, unanswerable ones another (a little spread each)."""
    angle = math.radians((0 if answerable else 80) + (i % 7 - 3) * 3)
    v = np.zeros(8)
    v[0], v[1], v[2] = math.cos(angle), math.sin(angle), 0.1 * ((i % 3) - 1)
    return v / np.linalg.norm(v)


def _examples() -> tuple[list[Example], dict[str, tuple[bool, np.ndarray]]]:
    examples, truth = [], {}
    for i in range(60):
        split = "heldout" if i >= 40 else "train"
        answerable = i % 2 == 0
        q = f"question number {i} about topic{i}"
        examples.append(
            Example(
                interaction_id=str(uuid.UUID(int=i + 1)),
                question=q,
                collections=["c"],
                expect="answer" if answerable else "dont_know",
                reference=f"reference answer {i} for topic{i}" if answerable else None,
                split=split,
                asked_at=T0 + timedelta(minutes=i),
            )
        )
        truth[q] = (answerable, _vector(answerable, i))
    return examples, truth


def _store(url: str, examples: Sequence[Example], truth: dict) -> None:
    """The interactions the labels are on, and their question vectors (as the pipeline records them)."""
    with db.connect(url) as conn:
        for e in examples:
            record_interaction(conn, {
                "id": uuid.UUID(e.interaction_id), "source": "slack", "collections": e.collections,
                "question_redacted": e.question, "answer": "", "status": "dont_know", "reason": "weak_retrieval",
                "answerer": "extractive", "citations": [], "closest": [], "scores": {}, "guard": {},
                "prompt_version_id": 1, "timings_ms": {},
            })  # fmt: skip
            refit.store_question_vector(conn, e.interaction_id, "", "c", "test-model", truth[e.question][1])
        conn.commit()


def _answer_fn(url: str, train: list[Example], truth: dict):
    """A gate like the pipeline's: E's score (P_ALL), the version's shift, then its neighbours' pull read from the
    stored train vectors; above the threshold it answers with the reference."""
    with db.connect(url) as conn:
        sets = refit.neighbour_sets(conn, None, train)

    def answer(question: str, collections: Sequence[str], version: pv.PromptVersion, hidden: Sequence[int]) -> Outcome:
        params = version.params
        z = math.log(P_ALL / (1 - P_ALL)) + params.answerability_shift.get("c", 0.0)
        pull = params.answerability_neighbours.get("c")
        if pull:
            evidence, _ = refit.pull_evidence(sets["c"], truth[question][1], pull)
            z += pull["strength"] * evidence
        if 1 / (1 + math.exp(-z)) < params.answerability_threshold:
            return Outcome(status="dont_know", answer="", reason="weak_retrieval", answerability=P_ALL, collection="c")
        i = question.split()[2]
        return Outcome(status="answered", answer=f"reference answer {i} for topic{i}", grounding="grounded",
                       answerability=P_ALL, collection="c")  # fmt: skip

    return answer


def test_the_retune_fits_the_neighbour_strength_on_train_labels_and_the_active_version_carries_it(
    clean_db, monkeypatch
):
    examples, truth = _examples()
    _store(clean_db, examples, truth)
    train = [e for e in examples if e.split == "train"]
    monkeypatch.setattr(retune_mod, "load_examples", lambda conn, **kw: list(examples))
    options = RetuneOptions(grid={}, min_heldout=10)
    answer = _answer_fn(clean_db, train, truth)
    result = retune(answer, database_url=clean_db, options=options, actor="test")

    assert result.decision == "promoted", result.summary
    assert result.report["winner"] in ("neighbours", "params+neighbours")
    nbr = result.report["answerability_neighbours"]
    assert nbr["with_vectors"] == {"c": 40}, "only train labels are neighbours: the held-out ones are never read"
    fit = nbr["neighbours"][0]
    assert fit["status"] == "fitted" and fit["strength"] > 0 and fit["labels"] == 40
    with db.connect(clean_db) as conn:
        active = pv.active_version(conn)
    assert active.id == result.candidate_version_id != 1
    pull = active.params.answerability_neighbours["c"]
    assert pull["strength"] == fit["strength"]
    assert pull.get("radius") == fit["radius"] and pull.get("k") == fit["k"], "the form the fit chose is the one kept"
    # Applied: under the stored version the held-out questions (never neighbours) are decided by their neighbours.
    heldout = [e for e in examples if e.split == "heldout"]
    decided = [answer(e.question, ["c"], active, []).status for e in heldout]
    assert decided == ["answered" if e.expect == "answer" else "dont_know" for e in heldout]
    seed = _seed(clean_db)
    assert {answer(e.question, ["c"], seed, []).status for e in heldout} == {"dont_know"}, "the seed refused them all"


def _seed(url: str) -> pv.PromptVersion:
    with db.connect(url) as conn:
        return pv.get_version(conn, 1)


def _train_question(candidates: Sequence[str]) -> str:
    for q in candidates:
        if labels.split_for(q, 30) == "train":
            return q
    raise AssertionError("no train-split question among the candidates")


def test_the_pipeline_applies_a_stored_pull_from_its_own_workspaces_train_labels_only(pipeline, ingested_handbook):
    labelled = _train_question([
        "Is there a company gym in the office?", "Does the office have a gym?", "Is there a gym at the office?",
        "Can employees use a gym at the office?",
    ])  # fmt: skip
    asked = "Do we have a gym in our office building?"
    # The same question labelled in two workspaces, each team saying the opposite about it.
    with db.connect(ingested_handbook) as conn:
        seed = pv.get_version(conn, 1)
    says = {}
    for team, answer_it in (("TA", False), ("TB", True)):
        r = pipeline.ask(labelled, ["handbook"], team_id=team, source="slack")
        answered = r.status == "answered"
        # TA: 👍 on an "I don't know" / 👎 on an answer = the documents don't answer this; TB the opposite.
        kind = "up" if answered == answer_it else "down"
        with db.connect(ingested_handbook) as conn:
            labels.record_vote(conn, r.interaction_id, kind=kind, reaction="+1" if kind == "up" else "-1",
                               user_id="U1", team_id=team)  # fmt: skip
            row = conn.execute(
                "SELECT team_id, collection, embedding_model FROM question_vectors WHERE interaction_id = %s",
                (r.interaction_id,),
            ).fetchone()
            conn.commit()
        assert row == {"team_id": team, "collection": "handbook", "embedding_model": pipeline.embedder.name}
        says[team] = answer_it
    pull = {"handbook": {"strength": 6.0, "radius": 0.4}}
    versions = {}
    with db.connect(ingested_handbook) as conn:
        for team in ("TA", "TB", "TC"):
            vid = pv.create_version(conn, instructions=seed.instructions, few_shot=[], parent_id=1, author="retune",
                                    params=seed.params.model_copy(update={"answerability_neighbours": pull}),
                                    scope=team)  # fmt: skip
            versions[team] = pv.get_version(conn, vid, team)
        conn.commit()

    before = pipeline.ask(asked, ["handbook"], record=False, version=seed)
    p = before.scores["answerability"]
    assert "answerability_neighbours" not in before.scores, "the seed has no pull: nothing is read"
    ta = pipeline.ask(asked, ["handbook"], record=False, version=versions["TA"])
    tb = pipeline.ask(asked, ["handbook"], record=False, version=versions["TB"])
    tc = pipeline.ask(asked, ["handbook"], record=False, version=versions["TC"])
    assert ta.scores["answerability_neighbours"]["evidence"] < 0 and ta.scores["answerability"] < p
    assert tb.scores["answerability_neighbours"]["evidence"] > 0 and tb.scores["answerability"] > p
    assert ta.scores["answerability_label_free"] == tb.scores["answerability_label_free"] == p
    assert tc.scores["answerability_neighbours"] == {"evidence": 0.0, "near": 0, "logit": 0.0}
    assert tc.scores["answerability"] == p, "another workspace's labels never move a question"
