"""fp32 against int8 MiniLM (issue H.4): which layers to quantize, speed on the same chunks and retrieval quality on
E's sets.

`--choose` (dev splits only; bench/results/int8_layers.md): the sensitivity of each of the encoder's 36 Linear
layers (mean 1 − cosine to fp32 over dev texts with only that layer quantized), then variants keeping the most
sensitive layers in fp32, ranked on the dev questions, and the choice by a rule fixed in `pick`. The chosen layers
go into `workers.embeddings.LocalInt8Embedder.FP32_LAYERS`.

Default (one run; bench/results/int8.md):

1. **Raw throughput**: the sample KB's chunk texts (celery + handbook, the same parser, chunker and settings as the
   ingest) sorted by length and cut into batches of `embeddings_batch`, as the ingest's embedding cache sends
   them. Each batch goes through every model (fp32, the configured int8, the every-layer int8) back to back, the
   order rotating batch by batch, so all see the same load on a shared machine; one torch thread by default (an
   ingest worker's setting). Wall and CPU seconds per model, chunks/s, the cosine of each int8 vector to fp32's.
2. **Retrieval quality**: every set's documents in one bench database; each model writes its own vectors of every
   chunk into it and embeds the questions itself; hybrid retrieval (the active prompt version's parameters, top
   10) for the answerable questions of the split: recall@1/5/10 and MRR@10. Ranking reads only the chunks' and the
   question's vectors, so this ranks as an ingest by that model would, without embedding every quotable sentence
   three times. Target: int8 recall@10 within 1 point of fp32 on every set.

    python bench/int8_bench.py --choose            # dev
    python bench/int8_bench.py [--split test|dev|all] [--threads 1] [--sets flask typer celery_handbook]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
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
    cosines: dict[str, np.ndarray]  # per quantized model, per chunk: cosine(its vector, fp32 vector)
    every: int = 1  # every n-th chunk of the sample KB, by length

    def rate(self, tag: str) -> float:
        return self.chunks / self.speed[tag].wall_s

    def cpu_rate(self, tag: str) -> float:
        return self.chunks / self.speed[tag].cpu_s


def length_batches(texts: list[str], batch_size: int) -> list[list[str]]:
    """Sorted by length, then cut into batches: how PersistentEmbeddingCache sends missing texts to the model."""
    ordered = sorted(texts, key=len)
    return [ordered[i : i + batch_size] for i in range(0, len(ordered), batch_size)]


def throughput(models: dict[str, object], texts: list[str], batch_size: int) -> Throughput:
    """Each batch through every model back to back, the order rotating batch by batch (same load for all)."""
    speed = {tag: Speed() for tag in models}
    vectors: dict[str, list[np.ndarray]] = {tag: [] for tag in models}
    batches = length_batches(texts, batch_size)
    tags = list(models)
    for i, batch in enumerate(batches):
        order = tags[i % len(tags) :] + tags[: i % len(tags)]
        if i // len(tags) % 2:
            order.reverse()
        for tag in order:
            t0, c0 = time.perf_counter(), time.process_time()
            out = models[tag].embed(batch)  # type: ignore[attr-defined]
            speed[tag].wall_s += time.perf_counter() - t0
            speed[tag].cpu_s += time.process_time() - c0
            vectors[tag].append(out)
        if (i + 1) % 4 == 0 or i + 1 == len(batches):
            print(f"  throughput: {i + 1}/{len(batches)} batches", flush=True)
    fp32 = np.concatenate(vectors["fp32"])
    cosines = {tag: np.sum(np.concatenate(vectors[tag]) * fp32, axis=1) for tag in tags if tag != "fp32"}
    return Throughput(len(texts), len(batches), batch_size, speed, cosines)


# ---------------------------------------------------------------------------------------------- retrieval per model


def encode(model: object, texts: list[str], batch_size: int) -> np.ndarray:
    """LocalEmbedder.embed for any (partly quantized) copy of the SentenceTransformer."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    out = model.encode(  # type: ignore[attr-defined]
        texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True
    )
    return out.astype(np.float32)


