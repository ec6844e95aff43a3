"""Content-addressed embeddings in Postgres: (model, sha256 of the text) → vector, so each distinct text is
embedded once. Missing texts are embedded in batches of similar length (padding to the longest text of a batch
is what a transformer pays for), then stored for every later ingest, re-sync and collection."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from core.db import Conn
from workers.embeddings import Embedder


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


@dataclass
class CacheStats:
    requested: int = 0  # texts asked for (with repeats)
    hits: int = 0  # distinct texts found in Postgres or in this run's memory
    embedded: int = 0  # distinct texts the model embedded
    model_batches: int = 0


def _as_array(value: object) -> np.ndarray:
    """A pgvector column as float32 (pgvector's Vector for an untyped `vector` column, or an ndarray)."""
    to_numpy = getattr(value, "to_numpy", None)
    return np.asarray(to_numpy() if to_numpy else value, dtype=np.float32)


# A batch is padded to its longest text: a text more than BUCKET_RATIO times as long as the batch's first (shortest)
# one starts a new batch. Without this cut, a group of a few documents sorted by length put its longest sentences
# and its shortest chunks in one batch, padding dozens of 30-token sentences to 250 tokens: measured on typer's
# pages in groups of 4 files, 1.9x the token slots of one global sort; with it, 1.03x (bench/results/ingest.md).
BUCKET_RATIO = 2.0
BUCKET_FLOOR_CHARS = 64  # texts shorter than this cost about the same: one bucket


def length_buckets(items: Sequence[tuple[bytes, str]], batch_size: int) -> list[list[tuple[bytes, str]]]:
    """(key, text) pairs sorted by text length and cut into model batches of at most `batch_size` texts of about
    the same length (the longest at most BUCKET_RATIO times the shortest, short texts counted as
    BUCKET_FLOOR_CHARS)."""
    batches: list[list[tuple[bytes, str]]] = []
    current: list[tuple[bytes, str]] = []
    for item in sorted(items, key=lambda kt: len(kt[1])):
        if current and (
            len(current) >= batch_size or len(item[1]) > BUCKET_RATIO * max(len(current[0][1]), BUCKET_FLOOR_CHARS)
        ):
            batches.append(current)
            current = []
        current.append(item)
    if current:
        batches.append(current)
    return batches


class PersistentEmbeddingCache:
    """An `Embedder` in front of another, backed by the `embedding_cache` table through `conn` (rows are written
    in the caller's transaction). `prefetch` loads or computes a whole group of texts at once — several documents'
    chunks and sentences — so the model sees full, length-sorted batches; `embed` then serves them from memory."""

    def __init__(self, conn: Conn, inner: Embedder, *, batch_size: int = 64, memory_limit: int = 50_000) -> None:
        self.conn = conn
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.batch_size = max(1, batch_size)
        self.memory_limit = memory_limit
        self.stats = CacheStats()
        self._memory: dict[bytes, np.ndarray] = {}

    def prefetch(self, texts: Iterable[str]) -> None:
        if not self.dim:
            return
        wanted: dict[bytes, str] = {}
        for text in texts:
            key = text_key(text)
            if key not in self._memory:
                wanted.setdefault(key, text)
        if not wanted:
            return
        if len(self._memory) + len(wanted) > self.memory_limit:
            self._memory.clear()
        rows = self.conn.execute(
            "SELECT text_sha256, embedding FROM embedding_cache WHERE model = %s AND text_sha256 = ANY(%s)",
            (self.name, list(wanted)),
        ).fetchall()
        for row in rows:
            vector = _as_array(row["embedding"])
            if vector.shape == (self.dim,):
                self._memory[bytes(row["text_sha256"])] = vector
        self.stats.hits += sum(1 for k in wanted if k in self._memory)
        missing = [(k, t) for k, t in wanted.items() if k not in self._memory]
        if missing:
            self._embed_and_store(missing)

    def _embed_and_store(self, missing: Sequence[tuple[bytes, str]]) -> None:
        rows = []
        for batch in length_buckets(missing, self.batch_size):
            vectors = self.inner.embed([t for _, t in batch])
            self.stats.model_batches += 1
            for (key, _), vector in zip(batch, vectors, strict=True):
                vector = np.asarray(vector, dtype=np.float32)
                self._memory[key] = vector
                rows.append((self.name, key, vector))
        self.stats.embedded += len(missing)
        with self.conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO embedding_cache (model, text_sha256, embedding) VALUES (%s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                rows,
            )

    def embed(self, texts: list[str]) -> np.ndarray:
        if not self.dim or not texts:
            return self.inner.embed(texts)
        self.stats.requested += len(texts)
        keys = [text_key(t) for t in texts]
        if any(k not in self._memory for k in keys):
            self.prefetch(texts)
        return np.stack([self._memory[k] for k in keys]).astype(np.float32, copy=False)

    def forget(self) -> None:
        """Drop the in-memory copies (Postgres keeps them)."""
        self._memory.clear()
