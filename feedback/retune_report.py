"""The retune's report: what changed, which held-out outcomes a candidate changes (what an admin reads), and
storing it with the decision."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from feedback import prompt_versions as pv
from feedback.examples import Example
from feedback.reports import store_report
from feedback.retune_candidates import CandidateResult
from feedback.scoring import Metrics, Outcome, comparison_table, credit

log = logging.getLogger("feedback.retune")


def changed_params(a: pv.AnsweringParams, b: pv.AnsweringParams) -> dict:
    da, dbb = a.model_dump(), b.model_dump()
    return {k: {"from": da[k], "to": dbb[k]} for k in da if da[k] != dbb[k]}


def outcome_rows(examples: Sequence[Example], base: Sequence[Outcome], cand: Sequence[Outcome]) -> list[dict]:
    """The held-out examples a candidate handles differently from the active version (what an admin reads)."""
    rows = []
    for e, b, c in list(zip(examples, base, cand, strict=True)):
        if (b.status, b.answer) == (c.status, c.answer):
            continue
        row = {
            "question": e.question,
            "expect": e.expect,
            "baseline": b.status + (f" ({b.reason})" if b.reason else ""),
            "candidate": c.status + (f" ({c.reason})" if c.reason else ""),
            "credit": [credit(e, b), credit(e, c)],
        }
        if b.answer != c.answer:
            row.update(
                reference=(e.reference or "")[:400], baseline_answer=b.answer[:400], candidate_answer=c.answer[:400]
            )
        rows.append(row)
    return rows


def counts_by_expectation(examples: Sequence[Example]) -> dict:
    counts: dict[str, int] = {}
    for e in examples:
        counts[e.expect] = counts.get(e.expect, 0) + 1
    return counts


def candidate_entry(
    result: CandidateResult,
    active: pv.PromptVersion,
    base_metrics: Metrics,
    heldout: Sequence[Example],
    base_outcomes: Sequence[Outcome],
) -> dict:
    """One candidate in the report: what it changed, its metrics beside the baseline's, and the outcomes it moved."""
    return {
        "name": result.name,
        "params_changed": changed_params(active.params, result.version.params),
        "demos": len(result.version.few_shot),
        # A rewrite of the instructions (issue G.5) is shown whole: it is what an admin must read before approving.
        "instructions": result.version.instructions if result.version.instructions != active.instructions else None,
        "metrics": result.metrics.as_dict(),
        "table": comparison_table(base_metrics, result.metrics),
        "judge": result.tally.as_dict() if result.tally else None,
        "promote": result.verdict.promote,
        "reasons": result.verdict.reasons,
        "changed_outcomes": outcome_rows(heldout, base_outcomes, result.outcomes),
    }


def store(conn, decision, summary, report, baseline, candidate, actor, dry_run, scope) -> int:
    return store_report(
        conn,
        kind="retune",
        actor=actor,
        decision=decision,
        summary=summary,
        report=report,
        baseline_version_id=baseline,
        candidate_version_id=candidate,
        dry_run=dry_run,
        scope=scope,
    )
