"""Retuning: build candidate prompt versions from the labels, score them against the active version on the
held-out split, and promote only what is better.

The pipeline is not imported here (feedback never depends on workers): the caller passes `answer_fn`, which
answers one question under a given version without recording anything, and optionally `judge_fn`, a model's
pairwise preference. The loop:

1. examples from the labels (`examples.load_examples`), split train / held-out by the hash fixed on each label;
2. demos from approved train labels (`demos.select_demos`);
3. a coordinate search over the answering parameters, scored on the TRAIN split only;
4. candidates (new demos; searched parameters + demos; with a model, per-question demo selection too), each
   scored on the HELD-OUT split against the active version (`scoring.decide`);
5. the best passing candidate becomes an immutable version and is activated (or left for an admin to approve),
   and the whole comparison is stored as a report.

A retune acts in one prompt scope (`feedback.prompt_versions`): a workspace's retune learns from that
workspace's labels only, creates versions that workspace owns, moves only its pointer and stores its report
there; retunes of different workspaces may run at the same time, two of one workspace never do.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from core import db
from core.db import Conn
from core.errors import AnswerloopError
from feedback import answerability_refit as refit
from feedback import canary
from feedback import prompt_versions as pv
from feedback.audit import record_action
from feedback.demos import select_demos
from feedback.examples import load_examples
from feedback.instruction_candidates import ProposeFn, propose_candidates
from feedback.reports import store_report
from feedback.retune_candidates import JudgeFn, build_candidates, pairwise, score_candidates
from feedback.retune_report import candidate_entry, changed_params, counts_by_expectation, store
from feedback.retune_search import DEFAULT_GRID, AnswerFn, Evaluator, search_params, with_changes
from feedback.scoring import Metrics, evidence, score

__all__ = [  # the retune's public names (the search, candidates and report live in retune_*.py)
    "DEFAULT_GRID",
    "AnswerFn",
    "Evaluator",
    "JudgeFn",
    "RetuneOptions",
    "RetuneResult",
    "evaluate",
    "pairwise",
    "retune",
    "search_params",
]

log = logging.getLogger(__name__)

# Only one retune at a time per scope (a beat tick and an admin's command must not promote twice).
RETUNE_LOCK_KEY = 0x616E_7377  # "answ": the default scope's
# Options that are functions or versions, not settings: left out of (or summarised in) the stored report.
_NOT_REPORTED = ("grid", "extra_candidates", "propose_instructions", "shared_collections")


def retune_lock_key(scope: str) -> int:
    """The advisory lock of one scope's retunes (a signed 64-bit key)."""
    if not scope:
        return RETUNE_LOCK_KEY
    return int.from_bytes(hashlib.sha256(f"answerloop-retune:{scope}".encode()).digest()[:8], "big", signed=True)


def labels_team(conn, scope: str) -> str | None:
    """Whose labels a scope learns from: a workspace's own. The default scope learns from every label on an
    install that never had an OAuth workspace (the one bot-token workspace, and the command line) — and once
    workspaces were installed, only from labels of no workspace, never from a workspace's, even after every one
    of them uninstalled the app (their knowledge is kept for a reinstall, not handed to whoever asks next)."""
    if scope:
        return scope
    oauth_ever = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM slack_installations) "
        "OR EXISTS (SELECT 1 FROM admin_actions WHERE action = 'slack.uninstalled') AS any"
    ).fetchone()["any"]
    return "" if oauth_ever else None


