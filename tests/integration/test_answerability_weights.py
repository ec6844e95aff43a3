"""The answerability layer's weights learned from labels, through the retune and the pipeline (issue G.1).

The retune carries per-collection weight offsets as a candidate through the held-out gate (real Postgres: versions,
pointer, report; answers from a stand-in answer_fn whose gate reads the candidate's offsets), and the pipeline's
gate applies the stored offsets of the collection it answers from.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from core import db
from feedback import prompt_versions as pv
from feedback import retune as retune_mod
from feedback.examples import Example
from feedback.retune import RetuneOptions, retune
from feedback.scoring import Outcome

T0 = datetime(2026, 11, 1)
P_ALL = 0.4  # the label-free layer puts every question of collection 'a' here: it cannot rank them


def ex(i: int, collection: str, expect: str, split: str = "train") -> Example:
    return Example(
        interaction_id=f"00000000-0000-0000-0000-{i:012d}",
        question=f"question number {i} about {collection} topic{i}",
        collections=[collection],
        expect=expect,  # type: ignore[arg-type]
        reference=f"reference answer {i} for {collection} topic{i}" if expect == "answer" else None,
        split=split,
        asked_at=T0 + timedelta(minutes=i),
    )


def _features(question: str, answerable: bool) -> tuple[float, float]:
    i = int(question.split()[2])
    return (0.3 * (i % 5 - 2), (1.5 if answerable else -1.5) + 0.2 * (i % 3 - 1))


def _fake_answer_fn(truth: dict[str, bool]):
    """A gate like the pipeline's: the label-free p, the version's shift and offsets for the collection applied to
    the question's signals, the threshold; answering gives the reference text (so agreement holds)."""

    def answer(question: str, collections: Sequence[str], version: pv.PromptVersion, hidden: Sequence[int]) -> Outcome:
        collection = collections[0]
        features = _features(question, truth[question])
        z = math.log(P_ALL / (1 - P_ALL)) + version.params.answerability_shift.get(collection, 0.0)
        offsets = version.params.answerability_offsets.get(collection)
        if offsets:
            z += sum(o * f for o, f in zip(offsets, features, strict=False)) + offsets[-1]
        known = {"answerability": P_ALL, "collection": collection, "features": features}
        if 1 / (1 + math.exp(-z)) < version.params.answerability_threshold:
            return Outcome(status="dont_know", answer="", reason="weak_retrieval", **known)  # type: ignore[arg-type]
        i = question.split()[2]
        return Outcome(
            status="answered",
            answer=f"reference answer {i} for {collection} topic{i}",
            grounding="grounded",
            **known,  # type: ignore[arg-type]
        )

    return answer


def _examples() -> tuple[list[Example], dict[str, bool]]:
    """Collection 'a': 30 train labels; 'b': 8 (too few). 16 held-out labels of 'a' that agree with train."""
    examples: list[Example] = []
    truth: dict[str, bool] = {}
    i = 0
    for collection, n, split in (("a", 30, "train"), ("b", 8, "train"), ("a", 16, "heldout")):
        for k in range(n):
            i += 1
            e = ex(i, collection, "answer" if k % 2 == 0 else "dont_know", split)
            examples.append(e)
            truth[e.question] = k % 2 == 0
    return examples, truth


def test_the_retune_learns_weights_a_shift_cannot_and_the_active_version_carries_them(clean_db, monkeypatch):
    examples, truth = _examples()
    monkeypatch.setattr(retune_mod, "load_examples", lambda conn, **kw: list(examples))
    result = retune(_fake_answer_fn(truth), database_url=clean_db, options=RetuneOptions(grid={}), actor="test")
    assert result.decision == "promoted", result.summary
    assert result.report["winner"] in ("weights", "params+weights")
    fits = {f["collection"]: f for f in result.report["answerability_weights"]["weights"]}
    assert fits["a"]["status"] == "fitted" and fits["a"]["cv_loss"] < fits["a"]["cv_loss_global"]
    assert fits["b"]["status"] == "too_few_labels" and fits["b"]["labels"] == 8
    by_name = {c["name"]: c for c in result.report["candidates"]}
    if "calibration" in by_name:  # a shift cannot separate questions the layer puts at one probability
        assert by_name["calibration"]["metrics"]["score"] < by_name["weights"]["metrics"]["score"]
    assert by_name["weights"]["metrics"]["idk_correct"] == 1.0
    with db.connect(clean_db) as conn:
        active = pv.active_version(conn)
    assert active.id == result.candidate_version_id != 1
    assert set(active.params.answerability_offsets) == {"a"}, "too few labels: 'b' keeps the global layer"
    assert len(active.params.answerability_offsets["a"]) == 3 and active.params.answerability_offsets["a"][1] > 0


def test_the_gate_applies_the_stored_offsets_of_the_collection_it_answers_from(pipeline, ingested_handbook):
    question = "How many days of annual leave do employees get?"
    with db.connect(ingested_handbook) as conn:
        seed = pv.active_version(conn)
    before = pipeline.ask(question, ["handbook"], record=False)
    p = before.scores["answerability"]
    features = before.scores.get("answerability_features")
    assert features and len(features) == 10 and before.scores.get("answerability_shift") == 0.0

    def with_offsets(offsets: dict[str, list[float]]) -> pv.PromptVersion:
        return seed.model_copy(update={"params": seed.params.model_copy(update={"answerability_offsets": offsets})})

    refuse = [0.0] * 10 + [-12.0]
    refused = pipeline.ask(question, ["handbook"], record=False, version=with_offsets({"handbook": refuse}))
    assert refused.status == "dont_know" and refused.reason == "weak_retrieval"
    assert refused.scores.get("answerability_label_free") == p and refused.scores.get("answerability_shift") == -12.0
    # the offsets multiply the signals: a weight on the first one moves the logit by weight × that signal
    weighted = pipeline.ask(
        question, ["handbook"], record=False, version=with_offsets({"handbook": [1.0] + [0.0] * 10})
    )
    assert abs(weighted.scores.get("answerability_shift", 0.0) - features[0]) < 1e-3
    other = pipeline.ask(question, ["handbook"], record=False, version=with_offsets({"another": refuse}))
    stale = pipeline.ask(question, ["handbook"], record=False, version=with_offsets({"handbook": [-12.0] * 3}))
    for r in (other, stale):  # another collection's, or fitted on other signals: the global layer
        assert r.status == before.status and r.scores["answerability"] == p
    with db.connect(ingested_handbook) as conn:
        vid = pv.create_version(
            conn,
            instructions=seed.instructions,
            few_shot=[],
            params=seed.params.model_copy(update={"answerability_offsets": {"handbook": refuse}}),
            parent_id=seed.id,
            author="retune",
        )
        pv.activate(conn, vid, "test")
        conn.commit()
    stored = pipeline.ask(question, ["handbook"], record=False)
    assert stored.prompt_version == vid and stored.status == "dont_know" and stored.scores["answerability"] < p
