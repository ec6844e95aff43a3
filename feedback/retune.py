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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from core import db
from feedback import prompt_versions as pv
from feedback.demos import select_demos
from feedback.examples import Example, load_examples
from feedback.reports import store_report
from feedback.scoring import (
    JudgeTally,
    Metrics,
    Outcome,
    comparison_table,
    credit,
    decide,
    regressions,
    score,
)

log = logging.getLogger(__name__)

# (question, collections, version, exclude_documents) → what the version does with it, recording nothing
AnswerFn = Callable[[str, Sequence[str], pv.PromptVersion, Sequence[int]], Outcome]
JudgeFn = Callable[[str, str, str, str], "str | None"]  # (question, reference, answer A, answer B) → A | B | tie

# Only one retune at a time per scope (a beat tick and an admin's command must not promote twice).
RETUNE_LOCK_KEY = 0x616E_7377  # "answ": the default scope's


def retune_lock_key(scope: str) -> int:
    """The advisory lock of one scope's retunes (a signed 64-bit key)."""
    if not scope:
        return RETUNE_LOCK_KEY
    return int.from_bytes(hashlib.sha256(f"answerloop-retune:{scope}".encode()).digest()[:8], "big", signed=True)


def labels_team(conn, scope: str) -> str | None:
    """Whose labels a scope learns from: a workspace's own. The default scope learns from every label on an
    install with no OAuth workspace (the one bot-token workspace, and the command line) — and once workspaces
    are installed, only from labels of no workspace, never from an installed workspace's."""
    if scope:
        return scope
    installed = conn.execute("SELECT EXISTS (SELECT 1 FROM slack_installations) AS any").fetchone()["any"]
    return "" if installed else None


