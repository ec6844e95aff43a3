"""The retune's candidates: versions built from the searched parameters and the demos, each scored on the
HELD-OUT split against the active version (and, with a model, judged pairwise)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from feedback import prompt_versions as pv
from feedback.examples import Example
from feedback.retune_search import Evaluator, with_changes
from feedback.scoring import Decision, JudgeTally, Metrics, Outcome, decide, score

JudgeFn = Callable[[str, str, str, str], "str | None"]  # (question, reference, answer A, answer B) → A | B | tie


@dataclass(frozen=True)
class CandidateResult:
    """A candidate version and how it did on the held-out split."""

    name: str
    version: pv.PromptVersion
    metrics: Metrics
    verdict: Decision
    outcomes: list[Outcome]
    tally: JudgeTally | None


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


def build_candidates(
    active: pv.PromptVersion,
    demos: list[pv.FewShot],
    searched: pv.AnsweringParams,
    model_answers: bool,
    extra: Sequence[pv.PromptVersion] = (),
    refits: Sequence[tuple[str, pv.AnsweringParams]] = (),
) -> list[tuple[str, pv.PromptVersion]]:
    """New demos (with a model), the searched parameters with the demos, the parameters carrying the per-collection
    answerability shifts or weight offsets refitted from labels (`refits`, each with the demos), an admin's extra
    versions and (with a model) per-question demo selection; none that repeats the active version or another
    candidate."""
    out: list[tuple[str, pv.PromptVersion]] = []
    seen: set[tuple] = set()

    def add(name: str, version: pv.PromptVersion) -> None:
        key = (version.params.model_dump_json(), tuple((s.question, s.answer) for s in version.few_shot))
        current = (active.params.model_dump_json(), tuple((s.question, s.answer) for s in active.few_shot))
        if key not in seen and key != current:
            seen.add(key)
            out.append((name, version))

    if model_answers:
        add("demos", with_changes(active, few_shot=demos))
    add("params+demos", with_changes(active, few_shot=demos, params=searched))
    for name, params in refits:
        add(name, with_changes(active, few_shot=demos, params=params))
    for version in extra:
        add(f"v{version.id}", version)
    if model_answers and demos:
        add(
            "params+similar-demos",
            with_changes(active, few_shot=demos, params=searched.model_copy(update={"few_shot_mode": "similar"})),
        )
    return out


def score_candidates(
    candidates: Sequence[tuple[str, pv.PromptVersion]],
    heldout: Sequence[Example],
    evaluator: Evaluator,
    base_outcomes: Sequence[Outcome],
    base_metrics: Metrics,
    *,
    judge_fn: JudgeFn | None,
    margin: float,
    min_examples: int,
    max_drop: float,
) -> list[CandidateResult]:
    results = []
    for name, candidate in candidates:
        outcomes = evaluator.outcomes(candidate, heldout)
        metrics = score(heldout, outcomes)
        tally = pairwise(judge_fn, heldout, base_outcomes, outcomes) if judge_fn else None
        verdict = decide(
            base_metrics, metrics, margin=margin, min_examples=min_examples, max_drop=max_drop, judge=tally
        )
        results.append(CandidateResult(name, candidate, metrics, verdict, outcomes, tally))
    return results
