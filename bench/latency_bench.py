"""Latency and ingestion-speed benchmark.

    python bench/latency_bench.py [--chunks 50000 | --quick] [--questions 200] [--real-filler-embeddings]

Uses its own databases (``answerloop_bench_latency_small`` / ``_large`` on the embedded Postgres under
``$ANSWERLOOP_BENCH_HOME``), re-created at start.

(a) Ingestion speed: ``ingest_folder`` over the sample KB (``core/sample_kb/celery`` + ``handbook``) with
    ``NoEmbedder`` and with ``LocalEmbedder`` (MiniLM), fresh tables each time, same run; chunks/s and the
    share of the time spent inside ``embed`` (chunks and their quotable sentences). Ingest also writes the BM25
    postings (``chunk_terms``, df/stats kept by triggers) and the quotable sentences (``chunk_sentences``).
(b) Knowledge bases: the small KB (sample only) and a large KB (sample + deterministic synthetic filler up to
    ``--chunks`` chunks in total). After each is loaded: ``VACUUM ANALYZE``, then each collection's answerability
    calibration is computed and stored (outside the timed part, so the first question does not pay for it).
(c) Query latency: ``Pipeline.ask(record=True)`` with the extractive answerer over ``--questions`` questions
    cycled from ``bench/data/retrieval_eval.jsonl`` (after 5 warm-up questions), in two configurations on each
    KB, question by question in the same run: ``before`` (mode ``hybrid_v1`` = ts_rank + HNSW, params
    ``fusion=rrf, gate=relevance``) and ``now`` (the defaults: BM25 + HNSW, score fusion, calibrated gate);
    p50 / p95 per pipeline stage, the now/before ratios and the large/small ratios.

Filler: Markdown files written to a temporary folder and ingested through the real parser, chunker and store
(``ingest_folder(..., delete_missing=False)``), split evenly between the two collections the questions search.
Each section is one paragraph of 3–6 sentences drawn with a seeded RNG from the sample chunks of the same
collection (so every section is exactly one chunk). Filler vectors are by default *mixtures*: the normalised
sum of the real MiniLM vectors of the paragraph's sentences (each pool sentence is embedded once); a quotable
sentence of a filler chunk that is a pool sentence gets that sentence's own MiniLM vector. Embedding tens of
thousands of real chunks with MiniLM on two CPU cores takes far longer than the bench's time budget (see the
measured LocalEmbedder ingestion rate in (a)); the vectors only need to be realistic enough for the HNSW index
and the planner to do the work they do at that size. ``--real-filler-embeddings`` embeds the filler with MiniLM
instead (slow).
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
    calibrate_collections,
    database_stats,
    fmt,
    header,
    ingest_sample,
    load_eval,
    make_settings,
    percentile,
    reset_database,
    search_index_stats,
    write_report,
)

DEFAULT_OUT = RESULTS / "latency.md"
STAGES = ("guard_in", "embed", "retrieve", "assess", "gate", "generate", "ground", "guard_out", "record", "total")
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
    """Filler vectors: the normalised sum of the real vectors of the sentences a filler paragraph was built from;
    a text that is one of the pool sentences (ingest embeds a chunk's quotable sentences) gets that sentence's
    own real vector, and one the splitter made of several pool sentences the mixture of theirs. Anything else
    falls back to the real embedder and is counted."""

    name = "bench-mixture:all-MiniLM-L6-v2"

    def __init__(
        self, real, sentence_vectors: np.ndarray, paragraphs: dict[str, tuple[int, ...]], sentences: list[str]
    ) -> None:
        self.real = real
        self.dim = real.dim
        self.vectors = sentence_vectors
        self.paragraphs = paragraphs
        self.sentence_index: dict[str, int] = {}
        for i, s in enumerate(sentences):
            self.sentence_index.setdefault(s, i)
        self.fallbacks = 0
        self.sentence_hits = 0
        self.composed = 0
        self.fallback_texts: list[str] = []

    def _composed(self, text: str) -> tuple[int, ...] | None:
        """Pool sentences joined by spaces, as the splitter returns two pool sentences when the first ends in a
        colon ("… do: When …"): their indices (the text then gets the mixture of their vectors), else None."""
        memo: dict[int, tuple[int, ...] | None] = {}

        def from_(start: int) -> tuple[int, ...] | None:
            if start in memo:
                return memo[start]
            memo[start] = None
            end = text.find(" ", start)
            while True:
                stop = len(text) if end < 0 else end
                j = self.sentence_index.get(text[start:stop])
                if j is not None:
                    rest = () if end < 0 else from_(end + 1)
                    if rest is not None:
                        memo[start] = (j, *rest)
                        break
                if end < 0:
                    break
                end = text.find(" ", end + 1)
            return memo[start]

        found = from_(0)
        return found if found is not None and len(found) > 1 else None

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        unknown = []
        for i, text in enumerate(texts):
            j = self.sentence_index.get(text)
            if j is not None:
                out[i] = self.vectors[j]
                self.sentence_hits += 1
                continue
            content = text.split("\n", 1)[1] if "\n" in text else text
            idx = self.paragraphs.get(content)
            if idx is None:
                idx = self._composed(text)
                if idx is None:
                    unknown.append(i)
                    continue
                self.composed += 1
            v = self.vectors[list(idx)].sum(axis=0)
            out[i] = v / max(float(np.linalg.norm(v)), 1e-12)
        if unknown:
            self.fallbacks += len(unknown)
            if len(self.fallback_texts) < 5:
                self.fallback_texts += [texts[i] for i in unknown][: 5 - len(self.fallback_texts)]
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

KB_LABELS = ("small", "large")


@dataclass(frozen=True)
class Variant:
    """A pipeline configuration asked in the same run: `before` = the retrieval and gate from before BM25."""

    name: str
    mode: str
    params: dict  # overrides of the active version's params


VARIANTS = (
    Variant("before", "hybrid_v1", {"fusion": "rrf", "gate": "relevance"}),
    Variant("now", "hybrid", {}),
)


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

    @classmethod
    def of(cls, label: str, stats: dict) -> LatencyRun:
        return cls(label, stats["chunks"], stats["documents"], stats["db_bytes"], stats["chunks_bytes"])

    def values(self, stage: str) -> list[float]:
        if stage == "wall":
            return self.walls
        if stage == "total − assess":
            return [t["total"] - t.get("assess", 0.0) for t in self.timings if "total" in t]
        return [t[stage] for t in self.timings if stage in t]


@dataclass
class KB:
    label: str
    url: str
    stats: dict
    index: dict
    calibration_s: dict[str, float]
    plans: list[tuple[str, str, float]] = field(default_factory=list)  # (query, plan summary, ms)


def time_questions(
    pipelines: dict[str, object],
    versions: dict[tuple[str, str], object],
    runs: dict[tuple[str, str], LatencyRun],
    questions: list[dict],
    n: int,
) -> None:
    """Warm up each (KB, variant), then ask each question in every one of them back to back, rotating which goes
    first, so that all four see the same machine load. Each (KB, variant) has its own Pipeline, hence its own
    embedding cache: a variant never gets the query vector the other one computed."""
    combos = list(runs)
    for rec in questions[:WARMUP]:
        for kb, var in combos:
            variant = next(v for v in VARIANTS if v.name == var)
            pipelines[(kb, var)].ask(
                rec["question"],
                [rec["collection"]],
                record=True,
                source="bench-warmup",
                version=versions[(kb, var)],
                mode=variant.mode,
            )
    for i in range(n):
        rec = questions[i % len(questions)]
        shift = i % len(combos)
        for kb, var in combos[shift:] + combos[:shift]:
            variant = next(v for v in VARIANTS if v.name == var)
            run_ = runs[(kb, var)]
            t0 = time.perf_counter()
            out = pipelines[(kb, var)].ask(
                rec["question"],
                [rec["collection"]],
                record=True,
                source="bench",
                version=versions[(kb, var)],
                mode=variant.mode,
            )
            run_.walls.append((time.perf_counter() - t0) * 1000)
            run_.timings.append(out.timings_ms)
            run_.statuses[out.status] = run_.statuses.get(out.status, 0) + 1


def vacuum_analyze(url: str) -> float:
    import psycopg

    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "VACUUM ANALYZE chunks, documents, chunk_terms, collection_terms, collection_stats, chunk_sentences"
        )
    return time.perf_counter() - t0


def explain(url: str, question: dict, vector: np.ndarray) -> list[tuple[str, str, float]]:
    """EXPLAIN ANALYZE of the retrieval queries for one question: the plan's scan nodes and its time."""
    from core import db
    from feedback.prompt_versions import AnsweringParams
    from workers import retrieval
    from workers.search import keyword
    from workers.search.tokens import term_frequencies

    out = []
    defaults = AnsweringParams()
    params = {"q": question["question"], "collections": [question["collection"]], "n": 40, "exclude": []}
    bm25 = {
        "terms": sorted(term_frequencies(question["question"])),
        "collections": [question["collection"]],
        "per_term": defaults.keyword_postings_per_term,
        "n": 40,
        "k1": keyword.K1,
        "b": keyword.B,
        "exclude_chunks": [],
    }
    with db.connect(url) as conn:
        for name, sql, args in (
            ("ts_rank (before)", retrieval._TSRANK_SQL, params),
            ("BM25 (now)", keyword._SEARCH_SQL, bm25),
            ("vector", retrieval._VECTOR_SQL.format(dim=vector.shape[0]), {**params, "v": vector}),
        ):
            if name == "vector":
                retrieval._vector_settings(conn, 40)
            plan = conn.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, args).fetchone()
            plan = plan["QUERY PLAN"][0]
            out.append((name, _scan_nodes(plan["Plan"]), float(plan["Execution Time"])))
            conn.rollback()
    return out


