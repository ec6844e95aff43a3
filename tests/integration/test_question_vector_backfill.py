"""Labels given before migration 0021 stored question vectors still count as labelled neighbours (issue G.1): the
retune embeds the workspace's train-labelled questions that have no vector, from their REDACTED text, once."""

from __future__ import annotations

import uuid

import numpy as np

from core import db
from feedback import answerability_refit as refit
from feedback import labels
from workers.interactions import record_interaction


class _RecordingEmbedder:
    """A small deterministic embedder that remembers what it was asked to embed."""

    name = "test-model"
    dim = 4

    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.seen.extend(texts)
        rows = [[len(t), t.count(" ") + 1, sum(map(ord, t)) % 97, 1.0] for t in texts]
        v = np.asarray(rows, dtype=np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def _asked(conn, question: str, *, team: str, collections: list[str], scores: dict) -> uuid.UUID:
    iid = uuid.uuid4()
    record_interaction(conn, {
        "id": iid, "source": "slack", "collections": collections, "question_redacted": question, "answer": "",
        "status": "dont_know", "reason": "weak_retrieval", "answerer": "extractive", "citations": [], "closest": [],
        "scores": scores, "guard": {}, "prompt_version_id": 1, "timings_ms": {}, "team_id": team,
    })  # fmt: skip
    return iid


def _vote(conn, iid: uuid.UUID, *, team: str, heldout: bool) -> None:
    labels.record_vote(
        conn, iid, kind="up", reaction="+1", user_id="U1", team_id=team, heldout_percent=100 if heldout else 0
    )


def test_train_labels_without_a_vector_get_one_from_their_redacted_text_once(clean_db):
    with db.connect(clean_db) as conn:
        by_scores = _asked(conn, "How do I reach <EMAIL_ADDRESS> about the broker?", team="T1",
                           collections=["a", "b"], scores={"answerability_collection": "b"})  # fmt: skip
        single = _asked(conn, "What is the retry policy?", team="T1", collections=["a"], scores={})
        unknown = _asked(conn, "Which one decides?", team="T1", collections=["a", "b"], scores={})
        heldout = _asked(conn, "Is this held out?", team="T1", collections=["a"], scores={})
        other_team = _asked(conn, "What does the other workspace ask?", team="T2", collections=["a"], scores={})
        unlabelled = _asked(conn, "Nobody reacted to this", team="T1", collections=["a"], scores={})
        has_vector = _asked(conn, "Recorded after 0021", team="T1", collections=["a"], scores={})
        refit.store_question_vector(conn, has_vector, "T1", "a", "test-model", np.asarray([1.0, 0, 0, 0]))
        for iid in (by_scores, single, unknown, has_vector, other_team):
            _vote(conn, iid, team="T2" if iid == other_team else "T1", heldout=False)
        _vote(conn, heldout, team="T1", heldout=True)
        conn.commit()

        embedder = _RecordingEmbedder()
        assert refit.backfill_question_vectors(conn, "T1", embedder) == 2
        conn.commit()
        # Placeholders are not embedded (as the pipeline searches), and only the two it could place were asked for.
        assert sorted(embedder.seen) == ["How do I reach about the broker?", "What is the retry policy?"]
        stored = refit.question_vectors(
            conn, "T1", [str(i) for i in (by_scores, single, unknown, heldout, unlabelled, has_vector)]
        )
        assert {k: v[:2] for k, v in stored.items()} == {
            str(by_scores): ("b", "test-model"),  # the collection whose calibration answered it
            str(single): ("a", "test-model"),  # the only collection it was asked of
            str(has_vector): ("a", "test-model"),
        }
        assert np.allclose(stored[str(has_vector)][2], [1.0, 0, 0, 0]), "a stored vector is never replaced"
        assert refit.question_vectors(conn, "T2", [str(other_team)]) == {}, "another workspace's labels are left"

        # Once stored, nothing is embedded again; without embeddings nothing happens.
        again = _RecordingEmbedder()
        assert refit.backfill_question_vectors(conn, "T1", again) == 0 and again.seen == []

        class _NoEmbedder(_RecordingEmbedder):
            dim = 0

        assert refit.backfill_question_vectors(conn, "T2", _NoEmbedder()) == 0
        assert refit.backfill_question_vectors(conn, "T2", _RecordingEmbedder()) == 1