@dataclass
class EvalData:
    url: str
    split: str
    chunk_ids: list[int]
    chunk_texts: list[str]  # what the ingest embeds per chunk (heading path + content)
    keys: dict[int, set[tuple[str, str]]]
    questions: list[tuple[str, dict]]  # (set, question): the split's answerable questions
    sample: list[str]  # the cosine sample: every question of the split (all kinds) + every third gold chunk's text


def eval_data(sets: list[datasets.EvalSet], split: str) -> EvalData:
    """Every set's documents in one database without vectors (fast: no model); each model below writes its own
    chunk vectors into it. Ranking reads only chunk vectors and the question's (sentence vectors only feed the
    answerer), so this ranks as an ingest by that model would."""
    from core import db
    from workers.embeddings import NoEmbedder

    url = bench_database(f"int8_{split}")
    build(url, sets, make_settings(url, embeddings="none"), NoEmbedder())
    with db.connect(url) as conn:
        rows = conn.execute("SELECT id, heading_path, content FROM chunks ORDER BY id").fetchall()
        keys = chunk_index(conn)
    texts = {r["id"]: " > ".join(r["heading_path"]) + "\n" + r["content"] for r in rows}
    asked = [(es.name, q) for es in sets for q in es.split(split)]
    answerable = [(n, q) for n, q in asked if q["kind"] == "answerable"]
    gold_ids: list[int] = []
    for _, q in answerable:
        gold = {gold_key(g) for g in q.get("gold", [])}
        gold_ids += [cid for cid in texts if keys[cid] & gold and cid not in gold_ids]
    # Every third gold chunk: long texts cost most of a pass, and the sensitivity needs 36 passes.
    sample = [q["question"] for _, q in asked] + [texts[cid] for cid in gold_ids[::3]]
    return EvalData(url, split, list(texts), list(texts.values()), keys, answerable, sample)


@dataclass
class Ranking:
    label: str
    fp32_layers: tuple[str, ...]
    ranks: dict[str, list[int | None]]  # per set, per answerable question: first gold rank (≤ 10)
    top: list[list[int]]  # per answerable question: the top-10 chunk ids
    cosines: np.ndarray  # of the cosine sample, to fp32
    chunk_cpu_s: float  # embedding every chunk of the three sets

    def recall(self, name: str, k: int) -> float:
        r = self.ranks[name]
        return sum(1 for x in r if x is not None and x <= k) / max(1, len(r))

    def mrr(self, name: str) -> float:
        r = self.ranks[name]
        return sum(1 / x for x in r if x) / max(1, len(r))


def rank_variant(label: str, model: object, fp32_layers, data: EvalData, ref: np.ndarray | None, batch: int):
    """`model`'s vectors of every chunk into the database, then hybrid retrieval of the answerable questions (each
    embedded by `model`), and `model`'s cosine to fp32 (`ref`) over the cosine sample."""
    from core import db
    from feedback.prompt_versions import active_version
    from workers.retrieval import retrieve

    c0 = time.process_time()
    vectors = encode(model, data.chunk_texts, batch)
    cpu_s = time.process_time() - c0
    ranks: dict[str, list[int | None]] = {}
    top: list[list[int]] = []
    with db.connect(data.url) as conn:
        with conn.cursor() as cur:
            cur.executemany(
                "UPDATE chunks SET embedding = %s WHERE id = %s", list(zip(vectors, data.chunk_ids, strict=True))
            )
        conn.execute("REINDEX INDEX chunks_embedding_hnsw_384")  # as built by an ingest, not left by updates
        conn.commit()
        params = active_version(conn).params.model_copy(update={"top_k": DEPTH})
        qvecs = encode(model, [q["question"] for _, q in data.questions], batch)
        for (name, q), vec in zip(data.questions, qvecs, strict=True):
            gold = {gold_key(g) for g in q.get("gold", [])}
            ids = [p.chunk_id for p in retrieve(conn, q["question"], [q["collection"]], params, vec).passages]
            conn.rollback()
            top.append(ids)
            ranks.setdefault(name, []).append(first_hit((data.keys[i] for i in ids), gold) if gold else None)
    sample = encode(model, data.sample, batch)
    cosines = np.sum(sample * ref, axis=1) if ref is not None else np.ones(len(sample))
    result = Ranking(label, tuple(fp32_layers), ranks, top, cosines, cpu_s)
    print(
        f"  {data.split} {label}: recall@10 "
        + ", ".join(f"{n} {result.recall(n, 10):.3f}" for n in ranks)
        + f"; cosine mean {cosines.mean():.4f}; chunks {cpu_s:.0f} CPU s",
        flush=True,
    )
    return result, sample


