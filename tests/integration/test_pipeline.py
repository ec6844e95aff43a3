"""The guarded pipeline end to end on real Postgres with the offline extractive answerer."""

from __future__ import annotations

import json

import pytest

from core import db
from core.errors import InvalidQuestion
from feedback.prompt_versions import AnsweringParams, active_version
from workers.retrieval import retrieve


def test_answerable_question_is_answered_with_citations(pipeline):
    r = pipeline.ask("How long before an unacknowledged page escalates to the secondary?", ["handbook"])
    assert r.status == "answered", r.answer
    assert "10 minutes" in r.answer
    assert r.citations and all(c.link.startswith(str(c.link).split("#")[0]) for c in r.citations)
    cited = r.citations[0]
    assert cited.document_title == "On-Call Rotation and Paging"
    assert "#" in cited.link and cited.quote and cited.quote in r.answer
    assert r.guard["grounding"]["verdict"] == "grounded"
    assert r.prompt_version == 1
    for stage in ("guard_in", "embed", "retrieve", "gate", "generate", "ground", "guard_out", "record", "total"):
        assert stage in r.timings_ms


def test_json_shape_matches_the_contract(pipeline):
    r = pipeline.ask("What is the nightly hotel cap?", ["handbook"]).as_dict()
    json.dumps(r)  # serialisable
    assert set(r) >= {"answer", "status", "citations", "guard", "prompt_version", "timings_ms", "interaction_id"}
    assert r["status"] in ("answered", "dont_know")
    assert set(r["guard"]) >= {"pii_in", "pii_out", "grounding"}
    for c in r["citations"]:
        assert set(c) == {
            "chunk_id",
            "document_id",
            "document_title",
            "section",
            "link",
            "quote",
            "verified",
            "last_verified",
        }


def test_off_topic_question_gets_an_honest_dont_know(pipeline):
    r = pipeline.ask("What is the boiling point of tungsten in kelvin?", ["handbook"])
    assert r.status == "dont_know"
    assert r.reason in ("weak_retrieval", "no_documents", "no_supported_sentence")
    assert r.answer.startswith("I don't know.")
    assert r.citations == []


def test_dont_know_points_to_the_closest_documents(pipeline):
    r = pipeline.ask("Which hotel chain does the travel policy recommend in Reykjavik?", ["handbook"])
    if r.status == "answered":
        pytest.fail(f"expected dont_know, got an answer: {r.answer}")
    assert r.closest, "closest documents must be listed"
    assert all(d["link"] in r.answer for d in r.closest)


def test_unknown_or_empty_collection_retrieves_nothing(pipeline):
    r = pipeline.ask("How long before a page escalates?", ["no-such-collection"])
    assert r.status == "dont_know" and r.reason == "no_documents" and r.closest == []


@pytest.mark.parametrize("question", ["", "   \n\t "])
def test_empty_question_is_rejected_clearly(pipeline, question):
    with pytest.raises(InvalidQuestion, match="empty"):
        pipeline.ask(question, ["handbook"])


def test_huge_question_is_rejected_clearly_and_nothing_is_stored(pipeline):
    huge = "How do I deploy? " + "x" * 40_000
    with pytest.raises(InvalidQuestion) as exc:
        pipeline.ask(huge, ["handbook"])
    assert "40,017" in str(exc.value) and exc.value.hint
    with db.connect(pipeline.database_url) as conn:
        assert conn.execute("SELECT count(*) AS n FROM interactions").fetchone()["n"] == 0


def test_question_of_only_pii_does_not_search_for_placeholders(pipeline):
    r = pipeline.ask("alice@example.com", ["handbook"])
    assert r.question_redacted == "<EMAIL_ADDRESS>"
    assert r.status == "dont_know" and r.reason == "no_documents"


def test_parameters_come_from_the_active_prompt_version(pipeline):
    """Raising the answerability threshold in a new active version turns the same answer into dont_know."""
    question = "How long before an unacknowledged page escalates to the secondary?"
    assert pipeline.ask(question, ["handbook"]).status == "answered"
    with db.connect(pipeline.database_url) as conn:
        v1 = active_version(conn)
        params = v1.params.model_copy(update={"answerability_threshold": 0.999}).model_dump()
        row = conn.execute(
            "INSERT INTO prompt_versions (instructions, params, parent_id, author) "
            "VALUES (%s, %s::jsonb, 1, 'test') RETURNING id",
            (v1.instructions, json.dumps(params)),
        ).fetchone()
        conn.execute("UPDATE prompt_pointer SET version_id = %s", (row["id"],))
        conn.commit()
    r = pipeline.ask(question, ["handbook"])
    assert r.prompt_version == row["id"]
    assert r.status == "dont_know" and r.reason == "weak_retrieval"