def _scan_nodes(node: dict) -> str:
    found: list[str] = []

    def walk(n: dict) -> None:
        kind = n["Node Type"]
        if "Scan" in kind:
            where = n.get("Index Name") or n.get("Relation Name") or n.get("CTE Name")
            index = f" {where}" if where else ""
            loops = int(n.get("Actual Loops", 1) or 1)
            per = f"{n.get('Actual Rows', '?')} rows" + (f" × {loops} loops" if loops > 1 else "")
            label = f"{kind}{index} ({per})"
            if label not in found:
                found.append(label)
        for child in n.get("Plans", []):
            walk(child)

    walk(node)
    return "; ".join(found)


def build_small(url: str, local) -> tuple[list, list, dict[str, np.ndarray]]:
    """(a): the sample KB with NoEmbedder then MiniLM, fresh tables each time; the MiniLM one stays."""
    from workers.embeddings import NoEmbedder

    settings = make_settings(url)
    ingest_runs: list[tuple[str, list[IngestTiming], float]] = []
    cache: dict[str, np.ndarray] = {}
    for embedder in (NoEmbedder(), local):
        reset_database(url)
        timed = TimedEmbedder(embedder, record=cache if embedder is local else None)
        ingest_runs.append((embedder.name, ingest_sample(url, timed, settings), timed.seconds))
    failed = [f for _, timings, _ in ingest_runs for t in timings for f in t.failed]
    return ingest_runs, failed, cache


