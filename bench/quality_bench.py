"""Answer quality on several labelled documentation sets, every method side by side, on a split nothing was
tuned on (`--split test`, the default).

Per set: `bm25s` (the textbook BM25, same tokens as the product's keyword index), keyword-only (the product's
BM25 in SQL), vector-only, hybrid before BM25 (`hybrid_v1`: ts_rank + RRF, the relevance gate), hybrid now;
recall@1/5/10 and MRR@10 on answerable questions; then the whole pipeline (extractive answerer, no model):
answered rate on answerable, answer-hit (a cited passage is a gold section), "I don't know" on off-topic and
near-miss, ROC AUC of the answerability score, per-stage latency.

    python bench/quality_bench.py [--sets celery_handbook flask httpx] [--split test|dev|all] [--reuse]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datasets
from common import (
    RESULTS,
    bench_database,
    chunk_keys,
    command_line,
    first_hit,
    fmt,
    gold_key,
    header,
    make_settings,
    percentile,
    write_report,
)

from feedback.stats import wilson

# hybrid+rerank: hybrid with the pipeline's reranker and the active version's top_k (8), i.e. exactly the passages the
# answerer reads, in its order (so its recall@10 counts 8 passages).
METHODS = ("bm25s", "keyword", "vector", "hybrid_v1", "hybrid", "hybrid+rerank")
DEPTH = 10


# ---------------------------------------------------------------------------------------------- metrics


def roc_auc(positives: list[float], negatives: list[float]) -> float | None:
    """P(score of a random positive > score of a random negative), ties counting half."""
    if not positives or not negatives:
        return None
    wins = 0.0
    for p in positives:
        for n in negatives:
            wins += 1.0 if p > n else 0.5 if p == n else 0.0
    return wins / (len(positives) * len(negatives))


@dataclass
class Outcome:
    qid: str
    kind: str
    collection: str
    ranks: dict[str, int | None] = field(default_factory=dict)
    answered: bool = False
    hit: bool = False
    answerability: float = 0.0
    reason: str = ""
    signals: dict = field(default_factory=dict)
    legacy_answered: bool = False
    legacy_hit: bool = False
    legacy_relevance: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


class Bm25sBaseline:
    """bm25s over the very chunks in Postgres, tokenised by the product's tokeniser (same stems and stopwords)."""

    def __init__(self, conn, collections: list[str]) -> None:
        import bm25s

        from workers.search.tokens import search_terms

        self._terms = search_terms
        self.ids: dict[str, list[int]] = {}
        self.retrievers: dict[str, object] = {}
        for collection in collections:
            rows = conn.execute(
                "SELECT id, section_title, content FROM chunks WHERE collection = %s ORDER BY id", (collection,)
            ).fetchall()
            self.ids[collection] = [r["id"] for r in rows]
            retriever = bm25s.BM25()
            retriever.index([search_terms(r["section_title"] + "\n" + r["content"]) for r in rows], show_progress=False)
            self.retrievers[collection] = retriever

    def search(self, question: str, collection: str, k: int) -> list[int]:
        ids = self.ids[collection]
        terms = [t for t in self._terms(question) if t in self.retrievers[collection].vocab_dict]
        if not terms or not ids:
            return []
        docs, scores = self.retrievers[collection].retrieve([terms], k=min(k, len(ids)), show_progress=False)
        return [ids[int(d)] for d, s in zip(docs[0], scores[0], strict=True) if s > 0]


# ---------------------------------------------------------------------------------------------- set-up


def build(url: str, sets: list[datasets.EvalSet], settings, embedder) -> dict[str, float]:
    from core import db
    from workers.kb.ingest import ingest_folder

    seconds: dict[str, float] = {}
    with db.connect(url) as conn:
        for es in sets:
            for collection, folder in es.collections.items():
                t0 = time.perf_counter()
                report = ingest_folder(
                    conn, folder, collection, embedder=embedder, settings=settings, url_base=es.url_base.get(collection)
                )
                seconds[collection] = time.perf_counter() - t0
                print(
                    f"  ingested {collection}: {report.chunks_written} chunks in {seconds[collection]:.0f} s",
                    flush=True,
                )
    return seconds


def chunk_index(conn) -> dict[int, set[tuple[str, str]]]:
    rows = conn.execute(
        "SELECT c.id, d.source_path, c.section_title, c.heading_path "
        "FROM chunks c JOIN documents d ON d.id = c.document_id"
    ).fetchall()
    return {r["id"]: chunk_keys(r["source_path"], r["section_title"], r["heading_path"]) for r in rows}


# ---------------------------------------------------------------------------------------------- evaluation