DEFAULT_GRID: dict[str, list[Any]] = {
    "answerability_threshold": [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
    "abstain_threshold": [0.26, 0.30, 0.34, 0.38, 0.42, 0.46, 0.50, 0.55],
    "grounding_threshold": [0.4, 0.5, 0.6, 0.7],
    "max_answer_sentences": [1, 2, 3, 4],
    "min_sentence_support": [0.25, 0.30, 0.34, 0.40, 0.45],
    "fts_weight": [0.25, 0.5, 1.0],
    "doc_boost_weight": [0.0, 0.3, 0.6],
    "verified_threshold": [0.65, 0.7, 0.75, 0.8, 0.85, 0.9],
}


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


@dataclass
class RetuneResult:
    decision: str  # promoted | pending_approval | not_promoted | not_enough_data | busy (+ dry_run flag)
    summary: str
    report_id: int | None
    baseline_version_id: int | None
    candidate_version_id: int | None = None
    report: dict = field(default_factory=dict)
    scope: str = ""


class Evaluator:
    """Answers examples under a version through `answer_fn`, remembering outcomes (the search revisits
    parameter sets, and the baseline is scored on both splits)."""

    def __init__(self, answer_fn: AnswerFn, hidden_documents: Sequence[int] = ()) -> None:
        self.answer_fn = answer_fn
        self.hidden = list(hidden_documents)
        self._memo: dict[tuple, Outcome] = {}
        self.calls = 0

    @staticmethod
    def _key(version: pv.PromptVersion, example: Example) -> tuple:
        shots = tuple((s.question, s.answer) for s in version.few_shot)
        return (
            version.instructions,
            shots,
            version.params.model_dump_json(),
            example.question,
            tuple(example.collections),
            tuple(example.own_documents),
        )

    def outcomes(self, version: pv.PromptVersion, examples: Sequence[Example]) -> list[Outcome]:
        out = []
        for e in examples:
            key = self._key(version, e)
            if key not in self._memo:
                self.calls += 1
                try:
                    hidden = [*self.hidden, *e.own_documents]
                    self._memo[key] = self.answer_fn(e.question, e.collections, version, hidden)
                except Exception as exc:  # one broken example must not sink the run; it counts as a failure
                    log.warning("evaluation of one example failed: %s", type(exc).__name__)
                    self._memo[key] = Outcome(status="dont_know", answer="", reason=f"error:{type(exc).__name__}")
            out.append(self._memo[key])
        return out

    def metrics(self, version: pv.PromptVersion, examples: Sequence[Example]) -> Metrics:
        return score(examples, self.outcomes(version, examples))


def heldout_verified_documents(conn, team: str | None = None) -> list[int]:
    """Verified answers made from held-out corrections: hidden while evaluating, or a held-out question would
    be answered from its own reference."""
    rows = conn.execute(
        "SELECT v.document_id FROM verified_answers v JOIN labels l ON l.id = v.label_id "
        "WHERE l.split = 'heldout' AND v.document_id IS NOT NULL AND (%(team)s::text IS NULL OR l.team_id = %(team)s)",
        {"team": team},
    ).fetchall()
    return [r["document_id"] for r in rows]


def _with(version: pv.PromptVersion, **changes: Any) -> pv.PromptVersion:
    """An unsaved variant of a version (id 0) for evaluation."""
    params = changes.pop("params", version.params)
    return version.model_copy(update={"id": 0, "params": params, **changes})


def _window(values: Sequence[Any], center: Any, radius: int) -> list[Any]:
    """The grid values at most `radius` steps below and above `center` (not `center` itself)."""
    below = sorted(v for v in values if v < center)[-radius:] if radius else []
    above = sorted(v for v in values if v > center)[:radius]
    return below + above


def search_params(
    base: pv.PromptVersion,
    train: Sequence[Example],
    evaluator: Evaluator,
    grid: dict[str, list[Any]],
    rounds: int = 2,
    max_drop: float = 0.1,
    radius: int = 3,
) -> tuple[pv.AnsweringParams, list[dict]]:
    """Coordinate search on the train split inside a trust region around the active version.

    For one parameter at a time, every grid value at most `radius` steps from the active version's value is
    scored; the best one replaces the current value only if it scores strictly better (ties go to the value
    closest to the active one: nothing changes without evidence) and does not trade away more than `max_drop`
    of agreement or "I don't know" correctness against the active version. `rounds` passes let parameters
    that interact settle.

    The region is deliberate: on a few dozen labels the train score is flat across wide ranges and its far
    ends are noise, so one retune moves each parameter a few grid steps and the held-out decision judges that;
    weekly retunes walk further when the evidence keeps pointing the same way."""
    best = base.params
    start = evaluator.metrics(base, train)
    best_score = start.score
    trace: list[dict[str, Any]] = [{"round": 0, "param": None, "value": None, "score": round(best_score, 4),
                                    "kept": True}]  # fmt: skip
    for round_no in range(1, rounds + 1):
        improved = False
        for name, values in grid.items():
            origin, current = getattr(base.params, name), getattr(best, name)
            options = [v for v in _window(values, origin, radius) if v != current]
            scored = []
            for value in options:
                params = best.model_copy(update={name: value})
                m = evaluator.metrics(_with(base, params=params), train)
                ok = not regressions(start, m, max_drop)
                scored.append((m.score, value, params, ok))
                trace.append({"round": round_no, "param": name, "value": value, "score": round(m.score, 4),
                              "kept": False})  # fmt: skip
            eligible = [t for t in scored if t[3] and t[0] > best_score + 1e-9]
            if not eligible:
                continue
            top = max(t[0] for t in eligible)
            s, value, params, _ = min((t for t in eligible if t[0] == top), key=lambda t: abs(t[1] - origin))
            best, best_score, improved = params, s, True
            next(t for t in reversed(trace) if t["param"] == name and t["value"] == value)["kept"] = True
        if not improved:
            break
    return best, trace


def pairwise(
    judge: JudgeFn, examples: Sequence[Example], base: Sequence[Outcome], cand: Sequence[Outcome]
) -> JudgeTally:
    """Both orders (position bias cancels out); a win needs both verdicts, anything else is a tie."""
    tally = JudgeTally()
    for e, b, c in zip(examples, base, cand, strict=True):
        if e.expect != "answer" or b.status != "answered" or c.status != "answered" or b.answer == c.answer:
            continue
        first = judge(e.question, e.reference or "", c.answer, b.answer)  # candidate is A
        second = judge(e.question, e.reference or "", b.answer, c.answer)  # candidate is B
        if first == "A" and second == "B":
            tally.wins += 1
        elif first == "B" and second == "A":
            tally.losses += 1
        else:
            tally.ties += 1
    return tally


def _changed_params(a: pv.AnsweringParams, b: pv.AnsweringParams) -> dict:
    da, dbb = a.model_dump(), b.model_dump()
    return {k: {"from": da[k], "to": dbb[k]} for k in da if da[k] != dbb[k]}


def _candidates(
    active: pv.PromptVersion, demos: list[pv.FewShot], searched: pv.AnsweringParams, options: RetuneOptions
) -> list[tuple[str, pv.PromptVersion]]:
    out: list[tuple[str, pv.PromptVersion]] = []
    seen: set[tuple] = set()

    def add(name: str, version: pv.PromptVersion) -> None:
        key = (version.params.model_dump_json(), tuple((s.question, s.answer) for s in version.few_shot))
        current = (active.params.model_dump_json(), tuple((s.question, s.answer) for s in active.few_shot))
        if key not in seen and key != current:
            seen.add(key)
            out.append((name, version))

    if options.model_answers:
        add("demos", _with(active, few_shot=demos))
    add("params+demos", _with(active, few_shot=demos, params=searched))
    for version in options.extra_candidates:
        add(f"v{version.id}", version)
    if options.model_answers and demos:
        add(
            "params+similar-demos",
            _with(active, few_shot=demos, params=searched.model_copy(update={"few_shot_mode": "similar"})),
        )
    return out


def _outcome_rows(examples: Sequence[Example], base: Sequence[Outcome], cand: Sequence[Outcome]) -> list[dict]:
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


def _counts(examples: Sequence[Example]) -> dict:
    counts: dict[str, int] = {}
    for e in examples:
        counts[e.expect] = counts.get(e.expect, 0) + 1
    return counts


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
        for extra in options.extra_candidates:  # an admin's candidate must be one this scope may see
            pv.get_version(conn, extra.id, scope)
    train = [e for e in examples if e.split == "train"]
    heldout = [e for e in examples if e.split == "heldout"]
    report: dict[str, Any] = {
        "team": scope,
        "baseline_version": active.id,
        "examples": {"train": len(train), "heldout": len(heldout), "heldout_by_expectation": _counts(heldout)},
        "options": {
            **{k: v for k, v in vars(options).items() if k not in ("grid", "extra_candidates")},
            "extra_candidates": [v.id for v in options.extra_candidates],
        },
        "grid": options.grid,
        "demos": [d.model_dump() for d in demos],
        "judge": judge_fn is not None,
        "dry_run": dry_run,
    }
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
    report["search"] = {"trace": trace, "changed": _changed_params(active.params, searched)}
    base_out = evaluator.outcomes(active, heldout)
    base_metrics = score(heldout, base_out)
    report["baseline"] = base_metrics.as_dict()
    results = []
    for name, candidate in _candidates(active, demos, searched, options):
        cand_out = evaluator.outcomes(candidate, heldout)
        metrics = score(heldout, cand_out)
        tally = pairwise(judge_fn, heldout, base_out, cand_out) if judge_fn else None
        verdict = decide(
            base_metrics,
            metrics,
            margin=options.margin,
            min_examples=options.min_heldout,
            max_drop=options.max_drop,
            judge=tally,
        )
        results.append((name, candidate, metrics, verdict, cand_out, tally))
        report.setdefault("candidates", []).append(
            {
                "name": name,
                "params_changed": _changed_params(active.params, candidate.params),
                "demos": len(candidate.few_shot),
                "metrics": metrics.as_dict(),
                "table": comparison_table(base_metrics, metrics),
                "judge": tally.as_dict() if tally else None,
                "promote": verdict.promote,
                "reasons": verdict.reasons,
                "changed_outcomes": _outcome_rows(heldout, base_out, cand_out),
            }
        )
    report["evaluations"] = evaluator.calls
    passing = [r for r in results if r[3].promote]
    if not passing:
        best = max(results, key=lambda r: r[2].score, default=None)
        why = f"best candidate '{best[0]}': {'; '.join(best[3].reasons)}" if best else "no candidate differs"
        summary = f"v{active.id} stays active ({why})"
        return _finish(url, "not_promoted", summary, report, active.id, None, actor, dry_run, scope)
    name, candidate, metrics, verdict, cand_out, _ = max(passing, key=lambda r: r[2].score)
    report["winner"] = name
    decision = "promoted" if options.auto_promote else "pending_approval"
    if dry_run:
        summary = f"dry run: candidate '{name}' would be {decision.replace('_', ' ')}: {verdict.reasons[0]}"
        return _finish(url, decision, summary, report, active.id, None, actor, dry_run, scope)
    with db.connection(url) as conn:
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
        summary = (
            f"v{new_id} ({name}) {'promoted over' if options.auto_promote else 'waits for approval against'} "
            f"v{active.id}: {verdict.reasons[0]}"
        )
        report_id = _store(conn, decision, summary, report, active.id, new_id, actor, dry_run, scope)
        pv.set_review(conn, new_id, "approved" if options.auto_promote else "pending", report_id)
        if options.auto_promote:
            pv.activate(conn, new_id, actor, reason=f"retune report {report_id}", kind="promote", scope=scope)
    log.warning("retune%s: %s", f" of {scope}" if scope else "", summary)
    return RetuneResult(decision, summary, report_id, active.id, new_id, report, scope)


def _store(conn, decision, summary, report, baseline, candidate, actor, dry_run, scope) -> int:
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
    with db.connection(url) as conn:
        report_id = _store(conn, decision, summary, report, baseline, candidate, actor, dry_run, scope)
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
        "examples": {"heldout": len(heldout), "by_expectation": _counts(heldout)},
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
