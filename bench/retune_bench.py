"""The feedback loop, before and after: a scripted team's feedback, then a retune, from two starting versions.

    python bench/retune_bench.py

Each run re-creates ``answerloop_bench_retune``, ingests the sample handbook with MiniLM embeddings, makes the
starting version active, and lets the simulated teammate of ``tests/support/feedback_scenario.py`` ask the 125
questions of ``bench/data/feedback_scenario.jsonl`` (three rounds: originals and out-of-scope questions, then
paraphrases of the answerable ones) and react to every answer; wrong or missing answers get an approved
correction, which becomes a verified answer. Then one retune (the product's defaults: margin 0.02, max drop
0.1, search radius 3 grid steps) compares its candidates with the starting version on the held-out split.

The baseline in each row is the starting version itself on the same held-out examples in the same run.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from common import RESULTS, SAMPLE_KB, bench_database, fmt, header, write_report

DEFAULT_OUT = RESULTS / "retune.md"
METRICS = ("score", "agreement", "idk_correct", "answered", "grounding_pass", "pii_leaks")


def run(start: str) -> dict:
    from core import db
    from core.settings import Settings
    from feedback import prompt_versions as pv
    from guardrails.pii import PiiGuard
    from tests.support.feedback_scenario import activate_eager, run_scenario
    from workers.embeddings import get_embedder
    from workers.kb.ingest import ingest_folder
    from workers.pipeline import Pipeline
    from workers.retune_job import run_retune

    url = bench_database("retune")
    settings = Settings(database_url=url, embeddings="local", llm=None)
    embedder = get_embedder(settings)
    with db.connect(url) as conn:
        ingest_folder(conn, SAMPLE_KB / "handbook", "handbook", embedder=embedder, settings=settings)
    started = activate_eager(url) if start == "eager" else 1
    pipeline = Pipeline(settings, guard=PiiGuard(), embedder=embedder, database_url=url)
    t0 = time.perf_counter()
    scenario = run_scenario(pipeline, url, embedder)
    scenario_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = run_retune(pipeline, actor="bench")
    retune_s = time.perf_counter() - t0
    with db.connect(url) as conn:
        active = pv.active_version_id(conn)
    db.close_pools()
    return {
        "start": start,
        "started": started,
        "scenario": scenario,
        "scenario_s": scenario_s,
        "retune_s": retune_s,
        "result": result,
        "active": active,
        "url": url,
    }


def _row(label: str, metrics: dict) -> str:
    return (
        f"| {label} | "
        + " | ".join(str(metrics[k]) if isinstance(metrics[k], int) else fmt(metrics[k]) for k in METRICS)
        + " |"
    )


def section(r: dict) -> list[str]:
    res = r["result"]
    rep = res.report
    sc = r["scenario"]
    title = {
        "eager": "From an over-eager version (answerability threshold 0.05, min sentence support 0.25)",
        "seed": "From the seed v1",
    }
    votes = ", ".join(f"{k[0]} → {k[1]} ×{n}" for k, n in sorted(sc.votes.items()))
    lines = [
        "",
        f"## {title[r['start']]}",
        "",
        f"Feedback: {sc.asked} questions, {votes}; {sc.corrections} approved corrections (verified answers); "
        f"labels {sc.by_split['train']} train / {sc.by_split['heldout']} held-out. Paraphrases answered from a "
        f"verified answer while the feedback came in: round 1 {sc.from_verified[1]}, round 2 {sc.from_verified[2]}.",
        f"Simulated feedback {r['scenario_s']:.1f} s; retune {r['retune_s']:.1f} s ({rep.get('evaluations', 0)} "
        "pipeline answers, nothing recorded).",
        "",
        "| held-out (n = {}) | ".format(rep.get("baseline", {}).get("n", 0)) + " | ".join(METRICS) + " |",
        "|---|" + "---:|" * len(METRICS),
        _row(f"v{r['started']} (active, baseline)", rep["baseline"]),
    ]
    for cand in rep.get("candidates", []):
        changed = ", ".join(f"{k} {v['from']}→{v['to']}" for k, v in cand["params_changed"].items()) or "same params"
        lines.append(_row(f"candidate '{cand['name']}' ({changed}; {cand['demos']} demos)", cand["metrics"]))
    lines += ["", f"Decision: **{res.decision}** — {res.summary}. Active afterwards: v{r['active']}."]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    runs = [run("eager"), run("seed")]
    lines = header("Feedback loop: retune before/after", runs[0]["url"])
    lines += [
        "",
        "Metrics (held-out split only; see `feedback/scoring.py`): **score** = mean credit (1 for the behaviour "
        "the labels asked for, 0 for the one they rejected, ½ for a different answer to a question whose answer "
        "was rejected); **agreement** = share of examples with an approved answer answered in agreement with it "
        '(content-term F1 ≥ 0.5); **idk_correct** = answering vs "I don\'t know" was the right call; '
        "**grounding_pass** = drafts that passed the grounding check; **pii_leaks** = answers that carried PII.",
    ]
    for r in runs:
        lines += section(r)
    write_report("\n".join(lines) + "\n", args.out)


if __name__ == "__main__":
    main()