@dataclass
class RetuneOptions:
    margin: float = 0.02
    max_drop: float = 0.1  # largest fall in agreement or "I don't know" correctness a candidate may trade
    min_heldout: int = 10
    auto_promote: bool = True
    max_demos: int = 8
    votes_need_approval: bool = False
    search_rounds: int = 2
    search_radius: int = 3  # grid steps a parameter may move from the active version's value in one retune
    grid: dict[str, list[Any]] = field(default_factory=lambda: dict(DEFAULT_GRID))
    # A model answers: demos matter (a demos-only candidate, and per-question demo selection, are tried).
    # Offline the extractive answerer ignores demos, so those candidates would only repeat the active version.
    model_answers: bool = False
    # Existing versions (e.g. instructions an admin wrote) to judge through the same gate as the built ones.
    extra_candidates: list[pv.PromptVersion] = field(default_factory=list)
    # The decision to answer learned from labels (feedback/answerability_refit.py): per-collection answerability
    # shifts refitted on the train split, tried as candidates ('calibration' on the active parameters,
    # 'params+calibration' on the searched ones) through the same held-out gate. A collection needs
    # `calibration_min_labels` usable train labels of its own (and a few on each side) to be moved.
    refit_answerability: bool = True
    calibration_min_labels: int = refit.MIN_LABELS
    # …and per-collection offsets to the answerability layer's weights (MAP around the global layer, prior strength
    # by cross-validation on train labels), candidates 'weights' and 'params+weights'; needs refit_answerability.
    refit_weights: bool = True
    # …and the pull of labelled neighbours (a question close to train questions the team labelled gets its
    # answerability moved the way those labels lean; strength, radius and the shift with them fitted per collection
    # on train labels), candidates 'neighbours' and 'params+neighbours'; needs refit_answerability.
    refit_neighbours: bool = True
    # With a model: rewrites of the active instructions proposed from the train split's failures
    # (feedback/instruction_candidates.py), judged through the same held-out gate. None offline: skipped, and said so.
    propose_instructions: ProposeFn | None = None
    # The collections everyone in the workspace may read (workers.access.readable_by_all, passed in: feedback never
    # imports the access check). Rewritten instructions reach every question, so they learn only from failures in
    # these; without it the rewrite path is skipped.
    shared_collections: Callable[[Conn, str], Collection[str]] | None = None
    instruction_rewrites: int = 2
    # Few held-out labels: with fewer than `canary_below` (0 = never), a winner that passes the gate is not made
    # active for everyone but served to `canary_percent` of the askers (feedback/canary.py), for live metrics
    # (`stats --by-version`) to confirm before `prompts promote` — or `prompts rollback` ends it.
    canary_below: int = 0
    canary_percent: float = 10.0
    # An inconclusive gain: the winner is made active for everyone only when the held-out labels it got right and
    # the baseline did not outnumber the reverse clearly (one-sided sign test p ≤ `promote_p`; 1.0 = any gain that
    # passes the gate). Otherwise it starts as a canary like a winner on few labels (or waits for approval).
    promote_p: float = 1.0


@dataclass
class RetuneResult:
    decision: str  # promoted | canary | pending_approval | not_promoted | not_enough_data | busy (+ dry_run flag)
    summary: str
    report_id: int | None
    baseline_version_id: int | None
    candidate_version_id: int | None = None
    report: dict = field(default_factory=dict)
    scope: str = ""


def heldout_verified_documents(conn, team: str | None = None) -> list[int]:
    """Verified answers made from held-out corrections: hidden while evaluating, or a held-out question would
    be answered from its own reference."""
    rows = conn.execute(
        "SELECT v.document_id FROM verified_answers v JOIN labels l ON l.id = v.label_id "
        "WHERE l.split = 'heldout' AND v.document_id IS NOT NULL AND (%(team)s::text IS NULL OR l.team_id = %(team)s)",
        {"team": team},
    ).fetchall()
    return [r["document_id"] for r in rows]