def run(n_chunks: int, n_questions: int, real_filler: bool) -> str:
    from core import db
    from feedback.prompt_versions import active_version
    from guardrails.pii import PiiGuard
    from workers.embeddings import LocalEmbedder
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

    # (a) ingestion speed on the small database; its MiniLM vectors (chunks and sentences) are kept so the large
    # KB gets the same sample without embedding it again.
    ingest_runs, failed, cache = build_small(small_url, local)
    small_vacuum_s = vacuum_analyze(small_url)
    print("small KB built; calibrating", file=sys.stderr, flush=True)
    small_cal = calibrate_collections(small_url, local)

    # Large KB: the same sample (replayed vectors) + filler.
    large_settings = make_settings(large_url)
    replay = ReplayEmbedder(cache, local)
    ingest_sample(large_url, replay, large_settings)
    rng = random.Random(SEED)
    sample_chunks = database_stats(small_url)["chunks"]
    mixture: MixtureEmbedder | None = None
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
            mixture = MixtureEmbedder(local, sentence_vectors, filler.paragraphs, filler.sentences)
            filler_embedder = TimedEmbedder(mixture)
        print(f"filler written ({filler.sections} sections); ingesting", file=sys.stderr, flush=True)
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
    print(f"large KB built in {filler_ingest_s:.0f} s; calibrating", file=sys.stderr, flush=True)
    large_cal = calibrate_collections(large_url, local)

    kbs = {
        "small": KB(
            "small (sample KB)", small_url, database_stats(small_url), search_index_stats(small_url), small_cal
        ),
        "large": KB(
            "large (sample + filler)", large_url, database_stats(large_url), search_index_stats(large_url), large_cal
        ),
    }
    q_vec = local.embed([records[0]["question"]])[0]
    for kb in kbs.values():
        kb.plans = explain(kb.url, records[0], q_vec)
    pipelines, versions, runs = {}, {}, {}
    for key, kb in kbs.items():
        with db.connect(kb.url) as conn:
            active = active_version(conn)
        for variant in VARIANTS:
            pipelines[(key, variant.name)] = Pipeline(
                make_settings(kb.url), guard=guard, embedder=local, database_url=kb.url
            )
            versions[(key, variant.name)] = active.model_copy(
                update={"params": active.params.model_copy(update=variant.params)}
            )
            runs[(key, variant.name)] = LatencyRun.of(f"{kb.label}, {variant.name}", kb.stats)
    print("timing questions", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    time_questions(pipelines, versions, runs, records, n_questions)
    timing_s = time.perf_counter() - t0
    db.close_pools()
    version_id, params = active_params(small_url)
    fallbacks = (mixture.fallbacks if mixture else 0) + replay.fallbacks
    return render(
        kbs=kbs,
        runs=runs,
        ingest_runs=ingest_runs,
        failed=failed,
        filler=filler,
        filler_how=(
            "embedded with MiniLM (`--real-filler-embeddings`)"
            if real_filler
            else f"mixture vectors from {len(filler.sentences):,} pool sentences embedded with MiniLM in "
            f"{pool_embed_s:.1f} s; each quotable sentence of a filler chunk that is a pool sentence gets that "
            f"sentence's own vector ({mixture.sentence_hits:,} sentence embeddings served that way; "
            f"{mixture.composed:,} more were two or more pool sentences run together by the splitter after a colon "
            "and got the mixture of theirs); "
            + (
                f"{fallbacks:,} texts fell back to real MiniLM embedding (e.g. {mixture.fallback_texts[:2]!r})"
                if fallbacks
                else "no text fell back to real embedding"
            )
        ),
        gen_s=gen_s,
        filler_ingest_s=filler_ingest_s,
        filler_chunks=filler_chunks,
        filler_failed=filler_failed,
        filler_embed_s=filler_embedder.seconds,
        vacuum_s=(small_vacuum_s, vacuum_s),
        load_s=load_s,
        guard_s=guard_s,
        records=records,
        n_questions=n_questions,
        version_id=version_id,
        params=params,
        timing_s=timing_s,
        started=started,
    )


TARGETS = {"total": (100.0, 250.0)}  # ask total p50, p95 (ms) at 50k chunks, no model


def _stage_name(stage: str) -> str:
    return f"**{stage}**" if stage in ("retrieve", "assess", "total") else stage


def render(*, kbs, runs, ingest_runs, failed, filler, filler_how, gen_s, filler_ingest_s, filler_chunks,
           filler_failed, filler_embed_s, vacuum_s, load_s, guard_s, records, n_questions, version_id, params,
           timing_s, started) -> str:  # fmt: skip
    small, large = kbs["small"], kbs["large"]
    lines = header("Latency and ingestion benchmark", small.url, large.url)
    lines += [
        "",
        f"Model load: MiniLM {load_s:.1f} s, PiiGuard {guard_s:.1f} s (once per process, not in the numbers below). "
        "Wall-clock numbers on a shared machine: compare ratios within this run rather than absolute values.",
        "",
        "Two pipeline configurations are timed in the same run, on the same KBs, question by question: "
        "**before** = the code path from before BM25 (retrieval mode `hybrid_v1`: `ts_rank` over an OR of the "
        "question's lexemes + HNSW, rank fusion `fusion=rrf`, the relevance gate `gate=relevance`); **now** = the "
        f"defaults (mode `hybrid`: BM25 from the postings + HNSW, score fusion `fusion={params['fusion']}` with "
        f"alpha {params['fusion_alpha']}, the calibrated answerability gate). Both run the current pipeline "
        "otherwise: the `assess` stage (answerability probability) runs in both (only `now` gates on it; "
        "`total − assess` is the closest figure to the pipeline before it existed), and the extractive answerer "
        "reads the sentences stored at ingest in both.",
    ]
    # ---------------------------------------------------------------------------------------- targets
    lines += ["", "## Targets", ""]
    lines += [
        "| target | KB | before | now | now/before | met (now) |",
        "|---|---|---:|---:|---:|---|",
    ]
    for stage, (t50, t95) in TARGETS.items():
        b, n = runs[("large", "before")].values(stage), runs[("large", "now")].values(stage)
        for q, t in ((50, t50), (95, t95)):
            pb, pn = percentile(b, q), percentile(n, q)
            lines.append(
                f"| `ask` {stage} p{q} ≤ {t:g} ms | {large.stats['chunks']:,} chunks | {fmt(pb, 1)} | {fmt(pn, 1)} "
                f"| {_ratio(pn, pb)} | {'yes' if pn is not None and pn <= t else '**no**'} |"
            )
    lines += [
        "",
        "(The `retrieve` p95 ≤ 50 ms target is at 200k chunks: bench/results/load.md.)",
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
        "“time in embed()” = time inside the embedder's `embed` (MiniLM on CPU, batch 64): one call per document "
        "for its chunks and one for its quotable sentences (stored with their vectors in `chunk_sentences`); the "
        "rest is reading, parsing, chunking and the INSERTs (tsvector generation, BM25 postings in `chunk_terms` "
        "with the df/stat statement triggers, GIN, b-tree and HNSW index upkeep).",
        "",
        "## (b) Knowledge bases",
        "",
        "Two databases on the same server: `answerloop_bench_latency_small` holds the sample KB from (a); "
        "`answerloop_bench_latency_large` holds the same sample (its MiniLM vectors replayed from (a), not "
        "recomputed) plus the filler. Both collections (`celery`, `handbook`) grow: filler files alternate "
        "between them.",
        "",
        "| KB | chunks | documents | database size | chunks table + indexes | BM25 postings (MiB) | distinct terms "
        "| stored sentences (MiB) | calibration s (celery / handbook) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for kb in (small, large):
        st, ix = kb.stats, kb.index
        lines.append(
            f"| {kb.label} | {st['chunks']:,} | {st['documents']:,} | {st['db_bytes'] / 2**20:,.1f} MiB | "
            f"{st['chunks_bytes'] / 2**20:,.1f} MiB | {ix['postings']:,} ({ix['postings_bytes'] / 2**20:,.1f}) | "
            f"{ix['terms']:,} | {ix['sentences']:,} ({ix['sentences_bytes'] / 2**20:,.1f}) | "
            + " / ".join(f"{kb.calibration_s.get(c, 0):.1f}" for c in COLLECTIONS)
            + " |"
        )
    lines += [
        "",
        f"Filler: {filler.files:,} Markdown files, {filler.sections:,} sections (seed {SEED}), generated in "
        f"{gen_s:.1f} s; {filler_how}; ingested through `ingest_folder` in {filler_ingest_s:.1f} s = "
        f"{filler_chunks / max(filler_ingest_s, 1e-9):.0f} chunks/s with {filler_embed_s:.1f} s in embed() "
        f"({filler_chunks:,} chunks written{', failures: ' + str(filler_failed) if filler_failed else ''}). "
        "`VACUUM ANALYZE` of chunks, documents, chunk_terms, collection_terms, collection_stats and "
        f"chunk_sentences after each KB is loaded ({vacuum_s[0]:.1f} s small, {vacuum_s[1]:.1f} s large). "
        "Then each collection's answerability calibration is computed and stored "
        "(`workers.answerability.calibration.calibrate`, outside the timed part; the gate would otherwise compute "
        "it on the first question).",
        "",
        "## (c) `Pipeline.ask(record=True)` latency per stage (ms)",
        "",
        f"{n_questions} questions per KB and configuration, cycled from `bench/data/retrieval_eval.jsonl` "
        f"({len(records)} questions, each restricted to its own collection), after {WARMUP} warm-up questions; "
        f"extractive answerer with the MiniLM embedder, prompt version {version_id} (top_k={params['top_k']}, "
        f"candidates={params['candidates']}, keyword_postings_per_term={params['keyword_postings_per_term']}, "
        f"abstain_threshold={params['abstain_threshold']}, answerability_threshold="
        f"{params['answerability_threshold']}). Stages come from `AnswerResult.timings_ms`; generate / ground only "
        "run when the gate passes (n = questions where the stage ran). `wall` is measured outside `ask()`, as a "
        "cross-check of `total`. Each question is asked in the four (KB, configuration) pairs back to back, "
        "rotating which goes first, so all four see the same machine load; each pair has its own `Pipeline` "
        "(its own embedding cache). `retrieve`, `assess` (term statistics + the stored calibration) and `record` "
        "(a single INSERT) touch the knowledge base; guard_in / embed / guard_out depend on the question alone, "
        "generate / ground on the passages retrieved.",
    ]
    stages = (*STAGES, "total − assess", "wall")
    for key in ("large", "small"):
        kb = kbs[key]
        b, n = runs[(key, "before")], runs[(key, "now")]
        lines += [
            "",
            f"### {kb.label}: {kb.stats['chunks']:,} chunks — before vs now",
            "",
            "| stage | n before | before p50 | before p95 | n now | now p50 | now p95 | now/before p50 "
            "| now/before p95 |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for stage in stages:
            vb, vn = b.values(stage), n.values(stage)
            b50, b95, n50, n95 = percentile(vb, 50), percentile(vb, 95), percentile(vn, 50), percentile(vn, 95)
            lines.append(
                f"| {_stage_name(stage)} | {len(vb)} | {fmt(b50, 1)} | {fmt(b95, 1)} | {len(vn)} | {fmt(n50, 1)} "
                f"| {fmt(n95, 1)} | {_ratio(n50, b50)} | {_ratio(n95, b95)} |"
            )
        paired = {
            stage: percentile(
                [tn[stage] / tb[stage] for tb, tn in zip(b.timings, n.timings, strict=True) if tb.get(stage)], 50
            )
            for stage in ("retrieve", "total")
        }
        lines += [
            "",
            "Paired per question (same question, both configurations), median of now/before: "
            + ", ".join(f"{stage} {fmt(v, 2)}×" for stage, v in paired.items())
            + ".",
        ]
    lines += [
        "",
        "### Growth with the KB size: large / small, per configuration",
        "",
        "| configuration | stage | small p50 | small p95 | large p50 | large p95 | ratio p50 | ratio p95 "
        "| paired median large/small |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for variant in VARIANTS:
        s, lg = runs[("small", variant.name)], runs[("large", variant.name)]
        for stage in ("retrieve", "assess", "generate", "total"):
            vs, vl = s.values(stage), lg.values(stage)
            s50, s95, l50, l95 = percentile(vs, 50), percentile(vs, 95), percentile(vl, 50), percentile(vl, 95)
            pairs = [tl[stage] / ts[stage] for ts, tl in zip(s.timings, lg.timings, strict=True)
                     if ts.get(stage) and stage in tl]  # fmt: skip
            lines.append(
                f"| {variant.name} | {stage} | {fmt(s50, 1)} | {fmt(s95, 1)} | {fmt(l50, 1)} | {fmt(l95, 1)} | "
                f"{_ratio(l50, s50)} | {_ratio(l95, s95)} | {fmt(percentile(pairs, 50), 2)}× |"
            )
    lines += [
        "",
        "Outcomes: "
        + "; ".join(
            f"{r.label}: " + ", ".join(f"{k} {v}" for k, v in sorted(r.statuses.items())) for r in runs.values()
        )
        + ".",
        "",
        "## Query plans (first question, EXPLAIN ANALYZE, 40 candidates)",
        "",
        "| KB | query | scan nodes | execution ms |",
        "|---|---|---|---:|",
    ]
    for kb in (small, large):
        for name, nodes, ms in kb.plans:
            lines.append(f"| {kb.label} | {name} | {nodes} | {ms:.1f} |")
    lines += [
        "",
        f"Timed questions took {timing_s:.0f} s; wall clock for the whole bench: "
        f"{time.perf_counter() - started:.0f} s.",
    ]
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
