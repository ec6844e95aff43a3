"""Retrieval quality benchmark on the sample KB only (superseded by bench/quality_bench.py, which compares every
method on three documentation sets and reports on splits nothing was tuned on): hybrid vs full-text vs vector vs
a BM25 baseline, the relevance gate,
and end-to-end pipeline outcomes on the labelled set.

    python bench/retrieval_bench.py [--data bench/data/retrieval_eval.jsonl] [--out bench/results/retrieval.md]

Ingests ``core/sample_kb/celery`` and ``core/sample_kb/handbook`` (collections ``celery`` and ``handbook``)
with the local MiniLM embedder into its own database (``answerloop_bench_retrieval`` on the embedded
Postgres under ``$ANSWERLOOP_BENCH_HOME``), then for every question of ``bench/data/retrieval_eval.jsonl``:

* recall@k and MRR@10 over the answerable questions for ``retrieve(mode=hybrid|fts|vector)`` with
  ``AnsweringParams(top_k=10)`` and for BM25 (bm25s) over the same chunks, restricted to the question's
  collection. A result is relevant when its document path and its section title (``heading_path[-1]`` /
  ``section_title``) equal one of the question's gold (path, heading) pairs, after stripping reST/Markdown
  inline markup from the gold heading and comparing plain-text (.txt) headings case-insensitively.
  recall@k = share of answerable questions with at least one relevant result in the top k.
* the answerability gate (``best_relevance < abstain_threshold`` → abstain) with default ``AnsweringParams``
  over all questions (positive class = should abstain, i.e. ``answerable=false``) and a threshold sweep.
* ``Pipeline.ask(record=False)`` outcomes with the extractive answerer.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from common import (
    COLLECTIONS,
    EVAL_DATA,
    RESULTS,
    PrecisionRecall,
    active_params,
    bench_database,
    chunk_keys,
    database_stats,
    first_hit,
    fmt,
    gold_key,
    header,
    ingest_sample,
    load_eval,
    make_settings,
    pct,
    rel,
    reset_database,
    write_report,
)

DEFAULT_OUT = RESULTS / "retrieval.md"
TOP_K = 10
DEEP_K = 50  # for diagnosing misses: where (if anywhere) the gold shows up further down
SWEEP = [round(0.20 + 0.04 * i, 2) for i in range(11)]  # 0.20 … 0.60
MODES = ("hybrid", "fts", "vector")
METHODS = (*MODES, "bm25")
GROUPS = (*COLLECTIONS, "overall")


@dataclass
class QuestionResult:
    rec: dict
    gold: set[tuple[str, str]]
    ranks: dict[str, int | None] = field(default_factory=dict)  # method → first relevant rank in top 10
    deep_ranks: dict[str, int | None] = field(default_factory=dict)  # method → first relevant rank in top 50
    best_relevance: float = 0.0  # hybrid, default AnsweringParams (what the pipeline's gate sees)
    status: str = ""
    reason: str = ""
    cited_gold: bool = False

    @property
    def collection(self) -> str:
        return self.rec["collection"]

    @property
    def answerable(self) -> bool:
        return bool(self.rec["answerable"])


# ---------------------------------------------------------------------------------------------- BM25


class Bm25Index:
    """bm25s over section_title + content, one index per collection, Snowball English stemming + stopwords."""

    def __init__(self, chunks: list[dict]) -> None:
        import bm25s
        import snowballstemmer

        self._bm25s = bm25s
        self.stemmer = snowballstemmer.stemmer("english")
        self.ids: dict[str, list[int]] = {}
        self.retrievers: dict[str, object] = {}
        for collection in COLLECTIONS:
            rows = [c for c in chunks if c["collection"] == collection]
            self.ids[collection] = [c["id"] for c in rows]
            tokens = bm25s.tokenize(
                [c["section_title"] + "\n" + c["content"] for c in rows],
                stopwords="en",
                stemmer=self.stemmer,
                show_progress=False,
            )
            retriever = bm25s.BM25()
            retriever.index(tokens, show_progress=False)
            self.retrievers[collection] = retriever

    def search(self, question: str, collection: str, k: int) -> list[int]:
        query = self._bm25s.tokenize(
            [question], stopwords="en", stemmer=self.stemmer, show_progress=False, return_ids=False
        )
        ids = self.ids[collection]
        docs, scores = self.retrievers[collection].retrieve(query, k=min(k, len(ids)), show_progress=False)
        # bm25s pads with zero-score documents; those were not matched at all.
        return [ids[int(d)] for d, s in zip(docs[0], scores[0], strict=True) if s > 0]


# ---------------------------------------------------------------------------------------------- metrics


def _recall(results: list[QuestionResult], method: str, k: int) -> tuple[int, int]:
    hits = sum(1 for r in results if r.ranks[method] is not None and r.ranks[method] <= k)
    return hits, len(results)


def _mrr(results: list[QuestionResult], method: str) -> float | None:
    if not results:
        return None
    return sum(1 / r.ranks[method] for r in results if r.ranks[method]) / len(results)


@dataclass
class GateCounts(PrecisionRecall):
    tp: int = 0  # abstained, should abstain
    fp: int = 0  # abstained, answerable
    fn: int = 0  # answered (passed the gate), should abstain
    tn: int = 0
    kept: int = 0  # answerable, passed the gate and a relevant chunk in hybrid top 10
    answerable: int = 0


def gate_counts(results: list[QuestionResult], threshold: float) -> GateCounts:
    g = GateCounts()
    for r in results:
        abstain = r.best_relevance < threshold
        if r.answerable:
            g.answerable += 1
            if abstain:
                g.fp += 1
            elif r.ranks["hybrid"] is not None:
                g.kept += 1
        elif abstain:
            g.tp += 1
        else:
            g.fn += 1
    g.tn = g.answerable - g.fp
    return g


def group(results: list[QuestionResult], name: str) -> list[QuestionResult]:
    return results if name == "overall" else [r for r in results if r.collection == name]


# ---------------------------------------------------------------------------------------------- run


def run(data: Path, with_pipeline: bool) -> tuple[str, list[QuestionResult]]:
    from core import db
    from feedback.prompt_versions import AnsweringParams
    from workers.embeddings import LocalEmbedder
    from workers.retrieval import retrieve

    url = bench_database("retrieval")
    reset_database(url)
    t0 = time.perf_counter()
    embedder = LocalEmbedder()
    load_s = time.perf_counter() - t0
    settings = make_settings(url)
    ingest = ingest_sample(url, embedder, settings)
    records = load_eval(data)

    with db.connect(url) as conn:
        chunks = conn.execute(
            "SELECT c.id, c.collection, c.section_title, c.heading_path, c.content, d.source_path "
            "FROM chunks c JOIN documents d ON d.id = c.document_id ORDER BY c.id"
        ).fetchall()
    keys_of = {c["id"]: chunk_keys(c["source_path"], c["section_title"], c["heading_path"]) for c in chunks}
    indexed: dict[str, set[tuple[str, str]]] = {coll: set() for coll in COLLECTIONS}
    for c in chunks:
        indexed[c["collection"]] |= keys_of[c["id"]]
    missing_gold = sorted(
        {(r["collection"], *gold_key(g)) for r in records for g in r["gold"]}
        - {(coll, *k) for coll, ks in indexed.items() for k in ks}
    )

    t0 = time.perf_counter()
    bm25 = Bm25Index(chunks)
    bm25_s = time.perf_counter() - t0
    vectors = embedder.embed([r["question"] for r in records])
    p10 = AnsweringParams(top_k=TOP_K)
    p_deep = AnsweringParams(top_k=DEEP_K)
    p_default = AnsweringParams()

    results: list[QuestionResult] = []
    with db.connect(url) as conn:
        for rec, vec in zip(records, vectors, strict=True):
            res = QuestionResult(rec, {gold_key(g) for g in rec["gold"]})
            colls = [rec["collection"]]
            for mode in MODES:
                top = retrieve(conn, rec["question"], colls, p10, vec, mode=mode).passages
                res.ranks[mode] = first_hit((keys_of[p.chunk_id] for p in top), res.gold)
                deep = retrieve(conn, rec["question"], colls, p_deep, vec, mode=mode).passages
                res.deep_ranks[mode] = first_hit((keys_of[p.chunk_id] for p in deep), res.gold)
            res.ranks["bm25"] = first_hit((keys_of[i] for i in bm25.search(rec["question"], colls[0], TOP_K)), res.gold)
            res.deep_ranks["bm25"] = first_hit(
                (keys_of[i] for i in bm25.search(rec["question"], colls[0], DEEP_K)), res.gold
            )
            res.best_relevance = retrieve(conn, rec["question"], colls, p_default, vec).best_relevance
            conn.rollback()  # retrieve() SETs LOCAL ef_search; end the transaction
            results.append(res)

    pipeline_s = 0.0
    version_id, version_params = active_params(url)
    if with_pipeline:
        from guardrails.pii import PiiGuard
        from workers.pipeline import Pipeline

        pipeline = Pipeline(settings, guard=PiiGuard(), embedder=embedder, database_url=url)
        t0 = time.perf_counter()
        for res in results:
            out = pipeline.ask(res.rec["question"], [res.collection], record=False)
            res.status, res.reason = out.status, out.reason
            res.cited_gold = any(keys_of.get(c.chunk_id, set()) & res.gold for c in out.citations)
        pipeline_s = time.perf_counter() - t0
        db.close_pools()

    stats = database_stats(url)
    lines = header("Retrieval quality benchmark", url)
    lines += [
        "",
        "## Set-up",
        "",
        f"- Data: `{rel(data)}` — {len(records)} "
        f"questions, {sum(r.answerable for r in results)} answerable "
        + ", ".join(
            f"({c}: {sum(r.answerable for r in group(results, c))} answerable, "
            f"{sum(not r.answerable for r in group(results, c))} unanswerable)"
            for c in COLLECTIONS
        )
        + ".",
        f"- Knowledge base: `core/sample_kb/celery` → `celery`, `core/sample_kb/handbook` → `handbook`, "
        f"{stats['documents']} documents, {stats['chunks']} chunks, embedded with `{embedder.name}` "
        f"(model load {load_s:.1f} s; ingestion "
        + ", ".join(f"{t.collection} {t.chunks} chunks in {t.seconds:.1f} s" for t in ingest)
        + ").",
        f"- Retrieval: `workers.retrieval.retrieve(..., mode=hybrid|fts|vector)` with `AnsweringParams(top_k={TOP_K})` "
        f"(otherwise defaults: rrf_k={p10.rrf_k}, candidates={p10.candidates} per retriever, weights "
        f"fts={p10.fts_weight} / vector={p10.vector_weight}), restricted to the question's collection.",
        "- BM25 baseline: `bm25s.BM25()` (defaults, Lucene variant k1=1.5, b=0.75) over section_title + content "
        "of the same chunks, one index per collection, bm25s English stopwords + Snowball English stemmer "
        f"(the `snowballstemmer` package; PyStemmer is not installed); zero-score padding dropped. Indexing "
        f"took {bm25_s:.2f} s.",
        "- Relevance: a result is relevant if its `source_path` and its section title (`heading_path[-1]` / "
        "`section_title`) equal a gold (path, heading) after stripping reST inline markup "
        "(`workers.kb.parsing._rst_inline`) or Markdown inline markup from the gold heading, collapsing "
        "whitespace, and comparing `.txt` headings case-insensitively (the parser title-cases ALL-CAPS "
        "headings). recall@k = share of answerable questions with ≥ 1 relevant chunk in the top k; "
        "MRR@10 = mean of 1/rank of the first relevant chunk (0 if none in the top 10).",
    ]
    if missing_gold:
        lines.append(
            f"- **{len(missing_gold)} gold (path, heading) pairs match no chunk in the index** "
            "(those questions can never be hits): " + "; ".join(f"`{c}:{p}` “{h}”" for c, p, h in missing_gold)
        )
    else:
        lines.append("- Every gold (path, heading) pair matches at least one indexed chunk.")

    # Retrieval quality.
    from workers import retrieval

    rank_fn = "ts_rank_cd" if "ts_rank_cd(" in retrieval._TSRANK_SQL else "ts_rank"
    lines += [
        "",
        "## Retrieval quality (answerable questions)",
        "",
        "| method | collection | n | recall@1 | recall@5 | recall@10 | MRR@10 |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    answerable = [r for r in results if r.answerable]
    for method in METHODS:
        for g in GROUPS:
            rs = group(answerable, g)
            cells = [fmt(_recall(rs, method, k)[0] / len(rs)) if rs else "–" for k in (1, 5, 10)]
            label = f"**{g}**" if g == "overall" else g
            lines.append(f"| {method} | {label} | {len(rs)} | " + " | ".join(cells) + f" | {fmt(_mrr(rs, method))} |")
    lines += [
        "",
        f"hybrid = RRF of Postgres full-text (`{rank_fn}`, OR of the question's lexemes) and pgvector HNSW cosine; "
        "fts / vector = the same code path with one retriever's weight at 0; bm25 = the bm25s baseline above.",
    ]

    # Gate at the default threshold.
    default_t = p_default.abstain_threshold
    lines += [
        "",
        f"## Answerability gate at the default `abstain_threshold` = {default_t}",
        "",
        "Gate: abstain when `best_relevance` (max over the hybrid top-8 with default `AnsweringParams`, "
        "relevance = 0.5 · term coverage + 0.5 · cosine) is below the threshold. Positive class = should "
        "abstain (`answerable=false`). Retrieval-only: the pipeline can also decline later "
        "(no supported sentence, ungrounded), see the end-to-end section.",
        "",
        "| collection | questions | TP | FP | FN | TN | abstain precision | abstain recall | abstain F1 "
        "| answerable recall@10 kept |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for g in GROUPS:
        rs = group(results, g)
        c = gate_counts(rs, default_t)
        lines.append(
            f"| {g} | {len(rs)} | {c.tp} | {c.fp} | {c.fn} | {c.tn} | {fmt(c.precision)} | {fmt(c.recall)} "
            f"| {fmt(c.f1)} | {fmt(c.kept / c.answerable if c.answerable else None)} |"
        )

    # Sweep.
    lines += [
        "",
        "## Threshold sweep",
        "",
        "P / R = abstain precision / recall; kept = answerable questions that pass the gate *and* have a "
        "relevant chunk in the hybrid top 10, over all answerable questions (the ungated hybrid recall@10 is "
        "the ceiling: "
        + ", ".join(
            f"{g} {fmt(_recall(group(answerable, g), 'hybrid', 10)[0] / max(1, len(group(answerable, g))))}"
            for g in GROUPS
        )
        + "). False abstains = answerable questions the gate would refuse.",
        "",
        "| threshold | overall P | overall R | overall F1 | overall kept | false abstains "
        "| celery P | celery R | celery kept | handbook P | handbook R | handbook kept |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for t in SWEEP:
        o = gate_counts(results, t)
        cells = [f"{t:.2f}" + (" (default)" if abs(t - default_t) < 1e-9 else "")]
        cells += [fmt(o.precision), fmt(o.recall), fmt(o.f1), fmt(o.kept / o.answerable), f"{o.fp}/{o.answerable}"]
        for coll in COLLECTIONS:
            c = gate_counts(group(results, coll), t)
            cells += [fmt(c.precision), fmt(c.recall), fmt(c.kept / c.answerable if c.answerable else None)]
        lines.append("| " + " | ".join(cells) + " |")
    if default_t not in SWEEP:
        lines.append(f"\n(default {default_t} is between sweep points; see the table above for its numbers)")
    best = max(SWEEP, key=lambda t: (gate_counts(results, t).f1 or 0.0, -t))
    rel_ans = sorted(r.best_relevance for r in answerable)
    rel_una = sorted(r.best_relevance for r in results if not r.answerable)
    lines += [
        "",
        f"Best overall abstain F1 in the sweep: threshold {best:.2f} (F1 {fmt(gate_counts(results, best).f1)}). "
        f"best_relevance of answerable questions: min {rel_ans[0]:.3f}, median {rel_ans[len(rel_ans) // 2]:.3f}; "
        f"of unanswerable ones: min {rel_una[0]:.3f}, median {rel_una[len(rel_una) // 2]:.3f}, max {rel_una[-1]:.3f}. "
        f"As a separator of unanswerable from answerable questions, best_relevance has ROC AUC "
        f"{_auc(rel_una, rel_ans):.3f} (0.5 = chance; probability that an unanswerable question scores lower than "
        "an answerable one, ties counting half).",
    ]

    # End to end.
    if with_pipeline:
        lines += [
            "",
            "## End to end: `Pipeline.ask(record=False)`, extractive answerer",
            "",
            f"Active prompt version {version_id} (abstain_threshold={version_params['abstain_threshold']}, "
            f"top_k={version_params['top_k']}, context_k={version_params['context_k']}, "
            f"grounding_threshold={version_params['grounding_threshold']}); {len(results)} questions in "
            f"{pipeline_s:.1f} s. “cites gold” = answered with at least one citation in a gold section.",
            "",
            "| collection | answerable: answered | of which cites gold | unanswerable: dont_know "
            "| dont_know reasons (answerable) | dont_know reasons (unanswerable) |",
            "|---|---:|---:|---:|---|---|",
        ]
        for g in GROUPS:
            rs = group(results, g)
            ans = [r for r in rs if r.answerable]
            una = [r for r in rs if not r.answerable]
            answered = [r for r in ans if r.status == "answered"]
            lines.append(
                f"| {g} | {pct(len(answered), len(ans))} | {pct(sum(r.cited_gold for r in answered), len(answered))} "
                f"| {pct(sum(r.status == 'dont_know' for r in una), len(una))} | {_reasons(ans)} | {_reasons(una)} |"
            )

    # Diagnostics.
    misses = [r for r in answerable if r.ranks["hybrid"] is None]
    lines += [
        "",
        f"## Answerable questions with no relevant chunk in the hybrid top {TOP_K} ({len(misses)})",
        "",
        f"Ranks of the first relevant chunk further down (hybrid / bm25 up to {DEEP_K}; fts / vector up to the "
        "40 candidates each retriever returns); – = not found.",
        "",
        "| id | collection | question | gold | hybrid | fts | vector | bm25 | best_relevance | pipeline |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in misses:
        gold = "; ".join(f"{g['path']} › {g['heading']}" for g in r.rec["gold"])
        ranks = " | ".join(str(r.deep_ranks[m] or "–") for m in METHODS)
        lines.append(
            f"| {r.rec['id']} | {r.collection} | {_cell(r.rec['question'])} | {_cell(gold)} | {ranks} "
            f"| {r.best_relevance:.3f} | {r.status or '–'} |"
        )
    never = [r for r in answerable if all(r.deep_ranks[m] is None for m in METHODS)]
    lines.append("")
    lines.append(
        f"Gold never retrieved by any method within those depths: {', '.join(r.rec['id'] for r in never) or 'none'}."
    )

    wrong = [r for r in results if not r.answerable and r.status == "answered"]
    if with_pipeline:
        lines += [
            "",
            f"## Unanswerable questions the pipeline answered ({len(wrong)})",
            "",
            "| id | collection | question | best_relevance |",
            "|---|---|---|---:|",
        ]
        lines += [
            f"| {r.rec['id']} | {r.collection} | {_cell(r.rec['question'])} | {r.best_relevance:.3f} |" for r in wrong
        ]
    return "\n".join(lines) + "\n", results


def _auc(lower: list[float], higher: list[float]) -> float:
    """P(x < y) for x from `lower`, y from `higher` (ties count half): the Mann-Whitney form of ROC AUC."""
    wins = sum((x < y) + 0.5 * (x == y) for x in lower for y in higher)
    return wins / (len(lower) * len(higher))


def _reasons(rs: list[QuestionResult]) -> str:
    counts: dict[str, int] = {}
    for r in rs:
        if r.status == "dont_know":
            counts[r.reason] = counts.get(r.reason, 0) + 1
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])) or "–"


def _cell(text: str, limit: int = 110) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Retrieval quality benchmark")
    parser.add_argument("--data", type=Path, default=EVAL_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--no-pipeline", action="store_true", help="skip the end-to-end Pipeline.ask section")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    markdown, _ = run(args.data.resolve(), with_pipeline=not args.no_pipeline)
    markdown += f"\nWall clock for the whole bench: {time.perf_counter() - t0:.0f} s.\n"
    write_report(markdown, args.out)


if __name__ == "__main__":
    sys.exit(main())
