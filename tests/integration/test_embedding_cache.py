"""The content-addressed embedding cache against real Postgres: each distinct text reaches the model once, across
re-ingests, changed files, identical files and collections; the vectors stored are the model's for that text."""

from __future__ import annotations

import hashlib
import shutil
import uuid

import numpy as np
import pytest

from core import db
from tests.conftest import SAMPLE_KB, make_settings
from workers.kb.embedding_cache import BUCKET_FLOOR_CHARS, BUCKET_RATIO, PersistentEmbeddingCache
from workers.kb.ingest import ingest_folder


class CountingEmbedder:
    """Deterministic vectors from the text's hash; records every batch it was asked to embed."""

    dim = 384

    def __init__(self) -> None:
        self.name = f"test:counting-{uuid.uuid4().hex[:8]}"  # a model of its own: no other test's cache rows
        self.batches: list[list[str]] = []

    @staticmethod
    def vector(text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(384).astype(np.float32)
        return v / np.linalg.norm(v)

    def embed(self, texts: list[str]) -> np.ndarray:
        self.batches.append(list(texts))
        return np.stack([self.vector(t) for t in texts]) if texts else np.zeros((0, 384), np.float32)

    @property
    def texts(self) -> list[str]:
        return [t for b in self.batches for t in b]


@pytest.fixture()
def kb(tmp_path):
    root = tmp_path / "kb"
    shutil.copytree(SAMPLE_KB / "handbook", root)
    return root


def _ingest(url, root, embedder, collection="handbook"):
    with db.connect(url) as conn:
        return ingest_folder(conn, root, collection, embedder=embedder, settings=make_settings(url))


def _stored(url) -> dict[str, list[np.ndarray]]:
    with db.connect(url) as conn:
        rows = conn.execute(
            "SELECT array_to_string(c.heading_path, ' > ') || E'\\n' || c.content AS text, c.embedding "
            "FROM chunks c UNION ALL SELECT s.text, s.embedding FROM chunk_sentences s"
        ).fetchall()
    out: dict[str, list[np.ndarray]] = {}
    for r in rows:
        out.setdefault(r["text"], []).append(np.asarray(r["embedding"].to_numpy(), dtype=np.float32))
    return out


def test_each_distinct_text_is_embedded_once_and_stored_vectors_are_the_models(clean_db, kb):
    (kb / "copy-of-on-call.md").write_bytes((kb / "on-call.md").read_bytes())  # an identical page
    model = CountingEmbedder()
    report = _ingest(clean_db, kb, model)
    assert report.failed == [] and len(report.added) == 8
    embedded = model.texts
    assert len(embedded) == len(set(embedded)), "a text reached the model twice"
    stored = _stored(clean_db)
    assert set(stored) <= set(embedded)
    for text, vectors in stored.items():  # every stored vector is the model's vector of exactly that text
        for v in vectors:
            np.testing.assert_allclose(v, CountingEmbedder.vector(text), atol=1e-6)


def test_reingest_of_a_changed_file_embeds_only_new_text(clean_db, kb):
    model = CountingEmbedder()
    _ingest(clean_db, kb, model)
    first = set(model.texts)
    model.batches.clear()

    page = kb / "code-review.md"
    page.write_text(
        page.read_text() + "\n\n## Review etiquette\n\nAsk questions about the code, never about the author.\n"
    )
    report = _ingest(clean_db, kb, model)
    assert report.updated == ["code-review.md"] and len(report.unchanged) == 6
    new = model.texts
    assert new, "the new section must be embedded"
    assert not set(new) & first, "text embedded by the first ingest went to the model again"
    assert any("never about the author" in t for t in new)
    with db.connect(clean_db) as conn:
        n = db.one(conn.execute("SELECT count(*) AS n FROM embedding_cache WHERE model = %s", (model.name,)))["n"]
    assert n == len(first) + len(new)

    model.batches.clear()
    again = _ingest(clean_db, kb, model, collection="handbook-copy")  # same pages, another collection
    assert len(again.added) == 7 and model.texts == []


def test_a_new_process_reads_the_cache_from_postgres(clean_db, kb):
    model = CountingEmbedder()
    _ingest(clean_db, kb, model)
    with db.connect(clean_db) as conn:
        conn.execute("DELETE FROM documents")  # documents gone; the cache stays
        conn.commit()
        fresh = CountingEmbedder()
        fresh.name = model.name
        cache = PersistentEmbeddingCache(conn, fresh)
        texts = sorted(set(model.texts))[:50]
        vectors = cache.embed(texts + texts[:5])
    assert fresh.texts == [] and cache.stats.hits == 50 and cache.stats.embedded == 0
    np.testing.assert_allclose(vectors[3], CountingEmbedder.vector(texts[3]), atol=1e-6)
    np.testing.assert_allclose(vectors[52], CountingEmbedder.vector(texts[2]), atol=1e-6)


def test_missing_texts_go_to_the_model_in_length_buckets(clean_db):
    rng = np.random.default_rng(3)
    texts = [" ".join(["word"] * int(n)) + f" {i}" for i, n in enumerate(rng.integers(1, 300, 40))]
    model = CountingEmbedder()
    with db.connect(clean_db) as conn:
        cache = PersistentEmbeddingCache(conn, model, batch_size=8)
        vectors = cache.embed(texts)
    assert sorted(t for b in model.batches for t in b) == sorted(texts)  # each text once
    assert all(len(b) <= 8 for b in model.batches) and len(model.batches) > 5  # full batches cut by length too
    for a, b in zip(model.batches, model.batches[1:], strict=False):
        assert max(map(len, a)) <= min(map(len, b))  # sorted by length across batches
    for b in model.batches:  # no short text padded to a much longer one's length
        assert max(map(len, b)) <= BUCKET_RATIO * max(min(map(len, b)), BUCKET_FLOOR_CHARS)
    for text, v in zip(texts, vectors, strict=True):  # and every row is back in the caller's order
        np.testing.assert_allclose(v, CountingEmbedder.vector(text), atol=1e-6)