def retune(
    answer_fn: AnswerFn,
    *,
    database_url: str | None = None,
    judge_fn: JudgeFn | None = None,
    options: RetuneOptions | None = None,
    actor: str = "retune",
    dry_run: bool = False,
    scope: str = pv.DEFAULT_SCOPE,
) -> RetuneResult:
    """Retune one scope (a workspace's, or the default one) from its own labels."""
    options = options or RetuneOptions()
    url = database_url or db.database_url()
    key = retune_lock_key(scope)
    with db.connect(url, autocommit=True) as lock_conn:
        if not db.one(lock_conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (key,)))["ok"]:
            busy = "another retune is running; try again when it has finished"
            return RetuneResult("busy", busy, None, None, scope=scope)
        try:
            return _retune_locked(answer_fn, url, judge_fn, options, actor, dry_run, scope)
        finally:
            lock_conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def _retune_locked(
    answer_fn: AnswerFn,
    url: str,
    judge_fn: JudgeFn | None,
    options: RetuneOptions,
    actor: str,
    dry_run: bool,
    scope: str,
) -> RetuneResult:
    # Short transactions only: no connection is held while questions are answered.
    with db.connection(url) as conn:
        active = pv.active_version(conn, scope)
        team = labels_team(conn, scope)
        examples = load_examples(conn, votes_need_approval=options.votes_need_approval, team=team)
        demos = select_demos(conn, max_demos=options.max_demos, team=team)
        hidden = heldout_verified_documents(conn, team)
        shared = options.shared_collections(conn, team or "") if options.shared_collections else None
        for extra in options.extra_candidates:  # an admin's candidate must be one this scope may see
            pv.get_version(conn, extra.id, scope)
        rejected = _rejected(conn, [extra.id for extra in options.extra_candidates])
        baseline_rejected = pv.rejection(conn, active.id)  # a rollback, never refused, may have landed on one
    train = [e for e in examples if e.split == "train"]
    heldout = [e for e in examples if e.split == "heldout"]
    report: dict[str, Any] = {
        "team": scope,
        "baseline_version": active.id,
        "examples": {
            "train": len(train),
            "heldout": len(heldout),
            "heldout_by_expectation": counts_by_expectation(heldout),
        },
        "options": {
            **{k: v for k, v in vars(options).items() if k not in _NOT_REPORTED},
            "extra_candidates": [v.id for v in options.extra_candidates],
        },
        "grid": options.grid,
        "demos": [d.model_dump() for d in demos],
        "judge": judge_fn is not None,
        "dry_run": dry_run,
    }
    if baseline_rejected is not None:
        report["baseline_rejected"] = {**baseline_rejected.audit(), "describe": baseline_rejected.describe()}
    if len(heldout) < options.min_heldout:
        summary = (
            f"not enough held-out labels: {len(heldout)} of {options.min_heldout} needed "
            f"({len(train)} in train); nothing changed"
        )
        return _finish(url, "not_enough_data", summary, report, active.id, None, actor, dry_run, scope)

    evaluator = Evaluator(answer_fn, hidden)
    searched, trace = (
        search_params(
            active, train, evaluator, options.grid, options.search_rounds, options.max_drop, options.search_radius
        )
        if train
        else (active.params, [])
    )
    report["search"] = {"trace": trace, "changed": changed_params(active.params, searched)}
    refits: list[tuple[str, pv.AnsweringParams]] = []
    if options.refit_answerability and train:
        report["answerability_calibration"] = {"min_labels": options.calibration_min_labels}
        for name, params in (("calibration", active.params), ("params+calibration", searched)):
            shifts, fits = refit.refit_shifts(
                train,
                evaluator.outcomes(with_changes(active, params=params), train),
                threshold=params.answerability_threshold,
                current=params.answerability_shift,
                min_labels=options.calibration_min_labels,
            )
            report["answerability_calibration"][name] = [f.as_dict() for f in fits]
            if shifts != params.answerability_shift:
                refits.append((name, params.model_copy(update={"answerability_shift": shifts})))
        if options.refit_weights:
            report["answerability_weights"] = {"min_labels": options.calibration_min_labels}
            for name, params in (("weights", active.params), ("params+weights", searched)):
                offsets, kept_shifts, wfits = refit.refit_offsets(
                    train,
                    evaluator.outcomes(with_changes(active, params=params), train),
                    threshold=params.answerability_threshold,
                    current_offsets=params.answerability_offsets,
                    current_shifts=params.answerability_shift,
                    min_labels=options.calibration_min_labels,
                )
                report["answerability_weights"][name] = [f.as_dict() for f in wfits]
                if offsets != params.answerability_offsets or kept_shifts != params.answerability_shift:
                    update = {"answerability_offsets": offsets, "answerability_shift": kept_shifts}
                    refits.append((name, params.model_copy(update=update)))
        if options.refit_neighbours:
            with db.connection(url) as conn:
                sets = refit.neighbour_sets(conn, team, train)
            report["answerability_neighbours"] = {
                "min_labels": options.calibration_min_labels,
                "with_vectors": {c: len(n) for c, n in sorted(sets.items())},
            }
            for name, params in (("neighbours", active.params), ("params+neighbours", searched)):
                nshifts, near, nfits = refit.refit_neighbours(
                    train,
                    evaluator.outcomes(with_changes(active, params=params), train),
                    sets,
                    threshold=params.answerability_threshold,
                    current_shifts=params.answerability_shift,
                    current_offsets=params.answerability_offsets,
                    current_neighbours=params.answerability_neighbours,
                    min_labels=options.calibration_min_labels,
                )
                report["answerability_neighbours"][name] = [f.as_dict() for f in nfits]
                if near != params.answerability_neighbours or nshifts != params.answerability_shift:
                    update = {"answerability_neighbours": near, "answerability_shift": nshifts}
                    refits.append((name, params.model_copy(update=update)))
    rewrites = propose_candidates(
        active,
        train,
        options.propose_instructions if options.model_answers else None,
        n=options.instruction_rewrites,
        few_shot=demos,
        params=searched,
        shared=shared,
    )
    report["instruction_candidates"] = rewrites.as_dict()
    base_out = evaluator.outcomes(active, heldout)
    base_metrics = score(heldout, base_out)
    report["baseline"] = base_metrics.as_dict()
    results = score_candidates(
        build_candidates(active, demos, searched, options.model_answers, options.extra_candidates, refits)
        + rewrites.candidates,
        heldout,
        evaluator,
        base_out,
        base_metrics,
        judge_fn=judge_fn,
        margin=options.margin,
        min_examples=options.min_heldout,
        max_drop=options.max_drop,
    )
    report["candidates"] = [candidate_entry(r, active, base_metrics, heldout, base_out) for r in results]
    report["evaluations"] = evaluator.calls
    # A rejected version (an admin's --candidate) is judged, for the report, but never served by a retune.
    passing = [r for r in results if r.verdict.promote and r.version.id not in rejected]
    if rejected:
        report["rejected_candidates"] = {f"v{i}": r.audit() for i, r in rejected.items()}
    if not passing:
        best = max(results, key=lambda r: r.metrics.score, default=None)
        why = f"best candidate '{best.name}': {'; '.join(best.verdict.reasons)}" if best else "no candidate differs"
        skipped = [r for r in results if r.verdict.promote]  # all rejected, since none is passing
        if skipped:
            why = f"{rejected[skipped[0].version.id].describe()}: a retune never serves a rejected version"
        summary = f"v{active.id} stays active ({why})"
        return _finish(url, "not_promoted", summary, report, active.id, None, actor, dry_run, scope)
    winner = max(passing, key=lambda r: r.metrics.score)
    name, candidate, metrics, verdict = winner.name, winner.version, winner.metrics, winner.verdict
    report["winner"] = name
    proof = evidence(heldout, base_out, winner.outcomes)
    report["evidence"] = {**proof.as_dict(), "promote_p": options.promote_p}
    few = len(heldout) < options.canary_below
    inconclusive = proof.p > options.promote_p
    canary_first = options.auto_promote and (few or inconclusive)
    canary_why = (
        "few held-out labels" if few else f"inconclusive: {proof.wins} wins, {proof.losses} losses, p {proof.p:.2f}"
    )
    decision = "canary" if canary_first else "promoted" if options.auto_promote else "pending_approval"
    if dry_run:
        summary = f"dry run: candidate '{name}' would be {decision.replace('_', ' ')}: {verdict.reasons[0]}"
        return _finish(url, decision, summary, report, active.id, None, actor, dry_run, scope)
    with db.connection(url) as conn:
        if candidate.id:  # an existing version, rejected while it was judged: its rejection holds
            pv.lock_pointer(conn, scope)  # held to commit: no rejection lands between this check and the move
            late = pv.rejection(conn, candidate.id)
            if late is not None:
                summary = f"v{active.id} stays active ({late.describe()}: a retune never serves a rejected version)"
                summary = _warned(summary, report, "not_promoted")
                report_id = store(conn, "not_promoted", summary, report, active.id, None, actor, dry_run, scope)
                log.warning("retune%s: %s", f" of {scope}" if scope else "", summary)
                return RetuneResult("not_promoted", summary, report_id, active.id, None, report, scope)
        new_id = candidate.id or pv.create_version(
            conn,
            instructions=candidate.instructions,
            few_shot=candidate.few_shot,
            params=candidate.params,
            parent_id=active.id,
            author="retune",
            metrics={
                "score": round(metrics.score, 4),
                "heldout": metrics.as_dict(),
                "baseline": base_metrics.as_dict(),
                "baseline_version": active.id,
            },
            note=f"retune '{name}': {verdict.reasons[0]}",
            scope=scope,
        )
        how = {"promoted": "promoted over", "pending_approval": "waits for approval against"}.get(decision, "")
        summary = f"v{new_id} ({name}) {how} v{active.id}: {verdict.reasons[0]}"
        if decision in ("promoted", "canary"):
            # Held until this transaction commits: the pointer cannot move between this check and the promotion.
            pv.lock_pointer(conn, scope)
            now_active = pv.active_version_id(conn, scope)
            if now_active != active.id:  # an admin moved it while the candidates were judged against the old one
                decision = "pending_approval"
                summary = (
                    f"v{new_id} ({name}) waits for approval: it was compared with v{active.id}, but v{now_active} "
                    f"was made active during the retune: {verdict.reasons[0]}"
                )
        if decision == "canary":
            summary, decision = _start_canary(
                conn, new_id, active.id, name, verdict.reasons[0], canary_why, options, actor, scope
            )
            report["canary"] = {
                "percent": options.canary_percent,
                "heldout": len(heldout),
                "below": options.canary_below,
                "reason": canary_why,
            }
        if pv.active_version_id(conn, scope) == active.id:  # not moved by an admin during the retune
            summary = _warned(summary, report, decision)
        report_id = store(conn, decision, summary, report, active.id, new_id, actor, dry_run, scope)
        pv.set_review(conn, new_id, "approved" if decision == "promoted" else "pending", report_id)
        if decision == "pending_approval":  # promotions and canaries are audited by the move itself
            details = {"team": scope, "report": report_id, "baseline": active.id}
            record_action(conn, actor, "prompts.candidate", f"v{new_id}", details)
        if decision == "promoted":
            pv.activate(conn, new_id, actor, reason=f"retune report {report_id}", kind="promote", scope=scope)
    log.warning("retune%s: %s", f" of {scope}" if scope else "", summary)
    return RetuneResult(decision, summary, report_id, active.id, new_id, report, scope)