def evaluate(url: str, es: datasets.EvalSet, split: str, pipeline, baseline: Bm25sBaseline, embedder) -> list[Outcome]:
    from core import db
    from feedback.prompt_versions import active_version
    from workers.retrieval import retrieve

    outcomes: list[Outcome] = []
    with db.connect(url) as conn:
        keys = chunk_index(conn)
        version = active_version(conn)
    params = version.params.model_copy(update={"top_k": DEPTH})
    legacy = version.model_copy(
        update={"params": version.params.model_copy(update={"gate": "relevance", "fusion": "rrf"})}
    )
    for q in es.split(split):
        o = Outcome(q["id"], q["kind"], q["collection"])
        gold = {gold_key(g) for g in q.get("gold", [])}
        vec = embedder.embed([q["question"]])[0]
        with db.connect(url) as conn:
            for mode in ("keyword", "vector", "hybrid_v1", "hybrid"):
                ids = [
                    p.chunk_id
                    for p in retrieve(conn, q["question"], [q["collection"]], params, vec, mode=mode).passages
                ]
                o.ranks[mode] = first_hit((keys[i] for i in ids), gold) if gold else None
                conn.rollback()
            reranked = retrieve(
                conn, q["question"], [q["collection"]], version.params, vec, mode="hybrid", reranker=pipeline.reranker
            ).passages
            o.ranks["hybrid+rerank"] = first_hit((keys[p.chunk_id] for p in reranked), gold) if gold else None
            conn.rollback()
        ids = baseline.search(q["question"], q["collection"], DEPTH)
        o.ranks["bm25s"] = first_hit((keys[i] for i in ids), gold) if gold else None

        result = pipeline.ask(q["question"], [q["collection"]], record=False)
        o.answered = result.status == "answered"
        o.hit = o.answered and any(keys.get(c.chunk_id, set()) & gold for c in result.citations)
        o.answerability = float(result.scores.get("answerability", result.scores.get("best_relevance", 0.0)))
        o.reason = result.reason
        o.signals = dict(result.scores.get("signals") or {})
        o.timings = dict(result.timings_ms)
        old = pipeline.ask(q["question"], [q["collection"]], record=False, mode="hybrid_v1", version=legacy)
        o.legacy_answered = old.status == "answered"
        o.legacy_hit = o.legacy_answered and any(keys.get(c.chunk_id, set()) & gold for c in old.citations)
        o.legacy_relevance = float(old.scores.get("best_relevance", 0.0))
        outcomes.append(o)
    return outcomes


# ---------------------------------------------------------------------------------------------- report


def _recall(outs: list[Outcome], method: str, k: int) -> float:
    ans = [o for o in outs if o.kind == "answerable"]
    return sum(1 for o in ans if o.ranks[method] is not None and o.ranks[method] <= k) / max(1, len(ans))


def _mrr(outs: list[Outcome], method: str) -> float:
    ans = [o for o in outs if o.kind == "answerable"]
    return sum(1 / o.ranks[method] for o in ans if o.ranks[method]) / max(1, len(ans))


def _rate(outs: list[Outcome], kind: str, pred) -> float | None:
    sel = [o for o in outs if o.kind == kind]
    return sum(1 for o in sel if pred(o)) / len(sel) if sel else None


def _count(outs: list[Outcome], kind: str, pred) -> str:
    """`hits/n [low, high]`: the rate's Wilson 95% interval, so a gap to a target can be read against the noise
    of a few dozen questions."""
    sel = [o for o in outs if o.kind == kind]
    r = wilson(sum(1 for o in sel if pred(o)), len(sel))
    return f"{r.hits}/{r.n} [{fmt(r.low)}, {fmt(r.high)}]" if r.n else "–"


def _sampling_error(all_outcomes: dict[str, list[Outcome]]) -> list[str]:
    lines = [
        "",
        "### The gate's rates with their sampling error (pipeline `now`; counts and 95% Wilson intervals)",
        "",
        "| set | answered (answerable) | answer-hit | IDK off-topic | IDK near-miss |",
        "|---|---|---|---|---|",
    ]
    for name, outs in all_outcomes.items():
        lines.append(
            f"| {name} | {_count(outs, 'answerable', lambda o: o.answered)} | "
            f"{_count(outs, 'answerable', lambda o: o.hit)} | "
            f"{_count(outs, 'off_topic', lambda o: not o.answered)} | "
            f"{_count(outs, 'near_miss', lambda o: not o.answered)} |"
        )
    return lines


