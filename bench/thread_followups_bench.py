"""Thread follow-ups: what retrieval finds for a follow-up depending on how it is asked (issue F item 4).

    python bench/thread_followups_bench.py [--data bench/data/thread_followups.jsonl] [--out bench/results/threads.md]

Ingests ``core/sample_kb/handbook`` with the local MiniLM embedder into its own database, then for each thread of
``bench/data/thread_followups.jsonl`` (a first question, an elliptical follow-up, the standalone question a
person would write for it, and the follow-up's gold sections) runs the pipeline's hybrid ``retrieve`` (active
version's parameters, top 10) with four queries:

* ``as written``: the follow-up alone (what the bot searched before thread context);
* ``offline``: ``guardrails.followup.contextual_query`` — the follow-up plus the first question's salient words
  when it is elliptical (the path without a model, and the fallback when the model call fails);
* ``concatenated``: the first question and the follow-up joined (a naive baseline);
* ``standalone``: the hand-written standalone question — what the instructor condenser is asked to write; an
  upper bound for it, not a model's output (no model runs here).

Reported: hit@1 / hit@3 / hit@5 (share of follow-ups with a gold section at rank ≤ k) and MRR@10. The set is
small (18 threads) and was written for this bench with the handbook's section titles in view: read the
differences between rows, not the absolute figures.
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

DATA = ROOT / "bench" / "data" / "thread_followups.jsonl"
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


def run(data: Path) -> tuple[list[Thread], str]:
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
    records = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
    threads = [Thread(r, {gold_key(g) for g in r["gold"]}, queries_for(r)) for r in records]
    with db.connect(url) as conn:
        for t in threads:
            vectors = embedder.embed([t.queries[v] for v in VARIANTS])
            for variant, vector in zip(VARIANTS, vectors, strict=True):
                passages = retrieve(conn, t.queries[variant], ["handbook"], params, vector).passages
                t.ranks[variant] = first_hit((keys_of[p.chunk_id] for p in passages), t.gold)
    return threads, url


def report(threads: list[Thread], url: str, data: Path) -> str:
    n = len(threads)
    elliptical = sum(t.queries["offline"] != t.queries["as written"] for t in threads)
    lines = [
        *header("Thread follow-ups: retrieval by how the follow-up is asked", url),
        "",
        f"Data: `{rel(data)}` — {n} threads on the sample handbook (first question, follow-up, hand-written "
        "standalone question, gold sections). Retrieval: hybrid `retrieve`, active version's parameters, top "
        f"{TOP_K}, collection `handbook`. The offline path changed {elliptical} of {n} follow-ups (the others it "
        "judged to stand alone and left as written).",
        "",
        "| query | hit@1 | hit@3 | hit@5 | MRR@10 |",
        "|---|---|---|---|---|",
    ]
    for variant in VARIANTS:
        ranks = [t.ranks[variant] for t in threads]
        hits = {k: sum(1 for r in ranks if r is not None and r <= k) for k in (1, 3, 5)}
        mrr = sum(1 / r for r in ranks if r is not None) / n
        lines.append(f"| {variant} | {pct(hits[1], n)} | {pct(hits[3], n)} | {pct(hits[5], n)} | {fmt(mrr)} |")
    lines += [
        "",
        "`standalone` is what the instructor condenser is asked to write, written by hand: an upper bound for the "
        "model path, not a measurement of a model (none runs here).",
        "",
        "## Per thread (rank of the first gold section; – = not in the top 10)",
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
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    threads, url = run(args.data)
    write_report(report(threads, url, args.data), args.out)


if __name__ == "__main__":
    main()
