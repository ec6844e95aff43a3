"""BM25 in SQL (workers.search.keyword) on a real Postgres: the same scores as bm25s, statistics that stay
exact through replaces and deletes, bounded work per term, and the backfill of chunks written before it."""

from __future__ import annotations

import math
import random

import pytest

from core import db
from workers.kb import store
from workers.kb.chunking import Chunk
from workers.search import keyword
from workers.search.tokens import search_terms

WORDS = [
    "broker",
    "worker",
    "queue",
    "retry",
    "backoff",
    "schedule",
    "beat",
    "result",
    "backend",
    "redis",
    "rabbitmq",
    "prefetch",
    "acknowledgement",
    "timeout",
    "routing",
    "exchange",
    "serializer",
    "json",
    "pickle",
    "canvas",
    "chord",
    "group",
    "chain",
    "signature",
    "task",
    "revoke",
]


def _doc(conn, collection: str, path: str, texts: list[str]) -> int:
    chunks = [Chunk(i, f"Section {i}", [f"Section {i}"], "", t) for i, t in enumerate(texts)]
    return store.replace_document(
        conn,
        collection=collection,
        source_path=path,
        title=path,
        url=path,
        fmt="markdown",
        content_hash=path + str(len(texts)),
        embedding_model="none",
        chunks=chunks,
        links=[path] * len(chunks),
        embeddings=None,
    )


