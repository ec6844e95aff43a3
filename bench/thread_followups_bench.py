"""Thread follow-ups: what retrieval finds for a follow-up depending on how it is asked (issue F item 4).

    python bench/thread_followups_bench.py [--splits dev,held-out] [--out bench/results/threads.md]

Ingests ``core/sample_kb/handbook`` with the local MiniLM embedder into its own database, then for each thread (a
first question, a follow-up, the standalone question a person would write for it, and the follow-up's gold
sections) runs the pipeline's hybrid ``retrieve`` (active version's parameters, top 10) with four queries:

* ``as written``: the follow-up alone (what the bot searched before thread context);
* ``offline``: ``guardrails.followup.contextual_query`` — the follow-up plus the first question's salient words
  when it is elliptical (the path without a model, and the fallback when the model call fails);
* ``concatenated``: the first question and the follow-up joined (a naive baseline);
* ``standalone``: the hand-written standalone question — what the instructor condenser is asked to write; an
  upper bound for it, not a model's output (no model runs here).

Two splits, reported separately: ``dev`` (``bench/data/thread_followups.jsonl``, 18 threads, looked at while
designing the offline path) and ``held-out`` (``bench/data/thread_followups_heldout.jsonl``, 24 threads written
later and committed before any change they were used to judge). Reported: hit@1 / hit@3 / hit@5 (share of
follow-ups with a gold section at rank ≤ k) and MRR@10. The sets are small and were written with the handbook's
section titles in view: read the differences between rows, not the absolute figures.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path

from common import (
    RESULTS,
    ROOT,
    SAMPLE_KB,
    bench_database,
    chunk_keys,
    first_hit,
    fmt,
    gold_key,
    header,
    make_settings,
    pct,
    rel,
    write_report,
)

SPLITS = {
    "dev": ROOT / "bench" / "data" / "thread_followups.jsonl",
    "held-out": ROOT / "bench" / "data" / "thread_followups_heldout.jsonl",
}
DEFAULT_OUT = RESULTS / "threads.md"
TOP_K = 10
VARIANTS = ("as written", "offline", "concatenated", "standalone")


@dataclass
class Thread:
    rec: dict
    gold: set[tuple[str, str]]
    queries: dict[str, str] = field(default_factory=dict)
    ranks: dict[str, int | None] = field(default_factory=dict)


def queries_for(rec: dict) -> dict[str, str]:
    from guardrails.followup import contextual_query

    return {
        "as written": rec["followup"],
        "offline": contextual_query(rec["followup"], [rec["first"]]),
        "concatenated": f"{rec['first']} {rec['followup']}",
        "standalone": rec["standalone"],
    }


def run(splits: dict[str, Path]) -> tuple[dict[str, list[Thread]], str]:
    from core import db
    from feedback.prompt_versions import active_version
    from workers.embeddings import LocalEmbedder
    from workers.kb.ingest import ingest_folder
    from workers.retrieval import retrieve

    url = bench_database("threads")
    embedder = LocalEmbedder()
    with db.connect(url) as conn:
        report = ingest_folder(conn, SAMPLE_KB / "handbook", "handbook", embedder=embedder, settings=make_settings(url))
        assert not report.failed, report.failed
        params = active_version(conn).params.model_copy(update={"top_k": TOP_K})
        chunks = conn.execute(
            "SELECT c.id, c.section_title, c.heading_path, d.source_path FROM chunks c "
            "JOIN documents d ON d.id = c.document_id"
        ).fetchall()
    keys_of = {c["id"]: chunk_keys(c["source_path"], c["section_title"], c["heading_path"]) for c in chunks}
    known = set().union(*keys_of.values())
    result: dict[str, list[Thread]] = {}
    for split, path in splits.items():
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        threads = [Thread(r, {gold_key(g) for g in r["gold"]}, queries_for(r)) for r in records]
        for t in threads:
            missing = t.gold - known
            assert not missing, f"{path.name} {t.rec['id']}: no section {sorted(missing)} in the handbook"
        with db.connect(url) as conn:
            for t in threads:
                vectors = embedder.embed([t.queries[v] for v in VARIANTS])
                for variant, vector in zip(VARIANTS, vectors, strict=True):
                    passages = retrieve(conn, t.queries[variant], ["handbook"], params, vector).passages
                    t.ranks[variant] = first_hit((keys_of[p.chunk_id] for p in passages), t.gold)
        result[split] = threads
    return result, url


def summary(threads: list[Thread]) -> list[str]:
    n = len(threads)
    lines = ["| query | hit@1 | hit@3 | hit@5 | MRR@10 |", "|---|---|---|---|---|"]
    for variant in VARIANTS:
        ranks = [t.ranks[variant] for t in threads]
        hits = {k: sum(1 for r in ranks if r is not None and r <= k) for k in (1, 3, 5)}
        mrr = sum(1 / r for r in ranks if r is not None) / n
        lines.append(f"| {variant} | {pct(hits[1], n)} | {pct(hits[3], n)} | {pct(hits[5], n)} | {fmt(mrr)} |")
    return lines


def report(result: dict[str, list[Thread]], url: str, splits: dict[str, Path]) -> str:
    lines = [*header("Thread follow-ups: retrieval by how the follow-up is asked", url), ""]
    lines += [
        f"Retrieval: hybrid `retrieve` (no reranker), active version's parameters, top {TOP_K}, collection "
        "`handbook`. `offline` is what `Pipeline.ask` searches without a model: an elliptical follow-up with the "
        "earlier question's salient words appended (`guardrails.followup.contextual_query`).",
        "",
    ]
    for split, threads in result.items():
        n = len(threads)
        changed = sum(t.queries["offline"] != t.queries["as written"] for t in threads)
        role = (
            "looked at while designing the offline path"
            if split == "dev"
            else "written later, committed before any change it judged"
        )
        lines += [
            f"## {split}: `{rel(splits[split])}` ({n} threads; {role})",
            "",
            f"The offline path rewrote {changed} of {n} follow-ups (the others it judged to stand alone).",
            "",
            *summary(threads),
            "",
        ]
    lines += [
        "`standalone` is what the instructor condenser is asked to write, written by hand: an upper bound for the "
        "model path, not a measurement of a model (none runs here).",
    ]
    for split, threads in result.items():
        lines += [
            "",
            f"## Per thread, {split} (rank of the first gold section; – = not in the top 10)",
            "",
            "| id | follow-up | offline query | " + " | ".join(VARIANTS) + " |",
            "|---|---|---|" + "---|" * len(VARIANTS),
        ]
        for t in threads:
            ranks = " | ".join("–" if t.ranks[v] is None else str(t.ranks[v]) for v in VARIANTS)
            lines.append(f"| {t.rec['id']} | {t.rec['followup']} | {t.queries['offline']} | {ranks} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--splits", default=",".join(SPLITS), help=f"comma-separated, of: {', '.join(SPLITS)}")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    names = [s.strip() for s in args.splits.split(",") if s.strip()]
    unknown = [s for s in names if s not in SPLITS]
    if unknown or not names:
        parser.error(f"unknown split(s) {unknown or args.splits!r}: give a comma-separated list of {', '.join(SPLITS)}")
    splits = {s: SPLITS[s] for s in names}
    result, url = run(splits)
    write_report(report(result, url, splits), args.out)


if __name__ == "__main__":
    main()