def _rejected(conn, version_ids: list[int]) -> dict[int, pv.Rejection]:
    """The rejected ones among these existing versions."""
    found = {v: pv.rejection(conn, v) for v in version_ids}
    return {v: r for v, r in found.items() if r is not None}


def _start_canary(
    conn,
    new_id: int,
    active_id: int,
    name: str,
    why: str,
    canary_why: str,
    options: RetuneOptions,
    actor: str,
    scope: str,
) -> tuple[str, str]:
    """Serve the winner to a share of askers; if another canary is running, leave it for approval instead."""
    try:
        with conn.transaction():  # a savepoint: the new version stays whatever happens here
            canary.start(conn, new_id, options.canary_percent, actor, scope=scope, reason=f"retune: {canary_why}")
    except AnswerloopError as exc:
        return f"v{new_id} ({name}) waits for approval against v{active_id} (no canary: {exc}): {why}", (
            "pending_approval"
        )
    return (
        f"v{new_id} ({name}) serves {options.canary_percent:g}% of askers beside v{active_id} ({canary_why}): "
        f"{why}; `prompts promote {new_id}` or `prompts rollback` ends the canary",
        "canary",
    )


def _warned(summary: str, report: dict, decision: str) -> str:
    """A retune that does not promote leaves the active version answering everyone: when that version was
    rejected (a rollback landed on it), its summary says so rather than read as a plain "stays active"."""
    rejected = report.get("baseline_rejected")
    if rejected is None or decision == "promoted":
        return summary
    return (
        f"{summary}. Warning: the active version answering every question is rejected ({rejected['describe']}); "
        "`answerloop prompts activate V` moves to another version"
    )


