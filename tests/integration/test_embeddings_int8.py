"""The int8 MiniLM (ANSWERLOOP_EMBEDDINGS=local-int8): close to fp32 on real text, its own name, and end to end
through `kb ingest` and `ask`; a collection embedded by the other model is refused, then re-embedded by an ingest."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core import db
from core.settings import Settings
from tests.support.cli_runner import run_cli
from workers.embeddings import LocalEmbedder, LocalInt8Embedder, get_embedder
from workers.kb.chunking import chunk_document
from workers.kb.parsing import format_of, parse_bytes
from workers.kb.sentences import quotable_sentences

SAMPLE_KB = Path(__file__).resolve().parents[2] / "core" / "sample_kb"
QUESTION = "How long before an unacknowledged page escalates to the secondary?"


@pytest.fixture(scope="module")
def int8_embedder() -> LocalInt8Embedder:
    return LocalInt8Embedder()


def sample_texts(per_collection: int = 40) -> list[str]:
    """Quotable sentences and chunk texts of the sample KB's handbook and celery docs (every few files)."""
    texts: list[str] = []
    settings = Settings(embeddings="none", llm=None)
    for collection in ("handbook", "celery"):
        picked: list[str] = []
        for path in sorted((SAMPLE_KB / collection).rglob("*"))[::3]:
            fmt = format_of(path)
            if fmt is None or not path.is_file():
                continue
            doc = parse_bytes(path.read_bytes(), fmt, path.name, path.stem)
            for chunk in chunk_document(doc, max_chars=settings.chunk_max_chars):
                picked.append(chunk.embedding_text())
                picked.extend(quotable_sentences(chunk.content)[:2])
        texts.extend(picked[:per_collection])
    return texts


def test_int8_vectors_match_fp32_on_real_text(local_embedder, int8_embedder):
    texts = sample_texts()
    assert len(texts) == 80
    fp32, int8 = local_embedder.embed(texts), int8_embedder.embed(texts)
    assert int8.shape == fp32.shape == (80, 384) and int8.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(int8, axis=1), 1.0, rtol=1e-5)
    cosines = np.sum(fp32 * int8, axis=1)
    assert cosines.min() >= 0.98, sorted(cosines)[:5]
    assert not np.array_equal(fp32, int8)  # really another computation, not the fp32 model under a new name


def test_int8_has_its_own_name_and_setting(int8_embedder):
    assert int8_embedder.name != LocalEmbedder.name and int8_embedder.dim == LocalEmbedder.dim
    assert isinstance(get_embedder(Settings(embeddings="local-int8", llm=None)), LocalInt8Embedder)
    assert type(get_embedder(Settings(embeddings="local", llm=None))) is LocalEmbedder


def stored_models(url: str) -> tuple[set[str], set[str]]:
    with db.connect(url) as conn:
        docs = {r["m"] for r in conn.execute("SELECT DISTINCT embedding_model AS m FROM documents")}
        cache = {r["m"] for r in conn.execute("SELECT DISTINCT model AS m FROM embedding_cache")}
    return docs, cache


def test_ingest_and_ask_with_int8_then_switching_models_needs_a_reingest(clean_db):
    handbook = str(SAMPLE_KB / "handbook")
    r = run_cli(clean_db, "kb", "ingest", handbook, "-c", "handbook", "--inline", "--json", embeddings="local-int8")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["chunks_written"] > 0
    docs, cache = stored_models(clean_db)
    # The embedding cache outlives clean_db (other tests' models stay in it): this ingest's model is there too.
    assert docs == {LocalInt8Embedder.name} and LocalInt8Embedder.name in cache

    r = run_cli(clean_db, "ask", QUESTION, "-c", "handbook", "--json", embeddings="local-int8")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["status"] == "answered" and "10 minutes" in out["answer"]
    assert out["citations"][0]["link"].endswith("on-call.md#paging-and-escalation")

    # Asked with the fp32 model, the int8 vectors are not compared with its question: a clear error.
    r = run_cli(clean_db, "ask", QUESTION, "-c", "handbook", embeddings="local")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert LocalInt8Embedder.name in r.stderr and "Re-ingest" in r.stderr

    # Ingesting with the fp32 model re-embeds every document (its own cache rows), then fp32 answers.
    r = run_cli(clean_db, "kb", "ingest", handbook, "-c", "handbook", "--inline", "--json", embeddings="local")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["unchanged"] == 0 and report["updated"] == 7
    docs, cache = stored_models(clean_db)
    assert docs == {LocalEmbedder.name} and {LocalEmbedder.name, LocalInt8Embedder.name} <= cache
    r = run_cli(clean_db, "ask", QUESTION, "-c", "handbook", "--json", embeddings="local")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["status"] == "answered"
