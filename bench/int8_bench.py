"""fp32 against int8 MiniLM (issue H.4): speed on the same chunks and retrieval quality on E's sets, one run.

1. **Raw throughput**: the sample KB's chunk texts (celery + handbook, the same parser, chunker and settings as the
   ingest) sorted by length and cut into batches of `embeddings_batch`, as the ingest's embedding cache sends
   them. Each batch goes through both models back to back, the order alternating batch by batch, so both see the
   same load on a shared machine. Wall and CPU seconds per model, chunks/s, and the cosine of each int8 vector to
   its fp32 vector.
2. **Retrieval quality**: per embedder its own bench database (`answerloop_bench_int8_fp32`, `..._int8`), its own
   ingest of every set's documents, then hybrid retrieval (the active prompt version's parameters, top 10) for the
   answerable questions of the split: recall@1/5/10 and MRR@10. Target: int8 recall@10 within 1 point of fp32 on
   every set.

    python bench/int8_bench.py [--sets flask typer celery_handbook] [--split test|dev|all]

Results: bench/results/int8.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datasets
from common import (
    RESULTS,
    SAMPLE_KB,
    bench_database,
    first_hit,
    fmt,
    gold_key,
    header,
    make_settings,
    write_report,
)
from ingest_bench import sample_texts
from quality_bench import build, chunk_index

DEPTH = 10
TARGET_POINTS = 1.0  # recall@10, in percentage points
EMBEDDERS = {"fp32": "local", "int8": "local-int8"}


@dataclass
class Speed:
    wall_s: float = 0.0
    cpu_s: float = 0.0


@dataclass
class Throughput:
    chunks: int
    batches: int
    batch_size: int
    speed: dict[str, Speed]
    cosines: np.ndarray  # per chunk: cosine(int8 vector, fp32 vector)


def length_batches(texts: list[str], batch_size: int) -> list[list[str]]:
    """Sorted by length, then cut into batches: how PersistentEmbeddingCache sends missing texts to the model."""
    ordered = sorted(texts, key=len)
    return [ordered[i : i + batch_size] for i in range(0, len(ordered), batch_size)]


def throughput(models: dict[str, object], texts: list[str], batch_size: int) -> Throughput:
    speed = {tag: Speed() for tag in models}
    vectors: dict[str, list[np.ndarray]] = {tag: [] for tag in models}
    batches = length_batches(texts, batch_size)
    for i, batch in enumerate(batches):
        order = list(models) if i % 2 == 0 else list(reversed(models))
        for tag in order:
            t0, c0 = time.perf_counter(), time.process_time()
            out = models[tag].embed(batch)  # type: ignore[attr-defined]
            speed[tag].wall_s += time.perf_counter() - t0
            speed[tag].cpu_s += time.process_time() - c0
            vectors[tag].append(out)
        if (i + 1) % 4 == 0 or i + 1 == len(batches):
            print(f"  throughput: {i + 1}/{len(batches)} batches", flush=True)
    fp32, int8 = np.concatenate(vectors["fp32"]), np.concatenate(vectors["int8"])
    return Throughput(len(texts), len(batches), batch_size, speed, np.sum(fp32 * int8, axis=1))


@dataclass
class SetQuality:
    name: str
    n: int = 0
    ranks: list[int | None] = field(default_factory=list)

    def recall(self, k: int) -> float:
        return sum(1 for r in self.ranks if r is not None and r <= k) / max(1, self.n)

    def mrr(self) -> float:
        return sum(1 / r for r in self.ranks if r) / max(1, self.n)


def quality(tag: str, embeddings: str, sets: list[datasets.EvalSet], split: str) -> tuple[dict, float, int]:
    """Own database, own ingest, hybrid retrieval per answerable question. Returns (per set, ingest s, chunks)."""
    from core import db
    from feedback.prompt_versions import active_version
    from workers.embeddings import get_embedder
    from workers.retrieval import retrieve

    url = bench_database(f"int8_{tag}")
    settings = make_settings(url, embeddings=embeddings)
    embedder = get_embedder(settings)
    print(f"{tag}: ingesting into {url.split('?')[0].rsplit('/', 1)[-1]}", flush=True)
    t0 = time.perf_counter()
    build(url, sets, settings, embedder)
    ingest_s = time.perf_counter() - t0
    out: dict[str, SetQuality] = {}
    with db.connect(url) as conn:
        keys = chunk_index(conn)
        params = active_version(conn).params.model_copy(update={"top_k": DEPTH})
        for es in sets:
            sq = SetQuality(es.name)
            for q in es.split(split):
                if q["kind"] != "answerable":
                    continue
                gold = {gold_key(g) for g in q.get("gold", [])}
                vec = embedder.embed([q["question"]])[0]
                ids = [p.chunk_id for p in retrieve(conn, q["question"], [q["collection"]], params, vec).passages]
                conn.rollback()
                sq.n += 1
                sq.ranks.append(first_hit((keys[i] for i in ids), gold) if gold else None)
            out[es.name] = sq
            print(f"  {tag} {es.name}: recall@10 {sq.recall(10):.3f} over {sq.n}", flush=True)
    return out, ingest_s, len(keys)


def report(tp: Throughput, names: dict[str, str], load_s: dict[str, float], results: dict, split: str, urls) -> str:
    f, q = tp.speed["fp32"], tp.speed["int8"]
    rate = {tag: tp.chunks / s.wall_s for tag, s in tp.speed.items()}
    cpu_rate = {tag: tp.chunks / s.cpu_s for tag, s in tp.speed.items()}
    lines = header("fp32 against int8 MiniLM: throughput and retrieval quality", *urls)
    lines += [
        "",
        f"Models: fp32 `{names['fp32']}` (load {load_s['fp32']:.1f} s), int8 `{names['int8']}` "
        f"(load + quantize {load_s['int8']:.1f} s): the same all-MiniLM-L6-v2 weights, int8 = "
        "`torch.ao.quantization.quantize_dynamic` of every `nn.Linear` (qint8 weights, activations quantized per "
        "batch). All figures from this one run.",
        "",
        "## Raw model throughput, same chunks",
        "",
        f"{tp.chunks} chunk texts of the sample KB (celery + handbook), sorted by length, {tp.batches} batches of "
        f"{tp.batch_size}; each batch through both models back to back, order alternating.",
        "",
        "| model | seconds | chunks/s | CPU seconds | chunks per CPU second |",
        "|---|---:|---:|---:|---:|",
        f"| fp32 | {f.wall_s:.1f} | **{rate['fp32']:.1f}** | {f.cpu_s:.1f} | {cpu_rate['fp32']:.2f} |",
        f"| int8 | {q.wall_s:.1f} | **{rate['int8']:.1f}** | {q.cpu_s:.1f} | {cpu_rate['int8']:.2f} |",
        "",
        f"int8 / fp32: **{rate['int8'] / rate['fp32']:.2f}×** chunks/s (wall clock), "
        f"{cpu_rate['int8'] / cpu_rate['fp32']:.2f}× chunks per CPU second.",
        "",
        f"Cosine of each int8 vector to its fp32 vector over the {tp.chunks} chunks: mean "
        f"{tp.cosines.mean():.4f}, min {tp.cosines.min():.4f}, 1st percentile {np.percentile(tp.cosines, 1):.4f}.",
        "",
        f"## Hybrid retrieval, split {split}, answerable questions",
        "",
        "Each embedder ingested every set into its own database; hybrid retrieval (BM25 + vectors, the active "
        "prompt version's parameters) with the question embedded by the same model.",
        "",
        "| set | n | embedder | recall@1 | recall@5 | recall@10 | MRR@10 | Δ recall@10 (points) |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    verdicts = []
    for name in results["fp32"][0]:
        base = results["fp32"][0][name]
        for tag in ("fp32", "int8"):
            sq = results[tag][0][name]
            delta = 100 * (sq.recall(10) - base.recall(10))
            lines.append(
                f"| {name} | {sq.n} | {tag} | {fmt(sq.recall(1))} | {fmt(sq.recall(5))} | {fmt(sq.recall(10))} | "
                f"{fmt(sq.mrr())} | {'' if tag == 'fp32' else f'{delta:+.1f}'} |"
            )
        delta = 100 * (results["int8"][0][name].recall(10) - base.recall(10))
        verdicts.append((name, delta, delta >= -TARGET_POINTS))
    met = all(ok for _, _, ok in verdicts)
    lines += [
        "",
        f"Target: int8 recall@10 within {TARGET_POINTS:.0f} point of fp32 on every set — **"
        + ("met" if met else "not met")
        + "** ("
        + ", ".join(f"{n} {d:+.1f}" for n, d, _ in verdicts)
        + "). One question is "
        + ", ".join(f"{100 / results['fp32'][0][n].n:.1f}" for n in results["fp32"][0])
        + " points on these sets, so the target allows no lost question.",
        "",
        "Ingest of all sets (chunks + quotable sentences through the model, store, postings), same run: "
        + ", ".join(
            f"{tag} {results[tag][1]:.0f} s for {results[tag][2]} chunks ({results[tag][2] / results[tag][1]:.1f}/s)"
            for tag in ("fp32", "int8")
        )
        + ".",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", nargs="*", default=["flask", "typer", "celery_handbook"])
    ap.add_argument("--split", default="test", choices=["dev", "test", "all"])
    ap.add_argument("--out", type=Path, default=RESULTS / "int8.md")
    args = ap.parse_args()

    from core.settings import Settings
    from workers.embeddings import LocalEmbedder, LocalInt8Embedder

    settings = Settings(embeddings="local", llm=None)
    models: dict[str, object] = {}
    load_s: dict[str, float] = {}
    for tag, cls in (("fp32", LocalEmbedder), ("int8", LocalInt8Embedder)):
        t0 = time.perf_counter()
        models[tag] = cls(settings.embeddings_batch)
        load_s[tag] = time.perf_counter() - t0
        models[tag].embed(["warm-up sentence"] * 8)  # type: ignore[attr-defined]
    chunks, _sentences = sample_texts(SAMPLE_KB, settings)
    tp = throughput(models, chunks, settings.embeddings_batch)
    print(f"  fp32 {tp.chunks / tp.speed['fp32'].wall_s:.1f} chunks/s, int8 {tp.chunks / tp.speed['int8'].wall_s:.1f}")
    del models

    sets = [datasets.load(n) for n in args.sets]
    results = {tag: quality(tag, embeddings, sets, args.split) for tag, embeddings in EMBEDDERS.items()}
    from common import bench_home

    from core.embedded_pg import embedded_url

    urls = [embedded_url(bench_home(), f"answerloop_bench_int8_{tag}") for tag in EMBEDDERS]
    names = {"fp32": LocalEmbedder.name, "int8": LocalInt8Embedder.name}
    write_report(report(tp, names, load_s, results, args.split, urls), args.out)


if __name__ == "__main__":
    main()
