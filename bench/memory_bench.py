"""Memory of one answering process over many questions: does it plateau or grow?

    python bench/memory_bench.py [--questions 900] [--every 100]

One process builds the pipeline a worker pool process builds (Presidio, MiniLM with one torch thread, the
extractive answerer) and answers questions cycled from ``bench/data/retrieval_eval.jsonl`` against the sample KB
in ``answerloop_bench_memory`` (re-created), recording its PSS every ``--every`` questions. The baseline is the
same process right after the pipeline is built, before the first question.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import COLLECTIONS, EVAL_DATA, RESULTS, bench_database, header, ingest_sample, write_report

DEFAULT_OUT = RESULTS / "memory.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=900)
    parser.add_argument("--every", type=int, default=100)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()

    import psutil
    import torch

    from core.settings import Settings
    from workers.embeddings import get_embedder
    from workers.pipeline import Pipeline

    url = bench_database("memory")
    settings = Settings(database_url=url, embeddings="local", llm=None)
    ingest_sample(url, get_embedder(settings), settings)
    torch.set_num_threads(1)  # as in a worker pool process
    pipeline = Pipeline(settings)
    questions = [json.loads(line)["question"] for line in EVAL_DATA.read_text().splitlines() if line.strip()]
    proc = psutil.Process()

    def pss() -> float:
        return proc.memory_full_info().pss / 2**20

    samples = [(0, pss())]
    for i in range(1, args.questions + 1):
        pipeline.ask(questions[i % len(questions)], list(COLLECTIONS), source="bench")
        if i % args.every == 0:
            samples.append((i, pss()))
            print(f"{i} questions: {samples[-1][1]:.0f} MiB", flush=True)

    base = samples[0][1]
    lines = header("Memory of an answering process", url)
    lines += ["", "| questions answered | PSS MiB | × after build |", "|---:|---:|---:|"]
    lines += [f"| {n} | {m:.0f} | {m / base:.2f} |" for n, m in samples]
    tail = [m for n, m in samples if n >= args.questions // 2]
    lines += [
        "",
        f"Second half of the run: {min(tail):.0f}–{max(tail):.0f} MiB (growth {max(tail) / min(tail):.3f}×). "
        "The first questions page in the model's weights and grow torch's and the tokenizer's caches; a leak "
        "would keep growing through the second half.",
    ]
    write_report("\n".join(lines) + "\n", args.out)


if __name__ == "__main__":
    main()
