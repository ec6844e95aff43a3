"""Hybrid retrieval: BM25 keyword and pgvector HNSW candidates fused by weighted reciprocal rank.

Modes: `hybrid` (BM25 + vectors), `keyword` (BM25 only), `vector`; `fts`/`hybrid_v1` keep the code path from
before BM25 (`ts_rank` over an OR of lexemes, which has no IDF) so benchmarks can compare the two side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from core.db import Conn
from feedback.document_weights import weights_for_chunks
from feedback.prompt_versions import AnsweringParams
from guardrails.text import coverage, term_set
from workers.search import keyword
from workers.search.fusion import rrf_fuse, score_fuse
from workers.search.rerank import Reranker, rerank

Mode = Literal["hybrid", "keyword", "vector", "fts", "hybrid_v1"]

# OR of the question's lexemes: natural questions rarely share *every* word with the answer. ts_rank, not
# ts_rank_cd: cover density rewards lexemes next to each other, which an OR of question words rarely are
# (recall@10 0.83 vs 0.63 on bench/data/retrieval_eval.jsonl).
_TSRANK_SQL = """
WITH q AS (
    SELECT (SELECT string_agg(quote_literal(l), ' | ')
            FROM unnest(tsvector_to_array(to_tsvector('english', %(q)s))) AS l)::tsquery AS query
)
SELECT c.id, ts_rank(c.tsv, q.query) AS score
FROM chunks c, q
WHERE q.query IS NOT NULL AND c.tsv @@ q.query AND c.collection = ANY(%(collections)s)
  AND NOT c.document_id = ANY(%(exclude)s)
ORDER BY score DESC, c.id
LIMIT %(n)s
"""

_VECTOR_SQL = """
SELECT id, 1 - (embedding::vector({dim}) <=> %(v)s::vector({dim})) AS score
FROM chunks
WHERE vector_dims(embedding) = {dim} AND collection = ANY(%(collections)s) AND NOT document_id = ANY(%(exclude)s)
ORDER BY embedding::vector({dim}) <=> %(v)s::vector({dim})
LIMIT %(n)s
"""

_DETAILS_SQL = """
SELECT c.id, c.document_id, c.section_title, c.heading_path, c.link, c.content, c.collection,
       d.title AS document_title, d.source_path, d.format = 'verified' AS verified,
       CASE WHEN %(v)s::vector IS NOT NULL AND vector_dims(c.embedding) = %(dim)s
            THEN 1 - (c.embedding <=> %(v)s::vector) END AS cosine,
       coalesce(st.sentences, '{}') AS sentences, st.sentence_cosines,
       to_char(va.verified_at, 'YYYY-MM-DD') AS last_verified
FROM chunks c JOIN documents d ON d.id = c.document_id
LEFT JOIN verified_answers va ON va.document_id = c.document_id AND va.review_after <= now()
LEFT JOIN LATERAL (
    SELECT array_agg(s.text ORDER BY s.ordinal) AS sentences,
           array_agg(CASE WHEN %(v)s::vector IS NOT NULL AND vector_dims(s.embedding) = %(dim)s
                          THEN 1 - (s.embedding <=> %(v)s::vector) END ORDER BY s.ordinal) AS sentence_cosines
    FROM chunk_sentences s WHERE s.chunk_id = c.id
) st ON true
WHERE c.id = ANY(%(ids)s)
"""


@dataclass
class Passage:
    chunk_id: int
    document_id: int
    document_title: str
    source_path: str
    section_title: str
    heading_path: list[str]
    link: str
    content: str
    collection: str
    fused: float = 0.0
    fts_rank: int | None = None  # rank in the keyword list (BM25, or ts_rank in the legacy modes)
    vector_rank: int | None = None
    keyword_score: float | None = None
    cosine: float | None = None
    coverage: float = 0.0
    relevance: float = 0.0
    verified: bool = False  # an approved correction (section title = its question, content = its answer)
    last_verified: str | None = None  # a verified answer past its review date: the day it was last verified
    # Quotable sentences stored at ingest, with their cosine to the question (None without embeddings).
    sentences: list[str] = field(default_factory=list)
    sentence_cosines: list[float | None] = field(default_factory=list)

    @property
    def shown_section(self) -> str:
        """The section title a reader is shown: none for a verified answer, whose section title is the question it
        answered — asked by someone, perhaps in a DM or a private channel, while the answer is served to everyone
        who may read its collection (its title names its verifier). Matching still uses `section_title`."""
        return "" if self.verified else self.section_title

    @property
    def label(self) -> str:
        return titled(self.document_title, self.shown_section)


def titled(document_title: str, section: str) -> str:
    """ "Document › Section", or the document's title alone when the section adds nothing."""
    if section and section != document_title:
        return f"{document_title} › {section}"
    return document_title


