"""PII / secret detection benchmark: Presidio built-ins vs built-ins + our secret recognizers.

    python bench/pii_bench.py [--data bench/data/pii_eval.jsonl] [--out bench/results/pii.md]

Loads the labelled set written by ``bench/make_pii_dataset.py``, runs ``PiiGuard(with_secrets=False)``
("built-in") and ``PiiGuard(with_secrets=True)`` ("built-in + ours") over every message and reports
per-entity precision / recall / F1 / support, micro-averaged totals and per-message latency.

Matching rule: a prediction is a true positive when it has the same entity type as a gold span and
overlaps it by at least 50% of the GOLD span's length. Matching is one-to-one (greedy, largest overlap
first); unmatched predictions are false positives, unmatched gold spans are false negatives. A
prediction of the wrong type therefore counts twice: a false negative for the gold type and a false
positive for the predicted type.
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from common import PrecisionRecall

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT / "bench" / "data" / "pii_eval.jsonl"
DEFAULT_OUT = ROOT / "bench" / "results" / "pii.md"
MIN_OVERLAP = 0.5
SCORE_THRESHOLD = 0.35
MAX_ERRORS_SHOWN = 200

MATCH_RULE = (
    "A prediction is a true positive if it has the same entity type as a gold span and overlaps it by "
    f"≥ {MIN_OVERLAP:.0%} of the gold span's length (one-to-one, greedy by overlap). Unmatched predictions "
    "are false positives; unmatched gold spans are false negatives (a mistyped prediction is both)."
)


@dataclass(frozen=True)
class Span:
    entity_type: str
    start: int
    end: int


@dataclass
class Counts(PrecisionRecall):
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def support(self) -> int:
        return self.tp + self.fn


@dataclass
class RunResult:
    name: str
    per_entity: dict[str, Counts] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[tuple[str, str, str, str]] = field(default_factory=list)  # (kind, entity, id, snippet)
    covered: int = 0  # gold spans whose every character is inside some finding (of any type)
    partial: list[tuple[str, str, str]] = field(default_factory=list)  # (entity, id, snippet): partly covered
    build_s: float = 0.0


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _overlap(a: Span, b: Span) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def match(gold: list[Span], pred: list[Span]) -> tuple[list[tuple[Span, Span]], list[Span], list[Span]]:
    """One-to-one greedy matching; returns (matched pairs, unmatched gold, unmatched predictions)."""
    candidates = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            ov = _overlap(g, p)
            if p.entity_type == g.entity_type and ov >= MIN_OVERLAP * (g.end - g.start):
                candidates.append((ov, gi, pi))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for _, gi, pi in candidates:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        pairs.append((gold[gi], pred[pi]))
    missed = [g for i, g in enumerate(gold) if i not in used_g]
    spurious = [p for i, p in enumerate(pred) if i not in used_p]
    return pairs, missed, spurious


def _snippet(text: str, span: Span, width: int = 40) -> str:
    value = text[span.start : span.end]
    if len(value) > 60:
        value = value[:28] + "…" + value[-28:]
    left = text[max(0, span.start - width) : span.start]
    right = text[span.end : span.end + width]
    return " ".join(f"{left}⟦{value}⟧{right}".split()).replace("|", "\\|").replace("`", "'")


def run(name: str, guard, records: list[dict]) -> RunResult:
    result = RunResult(name)
    guard.analyze("warm-up: mail a@example.com from 10.0.0.1")
    for rec in records:
        text = rec["text"]
        t0 = time.perf_counter()
        findings = guard.analyze(text)
        result.latencies_ms.append((time.perf_counter() - t0) * 1000)
        gold = [Span(s["entity_type"], s["start"], s["end"]) for s in rec["spans"]]
        pred = [Span(f.entity_type, f.start, f.end) for f in findings]
        pairs, missed, spurious = match(gold, pred)
        for g in gold:
            inside = sum(1 for i in range(g.start, g.end) if any(p.start <= i < p.end for p in pred))
            if inside == g.end - g.start:
                result.covered += 1
            elif inside:
                result.partial.append((g.entity_type, rec["id"], _snippet(text, g)))
        for g, _ in pairs:
            result.per_entity.setdefault(g.entity_type, Counts()).tp += 1
        for g in missed:
            result.per_entity.setdefault(g.entity_type, Counts()).fn += 1
            result.errors.append(("FN", g.entity_type, rec["id"], _snippet(text, g)))
        for p in spurious:
            result.per_entity.setdefault(p.entity_type, Counts()).fp += 1
            result.errors.append(("FP", p.entity_type, rec["id"], _snippet(text, p)))
    return result


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def _total(result: RunResult, entities: list[str]) -> Counts:
    total = Counts()
    for e in entities:
        total.add(result.per_entity.get(e, Counts()))
    return total


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def render(results: list[RunResult], records: list[dict], data_path: Path, command: str, import_s: float = 0.0) -> str:
    from guardrails.secrets import SECRET_ENTITIES

    gold_support: dict[str, int] = {}
    for rec in records:
        for s in rec["spans"]:
            gold_support[s["entity_type"]] = gold_support.get(s["entity_type"], 0) + 1
    entities = sorted(set(gold_support).union(*(r.per_entity for r in results)))
    pii = [e for e in entities if e not in SECRET_ENTITIES]
    secrets = [e for e in entities if e in SECRET_ENTITIES]
    n_neg = sum(1 for r in records if not r["spans"])

    head = ["entity", "support"]
    for r in results:
        head += [f"{r.name} P", f"{r.name} R", f"{r.name} F1"]
    lines = [
        "# PII / secret detection benchmark",
        "",
        f"Command: `{command}`  ",
        f"Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}  ",
        f"Data: `{_rel(data_path)}` — {len(records)} messages ({n_neg} with no PII), "
        f"{sum(gold_support.values())} gold spans  ",
        f"Guard: `PiiGuard(score_threshold={SCORE_THRESHOLD})`, Presidio no_op NLP engine (pattern "
        "recognizers only, no NER).  ",
        "Configs: **built-in** = `with_secrets=False` (Presidio's predefined recognizers); "
        "**built-in + ours** = `with_secrets=True` (plus `guardrails/secrets.py`).",
        "",
        f"Matching rule: {MATCH_RULE}",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|",
    ]

    def row(label: str, per_run: list[Counts], support: int) -> str:
        cells = [label, str(support)]
        for c in per_run:
            cells += [_fmt(c.precision), _fmt(c.recall), _fmt(c.f1)]
        return "| " + " | ".join(cells) + " |"

    for e in entities:
        lines.append(row(e, [r.per_entity.get(e, Counts()) for r in results], gold_support.get(e, 0)))
    for label, group in (("**micro, PII types**", pii), ("**micro, secret types**", secrets)):
        lines.append(row(label, [_total(r, group) for r in results], sum(gold_support.get(e, 0) for e in group)))
    lines.append(row("**micro, all**", [_total(r, entities) for r in results], sum(gold_support.values())))

    lines += [
        "",
        "Support = gold spans of that type; `–` = undefined (no predictions / no gold spans). "
        "Rows with support 0 are types that were only ever predicted (pure false positives).",
        "",
        "## Counts",
        "",
        "`fully redacted` = gold spans entirely inside findings of any type (what matters for leaking); "
        "`partly redacted` = gold spans only partly covered, so the rest of the value stays in the text.",
        "",
        "| config | TP | FP | FN | fully redacted | partly redacted | messages with any FP "
        "| negative messages with any finding |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    neg_ids = {r["id"] for r in records if not r["spans"]}
    for r in results:
        t = _total(r, entities)
        fp_msgs = {i for kind, _, i, _ in r.errors if kind == "FP"}
        n_gold = sum(gold_support.values())
        lines.append(
            f"| {r.name} | {t.tp} | {t.fp} | {t.fn} | {r.covered} / {n_gold} | {len(r.partial)} "
            f"| {len(fp_msgs)} | {len(fp_msgs & neg_ids)} / {len(neg_ids)} |"
        )

    lines += [
        "",
        "## Latency per message (`analyze`, single thread, after one warm-up call)",
        "",
        "| config | build (s) | median (ms) | p95 (ms) | max (ms) |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lat = r.latencies_ms
        lines.append(
            f"| {r.name} | {r.build_s:.1f} | {statistics.median(lat):.2f} | {_p95(lat):.2f} | {max(lat):.2f} |"
        )

    lines += [
        "",
        f"Importing `guardrails.pii` (Presidio and its predefined recognizers) took {import_s:.1f} s and is "
        "paid once per process; `build` is constructing the `PiiGuard` afterwards. Timings are wall-clock "
        "on the machine that ran the command.",
    ]

    last = results[-1]
    lines += ["", f"## Errors of “{last.name}”"]
    if last.partial:
        lines += ["", "Partly redacted gold spans (part of the value is left in the redacted text):", ""]
        lines += ["| entity | id | context |", "|---|---|---|"]
        lines += [f"| {e} | {i} | `{snip}` |" for e, i, snip in sorted(last.partial)]
    lines.append("")
    if not last.errors:
        lines.append("None.")
    else:
        summary: dict[tuple[str, str], int] = {}
        for kind, entity, _, _ in last.errors:
            summary[(kind, entity)] = summary.get((kind, entity), 0) + 1
        lines.append("By type: " + ", ".join(f"{k} {e} × {n}" for (k, e), n in sorted(summary.items())) + ".  ")
        lines.append("⟦…⟧ marks the missed gold span (FN) or the spurious prediction (FP).")
        lines += ["", "| kind | entity | id | context |", "|---|---|---|---|"]
        shown = sorted(last.errors, key=lambda e: (e[0], e[1], e[2]))
        for kind, entity, rid, snippet in shown[:MAX_ERRORS_SHOWN]:
            lines.append(f"| {kind} | {entity} | {rid} | `{snippet}` |")
        if len(shown) > MAX_ERRORS_SHOWN:
            lines.append(f"| … | | | {len(shown) - MAX_ERRORS_SHOWN} more |")
    return "\n".join(lines) + "\n"


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="PII / secret detection benchmark")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    t0 = time.perf_counter()
    from guardrails.pii import PiiGuard

    import_s = time.perf_counter() - t0
    records = load(args.data)
    results = []
    for name, with_secrets in (("built-in", False), ("built-in + ours", True)):
        t0 = time.perf_counter()
        guard = PiiGuard(with_secrets=with_secrets, score_threshold=SCORE_THRESHOLD)
        build_s = time.perf_counter() - t0
        result = run(name, guard, records)
        result.build_s = build_s
        results.append(result)

    command = "python " + " ".join(shlex.quote(a) for a in [_rel(Path(sys.argv[0])), *sys.argv[1:]])
    markdown = render(results, records, args.data, command, import_s)
    print(markdown)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown, encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