def sensitivity(base: object, layers: list[str], sample: list[str], ref: np.ndarray, batch: int) -> dict[str, float]:
    """Per Linear layer: mean (1 − cosine to fp32) over the dev sample with only that layer quantized."""
    from workers.embeddings import quantize_int8, short_layer

    out: dict[str, float] = {}
    for i, name in enumerate(layers, start=1):
        model = quantize_int8(base, tuple(n for n in layers if n != name))
        out[name] = float(np.mean(1.0 - np.sum(encode(model, sample, batch) * ref, axis=1)))
        print(f"  sensitivity {i}/{len(layers)} {short_layer(name)}: {out[name]:.5f}", flush=True)
    return out


# ---------------------------------------------------------------------------------------------- the fp32 layers
# Chosen on the dev splits only: which Linear layers to leave in fp32 (--choose). The test split is not read.


def choose(sets: list[datasets.EvalSet], batch: int) -> tuple[str, list[str], int]:
    """Per-layer sensitivity on the dev sample, then the k most sensitive layers kept in fp32 (k from SHARES),
    each variant ranked on the dev questions. Returns the report, the ranked layers and the chosen k."""
    from workers.embeddings import LocalEmbedder, encoder_linear_layers, quantize_int8

    base = LocalEmbedder(batch)._model
    layers = encoder_linear_layers(base)
    data = eval_data(sets, "dev")
    print(f"dev: {len(data.questions)} answerable questions, cosine sample {len(data.sample)} texts", flush=True)
    reference, ref = rank_variant("fp32", base, (), data, None, batch)
    sens = sensitivity(base, layers, data.sample, ref, batch)
    ranked = sorted(layers, key=lambda n: -sens[n])
    ks = ks_for(sens, ranked)
    print("  variants: k = " + ", ".join(map(str, ks)), flush=True)
    results = [reference]
    for k in ks:
        kept = tuple(ranked[:k])
        results.append(rank_variant(f"int8, {k} fp32", quantize_int8(base, kept), kept, data, ref, batch)[0])
    chosen = pick(reference, results[1:], ks)
    return dev_report(data, sens, ranked, reference, results, ks, chosen), ranked, chosen


ERROR_SHARE = 0.5  # the chosen variant's mean cosine error on the dev sample, against the all-int8 model's
SHARES = (0.0, 0.25, 0.5)  # variants: the most sensitive layers carrying this share of the summed errors


def ks_for(sens: dict[str, float], ranked: list[str]) -> list[int]:
    """The smallest k whose k most sensitive layers carry each share in SHARES of the summed sensitivity."""
    total, ks = sum(sens.values()), []
    for share in SHARES:
        acc, k = 0.0, 0
        while acc < share * total - 1e-12:
            acc += sens[ranked[k]]
            k += 1
        if k not in ks:
            ks.append(k)
    return ks


