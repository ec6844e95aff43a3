"""After an embedding-model switch, a folder ingest re-embeds the collection's verified answers with the new model
(inline and queued paths), so the collection answers again — from its verified answer — instead of being refused
as holding vectors of two models until every answer is approved again. Real Postgres, the fp32 and int8 MiniLM."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from core import db
from feedback import labels
from tests.conftest import SAMPLE_KB, make_settings
from workers.embeddings import LocalInt8Embedder
from workers.ingest_tasks import run_batch
from workers.kb import jobs, verified
from workers.kb.embedder_check import EmbedderMismatch, foreign_documents
from workers.kb.ingest import ingest_folder

QUESTION = "How long before an unacknowledged page escalates to the secondary?"
PARAPHRASE = "After how many minutes does an unacknowledged page go to the secondary on call?"
CORRECTION = "Since the November change, an unacknowledged page escalates to the secondary after 7 minutes."


@pytest.fixture(scope="module")
def int8_embedder() -> LocalInt8Embedder:
    return LocalInt8Embedder()


def pipeline_for(url: str, embedder, guard):
    from workers.pipeline import Pipeline

    return Pipeline(make_settings(url), guard=guard, embedder=embedder, database_url=url)


def verified_vector(url: str) -> tuple[str, np.ndarray, str]:
    """The one verified answer's (model, stored vector, embedded text)."""
    with db.connect(url) as conn:
        row = conn.execute(
            "SELECT d.embedding_model, c.embedding, c.section_title, c.content FROM documents d "
            "JOIN chunks c ON c.document_id = d.id WHERE d.format = 'verified'"
        ).fetchone()
    assert row is not None
    value = row["embedding"]
    vector = np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value, dtype=np.float32)
    return row["embedding_model"], vector, verified.embedding_text(row["section_title"], row["content"])


def test_an_ingest_with_a_new_model_re_embeds_verified_answers(
    clean_db, tmp_path, local_embedder, int8_embedder, pii_guard
):
    url, settings = clean_db, make_settings(clean_db)
    folder = tmp_path / "handbook"
    shutil.copytree(SAMPLE_KB / "handbook", folder)
    with db.connect(url) as conn:
        ingest_folder(conn, folder, "handbook", embedder=local_embedder, settings=settings)

    # A correction approved while the collection is fp32: its verified answer is fp32 too.
    result = pipeline_for(url, local_embedder, pii_guard).ask(QUESTION, ["handbook"])
    assert result.status == "answered"
    with db.connect(url) as conn:
        label_id = labels.record_correction(
            conn, result.interaction_id, correction=CORRECTION, user_id="U0EXPERT01", user_name="erin", team_id=""
        )
        label = labels.review(conn, label_id, "approved", "admin-ann")
        verified.publish(conn, label, embedder=local_embedder, approved_by="admin-ann")
        conn.commit()
    model, fp32_vector, text = verified_vector(url)
    assert model == local_embedder.name

    # Switch to int8, inline ingest: the documents and the verified answer are int8 now.
    with db.connect(url) as conn:
        report = ingest_folder(conn, folder, "handbook", embedder=int8_embedder, settings=settings)
        assert report.verified_reembedded == 1 and report.as_dict()["verified_reembedded"] == 1
        assert len(report.updated) == 7 and not report.unchanged
        assert foreign_documents(conn, ["handbook"], int8_embedder.name) == []
    model, int8_vector, _ = verified_vector(url)
    assert model == int8_embedder.name
    expected = int8_embedder.embed([text])[0]
    assert float(int8_vector @ expected) > 0.9999  # the int8 model's vector of the same text
    assert not np.allclose(int8_vector, fp32_vector, atol=1e-4)  # not the fp32 vector left in place

    # The int8 pipeline answers from the verified answer (before, the collection was refused as mixed). The
    # question itself: the paraphrase's similarity is 0.81 with fp32 but 0.795 with int8, under the 0.8 threshold.
    answer = pipeline_for(url, int8_embedder, pii_guard).ask(QUESTION, ["handbook"])
    assert answer.answerer == "verified" and "7 minutes" in answer.answer
    # An fp32 pipeline is now the one refused: nothing in the collection is fp32 any more.
    with pytest.raises(EmbedderMismatch):
        pipeline_for(url, local_embedder, pii_guard).ask(PARAPHRASE, ["handbook"])

    # Back to fp32 through the queued path (the task's body, batch by batch): the batch that finishes the job
    # re-embeds the verified answer; a second ingest with the same model re-embeds nothing.
    with db.connect(url) as conn:
        job_id, batches = jobs.create_job(conn, folder, "handbook", batch_files=3)
    assert batches == 3
    for batch in range(batches):
        run_batch(job_id, batch, settings, local_embedder)
    with db.connect(url) as conn:
        assert jobs.progress(conn, job_id)["status"] == "done"
        assert foreign_documents(conn, ["handbook"], local_embedder.name) == []
    model, back, _ = verified_vector(url)
    assert model == local_embedder.name and float(back @ fp32_vector) > 0.9999
    answer = pipeline_for(url, local_embedder, pii_guard).ask(PARAPHRASE, ["handbook"])
    assert answer.answerer == "verified" and "7 minutes" in answer.answer
    with db.connect(url) as conn:
        again = ingest_folder(conn, folder, "handbook", embedder=local_embedder, settings=settings)
    assert again.verified_reembedded == 0 and len(again.unchanged) == 7
