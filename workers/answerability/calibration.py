"""Label-free calibration of the answerability score, per collection.

Positives: pseudo-questions made from the collection's own sections (a heading asked about; a sentence's
content words, thinned out and re-asked), which the collection answers by construction. Negatives: a shipped
pool of questions about other things (`offtopic_questions.jsonl`; a question is skipped for a collection whose
vocabulary contains its subject, e.g. a Redis question for a collection about Redis), and near-misses made
from positives by swapping their rarest word for one the collection has never seen. Each goes through the
same retrieval a real question does; where each signal of the two pools lies is stored (a `Normaliser`), with
the collection's decision offset: how far its off-topic pool sits below the global logistic layer's decision point
(`model.decision_offset`). Nothing here reads a label.
"""

from __future__ import annotations

import json
import logging
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from psycopg.types.json import Jsonb

from core.db import Conn
from feedback.prompt_versions import AnsweringParams, active_version
from guardrails.text import STOPWORDS
from workers.answerability.model import AnswerabilityModel, Normaliser, decision_offset, global_model
from workers.answerability.signals import Signals, read_signals
from workers.embeddings import Embedder
from workers.search import keyword
from workers.search.tokens import search_terms

log = logging.getLogger(__name__)

OFFTOPIC = Path(__file__).with_name("offtopic_questions.jsonl")
MAX_CHUNKS = 90  # pseudo-questions come from at most this many chunks (two each)
MAX_NEGATIVES = 180
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9]")
_OPENERS = ("How do I", "What about", "Can you explain", "How does", "What is", "Where do I find", "Why")


@dataclass(frozen=True)
class OffTopic:
    question: str
    subjects: tuple[str, ...]


@lru_cache(maxsize=1)
def offtopic_pool() -> tuple[OffTopic, ...]:
    out = []
    for line in OFFTOPIC.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out.append(OffTopic(row["question"], tuple(row["subjects"])))
    return tuple(out)


def _content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text) if w.lower() not in STOPWORDS and len(w) > 2]


def pseudo_questions(heading: str, title: str, sentences: list[str], rng: random.Random) -> list[str]:
    """Up to two questions a chunk answers: about its heading, and about one of its sentences."""
    out = []
    if heading and heading != title and len(_content_words(heading)) >= 1:
        out.append(f"{rng.choice(_OPENERS)} {heading.strip().rstrip('?.:').lower()}?")
    if sentences:
        words = _content_words(rng.choice(sentences))
        if len(words) >= 3:
            keep = sorted(rng.sample(range(len(words)), k=max(2, min(7, round(len(words) * 0.4)))))
            out.append(f"{rng.choice(_OPENERS)} {' '.join(words[i] for i in keep)}?")
    return out


def _vocabulary_has(conn: Conn, collection: str, terms: list[str]) -> set[str]:
    if not terms:
        return set()
    rows = conn.execute(
        "SELECT term FROM collection_terms WHERE collection = %s AND term = ANY(%s) AND df > 0",
        (collection, terms),
    ).fetchall()
    return {r["term"] for r in rows}


def negatives_for(conn: Conn, collection: str, rng: random.Random) -> list[str]:
    pool = list(offtopic_pool())
    subject_terms = {o: [t for s in o.subjects for t in search_terms(s)] for o in pool}
    known = _vocabulary_has(conn, collection, sorted({t for ts in subject_terms.values() for t in ts}))
    usable = [o.question for o in pool if not any(t in known for t in subject_terms[o])]
    rng.shuffle(usable)
    return usable[:MAX_NEGATIVES]


def _near_miss(question: str, conn: Conn, collection: str, strangers: list[str], rng) -> str | None:
    """The question with its rarest word replaced by a word the collection has never seen."""
    words = _content_words(question)
    if not words or not strangers:
        return None
    stats = keyword.term_stats(conn, question, [collection])
    rarest = max(words, key=lambda w: max((stats.idf.get(t, 0.0) for t in search_terms(w)), default=0.0))
    return question.replace(rarest, rng.choice(strangers), 1)


def _word_salad(rows: list[dict], rng: random.Random, n: int) -> list[str]:
    """Questions built of the collection's own words, each from a different chunk: every term is known, yet
    no passage is about them together (an off-topic question can share all its words with the documents)."""
    pools = [_content_words(" ".join(r["sentences"]) or r["section_title"]) for r in rows]
    pools = [p for p in pools if p]
    out = []
    for _ in range(n if len(pools) >= 4 else 0):
        picked = [rng.choice(rng.choice(pools)) for _ in range(rng.choice((3, 4, 5)))]
        out.append(f"{rng.choice(_OPENERS)} {' '.join(picked)}?")
    return out


def _strangers(conn: Conn, collection: str) -> list[str]:
    words = sorted({s for o in offtopic_pool() for s in o.subjects if " " not in s and len(s) > 3})
    known = _vocabulary_has(conn, collection, [t for w in words for t in search_terms(w)])
    return [w for w in words if not any(t in known for t in search_terms(w))]


