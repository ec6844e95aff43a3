"""Deterministic scoring of a prompt version's behaviour on labeled examples, and the promotion rule.

Everything here works offline: agreement is the overlap of content terms (stemmed, stopwords removed)
between an answer and the reference, so the loop runs with the extractive answerer and no model. With a
model configured, a pairwise judge adds its verdict (see `retune`), never replacing these guards.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from feedback.examples import Example
from guardrails.text import term_set

AGREE = 0.5  # content-term F1 at or above which two answers say the same thing


@dataclass(frozen=True)
class Outcome:
    """What a version did with one question (from the pipeline, nothing recorded)."""

    status: str  # answered | dont_know
    answer: str
    reason: str = ""
    grounding: str = "skipped"  # grounded | ungrounded | skipped (no draft to check)
    pii_out: bool = False  # the answer carried PII/secrets that had to be redacted
    # The answerability probability before any label-learned shift, and the collection whose calibration it
    # used (None: the answer_fn does not say): what the retune refits the per-collection decision from.
    answerability: float | None = None
    collection: str | None = None
    # The normalised signals the answerability layer read (None: not given): what the weights refit reads.
    features: tuple[float, ...] | None = None


def agreement(a: str, b: str) -> float:
    """F1 of the two texts' content terms."""
    ta, tb = term_set(a), term_set(b)
    if not ta or not tb:
        return 0.0
    common = len(ta & tb)
    if not common:
        return 0.0
    precision, recall = common / len(ta), common / len(tb)
    return 2 * precision * recall / (precision + recall)


def credit(example: Example, outcome: Outcome) -> float:
    """1 for the behaviour the labels asked for, 0 for the one they rejected, ½ when we cannot tell."""
    answered = outcome.status == "answered"
    if example.expect == "answer":
        return 1.0 if answered and agreement(outcome.answer, example.reference or "") >= AGREE else 0.0
    if example.expect == "dont_know":
        return 0.0 if answered else 1.0
    if example.expect == "not_this":
        if not answered:
            return 1.0
        return 0.0 if agreement(outcome.answer, example.reference or "") >= AGREE else 0.5
    return 1.0 if answered else 0.0  # should_answer


def _expects_answer(example: Example) -> bool:
    return example.expect in ("answer", "should_answer")


@dataclass
class Metrics:
    n: int = 0
    score: float = 0.0  # mean credit: the number promotion looks at
    agreement: float = 0.0  # share of `answer` examples answered in agreement with the reference
    idk_correct: float = 0.0  # share of examples where answering vs "I don't know" was the right call
    answered: float = 0.0  # share answered
    grounding_pass: float = 1.0  # share of drafts that passed the grounding check
    pii_leaks: int = 0  # answers that carried PII/secrets (redacted before leaving, but they should not occur)
    by_expectation: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def score(examples: Sequence[Example], outcomes: Sequence[Outcome]) -> Metrics:
    assert len(examples) == len(outcomes)
    m = Metrics(n=len(examples))
    if not examples:
        return m
    credits = [credit(e, o) for e, o in zip(examples, outcomes, strict=True)]
    m.score = sum(credits) / len(credits)
    refs = [(e, o) for e, o in zip(examples, outcomes, strict=True) if e.expect == "answer"]
    if refs:
        m.agreement = sum(
            o.status == "answered" and agreement(o.answer, e.reference or "") >= AGREE for e, o in refs
        ) / len(refs)
    m.idk_correct = sum(
        (o.status == "answered") == _expects_answer(e) for e, o in zip(examples, outcomes, strict=True)
    ) / len(examples)
    m.answered = sum(o.status == "answered" for o in outcomes) / len(outcomes)
    drafts = [o for o in outcomes if o.grounding in ("grounded", "ungrounded")]
    m.grounding_pass = sum(o.grounding == "grounded" for o in drafts) / len(drafts) if drafts else 1.0
    m.pii_leaks = sum(o.pii_out for o in outcomes)
    for kind in ("answer", "dont_know", "not_this", "should_answer"):
        picked = [c for e, c in zip(examples, credits, strict=True) if e.expect == kind]
        if picked:
            m.by_expectation[kind] = {"n": len(picked), "score": round(sum(picked) / len(picked), 4)}
    return m