def _finish(
    url: str,
    decision: str,
    summary: str,
    report: dict,
    baseline: int,
    candidate: int | None,
    actor: str,
    dry_run: bool,
    scope: str,
) -> RetuneResult:
    summary = _warned(summary, report, "dry_run" if dry_run else decision)
    with db.connection(url) as conn:
        report_id = store(conn, decision, summary, report, baseline, candidate, actor, dry_run, scope)
    log.warning("retune%s: %s", f" of {scope}" if scope else "", summary)
    return RetuneResult(decision, summary, report_id, baseline, candidate, report, scope)


def evaluate(
    answer_fn: AnswerFn,
    version_id: int | None = None,
    *,
    database_url: str | None = None,
    actor: str = "cli",
    votes_need_approval: bool = False,
    scope: str = pv.DEFAULT_SCOPE,
) -> tuple[int, Metrics, pv.PromptVersion]:
    """Score one version the scope may see (default: its active one) on the scope's held-out labels; the report
    is stored in the scope."""
    url = database_url or db.database_url()
    with db.connection(url) as conn:
        version = pv.get_version(conn, version_id, scope) if version_id is not None else pv.active_version(conn, scope)
        team = labels_team(conn, scope)
        examples = load_examples(conn, votes_need_approval=votes_need_approval, team=team)
        heldout = [e for e in examples if e.split == "heldout"]
        hidden = heldout_verified_documents(conn, team)
    outcomes = Evaluator(answer_fn, hidden).outcomes(version, heldout)
    metrics = score(heldout, outcomes)
    report = {
        "team": scope,
        "version": version.id,
        "metrics": metrics.as_dict(),
        "examples": {"heldout": len(heldout), "by_expectation": counts_by_expectation(heldout)},
        "outcomes": [
            {"question": e.question, "expect": e.expect, "outcome": o.status + (f" ({o.reason})" if o.reason else "")}
            for e, o in list(zip(heldout, outcomes, strict=True))[:500]
        ],
    }
    summary = f"v{version.id} on {metrics.n} held-out examples: score {metrics.score:.3f}"
    with db.connection(url) as conn:
        report_id = store_report(
            conn,
            kind="eval",
            actor=actor,
            decision="evaluated",
            summary=summary,
            report=report,
            baseline_version_id=version.id,
            scope=scope,
        )
    return report_id, metrics, version