def signals_for(
    conn: Conn,
    questions: list[str],
    collection: str,
    embedder: Embedder,
    params: AnsweringParams,
) -> list[Signals]:
    from workers.retrieval import retrieve  # workers.retrieval imports this package's gate

    vectors = embedder.embed(questions) if embedder.dim and questions else None
    out = []
    for i, q in enumerate(questions):
        vec = vectors[i] if vectors is not None else None
        retrieval = retrieve(conn, q, [collection], params, vec)
        out.append(read_signals(q, keyword.term_stats(conn, q, [collection]), retrieval))
    return out


@dataclass
class Pools:
    """The label-free questions of one collection, each kind's signals read through the same retrieval a real
    question goes through."""

    positives: list[Signals]  # pseudo-questions from its own sections
    offtopic: list[Signals]  # the shipped pool of questions about other things
    near: list[Signals]  # pseudo-questions with their rarest word swapped for one the collection never saw
    salad: list[Signals]  # its own words from different chunks
    chunks_sampled: int = 0

    @property
    def negatives(self) -> list[Signals]:
        return self.offtopic + self.near + self.salad


def pools(conn: Conn, collection: str, embedder: Embedder, *, seed: int = 7) -> Pools:
    """Build and read the collection's calibration pools (retrieval SETs LOCAL search settings: the caller rolls
    back or ends its transaction)."""
    rng = random.Random(f"{seed}:{collection}")
    rows = conn.execute(
        """
        SELECT c.id, c.section_title, d.title,
               coalesce((SELECT array_agg(s.text ORDER BY s.ordinal) FROM chunk_sentences s WHERE s.chunk_id = c.id),
                        '{}') AS sentences
        FROM chunks c JOIN documents d ON d.id = c.document_id
        WHERE c.collection = %s AND d.format <> 'verified'
        ORDER BY md5(c.id::text || %s) LIMIT %s
        """,
        (collection, str(seed), MAX_CHUNKS),
    ).fetchall()
    positives: list[str] = []
    for r in rows:
        positives.extend(pseudo_questions(r["section_title"], r["title"], list(r["sentences"]), rng))
    strangers = _strangers(conn, collection)
    near = [q for q in (_near_miss(p, conn, collection, strangers, rng) for p in positives[1::3]) if q]
    salad = _word_salad(rows, rng, n=len(positives) // 3)
    offtopic = negatives_for(conn, collection, rng)
    params = active_version(conn).params
    pos_signals = signals_for(conn, positives, collection, embedder, params)
    neg_signals = signals_for(conn, offtopic + near + salad, collection, embedder, params)
    n_off, n_near = len(offtopic), len(near)
    return Pools(
        pos_signals,
        neg_signals[:n_off],
        neg_signals[n_off : n_off + n_near],
        neg_signals[n_off + n_near :],
        len(rows),
    )


def fit_normaliser(pool: Pools, layer: AnswerabilityModel) -> Normaliser:
    """The collection's normaliser and its decision offset for `layer`, from its pools."""
    model = Normaliser.fit(pool.positives, pool.negatives)
    model.offset = round(decision_offset(layer, [model.apply(s) for s in pool.offtopic]), 6)
    model.model = layer.fingerprint()
    return model


def calibrate(
    conn: Conn,
    collection: str,
    embedder: Embedder,
    *,
    seed: int = 7,
    rollback: bool = True,
    layer: AnswerabilityModel | None = None,
) -> Normaliser:
    """Calibrate and store the collection's normaliser (its decision offset for `layer`, the shipped global
    layer by default); returns it. `rollback=False` inside a caller's transaction (retrieval's SET LOCALs then
    simply stay until it ends)."""
    pool = pools(conn, collection, embedder, seed=seed)
    if rollback:
        conn.rollback()  # retrieval SETs LOCAL search settings; nothing else was written
    model = fit_normaliser(pool, layer or global_model())
    model.info.update(
        {
            "near_misses": len(pool.near),
            "word_salad": len(pool.salad),
            "offtopic": len(pool.offtopic),
            "decision_offset": model.offset,
            "chunks_sampled": pool.chunks_sampled,
            "embedder": embedder.name,
        }
    )
    row = conn.execute("SELECT chunks FROM collection_stats WHERE collection = %s", (collection,)).fetchone()
    chunks = row["chunks"] if row else 0
    conn.execute(
        """
        INSERT INTO collection_calibration (collection, model, chunks) VALUES (%s, %s, %s)
        ON CONFLICT (collection) DO UPDATE SET model = EXCLUDED.model, chunks = EXCLUDED.chunks, computed_at = now()
        """,
        (collection, Jsonb(model.to_json()), chunks),
    )
    log.info("calibrated %s: %s", collection, model.info)
    return model


@dataclass(frozen=True)
class StoredCalibration:
    normaliser: Normaliser
    chunks: int  # the collection's size when calibrated


def stored_calibration(conn: Conn, collection: str) -> StoredCalibration | None:
    row = conn.execute(
        "SELECT model, chunks FROM collection_calibration WHERE collection = %s", (collection,)
    ).fetchone()
    if row is None:
        return None
    try:
        return StoredCalibration(Normaliser.from_json(row["model"]), row["chunks"])
    except (ValueError, KeyError):
        return None  # calibrated on other signals: recalibrate
