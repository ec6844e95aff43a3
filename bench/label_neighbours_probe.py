"""Probe for issue G: would the questions a team already labelled tell the gate about the next ones?

A "label neighbour" signal, outside the product: for a new question, its cosine (MiniLM) to the nearest labelled
questions that should have been answered minus its cosine to the nearest ones that should not (off-topic and
near-miss), averaged over the K nearest on each side, added with weight w to the logit of E's answerability
probability. The labelled pool is each set's **dev** questions with their gold kind (what a careful team's 👍/👎
would say about them); the signal is scored on the **test** questions. `mode` limits the signal to a push toward
answering (`pos`), toward "I don't know" (`neg`), or both (`diff`).

The setting (mode, K, w) is chosen on dev alone, leaving each dev question out of its own pool, by the mean over
sets of balanced accuracy (answered share of answerable, "I don't know" share of unanswerable, half each); the test
split is read only for the report.

    python bench/quality_bench.py --split all --dump /tmp/all.jsonl   # E's probabilities, every question
    python bench/label_neighbours_probe.py --dump /tmp/all.jsonl
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import os
import platform
from datetime import UTC, datetime

from common import RESULTS, command_line, cpu_model, fmt, nproc, write_report
from quality_bench import roc_auc

SETS = ("celery_handbook", "flask", "typer")
MODES: dict[str, Callable[[float], float]] = {
    "diff": lambda d: d,
    "pos": lambda d: max(0.0, d),
    "neg": lambda d: min(0.0, d),
}
KS = (1, 3, 5)
WEIGHTS = (0.0, 2.5, 5.0, 7.5, 10.0, 15.0, 20.0)


@dataclass(frozen=True)
class Row:
    qid: str
    kind: str  # answerable | off_topic | near_miss
    split: str
    logit: float  # E's answerability, as a logit
    gap: dict[int, float]  # K -> mean cosine to the K nearest should-answer minus the K nearest should-not


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _gap(vectors: np.ndarray, i: int, answer: Sequence[int], refuse: Sequence[int], k: int) -> float:
    a = np.sort(vectors[list(answer)] @ vectors[i])[-k:].mean()
    n = np.sort(vectors[list(refuse)] @ vectors[i])[-k:].mean()
    return float(a - n)


def rows_for(name: str, probabilities: dict[str, float], embed) -> list[Row]:
    questions = [json.loads(line) for line in (Path(__file__).parent / "data" / name / "questions.jsonl").open()]
    questions = [q for q in questions if q["id"] in probabilities]
    vectors = embed([q["question"] for q in questions])
    dev = [i for i, q in enumerate(questions) if q["split"] == "dev"]
    rows = []
    for i, q in enumerate(questions):
        pool = [j for j in dev if j != i]  # a dev question is never its own neighbour
        answer = [j for j in pool if questions[j]["answerable"]]
        refuse = [j for j in pool if not questions[j]["answerable"]]
        gap = {k: _gap(vectors, i, answer, refuse, k) for k in KS}
        rows.append(Row(q["id"], q["kind"], q["split"], _logit(probabilities[q["id"]]), gap))
    return rows


@dataclass(frozen=True)
class Rates:
    answered: float
    idk_off_topic: float
    idk_near_miss: float
    auc_off_topic: float | None
    auc_near_miss: float | None

    @property
    def balanced(self) -> float:
        return 0.5 * self.answered + 0.25 * (self.idk_off_topic + self.idk_near_miss)


def rates(rows: Sequence[Row], mode: str, k: int, w: float) -> Rates:
    def z(r: Row) -> float:
        return r.logit + w * MODES[mode](r.gap[k])

    def share(kind: str, answered: bool) -> float:
        xs = [r for r in rows if r.kind == kind]
        return sum((z(r) >= 0) == answered for r in xs) / len(xs) if xs else float("nan")

    pos = [z(r) for r in rows if r.kind == "answerable"]
    return Rates(
        share("answerable", True),
        share("off_topic", False),
        share("near_miss", False),
        roc_auc(pos, [z(r) for r in rows if r.kind == "off_topic"]),
        roc_auc(pos, [z(r) for r in rows if r.kind == "near_miss"]),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", type=Path, required=True, help="quality_bench.py --split all --dump output")
    parser.add_argument("--out", type=Path, default=RESULTS / "label_neighbours.md")
    args = parser.parse_args()

    from workers.embeddings import LocalEmbedder

    probabilities: dict[str, dict[str, float]] = {}
    for line in args.dump.open():
        d = json.loads(line)
        probabilities.setdefault(d["set"], {})[d["qid"]] = d["answerability"]
    embedder = LocalEmbedder()
    data = {name: rows_for(name, probabilities[name], embedder.embed) for name in SETS if name in probabilities}

    def on(split: str, name: str) -> list[Row]:
        return [r for r in data[name] if r.split == split]

    grid = list(itertools.product(MODES, KS, WEIGHTS))
    dev_score = {g: float(np.mean([rates(on("dev", n), *g).balanced for n in data])) for g in grid}
    chosen = max(grid, key=lambda g: (round(dev_score[g], 6), -g[2]))  # ties: the smaller weight
    baseline = ("diff", KS[0], 0.0)

    lines = [
        "# Label neighbours: a probe for issue G (outside the product)",
        "",
        f"Command: `{command_line()}`  ",
        f"Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}  ",
        f"Machine: `nproc` = {nproc()}, {cpu_model()}, Python {platform.python_version()}; load average "
        + " / ".join(f"{x:.2f}" for x in os.getloadavg()),
        "",
        __doc__.split("\n\n")[1].replace("\n", " "),
        "",
        f"Chosen on dev: mode `{chosen[0]}`, K = {chosen[1]}, w = {chosen[2]} (dev mean balanced accuracy "
        f"{dev_score[chosen]:.3f}, against {dev_score[baseline]:.3f} without the signal).",
        "",
        '| set | split | signal | answered (answerable) | "I don\'t know" off-topic | near-miss '
        "| AUC off-topic | AUC near-miss |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for name in data:
        for split in ("dev", "test"):
            for label, g in (("none", baseline), ("chosen", chosen)):
                r = rates(on(split, name), *g)
                lines.append(
                    f"| {name} | {split} | {label} | {r.answered:.3f} | {r.idk_off_topic:.3f} | "
                    f"{r.idk_near_miss:.3f} | {fmt(r.auc_off_topic)} | {fmt(r.auc_near_miss)} |"
                )
    lines += [
        "",
        "Every setting on test (read after the choice above; for the record, not for choosing): answered / "
        'off-topic "I don\'t know" / near-miss "I don\'t know" per set.',
        "",
        "| mode | K | w | dev score | " + " | ".join(data) + " |",
        "|---|---:|---:|---:|" + "---|" * len(data),
    ]
    for g in grid:
        if g[2] == 0.0 and g != baseline:
            continue
        cells = []
        for name in data:
            r = rates(on("test", name), *g)
            cells.append(f"{r.answered:.3f} / {r.idk_off_topic:.3f} / {r.idk_near_miss:.3f}")
        lines.append(f"| {g[0]} | {g[1]} | {g[2]} | {dev_score[g]:.3f} | " + " | ".join(cells) + " |")
    lines.append("")
    write_report("\n".join(lines), args.out)


if __name__ == "__main__":
    main()
