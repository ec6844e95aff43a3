"""Latency and ingestion-speed benchmark.

    python bench/latency_bench.py [--chunks 50000 | --quick] [--questions 200] [--real-filler-embeddings]

Uses its own database (``answerloop_bench_latency`` on the embedded Postgres under ``$ANSWERLOOP_BENCH_HOME``),
emptied at start.

(a) Ingestion speed: ``ingest_folder`` over the sample KB (``core/sample_kb/celery`` + ``handbook``) with
    ``NoEmbedder`` and with ``LocalEmbedder`` (MiniLM), fresh tables each time, same run; chunks/s and the
    share of the time spent inside ``embed``.
(b) Query latency: ``Pipeline.ask(record=True)`` with the extractive answerer over ``--questions`` questions
    cycled from ``bench/data/retrieval_eval.jsonl`` (after 5 warm-up questions) on the small KB (sample only),
    then on a large KB (sample + deterministic synthetic filler up to ``--chunks`` chunks in total), in the same
    run; p50 / p95 per pipeline stage and the large/small ratio.

Filler: Markdown files written to a temporary folder and ingested through the real parser, chunker and store
(``ingest_folder(..., delete_missing=False)``), split evenly between the two collections the questions search.
Each section is one paragraph of 3–6 sentences drawn with a seeded RNG from the sample chunks of the same
collection (so every section is exactly one chunk). Filler vectors are by default *mixtures*: the normalised
sum of the real MiniLM vectors of the paragraph's sentences (each pool sentence is embedded once). Embedding
tens of thousands of real chunks with MiniLM on two CPU cores takes far longer than the bench's time budget
(see the measured LocalEmbedder ingestion rate in (a)); the vectors only need to be realistic enough for the
HNSW index and the planner to do the work they do at that size. ``--real-filler-embeddings`` embeds the filler
with MiniLM instead (slow).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from common import (
    COLLECTIONS,
    RESULTS,
    SAMPLE_KB,
    IngestTiming,
    active_params,
    bench_database,
    database_stats,
    fmt,
    header,
    ingest_sample,
    load_eval,
    make_settings,
    percentile,
    reset_database,
    write_report,
)

DEFAULT_OUT = RESULTS / "latency.md"
STAGES = ("guard_in", "embed", "retrieve", "gate", "generate", "ground", "guard_out", "record", "total")
WARMUP = 5
SEED = 20240601
SECTIONS_PER_FILE = 50
MAX_PARAGRAPH = 1100  # < chunk_max_chars (1200): one section = one chunk
POOL_PER_COLLECTION = 1000
_MD_SPECIAL = set("`*_[]<>|#~\\")


# ---------------------------------------------------------------------------------------------- embedders


class TimedEmbedder:
    """Delegates to another embedder, adds up the time spent in embed() and optionally keeps the vectors."""

    def __init__(self, inner, record: dict[str, np.ndarray] | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.seconds = 0.0
        self.record = record

    def embed(self, texts: list[str]) -> np.ndarray:
        t0 = time.perf_counter()
        try:
            vectors = self.inner.embed(texts)
        finally:
            self.seconds += time.perf_counter() - t0
        if self.record is not None:
            self.record.update(zip(texts, vectors, strict=True))
        return vectors


class ReplayEmbedder:
    """Returns vectors recorded earlier for the same texts (same model name); embeds anything else."""

    def __init__(self, cache: dict[str, np.ndarray], real) -> None:
        self.cache = cache
        self.real = real
        self.name = real.name
        self.dim = real.dim
        self.fallbacks = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in texts if t not in self.cache]
        if missing:
            self.fallbacks += len(missing)
            self.cache.update(zip(missing, self.real.embed(missing), strict=True))
        return np.stack([self.cache[t] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)


class MixtureEmbedder:
    """Filler vectors: the normalised sum of the real vectors of the sentences a filler paragraph was built from.
    Texts it did not generate (there should be none) fall back to the real embedder and are counted."""

    name = "bench-mixture:all-MiniLM-L6-v2"

    def __init__(self, real, sentence_vectors: np.ndarray, paragraphs: dict[str, tuple[int, ...]]) -> None:
        self.real = real
        self.dim = real.dim
        self.vectors = sentence_vectors
        self.paragraphs = paragraphs
        self.fallbacks = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        unknown = []
        for i, text in enumerate(texts):
            content = text.split("\n", 1)[1] if "\n" in text else text
            idx = self.paragraphs.get(content)
            if idx is None:
                unknown.append(i)
                continue
            v = self.vectors[list(idx)].sum(axis=0)
            out[i] = v / max(float(np.linalg.norm(v)), 1e-12)
        if unknown:
            self.fallbacks += len(unknown)
            out[unknown] = self.real.embed([texts[i] for i in unknown])
        return out


# ---------------------------------------------------------------------------------------------- filler


def sentence_pools(url: str, rng: random.Random) -> dict[str, list[str]]:
    """Prose sentences of the sample chunks, per collection, safe to put in a Markdown paragraph verbatim."""
    from core import db
    from guardrails.text import sentences

    pools: dict[str, list[str]] = {}
    with db.connect(url) as conn:
        for collection in COLLECTIONS:
            rows = conn.execute(
                "SELECT content FROM chunks WHERE collection = %s ORDER BY id", (collection,)
            ).fetchall()
            seen: set[str] = set()
            pool: list[str] = []
            for r in rows:
                for s in sentences(r["content"]):
                    s = " ".join(s.split())
                    if (
                        30 <= len(s) <= 300
                        and s not in seen
                        and not _MD_SPECIAL & set(s)
                        and s[0].isalpha()
                        and sum(ch.isalpha() for ch in s) > 0.7 * len(s)
                    ):
                        seen.add(s)
                        pool.append(s)
            rng.shuffle(pool)
            pools[collection] = pool[:POOL_PER_COLLECTION]
    return pools


@dataclass
class Filler:
    root: Path
    files: int = 0
    sections: int = 0
    sentences: list[str] = field(default_factory=list)
    paragraphs: dict[str, tuple[int, ...]] = field(default_factory=dict)


def write_filler(root: Path, n_sections: int, pools: dict[str, list[str]], rng: random.Random) -> Filler:
    """Markdown files under root/<collection>/filler/, alternating collections, SECTIONS_PER_FILE sections each."""
    filler = Filler(root)
    offsets: dict[str, int] = {}
    for collection in COLLECTIONS:
        offsets[collection] = len(filler.sentences)
        filler.sentences.extend(pools[collection])
        (root / collection / "filler").mkdir(parents=True, exist_ok=True)
    doc = 0
    while filler.sections < n_sections:
        doc += 1
        collection = COLLECTIONS[(doc - 1) % len(COLLECTIONS)]
        pool, base = pools[collection], offsets[collection]
        count = min(SECTIONS_PER_FILE, n_sections - filler.sections)
        lines = [f"# Filler {collection} {doc:05d}", ""]
        for sec in range(1, count + 1):
            picks: list[int] = []
            length = 0
            for i in rng.sample(range(len(pool)), rng.randint(3, 6)):
                if picks and length + len(pool[i]) + 1 > MAX_PARAGRAPH:
                    break
                picks.append(i)
                length += len(pool[i]) + 1
            paragraph = " ".join(pool[i] for i in picks)
            if paragraph in filler.paragraphs:  # vanishingly rare; keep every chunk distinct
                paragraph += f" Note {doc}.{sec}."
                filler.sentences.append(f"Note {doc}.{sec}.")
                picks.append(len(filler.sentences) - 1 - base)
            filler.paragraphs[paragraph] = tuple(base + i for i in picks)
            title = " ".join(pool[rng.randrange(len(pool))].split()[:6]).rstrip(".,;:!?")
            lines += [f"## {title} ({doc}.{sec})", "", paragraph, ""]
        (root / collection / "filler" / f"doc-{doc:05d}.md").write_text("\n".join(lines), encoding="utf-8")
        filler.files += 1
        filler.sections += count
    return filler


# ---------------------------------------------------------------------------------------------- latency


@dataclass
class LatencyRun:
    label: str
    chunks: int
    documents: int
    db_bytes: int
    chunks_bytes: int
    timings: list[dict] = field(default_factory=list)
    walls: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    plans: list[tuple[str, str, float]] = field(default_factory=list)  # (query, plan summary, ms)

    @classmethod
    def of(cls, label: str, stats: dict) -> LatencyRun:
        return cls(label, stats["chunks"], stats["documents"], stats["db_bytes"], stats["chunks_bytes"])

    def values(self, stage: str) -> list[float]:
        if stage == "wall":
            return self.walls
        return [t[stage] for t in self.timings if stage in t]


def time_questions(pipelines: dict, runs: dict[str, LatencyRun], questions: list[dict], n: int) -> None:
    """Warm up each pipeline, then ask each question on both KBs back to back, alternating which goes first,
    so that both see the same machine load."""
    for rec in questions[:WARMUP]:
        for pipeline in pipelines.values():
            pipeline.ask(rec["question"], [rec["collection"]], record=True, source="bench-warmup")
    labels = list(pipelines)
    for i in range(n):
        rec = questions[i % len(questions)]
        for label in labels if i % 2 == 0 else labels[::-1]:
            run_ = runs[label]
            t0 = time.perf_counter()
            out = pipelines[label].ask(rec["question"], [rec["collection"]], record=True, source="bench")
            run_.walls.append((time.perf_counter() - t0) * 1000)
            run_.timings.append(out.timings_ms)
            run_.statuses[out.status] = run_.statuses.get(out.status, 0) + 1


def vacuum_analyze(url: str) -> float:
    import psycopg

    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE chunks, documents")
    return time.perf_counter() - t0


def explain(url: str, question: dict, vector: np.ndarray) -> list[tuple[str, str, float]]:
    """EXPLAIN ANALYZE of the two retrieval queries for one question: the plan's scan nodes and its time."""
    from core import db
    from workers import retrieval

    out = []
    params = {"q": question["question"], "collections": [question["collection"]], "n": 40}
    with db.connect(url) as conn:
        for name, sql, extra in (
            ("fts", retrieval._FTS_SQL, {}),
            ("vector", retrieval._VECTOR_SQL.format(dim=vector.shape[0]), {"v": vector}),
        ):
            if name == "vector":
                retrieval._vector_settings(conn, 40)
            plan = conn.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, {**params, **extra}).fetchone()
            plan = plan["QUERY PLAN"][0]
            out.append((name, _scan_nodes(plan["Plan"]), float(plan["Execution Time"])))
            conn.rollback()
    return out