def report(all_outcomes: dict[str, list[Outcome]], split: str, ingest_s: dict[str, float], url: str) -> str:
    lines = header("Answer quality benchmark", url)
    lines += [
        f"Command: `{command_line()}` — split **{split}** (no parameter, weight or threshold was fitted to it).",
        "",
        "## Retrieval (answerable questions)",
        "",
        "`hybrid+rerank` is what the answerer reads: hybrid, reordered by the pipeline's reranker, cut at the active "
        "version's top_k (8), so its recall@10 counts 8 passages.",
        "",
        "| set | n | method | recall@1 | recall@5 | recall@10 | MRR@10 |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for name, outs in all_outcomes.items():
        n = sum(1 for o in outs if o.kind == "answerable")
        for m in METHODS:
            lines.append(
                f"| {name} | {n} | {m} | {fmt(_recall(outs, m, 1))} | {fmt(_recall(outs, m, 5))} | "
                f"{fmt(_recall(outs, m, 10))} | {fmt(_mrr(outs, m))} |"
            )
    lines += [
        "",
        "## Answers (whole pipeline, extractive answerer, no model)",
        "",
        "`before` = hybrid_v1 retrieval with the relevance gate (best_relevance ≥ abstain_threshold); `now` = "
        "hybrid with the calibrated answerability gate. answer-hit = answered and a cited passage is a gold "
        "section, over answerable questions; compare with recall@1 of the retrieval it answers from (`before`: "
        "hybrid_v1; `now`: hybrid+rerank, the pipeline's ranking).",
        "",
        "| set | pipeline | answered (answerable) | answer-hit | recall@1 it answers from | IDK off-topic | "
        "IDK near-miss | "
        "AUC off-topic | AUC near-miss |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, outs in all_outcomes.items():
        pos = [o for o in outs if o.kind == "answerable"]
        for label, ans, hit, score, r1 in (
            ("before", "legacy_answered", "legacy_hit", "legacy_relevance", _recall(outs, "hybrid_v1", 1)),
            ("now", "answered", "hit", "answerability", _recall(outs, "hybrid+rerank", 1)),
        ):
            aucs = []
            for kind in ("off_topic", "near_miss"):
                neg = [getattr(o, score) for o in outs if o.kind == kind]
                aucs.append(roc_auc([getattr(o, score) for o in pos], neg))
            lines.append(
                f"| {name} | {label} | {fmt(_rate(outs, 'answerable', lambda o, a=ans: getattr(o, a)))} | "
                f"{fmt(_rate(outs, 'answerable', lambda o, h=hit: getattr(o, h)))} | {fmt(r1)} | "
                f"{fmt(_rate(outs, 'off_topic', lambda o, a=ans: not getattr(o, a)))} | "
                f"{fmt(_rate(outs, 'near_miss', lambda o, a=ans: not getattr(o, a)))} | "
                f"{fmt(aucs[0])} | {fmt(aucs[1])} |"
            )
    lines += _sampling_error(all_outcomes)
    lines += ["", "## Latency per question (ms, pipeline `now`, no model)", ""]
    stages = ["guard_in", "embed", "retrieve", "assess", "gate", "generate", "ground", "guard_out", "total"]
    lines += ["| set | " + " | ".join(f"{s} p50 / p95" for s in stages) + " |", "|---|" + "---:|" * len(stages)]
    for name, outs in all_outcomes.items():
        cells = []
        for s in stages:
            vals = [o.timings[s] for o in outs if s in o.timings]
            cells.append(f"{fmt(percentile(vals, 50), 1)} / {fmt(percentile(vals, 95), 1)}" if vals else "–")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "Ingestion (s): " + ", ".join(f"{c} {s:.0f}" for c, s in ingest_s.items()), ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="*", default=None)
    parser.add_argument("--split", default="test", choices=["dev", "test", "all"])
    parser.add_argument("--reuse", action="store_true", help="keep the bench database from the previous run")
    parser.add_argument("--out", type=Path, default=RESULTS / "quality.md")
    parser.add_argument(
        "--dump", type=Path, help="also write one JSON line per question (ranks, gate, signals) — for the dev split"
    )
    args = parser.parse_args()

    from workers.embeddings import CachingEmbedder, LocalEmbedder
    from workers.pipeline import Pipeline

    names = args.sets or datasets.available()
    sets = [datasets.load(n) for n in names]
    if args.reuse:
        from common import bench_home

        from core.embedded_pg import embedded_url, start_embedded

        start_embedded(bench_home())
        url = embedded_url(bench_home(), "answerloop_bench_quality")
    else:
        url = bench_database("quality")
    settings = make_settings(url)
    embedder = CachingEmbedder(LocalEmbedder())
    ingest_s = build(url, sets, settings, embedder)  # with --reuse, unchanged documents are skipped
    from core import db

    with db.connect(url) as conn:
        calibrate_all(conn, [c for es in sets for c in es.collections], embedder)
        baseline = Bm25sBaseline(conn, [c for es in sets for c in es.collections])
    # Its own cache: the pipeline's `embed` stage must not be served from the retrieval runs' cache.
    pipeline = Pipeline(settings, embedder=CachingEmbedder(embedder.inner), database_url=url)
    outcomes = {}
    for es in sets:
        t0 = time.perf_counter()
        outcomes[es.name] = evaluate(url, es, args.split, pipeline, baseline, embedder)
        print(f"  evaluated {es.name} ({len(outcomes[es.name])} questions) in {time.perf_counter() - t0:.0f} s")
    if args.dump:
        import dataclasses
        import json

        with args.dump.open("w", encoding="utf-8") as fh:
            for name, outs in outcomes.items():
                for o in outs:
                    fh.write(json.dumps({"set": name, **dataclasses.asdict(o)}) + "\n")
    md = report(outcomes, args.split, ingest_s, url)
    write_report(md, args.out)
    print(md)
    _ = statistics


def calibrate_all(conn, collections: list[str], embedder) -> None:
    try:
        from workers.answerability.calibration import calibrate
    except ImportError:  # before the calibrated gate exists
        return
    for c in collections:
        t0 = time.perf_counter()
        calibrate(conn, c, embedder)
        conn.commit()
        print(f"  calibrated {c} in {time.perf_counter() - t0:.1f} s", flush=True)


if __name__ == "__main__":
    main()
