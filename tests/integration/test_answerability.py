"""The calibrated answerability gate, reranking and fusion on the real pipeline (Postgres, MiniLM), and the pure
pieces they are made of."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from core import db
from core.errors import ConfigError
from workers.answerability.calibration import negatives_for, pseudo_questions, stored_calibration
from workers.answerability.gate import confidence
from workers.answerability.model import Normaliser, fit
from workers.answerability.signals import Signals, _salient_missing, base_word, salience
from workers.search.fusion import rrf_fuse, score_fuse
from workers.search.keyword import TermStats
from workers.search.rerank import HttpReranker, SentenceReranker, make_reranker, rerank
from workers.search.tokens import question_terms, search_terms

# ---------------------------------------------------------------------------------------------- pure pieces


def _signals(**values) -> Signals:
    base = dict.fromkeys(Signals.names(), 0.0)
    base.update(values)
    return Signals(**base)


def test_salience_separates_everyday_words_from_names():
    assert salience("the") == 0.0 and salience("much") == 0.0
    assert salience("week") < 0.2 < salience("broker") < salience("kubernetes") <= 1.0
    assert salience("pgbouncer") == 1.0  # not in everyday English at all


def test_clitics_and_hyphenated_words_are_not_names_the_collection_lacks():
    stats = TermStats(chunks=100, idf={"teammat": 3.0, "valu": 1.0, "hard": 1.0, "cod": 2.0}, missing=[])
    # "teammate's" is "teammate", which the collection has; "hard-coded" is there as "hard" and "coded"
    assert _salient_missing("my teammate's value is hard-coded", stats) == (0.0, 0.0)
    assert base_word("teammate's") == "teammate" and base_word("isn't") == "is" and base_word("we're") == "we"
    # a missing name still counts, and a compound identifier still counts only whole (its parts are present)
    top, share = _salient_missing("does it work with kubernetes", stats)
    assert top == pytest.approx(salience("kubernetes")) and share > 0.5
    known = TermStats(chunks=100, idf={"typer": 2.0, "run": 1.0}, missing=[])
    assert _salient_missing("typer.run", known) == (1.0, 1.0)


def test_contracted_stopwords_are_not_question_terms():
    # "isn't" and "we're" are stopwords with a clitic: a collection that never wrote them lacks no subject
    assert question_terms("It isn't working, we're sure I've can't won't") == ["work", "sure"]
    assert "isn't" in search_terms("It isn't working")  # the index keeps them (as bm25s does)
    # a content word keeps its possessive reading
    assert question_terms("my teammate's script") == search_terms("my teammate's script")


def test_normaliser_measures_signals_from_the_negatives_in_their_own_spread():
    pos = [_signals(cosine_top=0.7, missing_share=0.0), _signals(cosine_top=0.9, missing_share=0.1)]
    neg = [_signals(cosine_top=0.2, missing_share=0.8), _signals(cosine_top=0.4, missing_share=0.6)]
    norm = Normaliser.fit(pos, neg)
    names = Signals.names()
    cos, miss = names.index("cosine_top"), names.index("missing_share")
    # negatives' mean 0.3, standard deviation 0.1 → 0.3 is 0, 0.5 is +2, however easy the pseudo-questions were
    assert norm.apply(_signals(cosine_top=0.3, missing_share=0.7))[cos] == pytest.approx(0.0)
    assert norm.apply(_signals(cosine_top=0.5))[cos] == pytest.approx(2.0)
    assert norm.apply(_signals(cosine_top=0.5))[cos] == pytest.approx(
        Normaliser.fit([_signals(cosine_top=0.99)], neg).apply(_signals(cosine_top=0.5))[cos]
    )
    # no flip: the logistic layer's weight carries a signal's direction
    assert norm.apply(_signals(missing_share=0.5))[miss] == pytest.approx(-2.0)
    # where the pseudo-questions fall is kept as a diagnostic
    assert norm.info["positives_at"][cos] == pytest.approx(5.0)
    # a signal constant over the negatives never divides by ~0, and values are clipped
    assert all(s >= 1e-3 for s in norm.span)
    assert max(norm.apply(_signals(agreement=1.0))) == 5.0
    stored = json.loads(json.dumps(norm.to_json()))
    assert Normaliser.from_json(stored).span == norm.span
    with pytest.raises(ValueError, match="scale"):  # a calibration on the former scale is recalibrated
        Normaliser.from_json({k: v for k, v in stored.items() if k != "scale"})


def test_logistic_fit_learns_the_direction_and_balances_the_classes():
    pos = [[1.0 + 0.1 * (i % 5), 0.0] for i in range(5)]
    neg = [[-1.0 - 0.1 * (i % 5), 0.0] for i in range(50)]
    model = fit(pos, neg)
    assert model.weights[0] > 0 and model.probability([1.2, 0.0]) > 0.5 > model.probability([-1.2, 0.0])
    # balanced weights: the midpoint stays near 0.5 although negatives outnumber positives ten to one
    assert 0.3 < model.probability([0.0, 0.0]) < 0.7


def test_confidence_words():
    assert confidence(0.95, 0.5) == "high"
    assert confidence(0.6, 0.5) == "medium"
    assert confidence(0.49, 0.5) == "low"
    assert confidence(0.85, 0.9) == "low", "never 'high' below the gate"


def test_pseudo_questions_come_from_the_section_and_its_sentences():
    import random

    qs = pseudo_questions(
        "Paging and escalation",
        "On-Call Rotation",
        ["An unacknowledged page escalates to the secondary after ten minutes."],
        random.Random(1),
    )
    assert len(qs) == 2 and qs[0].endswith("paging and escalation?")
    assert all(q.endswith("?") for q in qs)
    assert pseudo_questions("On-Call Rotation", "On-Call Rotation", [], random.Random(1)) == []


def test_rank_fusion_and_score_fusion():
    assert rrf_fuse([([1, 2], 1.0), ([2, 3], 1.0)], k=60)[2] > rrf_fuse([([1, 2], 1.0), ([2, 3], 1.0)], k=60)[1]
    fused = score_fuse({1: 10.0, 2: 1.0, 3: 0.0}, {1: 0.2, 2: 0.9, 3: 0.1}, alpha=0.7)
    assert fused[2] > fused[1] > fused[3]  # vector share 0.7
    assert score_fuse({1: 10.0, 2: 1.0}, {1: 0.2, 2: 0.9}, alpha=0.0)[1] == 1.0


class _P:
    def __init__(self, fused: float, cosines: list[float | None]) -> None:
        self.section_title, self.content, self.fused, self.sentence_cosines = "t", "c", fused, cosines


def test_sentence_reranker_lifts_the_passage_that_says_it():
    about_topic, says_it = _P(1.0, [0.30, 0.35]), _P(0.9, [0.85])
    assert rerank(SentenceReranker(weight=0.8), "q", [about_topic, says_it]) == [says_it, about_topic]
    assert rerank(SentenceReranker(weight=0.0), "q", [about_topic, says_it]) == [about_topic, says_it]
    no_sentences = [_P(1.0, []), _P(0.5, [])]
    assert rerank(SentenceReranker(), "q", no_sentences) == no_sentences


def test_unknown_reranker_is_a_clear_error():
    with pytest.raises(ConfigError, match="Unknown reranker"):
        make_reranker("magic")
    assert make_reranker("none").name == "none" and make_reranker("sentences").name == "sentences"


@pytest.fixture()
def rerank_server():
    """A local Cohere/Jina-style rerank endpoint: scores documents by how often they contain 'escalat'."""
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append({"body": body, "auth": self.headers.get("Authorization")})
            if body["query"] == "broken":
                self.send_response(500)
                self.end_headers()
                return
            results = [{"index": i, "relevance_score": d.count("escalat")} for i, d in enumerate(body["documents"])]
            payload = json.dumps({"results": results}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/v1/rerank", seen
    server.shutdown()


def test_http_reranker_reorders_and_a_failure_keeps_the_order(rerank_server):
    url, seen = rerank_server
    a, b = _P(1.0, []), _P(0.5, [])
    a.content, b.content = "nothing here", "escalates, escalation"
    reranker = HttpReranker(url, model="rerank-test", api_key="k")
    assert rerank(reranker, "when does a page escalate", [a, b]) == [b, a]
    assert seen[-1]["body"]["model"] == "rerank-test" and seen[-1]["auth"] == "Bearer k"
    assert rerank(reranker, "broken", [a, b]) == [a, b], "a failing reranker never blocks an answer"


# ---------------------------------------------------------------------------------------------- on Postgres


def test_off_topic_pool_skips_questions_about_what_the_collection_covers(clean_db):
    import random

    from workers.answerability.calibration import offtopic_pool
    from workers.kb import store
    from workers.kb.chunking import Chunk

    about_k8s = [o.question for o in offtopic_pool() if "kubernetes" in o.subjects]
    assert about_k8s
    with db.connect(clean_db) as conn:
        for name, text in (("k8s", "Deploy with Kubernetes: kubectl apply the manifests."), ("cooking", "Bake bread.")):
            store.ensure_collection(conn, name)
            store.replace_document(
                conn, collection=name, source_path="a.md", title="a", url="a", fmt="markdown", content_hash="x",
                embedding_model="none", chunks=[Chunk(0, "A", ["A"], "", text)], links=["a"], embeddings=None,
            )  # fmt: skip
        k8s = set(negatives_for(conn, "k8s", random.Random(0)))
        cooking = set(negatives_for(conn, "cooking", random.Random(0)))
    assert not k8s & set(about_k8s), "a Kubernetes question is no negative for documents about Kubernetes"
    assert len(cooking) > 100


def test_first_question_calibrates_the_collection_once(pipeline):
    def computed_at():
        with db.connect(pipeline.database_url) as conn:
            row = conn.execute("SELECT computed_at FROM collection_calibration WHERE collection = 'handbook'")
            return row.fetchone()

    assert computed_at() is None
    r = pipeline.ask("How long before an unacknowledged page escalates to the secondary?", ["handbook"])
    first = computed_at()
    pipeline.gate._cache.clear()  # even past the in-process cache, the stored calibration is reused
    pipeline.ask("What is the nightly hotel cap?", ["handbook"])
    assert first is not None and computed_at() == first
    with db.connect(pipeline.database_url) as conn:
        stored = stored_calibration(conn, "handbook")
    assert stored is not None and stored.chunks > 0
    info = stored.normaliser.info
    assert info["positives"] >= 40 and info["negatives"] >= 100 and info["near_misses"] > 0
    assert r.status == "answered" and r.confidence in ("high", "medium")
    assert 0.5 <= r.scores["answerability"] <= 1 and set(r.scores["signals"]) == set(Signals.names())


def test_gate_refuses_off_topic_and_shows_no_number_to_people(pipeline):
    from workers.slack.blocks import answer_message

    off = pipeline.ask("What's a good recipe for sourdough starter with rye flour?", ["handbook"])
    assert off.status == "dont_know" and off.reason == "weak_retrieval" and off.confidence == "low"
    assert off.scores["answerability"] < off.scores["answerability_threshold"]
    on = pipeline.ask("How long before an unacknowledged page escalates to the secondary?", ["handbook"])
    _, blocks = answer_message(on, pii={}, expert=None)
    shown = json.dumps(blocks)
    assert f"Confidence: *{on.confidence}*" in shown
    assert str(on.scores["answerability"]) not in shown, "a bare probability is never shown in Slack"


def test_answering_embeds_no_sentences_at_question_time(ingested_handbook, local_embedder, pii_guard):
    """Sentence vectors come from ingest: the answerer's only embedding is the question's."""
    from tests.conftest import make_settings
    from workers.pipeline import Pipeline

    calls: list[int] = []

    class Counting:
        name, dim = local_embedder.name, local_embedder.dim

        def embed(self, texts):
            calls.append(len(texts))
            return local_embedder.embed(texts)

    pipeline = Pipeline(
        make_settings(ingested_handbook), guard=pii_guard, embedder=Counting(), database_url=ingested_handbook
    )
    pipeline.ask("warm-up: how do I file an expense report?", ["handbook"], record=False)  # calibrates once
    calls.clear()
    r = pipeline.ask("How long before an unacknowledged page escalates to the secondary?", ["handbook"], record=False)
    assert r.status == "answered" and r.answerer == "extractive"
    assert calls == [1], f"only the question is embedded (saw batches {calls})"


def test_stored_sentences_follow_their_chunks(ingested_handbook):
    with db.connect(ingested_handbook) as conn:
        row = conn.execute(
            "SELECT count(*) AS n, count(s.embedding) AS embedded FROM chunk_sentences s "
            "JOIN chunks c ON c.id = s.chunk_id WHERE c.collection = 'handbook'"
        ).fetchone()
        assert row["n"] > 50 and row["embedded"] == row["n"]
        conn.execute("DELETE FROM documents WHERE collection = 'handbook'")
        assert conn.execute("SELECT count(*) AS n FROM chunk_sentences").fetchone()["n"] == 0
        conn.rollback()