@dataclass
class JudgeTally:
    wins: int = 0
    losses: int = 0
    ties: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Decision:
    promote: bool
    reasons: list[str]


def decide(
    baseline: Metrics,
    candidate: Metrics,
    *,
    margin: float,
    min_examples: int,
    max_drop: float = 0.1,
    judge: JudgeTally | None = None,
) -> Decision:
    """Better by `margin` on the held-out score, with no regression: grounding and PII no worse, agreement and
    "I don't know" correctness down by at most `max_drop`, and the model judge (if any) not against it."""
    reasons: list[str] = []
    if candidate.n < min_examples:
        reasons.append(f"only {candidate.n} held-out examples (at least {min_examples} needed)")
    gain = candidate.score - baseline.score
    if gain < margin:
        reasons.append(f"score {candidate.score:.3f} vs {baseline.score:.3f}: gain {gain:+.3f} < margin {margin:.3f}")
    if candidate.grounding_pass < baseline.grounding_pass - 1e-9:
        reasons.append(
            f"grounding pass rate regressed ({baseline.grounding_pass:.3f} → {candidate.grounding_pass:.3f})"
        )
    reasons += regressions(baseline, candidate, max_drop)
    if candidate.pii_leaks > baseline.pii_leaks:
        reasons.append(f"more answers carried PII ({baseline.pii_leaks} → {candidate.pii_leaks})")
    if judge is not None and judge.losses > judge.wins:
        reasons.append(f"the model judge preferred the current version ({judge.losses} losses, {judge.wins} wins)")
    if reasons:
        return Decision(False, reasons)
    return Decision(True, [f"score {baseline.score:.3f} → {candidate.score:.3f} ({gain:+.3f}), no regressions"])


@dataclass(frozen=True)
class Evidence:
    """How a candidate's held-out gain is made: the labels it got right that the baseline did not (wins), the
    reverse (losses), and the one-sided sign test's p-value of that split (the chance of at least `wins` of
    `wins + losses` discordant labels going the candidate's way if the two versions were equally good).

    A gain of +0.07 on 29 labels is two labels: it passes the score margin yet says little about the questions
    people ask next (bench/results/retune.md, "gap form": such a shift cost 14 points of answered questions)."""

    wins: int
    losses: int
    p: float

    def as_dict(self) -> dict:
        return {"wins": self.wins, "losses": self.losses, "p": round(self.p, 4)}


def sign_test(wins: int, losses: int) -> float:
    """P(X ≥ wins) for X ~ Binomial(wins + losses, ½); 1.0 with no discordant label."""
    n = wins + losses
    if n == 0:
        return 1.0
    return sum(math.comb(n, k) for k in range(wins, n + 1)) / 2**n


def evidence(examples: Sequence[Example], baseline: Sequence[Outcome], candidate: Sequence[Outcome]) -> Evidence:
    """Per-label credits of the two versions compared (`credit`); ties (including equal half credits) don't count."""
    wins = losses = 0
    for example, b, c in zip(examples, baseline, candidate, strict=True):
        cb, cc = credit(example, b), credit(example, c)
        wins += cc > cb
        losses += cc < cb
    return Evidence(wins, losses, sign_test(wins, losses))


def regressions(baseline: Metrics, candidate: Metrics, max_drop: float) -> list[str]:
    """Trading one behaviour for another is allowed only within `max_drop` (e.g. fewer wrong answers must not
    cost many right ones)."""
    out = []
    for key, name in (("agreement", "agreement with approved answers"), ("idk_correct", '"I don\'t know" correctness')):
        b, c = getattr(baseline, key), getattr(candidate, key)
        if c < b - max_drop - 1e-9:
            out.append(f"{name} fell by {b - c:.3f} (more than {max_drop:.3f})")
    return out


def comparison_table(baseline: Metrics, candidate: Metrics) -> list[dict]:
    rows = []
    for key in ("n", "score", "agreement", "idk_correct", "answered", "grounding_pass", "pii_leaks"):
        b, c = getattr(baseline, key), getattr(candidate, key)
        rows.append({"metric": key, "baseline": b, "candidate": c, "delta": round(c - b, 4)})
    return rows