def _scan_nodes(node: dict) -> str:
    found: list[str] = []

    def walk(n: dict) -> None:
        kind = n["Node Type"]
        if "Scan" in kind:
            index = f" {n['Index Name']}" if n.get("Index Name") else ""
            label = f"{kind}{index} ({n.get('Actual Rows', '?')} rows)"
            if label not in found:
                found.append(label)
        for child in n.get("Plans", []):
            walk(child)

    walk(node)
    return "; ".join(found)


def run(n_chunks: int, n_questions: int, real_filler: bool) -> str:
    from core import db
    from guardrails.pii import PiiGuard
    from workers.embeddings import LocalEmbedder, NoEmbedder
    from workers.kb.ingest import ingest_folder
    from workers.pipeline import Pipeline

    started = time.perf_counter()
    small_url, large_url = bench_database("latency_small"), bench_database("latency_large")
    for url in (small_url, large_url):
        reset_database(url)
    t0 = time.perf_counter()
    local = LocalEmbedder()
    local.embed(["warm-up"])
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    guard = PiiGuard()
    guard_s = time.perf_counter() - t0
    records = load_eval()

    # (a) ingestion speed on the small database, fresh tables for each embedder; the MiniLM run stays as the
    # small KB and its vectors are kept so the large KB gets the same sample without embedding it again.
    small_settings = make_settings(small_url)
    ingest_runs: list[tuple[str, list[IngestTiming], float]] = []
    cache: dict[str, np.ndarray] = {}
    for embedder in (NoEmbedder(), local):
        reset_database(small_url)
        timed = TimedEmbedder(embedder, record=cache if embedder is local else None)
        ingest_runs.append((embedder.name, ingest_sample(small_url, timed, small_settings), timed.seconds))
    failed = [f for _, timings, _ in ingest_runs for t in timings for f in t.failed]
    vacuum_analyze(small_url)

    # Large KB: the same sample (replayed vectors) + filler.
    large_settings = make_settings(large_url)
    replay = ReplayEmbedder(cache, local)
    ingest_sample(large_url, replay, large_settings)
    rng = random.Random(SEED)
    sample_chunks = database_stats(small_url)["chunks"]
    with tempfile.TemporaryDirectory(prefix="answerloop-filler-") as tmp:
        t0 = time.perf_counter()
        pools = sentence_pools(small_url, rng)
        filler = write_filler(Path(tmp), max(0, n_chunks - sample_chunks), pools, rng)
        gen_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        if real_filler:
            filler_embedder = TimedEmbedder(local)
            pool_embed_s = 0.0
        else:
            sentence_vectors = local.embed(filler.sentences)
            pool_embed_s = time.perf_counter() - t0
            filler_embedder = TimedEmbedder(MixtureEmbedder(local, sentence_vectors, filler.paragraphs))
        t0 = time.perf_counter()
        filler_chunks = 0
        filler_failed = []
        with db.connect(large_url) as conn:
            for collection in COLLECTIONS:
                report = ingest_folder(
                    conn,
                    Path(tmp) / collection,
                    collection,
                    embedder=filler_embedder,
                    settings=large_settings,
                    delete_missing=False,
                )
                filler_chunks += report.chunks_written
                filler_failed += report.failed
        filler_ingest_s = time.perf_counter() - t0
    vacuum_s = vacuum_analyze(large_url)

    small = LatencyRun.of("small (sample KB)", database_stats(small_url))
    large = LatencyRun.of("large (sample + filler)", database_stats(large_url))
    q_vec = local.embed([records[0]["question"]])[0]
    small.plans = explain(small_url, records[0], q_vec)
    large.plans = explain(large_url, records[0], q_vec)
    pipelines = {
        small.label: Pipeline(small_settings, guard=guard, embedder=local, database_url=small_url),
        large.label: Pipeline(large_settings, guard=guard, embedder=local, database_url=large_url),
    }
    time_questions(pipelines, {small.label: small, large.label: large}, records, n_questions)
    db.close_pools()
    version_id, params = active_params(small_url)
    fallbacks = getattr(filler_embedder.inner, "fallbacks", 0) + replay.fallbacks

    # ------------------------------------------------------------------------------------------ report
    lines = header("Latency and ingestion benchmark", small_url, large_url)
    lines += [
        "",
        f"Model load: MiniLM {load_s:.1f} s, PiiGuard {guard_s:.1f} s (once per process, not in the numbers below). "
        "Wall-clock numbers on a shared machine: compare ratios rather than absolute values.",
        "",
        "## (a) Ingestion speed: sample KB (celery + handbook), fresh tables",
        "",
        "| embedder | collection | files | chunks | seconds | chunks/s | time in embed() |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, timings, embed_s in ingest_runs:
        for t in timings:
            lines.append(f"| `{name}` | {t.collection} | {t.files} | {t.chunks} | {t.seconds:.1f} | {t.rate:.1f} | |")
        total_chunks = sum(t.chunks for t in timings)
        total_s = sum(t.seconds for t in timings)
        lines.append(
            f"| `{name}` | **total** | {sum(t.files for t in timings)} | {total_chunks} | {total_s:.1f} "
            f"| **{total_chunks / total_s:.1f}** | {embed_s:.1f} s ({embed_s / total_s:.0%}) |"
        )
    if failed:
        lines.append(f"\nFailed files: {failed}")
    lines += [
        "",
        "“time in embed()” = time inside the embedder's `embed` (MiniLM on CPU, batch 64, one call per document); "
        "the rest is reading, parsing, chunking and the INSERTs (tsvector generation, GIN and HNSW index upkeep).",
        "",
        "## (b) Knowledge bases",
        "",
        "Two databases on the same server: `answerloop_bench_latency_small` holds the sample KB from (a); "
        "`answerloop_bench_latency_large` holds the same sample (its MiniLM vectors replayed from (a), not "
        "recomputed) plus the filler. Both collections (`celery`, `handbook`) grow: filler files alternate "
        "between them.",
        "",
        "| KB | chunks | documents | database size | chunks table + indexes |",
        "|---|---:|---:|---:|---:|",
    ]
    for run_ in (small, large):
        lines.append(
            f"| {run_.label} | {run_.chunks:,} | {run_.documents:,} | "
            f"{run_.db_bytes / 2**20:,.1f} MiB | {run_.chunks_bytes / 2**20:,.1f} MiB |"
        )
    filler_how = (
        "embedded with MiniLM (`--real-filler-embeddings`)"
        if real_filler
        else f"mixture vectors from {len(filler.sentences):,} pool sentences embedded with MiniLM in "
        f"{pool_embed_s:.1f} s" + (f" ({fallbacks} texts fell back to real embedding)" if fallbacks else "")
    )
    lines += [
        "",
        f"Filler: {filler.files:,} Markdown files, {filler.sections:,} sections (seed {SEED}), generated in "
        f"{gen_s:.1f} s; {filler_how}; ingested through `ingest_folder` in {filler_ingest_s:.1f} s = "
        f"{filler_chunks / max(filler_ingest_s, 1e-9):.0f} chunks/s with {filler_embedder.seconds:.1f} s in embed() "
        f"({filler_chunks:,} chunks written{', failures: ' + str(filler_failed) if filler_failed else ''}). "
        f"`VACUUM ANALYZE chunks, documents` after each KB is loaded (took {vacuum_s:.1f} s on the large one).",
        "",
        "## (b) `Pipeline.ask(record=True)` latency per stage (ms)",
        "",
        f"{n_questions} questions per KB, cycled from `bench/data/retrieval_eval.jsonl` ({len(records)} questions, "
        f"each restricted to its own collection), after {WARMUP} warm-up questions; extractive answerer with the "
        f"MiniLM embedder, prompt version {version_id} (top_k={params['top_k']}, candidates={params['candidates']}, "
        f"abstain_threshold={params['abstain_threshold']}). Stages come from `AnswerResult.timings_ms`; "
        "generate / ground only run when the gate passes (n = questions where the stage ran). "
        "`wall` is measured outside `ask()`, as a cross-check of `total`. "
        "Each question is asked on both KBs back to back (alternating which goes first), so both see the same "
        "machine load. Only `retrieve` (and `record`, a single INSERT) touch the knowledge base; guard_in / "
        "embed / guard_out depend on the question alone, and generate / ground on the passages retrieved (the "
        "extractive answerer embeds up to 48 of their sentences), so their ratios measure noise or a change in "
        "the passages, not the KB size.",
        "",
        "| stage | n small | small p50 | small p95 | n large | large p50 | large p95 | ratio p50 | ratio p95 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for stage in (*STAGES, "wall"):
        s, lg = small.values(stage), large.values(stage)
        s50, s95, l50, l95 = percentile(s, 50), percentile(s, 95), percentile(lg, 50), percentile(lg, 95)
        lines.append(
            f"| {'**' + stage + '**' if stage in ('retrieve', 'total') else stage} | {len(s)} | {fmt(s50, 1)} "
            f"| {fmt(s95, 1)} | {len(lg)} | {fmt(l50, 1)} | {fmt(l95, 1)} | {_ratio(l50, s50)} | {_ratio(l95, s95)} |"
        )
    paired = {
        stage: percentile(
            [lg[stage] / sm[stage] for sm, lg in zip(small.timings, large.timings, strict=True) if sm.get(stage)], 50
        )
        for stage in ("retrieve", "total")
    }
    lines += [
        "",
        "Paired per question (same question on both KBs), median of large/small: "
        + ", ".join(f"{stage} {fmt(v, 2)}×" for stage, v in paired.items())
        + ".",
        "",
        "Outcomes: "
        + "; ".join(
            f"{r.label}: " + ", ".join(f"{k} {v}" for k, v in sorted(r.statuses.items())) for r in (small, large)
        )
        + ".",
        "",
        "## Query plans (first question, EXPLAIN ANALYZE, 40 candidates)",
        "",
        "| KB | query | scan nodes | execution ms |",
        "|---|---|---|---:|",
    ]
    for run_ in (small, large):
        for name, nodes, ms in run_.plans:
            lines.append(f"| {run_.label} | {name} | {nodes} | {ms:.1f} |")
    lines += ["", f"Wall clock for the whole bench: {time.perf_counter() - started:.0f} s."]
    return "\n".join(lines) + "\n"


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b <= 0:
        return "–"
    return f"{a / b:.2f}×"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Latency and ingestion benchmark")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--chunks", type=int, default=50_000, help="chunks in the large KB (sample + filler)")
    size.add_argument("--quick", action="store_true", help="a 5,000-chunk large KB, for a fast check")
    parser.add_argument("--questions", type=int, default=200, help="timed questions per KB (after 5 warm-up)")
    parser.add_argument(
        "--real-filler-embeddings", action="store_true", help="embed the filler with MiniLM (slow) instead of mixtures"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    n_chunks = 5_000 if args.quick else args.chunks
    if not SAMPLE_KB.exists():
        parser.error(f"{SAMPLE_KB} is missing")
    write_report(run(n_chunks, args.questions, args.real_filler_embeddings), args.out)


if __name__ == "__main__":
    sys.exit(main())