def test_prompt_versions_are_immutable(clean_db):
    import psycopg

    with db.connect(clean_db) as conn, pytest.raises(psycopg.errors.RaiseException, match="immutable"):
        conn.execute("UPDATE prompt_versions SET instructions = 'x' WHERE id = 1")


def test_hybrid_fuses_both_lists_and_modes_differ(pipeline, local_embedder):
    q = "rotate MFA codes VPN"
    vec = local_embedder.embed([q])[0]
    params = AnsweringParams()
    with db.connect(pipeline.database_url) as conn:
        hybrid = retrieve(conn, q, ["handbook"], params, vec)
        fts = retrieve(conn, q, ["handbook"], params, vec, mode="fts")
        vector = retrieve(conn, q, ["handbook"], params, vec, mode="vector")
    assert hybrid.fts_hits > 0 and hybrid.vector_hits > 0
    assert fts.vector_hits == 0 and vector.fts_hits == 0
    assert all(p.vector_rank is None for p in fts.passages)
    top = hybrid.passages[0]
    assert top.fts_rank is not None and top.vector_rank is not None
    assert "vpn" in top.source_path


def test_interaction_is_recorded_with_redacted_question_and_timings(pipeline):
    r = pipeline.ask("My email is dana@example.org — how long before a page escalates?", ["handbook"])
    with db.connect(pipeline.database_url) as conn:
        row = conn.execute("SELECT * FROM interactions WHERE id = %s", (r.interaction_id,)).fetchone()
    assert row["question_redacted"] == r.question_redacted
    assert "<EMAIL_ADDRESS>" in row["question_redacted"] and "dana@example.org" not in row["question_redacted"]
    assert row["prompt_version_id"] == 1 and row["status"] == r.status
    assert row["guard"]["pii_in"]["entities"] == {"EMAIL_ADDRESS": 1}
    assert row["timings_ms"]["total"] > 0


def test_a_question_the_bot_accepts_is_never_too_long_for_the_worker(pipeline, pii_guard):
    """Placeholders (`<EMAIL_ADDRESS>`) are longer than what they replace: the limit is one rule, applied to the
    question as typed, so the redacted text the worker gets can't fail a check the bot passed."""
    from guardrails.text import question_problem

    limit = pipeline.settings.max_question_chars
    raw = "Who should I ask about these addresses? " + " and ".join(["a@b.io"] * ((limit - 50) // 11))
    assert len(raw) <= limit and question_problem(raw, limit) is None  # what the bot lets through
    redacted = pii_guard.redact(raw).text
    assert len(redacted) > limit  # the worker gets a longer text than the bot checked
    result = pipeline.ask(redacted, ["handbook"])  # no InvalidQuestion
    assert result.status in {"answered", "dont_know"}


def test_the_length_rule_is_the_same_in_the_bot_and_the_pipeline(pipeline):
    from guardrails.text import question_problem

    limit = pipeline.settings.max_question_chars
    over = "x" * (limit + 1)
    problem = question_problem(over, limit)
    assert problem is not None and f"{limit + 1:,}" in problem.message and problem.hint
    with pytest.raises(InvalidQuestion) as exc:
        pipeline.ask(over, ["handbook"])
    assert str(exc.value) == problem.message and exc.value.hint == problem.hint


MISSING_TERM_SIGNALS = ("missing_share", "missing_salience", "salient_missing_share")


def test_a_hidden_document_is_hidden_from_the_gates_term_statistics_too(pipeline, local_embedder):
    # Evaluation hides verified answers made from labels (exclude_documents). A verified answer carries its
    # question: counted in the term statistics, it would make none of that question's words missing to the gate.
    from workers.kb import store
    from workers.kb.chunking import Chunk

    question = "How do kubernetes liveness probes restart pods?"
    before = pipeline.ask(question, ["handbook"], record=False).scores["signals"]
    with db.connect(pipeline.database_url) as conn:
        doc = store.replace_document(
            conn,
            collection="handbook",
            source_path="verified-1.md",
            title="verified",
            url="verified",
            fmt="markdown",
            content_hash="verified-1",
            embedding_model=local_embedder.name,
            chunks=[Chunk(0, "Kubernetes", ["Kubernetes"], "", question)],
            links=["verified"],
            embeddings=local_embedder.embed([question]),
        )
        conn.commit()
    seen = pipeline.ask(question, ["handbook"], record=False).scores["signals"]
    hidden = pipeline.ask(question, ["handbook"], record=False, exclude_documents=[doc]).scores["signals"]
    assert seen["missing_share"] < before["missing_share"]
    assert {k: hidden[k] for k in MISSING_TERM_SIGNALS} == pytest.approx({k: before[k] for k in MISSING_TERM_SIGNALS})