def lost(reference: Ranking, r: Ranking) -> bool:
    """Any set whose dev recall@5 or recall@10 is below fp32's (one question is 2.6–2.9 points on these sets)."""
    return any(r.recall(n, k) < reference.recall(n, k) for n in reference.ranks for k in (5, 10))


def pick(reference: Ranking, variants: list[Ranking], ks: list[int]) -> int:
    """The rule, fixed before any variant was measured: among the variants that lose no dev question at depth 5
    or 10 on any set, the one with the fewest fp32 layers whose mean cosine error (1 − cosine to fp32) on the dev
    sample is at most ERROR_SHARE of the all-int8 model's; failing that, the most fp32 layers tried."""
    all_int8 = float(np.mean(1 - variants[0].cosines))
    for k, r in zip(ks, variants, strict=True):
        if not lost(reference, r) and float(np.mean(1 - r.cosines)) <= ERROR_SHARE * all_int8:
            return k
    return ks[-1]


def dev_report(data: EvalData, sens, ranked, reference: Ranking, results: list[Ranking], ks, chosen) -> str:
    import torch

    from workers.embeddings import int8_name, short_layer

    lines = header("Choosing the int8 model's fp32 layers (dev splits only)", data.url)
    n_sets = {n: len(r) for n, r in reference.ranks.items()}
    lines += [
        "",
        "The test split is not read here. Every set's documents in one database; each variant writes its own chunk "
        "vectors into it (ranking reads only chunk vectors and the question's, so this ranks as an ingest by that "
        "variant would) and embeds the dev questions itself; hybrid retrieval, the active prompt version's "
        f"parameters, top {DEPTH}. Dev answerable questions: "
        + ", ".join(f"{n} {c}" for n, c in n_sets.items())
        + f". Cosine sample: {len(data.sample)} texts (every dev question of every kind, and the chunks that are "
        "gold for a dev question, every third).",
        "",
        "## 1. Sensitivity per Linear layer",
        "",
        "Mean (1 − cosine to fp32) over the cosine sample with only that layer quantized (the 36 encoder layers; "
        "errors add up to first order), most sensitive first:",
        "",
        "| rank | layer | mean error | share of the sum |",
        "|---:|---|---:|---:|",
    ]
    total = sum(sens.values())
    for i, name in enumerate(ranked, start=1):
        lines.append(f"| {i} | {short_layer(name)} | {sens[name]:.5f} | {sens[name] / total:.1%} |")
    lines += [
        "",
        "## 2. Variants: the k most sensitive layers kept in fp32",
        "",
        "k for "
        + ", ".join(f"{s:.0%}" for s in SHARES)
        + " of the summed single-layer error: "
        + ", ".join(str(k) for k in ks)
        + ". Chunk CPU seconds: embedding every chunk of the three sets "
        f"({len(data.chunk_ids)}), {torch.get_num_threads()} torch thread(s), same process (load from other work: "
        "a guide, not the speed figure; that is the test run's alternating measurement).",
        "",
        "| variant | fp32 layers | "
        + " | ".join(f"{n} R@5 / R@10 / MRR" for n in reference.ranks)
        + " | top 10 as fp32's, in order | cosine mean / 1st pct / min | mean error | chunk CPU s | fp32 / this |",
        "|---|---|" + "---:|" * (len(reference.ranks) + 5),
    ]
    for r in results:
        same = sum(1 for a, b in zip(r.top, reference.top, strict=True) if a == b)
        lines.append(
            f"| {r.label}{' **(chosen)**' if r is not reference and len(r.fp32_layers) == chosen else ''} | "
            + (", ".join(short_layer(n) for n in r.fp32_layers) if r is not reference else "all")
            + " | "
            + " | ".join(f"{fmt(r.recall(n, 5))} / {fmt(r.recall(n, 10))} / {fmt(r.mrr(n))}" for n in r.ranks)
            + f" | {same}/{len(r.top)} | {r.cosines.mean():.4f} / {np.percentile(r.cosines, 1):.4f} / "
            f"{r.cosines.min():.4f} | {float(np.mean(1 - r.cosines)):.5f} | {r.chunk_cpu_s:.0f} | "
            f"{reference.chunk_cpu_s / r.chunk_cpu_s:.2f}× |"
        )
    kept = tuple(short_layer(n) for n in ranked[:chosen])
    eligible = [len(r.fp32_layers) for r in results[1:] if not lost(reference, r)]
    lines += [
        "",
        "Rule (fixed before the variants ran): among the variants that lose no dev question at depth 5 or 10 on any "
        f"set, the fewest fp32 layers whose mean error is at most {ERROR_SHARE:.0%} of the all-int8 model's "
        f"(failing that, the most tried). Variants losing no dev question: k = "
        + (", ".join(map(str, eligible)) if eligible else "none (the choice is the fallback)")
        + f". **Chosen: k = {chosen}** ({', '.join(kept) or 'none'}): `{int8_name(kept)}`.",
        "",
    ]
    return "\n".join(lines)


