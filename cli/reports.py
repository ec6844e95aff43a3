"""Printing stored retune and eval reports (the same rendering right after a run and later, from Postgres)."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from cli.output import console

_LABELS = {
    "n": "held-out examples",
    "score": "score (mean credit)",
    "agreement": "agreement with approved answers",
    "idk_correct": '"I don\'t know" correctness',
    "answered": "answered",
    "grounding_pass": "grounding pass rate",
    "pii_leaks": "answers carrying PII",
}


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def print_retune_report(row: dict) -> None:
    r = row["report"]
    dry = " (dry run)" if row["dry_run"] else ""
    console.print(
        f"[bold]retune report {row['id']}[/]{dry} · {row['created_at']:%Y-%m-%d %H:%M} · by {escape(row['actor'])}"
    )
    ex = r.get("examples", {})
    by = ", ".join(f"{k} {v}" for k, v in sorted(ex.get("heldout_by_expectation", {}).items()))
    console.print(f"labeled examples: {ex.get('train', 0)} train, {ex.get('heldout', 0)} held-out ({by or 'none'})")
    search = r.get("search") or {}
    if search.get("trace"):
        tried = len(search["trace"]) - 1
        changed = ", ".join(f"{k} {v['from']} → {v['to']}" for k, v in search.get("changed", {}).items())
        console.print(f"parameter search on train: {tried} settings tried; changed: {changed or 'nothing'}")
    console.print(f"demos chosen from approved train labels: {len(r.get('demos', []))}")
    calibration = r.get("answerability_calibration") or {}
    for base in ("calibration", "params+calibration"):
        for f in calibration.get(base, []):
            moved = f"shift {f['previous']:+.2f} → {f['shift']:+.2f}" if f["status"] == "fitted" else "not moved"
            console.print(
                f"answerability refit ({base}) {escape(f['collection'])}: {f['labels']} train labels "
                f"({f['should_answer']} answer / {f['should_not']} not; {calibration.get('min_labels')} needed), "
                f"{moved}"
            )
    weights = r.get("answerability_weights") or {}
    for base in ("weights", "params+weights"):
        for f in weights.get(base, []):
            cv = (
                f", cross-validated loss {f['cv_loss_global']:.3f} → {f['cv_loss']:.3f}"
                if f["cv_loss"] is not None
                else ""
            )
            console.print(
                f"answerability weights refit ({base}) {escape(f['collection'])}: {f['labels']} train labels "
                f"({f['should_answer']} answer / {f['should_not']} not; {weights.get('min_labels')} needed), "
                f"{f['status'].replace('_', ' ')}{cv}"
            )
    rewrites = r.get("instruction_candidates")
    if rewrites:
        if rewrites.get("skipped"):
            console.print(f"instruction rewrites: skipped — {escape(rewrites['skipped'])}")
        else:
            refused = f"; refused: {escape(', '.join(rewrites['refused']))}" if rewrites.get("refused") else ""
            console.print(
                f"instruction rewrites from {rewrites['cases']} train failures: {rewrites['proposed']} proposed, "
                f"candidates {', '.join(rewrites['candidates']) or 'none'}{refused}"
            )
    baseline = r.get("baseline_version")
    for cand in r.get("candidates", []):
        table = Table(
            "metric",
            f"v{baseline} (active)",
            f"candidate '{cand['name']}'",
            "Δ",
            title_justify="left",
            title=f"candidate '{cand['name']}': {cand['demos']} demos, params {_params(cand['params_changed'])}",
        )
        for t in cand["table"]:
            table.add_row(
                _LABELS.get(t["metric"], t["metric"]),
                _fmt(t["baseline"]),
                _fmt(t["candidate"]),
                f"{t['delta']:+.3f}" if isinstance(t["delta"], float) else f"{t['delta']:+d}",
            )
        if cand.get("judge"):
            j = cand["judge"]
            table.add_row("model judge (wins/losses/ties)", "", f"{j['wins']}/{j['losses']}/{j['ties']}", "")
        console.print(table)
        if cand.get("instructions"):
            console.print(f"  instructions of '{cand['name']}':\n  {escape(cand['instructions'])}")
        verdict = "[green]passes[/]" if cand["promote"] else "[yellow]not promoted[/]"
        console.print(f"  {verdict}: {escape('; '.join(cand['reasons']))}")
    proof = row["report"].get("evidence")
    if proof:  # reports before the conclusive-gain rule have none
        console.print(
            f"evidence for '{escape(str(row['report'].get('winner', '')))}': {proof['wins']} held-out labels right "
            f"where the active version was wrong, {proof['losses']} the reverse (sign test p {proof['p']:.3f}; "
            f"made active for everyone at p ≤ {proof['promote_p']:g})"
        )
    style = {"promoted": "green", "pending_approval": "cyan", "canary": "cyan"}.get(row["decision"], "yellow")
    console.print(f"[bold {style}]{row['decision']}[/]: {escape(row['summary'])}")


def _params(changed: dict) -> str:
    return ", ".join(f"{k} {v['from']}→{v['to']}" for k, v in changed.items()) or "unchanged"


def print_eval_report(row: dict) -> None:
    r = row["report"]
    console.print(f"[bold]eval report {row['id']}[/] · v{r['version']} · {row['created_at']:%Y-%m-%d %H:%M}")
    table = Table("metric", "value")
    for key, value in r["metrics"].items():
        if key != "by_expectation":
            table.add_row(_LABELS.get(key, key), _fmt(value))
    for kind, v in r["metrics"].get("by_expectation", {}).items():
        table.add_row(f"  expected {kind} (n={v['n']})", _fmt(v["score"]))
    console.print(table)
    console.print(escape(row["summary"]))
