"""The model path end to end: the real Pipeline and instructor against a scripted OpenAI-compatible server.

One fake server per module (tests/support/fake_openai.py); scripts and recorded requests are reset between
tests. Postgres is real (see conftest), the PII guard and local embedder are the real ones.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from types import SimpleNamespace

import numpy as np
import psycopg
import pytest
from psycopg.types.json import Jsonb

from core import db
from feedback import prompt_versions as pv
from guardrails.dont_know import REASONS
from tests.conftest import SAMPLE_KB, make_settings, reset_prompts
from tests.support import model_fixtures
from tests.support.fake_openai import (
    ChatRequest,
    ToolCall,
    hashed_embedding,
    http_error,
    judgement,
    model_answer,
)
from tests.support.model_fixtures import HANDBOOK, HOTEL_FACT, HOTEL_QUESTION, MODEL, fresh_kb, model_settings
from tests.support.services import free_port
from workers.answerers.extractive import ExtractiveAnswerer
from workers.embeddings import OpenAIEmbedder
from workers.kb.ingest import ingest_folder
from workers.pipeline import Pipeline

EMAIL = "jane.doe@example.com"
AWS_KEY = "AKIAQ3EXAMPLE7H2K9LZ"  # AKIA + 16


# ----------------------------------------------------------------------------------------------- fixtures

# tests/support/model_fixtures.py's: the scripted model, reset for each test, and pipelines on this module's `kb`.
fake, _fresh_script = model_fixtures.fake, model_fixtures.fresh_script
make_pipeline, model_pipeline = model_fixtures.make_pipeline, model_fixtures.model_pipeline


@pytest.fixture(scope="module")
def handbook_db(database_url, local_embedder) -> str:
    """conftest's `ingested_handbook`, but ingested once per module: ingestion with the local embedder costs
    ~10 s, and these tests only read the knowledge base (they add interactions, looked up by their own id)."""
    return fresh_kb(database_url, local_embedder, HANDBOOK)


@pytest.fixture()
def kb(handbook_db) -> Iterator[str]:
    yield handbook_db
    with psycopg.connect(handbook_db, autocommit=True) as conn:  # a test may have activated another version
        conn.execute("DELETE FROM interactions WHERE prompt_version_id <> 1")
        reset_prompts(conn)


def cite(needle: str, *, extra: str = ""):
    """A scripted reply that answers with the retrieved sentence containing `needle`, citing it verbatim."""

    def reply(request: ChatRequest) -> dict:
        chunk_id, sentence = request.sentence_with(needle)
        return model_answer(True, f"{sentence} {extra}".strip(), [(chunk_id, sentence)])

    return reply


def interaction_row(database_url: str, interaction_id: str) -> dict | None:
    with db.connect(database_url) as conn:
        return conn.execute("SELECT * FROM interactions WHERE id = %s", (interaction_id,)).fetchone()


# ----------------------------------------------------------------------------------------------- answered


def test_valid_cited_answer_is_answered_recorded_and_sent_the_active_prompt(model_pipeline, fake):
    fake.script(cite(HOTEL_FACT))
    r = model_pipeline.ask(HOTEL_QUESTION, ["handbook"])

    assert r.status == "answered", (r.reason, r.guard)
    assert r.reason == ""
    assert HOTEL_FACT in r.answer
    assert len(fake.chat_exchanges) == 1
    exchange = fake.chat_exchanges[0]
    request = exchange.chat
    cited_id, sentence = request.sentence_with(HOTEL_FACT)

    # citations: the cited chunk, with its document's title and link from the knowledge base
    with db.connect(model_pipeline.database_url) as conn:
        chunk = conn.execute(
            "SELECT c.link, c.content, c.section_title, d.title FROM chunks c JOIN documents d ON d.id = c.document_id "
            "WHERE c.id = %s",
            (cited_id,),
        ).fetchone()
        version = conn.execute("SELECT instructions FROM prompt_versions WHERE id = 1").fetchone()
        sent_ids = request.passage_ids()
        known = conn.execute(
            "SELECT count(*) AS n FROM chunks WHERE id = ANY(%s) AND collection = 'handbook'", (sent_ids,)
        ).fetchone()["n"]
    assert [c.chunk_id for c in r.citations] == [cited_id]
    citation = r.citations[0]
    assert citation.document_title == chunk["title"] == "Northwind Platform Team - Expense and Travel Policy"
    assert citation.link == chunk["link"] and "expense-and-travel-policy.txt" in citation.link
    assert citation.section == chunk["section_title"]
    assert citation.quote == sentence

    # the usage the server reported is what the interaction records
    assert r.scores["usage"] == exchange.response["usage"]
    assert r.scores["usage"]["total_tokens"] > 0
    assert r.prompt_version == 1
    assert r.answerer == f"model:{MODEL}"

    # what the model was sent: the active version's instructions, the retrieved passages, the question
    assert request.body["model"] == "gpt-4o-mini"
    assert exchange.headers["authorization"] == "Bearer test"
    assert request.tool_name == "ModelAnswer"
    assert request.messages[0] == {"role": "system", "content": version["instructions"]}
    assert [m["role"] for m in request.messages] == ["system", "user"]
    assert request.body["temperature"] == 0.0
    assert 1 <= len(sent_ids) <= 5 and known == len(sent_ids)
    assert request.passage_with(HOTEL_FACT).content == chunk["content"]
    assert request.question_message.endswith(f"Question: {HOTEL_QUESTION}")

    row = interaction_row(model_pipeline.database_url, r.interaction_id)
    assert row is not None
    assert row["answerer"] == f"model:{MODEL}"
    assert row["status"] == "answered" and row["prompt_version_id"] == 1
    assert [c["chunk_id"] for c in row["citations"]] == [cited_id]
    assert row["scores"]["usage"] == exchange.response["usage"]


def test_active_version_few_shot_examples_are_sent_before_the_question(make_pipeline, fake, kb):
    shots = [
        {"question": "How do I request VPN access?", "answer": "Open a ticket with IT [passage 12]."},
        {"question": "Who approves trips?", "answer": "The engineering manager approves every trip."},
    ]
    with db.connect(kb) as conn:
        new_id = conn.execute(
            "INSERT INTO prompt_versions (instructions, few_shot, params, parent_id, author) "
            "SELECT %s, %s, params, id, 'test' FROM prompt_versions WHERE id = 1 RETURNING id",
            ("Answer tersely from the passages only. Version two.", Jsonb(shots)),
        ).fetchone()["id"]
        conn.execute("UPDATE prompt_pointer SET version_id = %s WHERE name = 'active'", (new_id,))
        conn.commit()
    fake.script(model_answer(False, ""))
    r = make_pipeline().ask(HOTEL_QUESTION, ["handbook"])

    assert r.prompt_version == new_id != 1
    (request,) = fake.chat_requests
    assert [(m["role"], m["content"]) for m in request.messages[:5]] == [
        ("system", "Answer tersely from the passages only. Version two."),
        ("user", f"Question: {shots[0]['question']}"),
        ("assistant", shots[0]["answer"]),
        ("user", f"Question: {shots[1]['question']}"),
        ("assistant", shots[1]["answer"]),
    ]
    assert request.messages[5]["role"] == "user" and request.messages[5]["content"].startswith("Passages:")
    assert len(request.messages) == 6
    assert interaction_row(kb, r.interaction_id)["prompt_version_id"] == new_id


# ----------------------------------------------------------------------------------------------- re-asks


@pytest.mark.parametrize(
    ("bad_reply", "expected_error"),
    [
        pytest.param({"answer": "Hotels cost 250 euros.", "citations": []}, "Field required", id="missing-field"),
        pytest.param(
            {"can_answer": True, "answer": "Hotels cost 250 euros.", "citations": "chunk 27"},
            "list_type",
            id="wrong-type",
        ),
        pytest.param('{"can_answer": true, "answer": "unterminated', "json", id="malformed-json"),
        pytest.param(model_answer(True, "Hotels cost 250 euros.", []), "cite at least one passage", id="no-cite"),
    ],
)
def test_invalid_first_reply_is_reasked_with_the_validation_error(model_pipeline, fake, bad_reply, expected_error):
    fake.script(bad_reply, cite(HOTEL_FACT))
    r = model_pipeline.ask(HOTEL_QUESTION, ["handbook"])

    assert len(fake.chat_requests) == 2
    first, second = fake.chat_requests
    assert first.validation_feedback() == []
    feedback = "\n".join(second.validation_feedback())
    assert expected_error.lower() in feedback.lower(), feedback
    # the re-ask replays the conversation: same system prompt and passages, then the failed call and the error
    assert second.messages[: len(first.messages)] == first.messages
    assert len(second.messages) > len(first.messages)
    assert r.status == "answered", (r.reason, r.guard)
    assert HOTEL_FACT in r.answer


def test_citation_of_a_chunk_that_was_not_retrieved_is_reasked(model_pipeline, fake):
    def bogus(request: ChatRequest) -> dict:
        _, sentence = request.sentence_with(HOTEL_FACT)
        return model_answer(True, sentence, [(999_999, sentence)])

    fake.script(bogus, cite(HOTEL_FACT))
    r = model_pipeline.ask(HOTEL_QUESTION, ["handbook"])

    assert len(fake.chat_requests) == 2
    first, second = fake.chat_requests
    feedback = "\n".join(second.validation_feedback())
    assert "chunk_id 999999 is not one of the passages given" in feedback
    assert str(sorted(first.passage_ids())) in feedback  # the model is told which ids it may use
    assert r.status == "answered"
    assert [c.chunk_id for c in r.citations] == [first.sentence_with(HOTEL_FACT)[0]]


@pytest.mark.parametrize("max_retries", [0, 2])
def test_citing_unretrieved_chunks_on_every_attempt_ends_ungrounded(make_pipeline, fake, max_retries):
    fake.script(*[model_answer(True, "Hotels cost 250 euros per night.", [(999_999, "250 euros")])] * 5)
    r = make_pipeline(llm_max_retries=max_retries).ask(HOTEL_QUESTION, ["handbook"])

    # llm_max_retries counts re-asks after the first attempt (instructor 1.17: max_retries + 1 attempts)
    assert len(fake.chat_requests) == max_retries + 1
    assert fake.pending == 5 - (max_retries + 1)
    assert r.status == "dont_know" and r.reason == "ungrounded"
    assert r.citations == [] and r.answer.startswith("I don't know.")
    assert r.scores["usage"].get("attempts") == max_retries + 1


def test_non_verbatim_quote_is_reasked(model_pipeline, fake):
    def paraphrase(request: ChatRequest) -> dict:
        chunk_id, sentence = request.sentence_with(HOTEL_FACT)
        return model_answer(True, sentence, [(chunk_id, "London hotels may cost up to 250 euros a night")])

    fake.script(paraphrase, cite(HOTEL_FACT))
    r = model_pipeline.ask(HOTEL_QUESTION, ["handbook"])

    assert len(fake.chat_requests) == 2
    feedback = "\n".join(fake.chat_requests[1].validation_feedback())
    assert "is not copied verbatim from that passage" in feedback
    assert r.status == "answered"
    assert r.citations[0].quote != "London hotels may cost up to 250 euros a night"
    assert HOTEL_FACT in r.citations[0].quote


def test_usage_after_a_reask_counts_every_attempt(model_pipeline, fake):
    fake.script({"answer": "missing can_answer"}, cite(HOTEL_FACT))
    r = model_pipeline.ask(HOTEL_QUESTION, ["handbook"])

    assert r.status == "answered" and len(fake.chat_exchanges) == 2
    sent = [e.response["usage"]["total_tokens"] for e in fake.chat_exchanges]
    assert r.scores["usage"]["total_tokens"] == sum(sent)  # instructor accumulates usage over re-asks


# ----------------------------------------------------------------------------------------------- don't know


def test_sentence_unsupported_by_the_cited_passage_is_ungrounded(model_pipeline, fake):
    invented = "Kubernetes clusters autoscale with Karpenter spot nodes across three regions."
    fake.script(cite(HOTEL_FACT, extra=invented))
    r = model_pipeline.ask(HOTEL_QUESTION, ["handbook"])

    assert len(fake.chat_requests) == 1  # the citation itself is valid: no re-ask, the grounding check catches it
    assert r.status == "dont_know" and r.reason == "ungrounded"
    assert r.guard["grounding"]["verdict"] == "ungrounded"
    assert r.guard["grounding"]["unsupported_sentences"] == 1
    assert invented not in r.answer and r.citations == []
    assert REASONS["ungrounded"] in r.answer
    assert invented in r.guard["draft"]  # kept for review only


def test_model_declining_gives_dont_know(model_pipeline, fake):
    fake.script(model_answer(False, ""))
    r = model_pipeline.ask(HOTEL_QUESTION, ["handbook"])

    assert len(fake.chat_requests) == 1
    assert r.status == "dont_know" and r.reason == "model_declined"
    assert REASONS["model_declined"] in r.answer
    assert r.closest and r.citations == []
    assert r.scores["usage"]["total_tokens"] > 0
    row = interaction_row(model_pipeline.database_url, r.interaction_id)
    assert row["status"] == "dont_know" and row["reason"] == "model_declined"


def test_weak_retrieval_never_calls_the_model(model_pipeline, fake):
    fake.script(cite(HOTEL_FACT))
    r = model_pipeline.ask("What is the capital of France?", ["handbook"])

    assert r.status == "dont_know" and r.reason == "weak_retrieval"
    assert fake.exchanges == []
    assert fake.pending == 1
    assert r.guard["grounding"] == {"verdict": "skipped"}


def test_server_error_gives_model_error(model_pipeline, fake):
    fake.script(*[http_error(500)] * 5)
    r = model_pipeline.ask(HOTEL_QUESTION, ["handbook"])

    assert fake.chat_exchanges and all(e.status == 500 for e in fake.chat_exchanges)
    assert r.status == "dont_know"
    assert r.reason == "model_error"
    assert REASONS["model_error"] in r.answer


def test_unreachable_server_gives_model_error(kb, local_embedder, pii_guard):
    settings = make_settings(kb, llm=MODEL, llm_base_url=f"http://127.0.0.1:{free_port()}/v1", llm_api_key="test")
    pipeline = Pipeline(settings, guard=pii_guard, embedder=local_embedder, database_url=kb)
    r = pipeline.ask(HOTEL_QUESTION, ["handbook"])

    assert r.status == "dont_know"
    assert r.reason == "model_error"
    assert interaction_row(kb, r.interaction_id)["reason"] == "model_error"


@pytest.mark.parametrize("supported", [False, True])
def test_grounding_judge_decides(make_pipeline, fake, supported):
    claims = [] if supported else ["London hotels include breakfast"]
    fake.script(cite(HOTEL_FACT), judgement(supported, claims))
    r = make_pipeline(grounding_judge=True).ask(HOTEL_QUESTION, ["handbook"])

    assert len(fake.chat_requests) == 2
    answer_request, judge_request = fake.chat_requests
    assert judge_request.tool_name == "GroundingJudgement"
    cited_id, sentence = answer_request.sentence_with(HOTEL_FACT)
    assert judge_request.passage_ids() == [cited_id]  # the judge sees only the cited passages
    assert judge_request.question_message.endswith(f"Answer:\n{sentence}")
    assert r.guard["grounding"]["judge"] == {"supported": supported, "unsupported_claims": claims}
    if supported:
        assert r.status == "answered" and r.guard["grounding"]["verdict"] == "grounded"
    else:
        assert r.status == "dont_know" and r.reason == "ungrounded"
        assert r.guard["grounding"]["verdict"] == "ungrounded"
        assert "the model judge found unsupported claims" in r.guard["grounding"]["problems"]


def test_grounding_judge_is_not_called_when_disabled(model_pipeline, fake):
    fake.script(cite(HOTEL_FACT), judgement(False, ["anything"]))
    r = model_pipeline.ask(HOTEL_QUESTION, ["handbook"])

    assert r.status == "answered"
    assert len(fake.chat_requests) == 1 and fake.pending == 1
    assert "judge" not in r.guard["grounding"]


# ----------------------------------------------------------------------------------------------- PII


def test_raw_pii_and_secrets_never_reach_the_model(model_pipeline, fake):
    question = f"I'm {EMAIL} and my key {AWS_KEY} leaked. {HOTEL_QUESTION}"
    fake.script(cite(HOTEL_FACT))
    r = model_pipeline.ask(question, ["handbook"])

    assert r.status == "answered", (r.reason, r.guard)
    assert fake.exchanges
    for exchange in fake.exchanges:
        raw = exchange.text()
        assert EMAIL not in raw and AWS_KEY not in raw
        assert "jane.doe" not in raw and "AKIA" not in raw
    sent = fake.chat_requests[0].question_message
    assert "<EMAIL_ADDRESS>" in sent and "<AWS_ACCESS_KEY>" in sent
    assert sent.endswith(f"Question: {r.question_redacted}")
    assert r.guard["pii_in"]["secrets"] is True
    row = interaction_row(model_pipeline.database_url, r.interaction_id)
    assert EMAIL not in json.dumps(row, default=str) and AWS_KEY not in json.dumps(row, default=str)


# ----------------------------------------------------------------------------------------------- embeddings


def test_openai_embedder_probes_the_dimension(fake):
    fake.embedding_dim = 48
    embedder = OpenAIEmbedder("text-embedding-3-small", fake.base_url, "test", None)

    assert embedder.dim == 48
    (probe,) = fake.embedding_requests
    assert probe.body["model"] == "text-embedding-3-small" and probe.body["input"] == ["dimension probe"]
    assert probe.headers["authorization"] == "Bearer test"

    fake.reset()
    assert OpenAIEmbedder("text-embedding-3-small", fake.base_url, "test", 64).dim == 64
    assert fake.embedding_requests == []  # a configured dimension needs no probe


def test_openai_embedder_batches_orders_and_normalises(fake):
    embedder = OpenAIEmbedder("m", fake.base_url, "test", 64, batch_size=4)
    fake.embedding_scale = 3.0  # the server sends vectors of length 3
    fake.embedding_reversed = True  # …listed out of order
    texts = [f"text number {i} about hotels" for i in range(10)]
    vectors = embedder.embed(texts)

    assert [e.body["input"] for e in fake.embedding_requests] == [texts[0:4], texts[4:8], texts[8:10]]
    assert vectors.shape == (10, 64) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    expected = np.asarray([hashed_embedding(t, 64) for t in texts], dtype=np.float32)
    np.testing.assert_allclose(vectors, expected, atol=1e-5)  # row i is text i, whatever the response order
    assert embedder.embed([]).shape == (0, 64)
    assert len(fake.embedding_requests) == 3


def test_ingest_and_ask_with_openai_embeddings_use_the_vector_path(kb, pii_guard, fake):
    collection = "handbook-openai"  # beside the local-embedder collection; retrieval filters by collection
    settings = model_settings(
        kb,
        fake,
        embeddings="openai",
        embeddings_model="fake-embed",
        embeddings_base_url=fake.base_url,
        embeddings_api_key="test",
        embeddings_batch=16,
    )
    pipeline = Pipeline(settings, guard=pii_guard, database_url=kb)  # the embedder comes from the settings
    assert isinstance(pipeline.embedder.inner, OpenAIEmbedder) and pipeline.embedder.dim == 64
    with db.connect(kb) as conn:
        report = ingest_folder(conn, SAMPLE_KB / "handbook", collection, embedder=pipeline.embedder, settings=settings)
        stored = conn.execute(
            "SELECT count(*) FILTER (WHERE vector_dims(embedding) = 64) AS v64, count(*) AS n FROM chunks "
            "WHERE collection = %s",
            (collection,),
        ).fetchone()
        models = {
            r["embedding_model"]
            for r in conn.execute("SELECT embedding_model FROM documents WHERE collection = %s", (collection,))
        }
    assert report.failed == [] and report.chunks_written > 16
    assert stored["v64"] == stored["n"] == report.chunks_written
    assert models == {"openai:fake-embed"}
    batches = [len(e.body["input"]) for e in fake.embedding_requests if e.body["input"] != ["dimension probe"]]
    assert max(batches) <= 16 and len(batches) > 1

    fake.reset()
    fake.script(cite(HOTEL_FACT))
    r = pipeline.ask(HOTEL_QUESTION, [collection])
    assert r.scores["vector_hits"] > 0
    assert any(e.body["input"] == [HOTEL_QUESTION] for e in fake.embedding_requests)  # the query was embedded
    assert r.status == "answered", (r.reason, r.guard)
    with db.connect(kb) as conn:
        cited = conn.execute("SELECT collection FROM chunks WHERE id = %s", (r.citations[0].chunk_id,)).fetchone()
    assert cited["collection"] == collection

    fake.reset()
    fake.script(model_answer(False, ""))
    vector_only = pipeline.ask(HOTEL_QUESTION, [collection], mode="vector", record=False)
    assert vector_only.scores["fts_hits"] == 0
    assert vector_only.scores["vector_hits"] > 0 and vector_only.scores["retrieved"] > 0


# ----------------------------------------------------------------------------------------------- the fake


def test_fake_server_rejects_unknown_paths_and_methods(fake):
    def status(path: str, data: bytes | None = None) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{fake.port}{path}", data=data)):
                return 200, {}
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    code, body = status("/v1/nope", b"{}")
    assert code == 404 and "unknown path" in body["error"]["message"]
    assert status("/v1/chat/completions")[0] == 405  # GET
    assert status("/v1/embeddings", b"not json")[0] == 400
    code, body = status("/v1/chat/completions", b"{}")
    assert code == 500 and "no scripted reply" in body["error"]["message"]  # unscripted calls are loud
    assert len(fake.exchanges) == 4


def test_fake_server_speaks_the_tool_call_wire_format(fake):
    import openai

    client = openai.OpenAI(base_url=fake.base_url, api_key="test", max_retries=0)
    fake.script(ToolCall({"x": 1}, usage={"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}))
    completion = client.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "hi"}],
        tools=[{"type": "function", "function": {"name": "Thing", "parameters": {"type": "object"}}}],
        tool_choice={"type": "function", "function": {"name": "Thing"}},
    )
    call = completion.choices[0].message.tool_calls[0]
    assert call.function.name == "Thing" and json.loads(call.function.arguments) == {"x": 1}
    assert completion.usage.total_tokens == 5
    assert fake.chat_requests[0].tool_name == "Thing"


# ----------------------------------------------------------------------------------------------- retuning


def test_similar_few_shot_mode_sends_only_the_closest_demos(make_pipeline, fake, kb):
    shots = [
        {"question": "How do I request VPN access?", "answer": "Open a ticket with IT."},
        {"question": "What is the hotel cap in Paris?", "answer": "200 euros per night."},
        {"question": "Who approves code reviews?", "answer": "Two reviewers."},
    ]
    with db.connect(kb) as conn:
        params = {**pv.get_version(conn, 1).params.model_dump(), "few_shot_mode": "similar", "few_shot_k": 1}
        new_id = conn.execute(
            "INSERT INTO prompt_versions (instructions, few_shot, params, parent_id, author) "
            "VALUES ('Answer from the passages.', %s, %s, 1, 'test') RETURNING id",
            (Jsonb(shots), Jsonb(params)),
        ).fetchone()["id"]
        conn.execute("UPDATE prompt_pointer SET version_id = %s WHERE name = 'active'", (new_id,))
        conn.commit()
    fake.script(model_answer(False, ""))
    make_pipeline().ask(HOTEL_QUESTION, ["handbook"])
    (request,) = fake.chat_requests
    assert [m["content"] for m in request.messages[1:3]] == [f"Question: {shots[1]['question']}", shots[1]["answer"]]
    assert request.messages[3]["content"].startswith("Passages:")


def test_pairwise_judge_through_instructor_in_both_orders(model_pipeline, fake):
    from feedback.examples import Example
    from feedback.retune import pairwise
    from feedback.scoring import JudgeTally, Outcome
    from workers.retune_job import judge_fn

    def prefers_ten_minutes(request: ChatRequest) -> dict:
        text = request.messages[-1]["content"]
        a = text.split("Answer A:\n", 1)[1].split("\n\nAnswer B:\n", 1)[0]
        return {"better": "A" if "10 minutes" in a else "B", "reason": "matches the reference"}

    judge = judge_fn(model_pipeline)
    assert judge is not None, "a configured model judges"
    fake.script(prefers_ten_minutes, prefers_ten_minutes)
    ex = [Example("i", "When does a page escalate?", ["handbook"], "answer", "After 10 minutes.", "heldout")]
    tally = pairwise(judge, ex, [Outcome("answered", "After an hour.")], [Outcome("answered", "After 10 minutes.")])
    assert tally == JudgeTally(wins=1)
    first, second = fake.chat_requests
    asked, again = first.messages[-1]["content"], second.messages[-1]["content"]
    assert first.tool_name == "PairwiseVerdict" and "Reference answer:\nAfter 10 minutes." in asked
    assert "Answer A:\nAfter 10 minutes." in asked and "Answer A:\nAfter an hour." in again

    fake.script(http_error(500), http_error(500), http_error(500), http_error(500))
    assert judge("q", "ref", "a", "b") is None, "a failing judge abstains instead of breaking the retune"
    assert judge_fn(SimpleNamespace(answerer=ExtractiveAnswerer())) is None, "offline, the metrics decide alone"