@dataclass
class Retrieval:
    passages: list[Passage] = field(default_factory=list)
    fts_hits: int = 0
    vector_hits: int = 0
    # The ranked lists before fusion (chunk ids, best first) and their scores: answerability reads them.
    keyword_ids: list[int] = field(default_factory=list)
    keyword_scores: list[float] = field(default_factory=list)
    vector_ids: list[int] = field(default_factory=list)
    vector_scores: list[float] = field(default_factory=list)

    @property
    def best_relevance(self) -> float:
        return max((p.relevance for p in self.passages), default=0.0)


def _vector_settings(conn: Conn, ef_search: int) -> None:
    conn.execute(f"SET LOCAL hnsw.ef_search = {int(ef_search)}")
    version = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
    if version and tuple(int(x) for x in version["extversion"].split(".")[:2]) >= (0, 8):
        # Keep scanning the graph until enough rows pass the collection filter (pgvector ≥ 0.8).
        conn.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")


_COSINES_SQL = """
SELECT id, 1 - (embedding::vector({dim}) <=> %(v)s::vector({dim})) AS score
FROM chunks WHERE id = ANY(%(ids)s) AND vector_dims(embedding) = {dim}
"""


def _score_fusion(
    conn: Conn,
    question: str,
    collections: list[str],
    params: AnsweringParams,
    query_vector: np.ndarray,
    kw_ids: list[int],
    kw_scores: list[float],
    vec_ids: list[int],
    vec_scores: list[float],
) -> dict[int, float]:
    """Complete both score lists over the union of candidates, then mix them (workers.search.fusion)."""
    bm25 = dict(zip(kw_ids, kw_scores, strict=True))
    cos = dict(zip(vec_ids, vec_scores, strict=True))
    need_bm25 = [i for i in vec_ids if i not in bm25]
    bm25.update(
        keyword.score_chunks(
            conn,
            question,
            collections,
            need_bm25,
            per_term=params.keyword_postings_per_term,
            max_df_share=params.keyword_max_df_share,
        )
    )
    need_cos = [i for i in kw_ids if i not in cos]
    if need_cos:
        dim = int(query_vector.shape[0])
        rows = conn.execute(_COSINES_SQL.format(dim=dim), {"v": query_vector, "ids": need_cos}).fetchall()
        cos.update({r["id"]: float(r["score"]) for r in rows})
    return score_fuse(bm25, cos, params.fusion_alpha)


def relevance(cov: float, cosine: float | None) -> float:
    """An absolute relevance signal for the answerability gate (fusion scores are only relative)."""
    if cosine is None:
        return cov
    return 0.5 * cov + 0.5 * max(0.0, cosine)