def report(tp: Throughput, names: dict[str, str], kept: tuple[str, ...], load_s, results: dict, split, threads, urls):
    every = "all of them" if tp.every == 1 else f"one in {tp.every} by length"
    tags = list(tp.speed)
    lines = header("fp32 against int8 MiniLM: throughput and retrieval quality", *urls)
    lines += [
        "",
        "Models (the same all-MiniLM-L6-v2 weights; int8 = `torch.ao.quantization.quantize_dynamic`, qint8 "
        "weights per output channel, activations quantized per batch):",
        "",
        f"- fp32 `{names['fp32']}` (load {load_s['fp32']:.1f} s)",
        f"- int8 `{names['int8']}` (load + quantize {load_s['int8']:.1f} s): every Linear layer int8 except "
        f"{', '.join(kept) or 'none'}, kept in fp32 — chosen on the dev splits only "
        "([int8_layers.md](int8_layers.md)); what `ANSWERLOOP_EMBEDDINGS=local-int8` runs",
    ]
    if "int8-all" in names:
        lines.append(
            f"- int8-all `{names['int8-all']}` (load + quantize {load_s['int8-all']:.1f} s): every Linear layer "
            "int8, the earlier `local-int8`, for comparison"
        )
    lines += [
        "",
        f"All figures from this one run; torch threads: {threads} (an ingest worker process's setting).",
        "",
        "## Raw model throughput, same chunks",
        "",
        f"{tp.chunks} chunk texts of the sample KB (celery + handbook; {every}), sorted by length, {tp.batches} "
        f"batches of {tp.batch_size}; each batch through every model back to back, the order rotating batch by batch.",
        "",
        "| model | seconds | chunks/s | CPU seconds | chunks per CPU second | × fp32 (wall / CPU) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for tag in tags:
        sp = tp.speed[tag]
        lines.append(
            f"| {tag} | {sp.wall_s:.1f} | **{tp.rate(tag):.1f}** | {sp.cpu_s:.1f} | {tp.cpu_rate(tag):.2f} | "
            f"{tp.rate(tag) / tp.rate('fp32'):.2f}× / {tp.cpu_rate(tag) / tp.cpu_rate('fp32'):.2f}× |"
        )
    lines += [
        "",
        f"int8 / fp32: **{tp.rate('int8') / tp.rate('fp32'):.2f}×** chunks/s (wall clock), "
        f"{tp.cpu_rate('int8') / tp.cpu_rate('fp32'):.2f}× chunks per CPU second"
        + (
            f"; int8 / int8-all: {tp.rate('int8') / tp.rate('int8-all'):.2f}× (what the fp32 layers cost)."
            if "int8-all" in tags
            else "."
        ),
        "",
    ]
    for tag, cos in tp.cosines.items():
        lines.append(
            f"Cosine of each {tag} vector to its fp32 vector over the {tp.chunks} chunks: mean {cos.mean():.4f}, "
            f"min {cos.min():.4f}, 1st percentile {np.percentile(cos, 1):.4f}.  "
        )
    lines += [
        "",
        f"## Hybrid retrieval, split {split}, answerable questions",
        "",
        "Every set's documents in one database; each model wrote its own vectors of every chunk into it (ranking "
        "reads only those and the question's: as an ingest by that model would rank) and embedded the questions "
        "itself; hybrid retrieval (BM25 + vectors, the active prompt version's parameters), top 10.",
        "",
        "| set | n | embedder | recall@1 | recall@5 | recall@10 | MRR@10 | Δ recall@10 (points) |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    verdicts: dict[str, list[tuple[str, float]]] = {tag: [] for tag in results if tag != "fp32"}
    base = results["fp32"]
    for name in base.ranks:
        for tag, r in results.items():
            delta = 100 * (r.recall(name, 10) - base.recall(name, 10))
            lines.append(
                f"| {name} | {len(r.ranks[name])} | {tag} | {fmt(r.recall(name, 1))} | {fmt(r.recall(name, 5))} | "
                f"{fmt(r.recall(name, 10))} | {fmt(r.mrr(name))} | {'' if tag == 'fp32' else f'{delta:+.1f}'} |"
            )
            if tag != "fp32":
                verdicts[tag].append((name, delta))
    lines.append("")
    for tag, vs in verdicts.items():
        met = all(d >= -TARGET_POINTS for _, d in vs)
        same = sum(1 for a, b in zip(results[tag].top, base.top, strict=True) if a == b)
        same_set = sum(1 for a, b in zip(results[tag].top, base.top, strict=True) if set(a) == set(b))
        lines.append(
            f"Target for {tag}: recall@10 within {TARGET_POINTS:.0f} point of fp32 on every set — **"
            + ("met" if met else "not met")
            + "** ("
            + ", ".join(f"{n} {d:+.1f}" for n, d in vs)
            + f"); the same 10 chunks as fp32 for {same_set} of {len(base.top)} questions ({same} in the same "
            "order).  "
        )
    lines += [
        "One question is "
        + ", ".join(f"{100 / len(r):.1f}" for r in base.ranks.values())
        + " points on these sets, so the target allows no lost question.",
        "",
    ]
    return "\n".join(lines)


def mix_section(tp: Throughput, names: dict[str, str], chunks: int, sentences: int, threads: int) -> str:
    """A dated section: the raw models on an ingest's mix of texts, in the length-sorted batches it sends."""
    import os
    from datetime import UTC, datetime

    from common import command_line

    load_average = " / ".join(f"{x:.2f}" for x in os.getloadavg())

    lines = [
        "",
        "",
        f"## Raw model throughput on an ingest's mix of texts ({datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')})",
        "",
        f"Command: `{command_line()}`; torch threads: {threads}; load average (1 / 5 / 15 min) at the end: "
        f"{load_average}. Models: " + ", ".join(f"{tag} `{name}`" for tag, name in names.items()) + ".",
        "",
        f"What an ingest of the sample KB embeds: its {chunks} chunk texts and their {sentences} quotable sentences, "
        f"all sorted by length together ({tp.chunks} texts), {tp.batches} batches of {tp.batch_size}, each through "
        "every model back to back, the order rotating batch by batch.",
        "",
        "| model | seconds | texts/s | CPU seconds | × fp32 (wall / CPU) |",
        "|---|---:|---:|---:|---:|",
    ]
    for tag, sp in tp.speed.items():
        lines.append(
            f"| {tag} | {sp.wall_s:.1f} | **{tp.rate(tag):.1f}** | {sp.cpu_s:.1f} | "
            f"{tp.rate(tag) / tp.rate('fp32'):.2f}× / {tp.cpu_rate(tag) / tp.cpu_rate('fp32'):.2f}× |"
        )
    lines.append("")
    return "\n".join(lines)


KEPT_MARK = "\n\n## Per worker process"  # sections appended by bench/ingest_bench.py --queued: kept below


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", nargs="*", default=["flask", "typer", "celery_handbook"])
    ap.add_argument("--split", default="test", choices=["dev", "test", "all"])
    ap.add_argument("--out", type=Path, default=RESULTS / "int8.md")
    ap.add_argument("--choose", action="store_true", help="choose the fp32 layers on the dev splits (only)")
    ap.add_argument("--choose-out", type=Path, default=RESULTS / "int8_layers.md")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1: an ingest worker's setting)")
    ap.add_argument("--no-all-int8", action="store_true", help="leave out the every-layer int8 model")
    ap.add_argument("--every", type=int, default=1, help="throughput on every n-th chunk by length (a busy machine)")
    ap.add_argument(
        "--speed-mix",
        action="store_true",
        help="only the throughput, on what an ingest embeds (chunks and their quotable sentences); appends a section",
    )
    args = ap.parse_args()

    import torch

    from core.settings import Settings
    from workers.embeddings import LocalEmbedder, LocalInt8Embedder, short_layer

    torch.set_num_threads(args.threads)
    settings = Settings(embeddings="local", llm=None)
    if args.choose:
        text, _ranked, _k = choose([datasets.load(n) for n in args.sets], settings.embeddings_batch)
        write_report(text, args.choose_out)
        return

    makers = {
        "fp32": lambda: LocalEmbedder(settings.embeddings_batch),
        "int8": lambda: LocalInt8Embedder(settings.embeddings_batch),
        "int8-all": lambda: LocalInt8Embedder(settings.embeddings_batch, fp32_layers=()),
    }
    if args.no_all_int8 or not LocalInt8Embedder.FP32_LAYERS:
        del makers["int8-all"]
    models: dict[str, object] = {}
    load_s: dict[str, float] = {}
    for tag, make in makers.items():
        t0 = time.perf_counter()
        models[tag] = make()
        load_s[tag] = time.perf_counter() - t0
        models[tag].embed(["warm-up sentence"] * 8)  # type: ignore[attr-defined]
    names = {tag: m.name for tag, m in models.items()}  # type: ignore[attr-defined]
    chunks, sentences = sample_texts(SAMPLE_KB, settings)
    if args.speed_mix:
        tp = throughput(models, sorted(chunks + sentences, key=len)[:: args.every], settings.embeddings_batch)
        tp.every = args.every
        section = mix_section(tp, names, len(chunks), len(sentences), args.threads)
        print(section)
        with args.out.open("a", encoding="utf-8") as fh:
            fh.write(section)
        return
    tp = throughput(models, sorted(chunks, key=len)[:: args.every], settings.embeddings_batch)
    tp.every = args.every
    print("  " + ", ".join(f"{tag} {tp.rate(tag):.1f} chunks/s" for tag in models), flush=True)

    torch.set_num_threads(max(args.threads, 2))  # not timed: the retrieval part runs faster with both cores
    data = eval_data([datasets.load(n) for n in args.sets], args.split)
    results = {
        tag: rank_variant(tag, m._model, (), data, None, settings.embeddings_batch)[0]  # type: ignore[attr-defined]
        for tag, m in models.items()
    }
    kept = tuple(short_layer(n) for n in LocalInt8Embedder.FP32_LAYERS)
    text = report(tp, names, kept, load_s, results, args.split, args.threads, [data.url])
    earlier = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    if KEPT_MARK in earlier:
        text += (
            "\nThe sections below were appended by `bench/ingest_bench.py --queued` before this run and measured "
            f"the every-layer int8 model (`{LocalInt8Embedder.ALL_INT8_NAME}`), not the one above.\n"
            + earlier[earlier.index(KEPT_MARK) :]
        )
    write_report(text, args.out)


if __name__ == "__main__":
    main()
