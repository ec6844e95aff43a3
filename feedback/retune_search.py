"""The retune's parameter search: answering examples under a version (memoised), and a coordinate search over
the answering parameters on the TRAIN split, inside a trust region around the active version."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from feedback import prompt_versions as pv
from feedback.examples import Example
from feedback.scoring import Metrics, Outcome, regressions, score

log = logging.getLogger("feedback.retune")

# (question, collections, version, exclude_documents) → what the version does with it, recording nothing
AnswerFn = Callable[[str, Sequence[str], pv.PromptVersion, Sequence[int]], Outcome]

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


@dataclass(frozen=True)
class Trial:
    """One value of one parameter tried on the train split."""

    score: float
    value: Any
    params: pv.AnsweringParams
    allowed: bool  # it trades away no more than max_drop of agreement or "I don't know" correctness


def with_changes(version: pv.PromptVersion, **changes: Any) -> pv.PromptVersion:
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
            trials = []
            for value in options:
                params = best.model_copy(update={name: value})
                m = evaluator.metrics(with_changes(base, params=params), train)
                trials.append(Trial(m.score, value, params, allowed=not regressions(start, m, max_drop)))
                trace.append({"round": round_no, "param": name, "value": value, "score": round(m.score, 4),
                              "kept": False})  # fmt: skip
            eligible = [t for t in trials if t.allowed and t.score > best_score + 1e-9]
            if not eligible:
                continue
            top = max(t.score for t in eligible)
            chosen = min((t for t in eligible if t.score == top), key=lambda t: abs(t.value - origin))
            best, best_score, improved = chosen.params, chosen.score, True
            next(t for t in reversed(trace) if t["param"] == name and t["value"] == chosen.value)["kept"] = True
        if not improved:
            break
    return best, trace