def retrieve(
    conn: Conn,
    question: str,
    collections: Sequence[str],
    params: AnsweringParams,
    query_vector: np.ndarray | None,
    *,
    mode: Mode = "hybrid",
    exclude_documents: Sequence[int] = (),
    reranker: Reranker | None = None,
) -> Retrieval:
    """`exclude_documents`: never return these (evaluation hides verified answers made from held-out labels).
    `reranker` reorders the fused top passages (hybrid mode only; workers.search.rerank)."""
    collections = list(collections)
    exclude = list(exclude_documents)
    fts_ids: list[int] = []
    vec_ids: list[int] = []
    use_vector = query_vector is not None and query_vector.size > 0
    kw_scores: list[float] = []
    vec_scores: list[float] = []
    if mode in ("hybrid", "keyword"):
        hits = keyword.search(
            conn,
            question,
            collections,
            n=params.candidates,
            per_term=params.keyword_postings_per_term,
            max_df_share=params.keyword_max_df_share,
            exclude_documents=exclude,
        )
        fts_ids = [h.chunk_id for h in hits]
        kw_scores = [h.score for h in hits]
    elif mode in ("fts", "hybrid_v1"):
        ts_rows = conn.execute(
            _TSRANK_SQL, {"q": question, "collections": collections, "n": params.candidates, "exclude": exclude}
        ).fetchall()
        fts_ids = [r["id"] for r in ts_rows]
    if mode in ("hybrid", "vector", "hybrid_v1") and query_vector is not None and use_vector:
        _vector_settings(conn, max(40, params.candidates))
        dim = int(query_vector.shape[0])
        rows = conn.execute(
            _VECTOR_SQL.format(dim=dim),
            {"v": query_vector, "collections": collections, "n": params.candidates, "exclude": exclude},
        ).fetchall()
        ranked = sorted(rows, key=lambda r: -r["score"])
        vec_ids = [r["id"] for r in ranked]
        vec_scores = [float(r["score"]) for r in ranked]
    if mode == "hybrid" and params.fusion == "scores" and fts_ids and vec_ids and query_vector is not None:
        fused = _score_fusion(
            conn, question, collections, params, query_vector, fts_ids, kw_scores, vec_ids, vec_scores
        )
    else:
        w_fts, w_vec = {
            "hybrid": (params.fts_weight, params.vector_weight),
            "hybrid_v1": (params.fts_weight, params.vector_weight),
            "keyword": (1.0, 0.0),
            "fts": (1.0, 0.0),
            "vector": (0.0, 1.0),
        }[mode]
        fused = rrf_fuse([(fts_ids, w_fts), (vec_ids, w_vec)], params.rrf_k)
    doc_weights = weights_for_chunks(conn, list(fused), params.doc_boost_weight)
    for cid, w in doc_weights.items():
        fused[cid] *= w
    top = sorted(fused, key=lambda i: (-fused[i], i))[: params.top_k]
    result = Retrieval(
        fts_hits=len(fts_ids),
        vector_hits=len(vec_ids),
        keyword_ids=fts_ids,
        keyword_scores=kw_scores,
        vector_ids=vec_ids,
        vector_scores=vec_scores,
    )
    if not top:
        return result
    details = conn.execute(
        _DETAILS_SQL,
        {
            "ids": top,
            "v": query_vector if use_vector else None,
            "dim": int(query_vector.shape[0]) if query_vector is not None and use_vector else 0,
        },
    ).fetchall()
    by_id = {r["id"]: r for r in details}
    q_terms = term_set(question)
    fts_rank = {cid: i for i, cid in enumerate(fts_ids, start=1)}
    kw_score = dict(zip(fts_ids, kw_scores, strict=False))
    vec_rank = {cid: i for i, cid in enumerate(vec_ids, start=1)}
    for cid in top:
        r = by_id.get(cid)
        if r is None:  # deleted between the two queries
            continue
        cov = coverage(q_terms, term_set(r["section_title"] + "\n" + r["content"]))
        cos = float(r["cosine"]) if r["cosine"] is not None else None
        result.passages.append(
            Passage(
                chunk_id=cid,
                document_id=r["document_id"],
                document_title=r["document_title"],
                source_path=r["source_path"],
                section_title=r["section_title"],
                heading_path=r["heading_path"],
                link=r["link"],
                content=r["content"],
                collection=r["collection"],
                fused=fused[cid],
                fts_rank=fts_rank.get(cid),
                vector_rank=vec_rank.get(cid),
                keyword_score=kw_score.get(cid),
                cosine=cos,
                coverage=cov,
                relevance=relevance(cov, cos),
                verified=bool(r["verified"]),
                last_verified=r["last_verified"],
                sentences=list(r["sentences"]),
                sentence_cosines=[None if c is None else float(c) for c in (r["sentence_cosines"] or [])],
            )
        )
    if reranker is not None and mode == "hybrid":
        result.passages = rerank(reranker, question, result.passages)
    return result