def _corpus(seed: int, n_docs: int = 12) -> dict[str, list[str]]:
    rng = random.Random(seed)
    return {
        f"doc{d}.md": [" ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 60))) + "." for _ in range(4)]
        for d in range(n_docs)
    }


def _recount(conn, collection: str) -> tuple[dict[str, int], dict[str, int]]:
    df = {
        r["term"]: r["df"]
        for r in conn.execute(
            "SELECT term, count(*)::int AS df FROM chunk_terms WHERE collection = %s GROUP BY term", (collection,)
        ).fetchall()
    }
    kept = {
        r["term"]: r["df"]
        for r in conn.execute(
            "SELECT term, df FROM collection_terms WHERE collection = %s AND df > 0", (collection,)
        ).fetchall()
    }
    return df, kept


@pytest.fixture()
def kw_db(clean_db):
    with db.connect(clean_db) as conn:
        store.ensure_collection(conn, "kw")
        for path, texts in _corpus(1).items():
            _doc(conn, "kw", path, texts)
        conn.commit()
    return clean_db


def test_scores_are_bm25s_scores(kw_db):
    bm25s = pytest.importorskip("bm25s")  # a dev dependency: always installed by `make test`
    with db.connect(kw_db) as conn:
        rows = conn.execute(
            "SELECT id, section_title, content FROM chunks WHERE collection = 'kw' ORDER BY id"
        ).fetchall()
        retriever = bm25s.BM25(k1=keyword.K1, b=keyword.B, method="lucene")
        retriever.index([search_terms(r["section_title"] + "\n" + r["content"]) for r in rows], show_progress=False)
        ids = [r["id"] for r in rows]
        for query in ("retry backoff for a task", "redis broker prefetch", "chord group chain signature"):
            hits = keyword.search(conn, query, ["kw"], n=len(ids), per_term=100_000)
            ours = {h.chunk_id: h.score for h in hits}
            terms = [t for t in search_terms(query) if t in retriever.vocab_dict]
            theirs = dict(zip(ids, retriever.get_scores(terms), strict=True))
            assert ours, query
            for cid, score in theirs.items():
                assert ours.get(cid, 0.0) == pytest.approx(score, rel=1e-4, abs=1e-6), (query, cid)


def test_statistics_stay_exact_through_replace_and_delete(kw_db):
    with db.connect(kw_db) as conn:
        _doc(conn, "kw", "doc0.md", ["worker queue timeout only", "a second shorter chunk about beat"])
        store.remove_paths(conn, "kw", ["doc1.md"])
        doc2 = conn.execute("SELECT id FROM documents WHERE source_path = 'doc2.md'").fetchone()["id"]
        store.delete_documents(conn, [doc2])
        conn.commit()
        actual, kept = _recount(conn, "kw")
        assert actual == kept
        stats = conn.execute("SELECT chunks, total_terms FROM collection_stats WHERE collection = 'kw'").fetchone()
        real = conn.execute(
            "SELECT count(DISTINCT chunk_id)::int AS chunks, sum(tf)::int AS total FROM chunk_terms "
            "WHERE collection = 'kw'"
        ).fetchone()
        assert (stats["chunks"], stats["total_terms"]) == (real["chunks"], real["total"])
        store.remove_collection(conn, "kw")
        conn.commit()
        assert conn.execute("SELECT count(*) AS n FROM collection_terms WHERE collection = 'kw'").fetchone()["n"] == 0
        assert conn.execute("SELECT count(*) AS n FROM chunk_terms").fetchone()["n"] == 0


def test_each_term_reads_a_bounded_slice_of_postings(kw_db):
    with db.connect(kw_db) as conn:
        query = "worker queue retry"
        n_terms = len(set(search_terms(query)))
        capped = keyword.search(conn, query, ["kw"], n=1000, per_term=2, max_df_share=1.0)
        assert 0 < len(capped) <= 2 * n_terms
        full = keyword.search(conn, query, ["kw"], n=1000, per_term=100_000)
        assert len(full) > len(capped)
        # The slice only decides which chunks are scored; their scores are exact, over every question term.
        exact = {h.chunk_id: h.score for h in full}
        for hit in capped:
            assert hit.score == pytest.approx(exact[hit.chunk_id])


def test_only_a_shortlist_of_the_union_is_scored_exactly_and_uncut_slices_change_nothing(kw_db):
    with db.connect(kw_db) as conn:
        query = "worker queue retry backoff"
        full = keyword.search(conn, query, ["kw"], n=1000, per_term=100_000, rescore=10**9)
        # No slice cut: the partial score is the exact one, so a shortlist of n gives the same top n.
        top5 = keyword.search(conn, query, ["kw"], n=5, per_term=100_000, rescore=5)
        assert [h.chunk_id for h in top5] == [h.chunk_id for h in full[:5]]
        # Cut slices and a shortlist smaller than the union: fewer chunks, each still scored exactly.
        union = keyword.search(conn, query, ["kw"], n=1000, per_term=3, max_df_share=1.0, rescore=10**9)
        short = keyword.search(conn, query, ["kw"], n=4, per_term=3, max_df_share=1.0, rescore=4)
        assert len(short) == 4 < len(union)
        exact = {h.chunk_id: h.score for h in full}
        assert all(h.score == pytest.approx(exact[h.chunk_id]) for h in short)
        assert {h.chunk_id for h in short} <= {h.chunk_id for h in union}


def test_collections_have_their_own_statistics(kw_db):
    with db.connect(kw_db) as conn:
        store.ensure_collection(conn, "other")
        _doc(conn, "other", "x.md", ["retry retry retry everywhere", "retry again"])
        conn.commit()
        kw_idf = keyword.term_stats(conn, "retry", ["kw"]).idf
        other = keyword.term_stats(conn, "retry", ["other"])
        assert kw_idf and other.idf and kw_idf != other.idf
        hits = keyword.search(conn, "retry", ["other"], n=10)
        owners = {
            conn.execute("SELECT collection FROM chunks WHERE id = %s", (h.chunk_id,)).fetchone()["collection"]
            for h in hits
        }
        assert owners == {"other"}
        assert keyword.term_stats(conn, "kubernetes retry", ["other"]).missing == ["kubernet"]


def test_hidden_documents_are_left_out_of_the_term_statistics(kw_db):
    # An evaluation hides a verified answer made from a label; its words (the labelled question's) must not make
    # that question's terms known to the gate either.
    with db.connect(kw_db) as conn:
        store.ensure_collection(conn, "hid")
        _doc(conn, "hid", "docs.md", ["retry the task later", "retry budget per worker"])
        hidden = _doc(conn, "hid", "verified.md", ["how do kubernetes probes retry"])
        conn.commit()
        seen = keyword.term_stats(conn, "kubernetes probes retry", ["hid"])
        left_out = keyword.term_stats(conn, "kubernetes probes retry", ["hid"], exclude_documents=[hidden])
        assert "kubernet" not in seen.missing
        assert left_out.missing == ["kubernet", "probe"]
        assert left_out.chunks == seen.chunks - 1
        # "retry" is in 2 of the 2 remaining chunks instead of 3 of 3: its idf is computed over what is left.
        assert left_out.idf["retri"] == pytest.approx(math.log(1 + 0.5 / 2.5))
        assert keyword.term_stats(conn, "kubernetes probes retry", ["hid"], exclude_documents=[]) == seen


def test_backfill_indexes_chunks_written_before_bm25(kw_db):
    with db.connect(kw_db) as conn:
        before = keyword.search(conn, "serializer pickle", ["kw"], n=50)
        conn.execute("DELETE FROM chunk_terms")
        conn.commit()
        assert keyword.search(conn, "serializer pickle", ["kw"], n=50) == []
        assert keyword.backfill(conn) > 0
        conn.commit()
        after = keyword.search(conn, "serializer pickle", ["kw"], n=50)
        assert [h.chunk_id for h in after] == [h.chunk_id for h in before]


def test_a_near_stopword_of_a_large_collection_is_left_out_only_when_its_postings_are_cut(clean_db):
    with db.connect(clean_db) as conn:
        store.ensure_collection(conn, "big")
        # "worker" is in every chunk, "chord" in one.
        _doc(conn, "big", "a.md", [f"worker number {i} does things" for i in range(30)] + ["worker chord"])
        conn.commit()
        everything = keyword.search(conn, "worker", ["big"], n=100, per_term=100_000)
        assert len(everything) == 31, "uncut postings: the common term counts"
        assert keyword.search(conn, "worker", ["big"], n=100, per_term=5, max_df_share=0.25) == []
        assert keyword.search(conn, "worker", ["big"], n=100, per_term=5, max_df_share=1.0), "share 1: kept"
        [hit] = keyword.search(conn, "worker chord", ["big"], n=100, per_term=5, max_df_share=0.25)
        exact = keyword.score_chunks(conn, "chord", ["big"], [hit.chunk_id])[hit.chunk_id]
        assert hit.score == pytest.approx(exact), "the rare term alone decides"
        same = keyword.score_chunks(conn, "worker chord", ["big"], [hit.chunk_id], per_term=5, max_df_share=0.25)
        assert same[hit.chunk_id] == pytest.approx(hit.score), "completing a vector candidate's score agrees"
