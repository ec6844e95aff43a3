"""Instruction candidates for the retune (issue G.5): rewrites of the active instructions, proposed by the model
from what the team said was wrong (👎 reasons and comments, corrections, "should have answered"), each then judged
on the HELD-OUT split through the same gate as every other candidate.

Reflection in the manner of DSPy's GEPA: the proposer reads failures of the current instructions on the TRAIN
split only and writes whole new instructions; nothing held out is ever shown to it, so the gate's verdict stays an
out-of-sample one. The proposer is passed in (feedback never imports the model code); offline there is none and
the retune's report says the path was skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from feedback import prompt_versions as pv
from feedback.examples import Example
from feedback.retune_search import with_changes

MAX_CASES = 24  # failures shown to the proposer (most recent first)
MAX_INSTRUCTIONS = 4000  # characters: a rewrite longer than this is refused, not truncated
_TEXT = 400  # characters of a question / answer / correction shown per case


@dataclass(frozen=True)
class FeedbackCase:
    """One train-split failure of the active version, as the proposer reads it (all text already redacted)."""

    question: str
    expected: str  # what the team wanted: "this answer" (+ the correction) | "I don't know" | "an answer"
    answer_given: str | None  # the rejected answer, when there was one
    correction: str | None
    reasons: tuple[str, ...] = ()


# (active instructions, failures, how many rewrites) → rewrites; an empty list when the model could not.
ProposeFn = Callable[[str, Sequence[FeedbackCase], int], list[str]]


def _clip(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    return text if len(text) <= _TEXT else text[: _TEXT - 1] + "…"


def feedback_cases(train: Sequence[Example], *, shared: Collection[str], limit: int = MAX_CASES) -> list[FeedbackCase]:
    """The train examples that say the active behaviour was wrong: a rejected answer, a refusal that should have
    been an answer, or an answer the team corrected (a reference that is not the bot's own answer).

    Only questions asked of `shared` collections alone (those everyone in the workspace may read): the rewritten
    instructions reach every question, so what a restricted collection taught must not end up in them."""
    out: list[FeedbackCase] = []
    for e in sorted(train, key=lambda e: e.asked_at, reverse=True):
        if not e.collections or not set(e.collections) <= set(shared):
            continue
        if e.expect == "not_this":
            case = FeedbackCase(_clip(e.question) or "", "not this answer", _clip(e.reference), None, tuple(e.reasons))
        elif e.expect == "should_answer":
            case = FeedbackCase(_clip(e.question) or "", "an answer, not 'I don't know'", None, None, tuple(e.reasons))
        elif e.expect == "answer" and e.own_documents:  # an approved correction became a verified answer
            case = FeedbackCase(_clip(e.question) or "", "the corrected answer", None, _clip(e.reference))
        else:
            continue
        out.append(case)
        if len(out) >= limit:
            break
    return out


@dataclass
class InstructionProposals:
    """What the proposer returned and what became candidates (for the retune's report)."""

    candidates: list[tuple[str, pv.PromptVersion]] = field(default_factory=list)
    cases: int = 0
    proposed: int = 0
    refused: list[str] = field(default_factory=list)  # why a proposal did not become a candidate
    skipped: str | None = None  # why the whole path did not run

    def as_dict(self) -> dict:
        return {
            "skipped": self.skipped,
            "cases": self.cases,
            "proposed": self.proposed,
            "candidates": [name for name, _ in self.candidates],
            "refused": self.refused,
        }


def propose_candidates(
    active: pv.PromptVersion,
    train: Sequence[Example],
    propose: ProposeFn | None,
    *,
    n: int,
    few_shot: list[pv.FewShot],
    params: pv.AnsweringParams,
    shared: Collection[str] | None,
) -> InstructionProposals:
    """Candidates `instructions-1..n`: each rewrite with the retune's demos and searched parameters. `shared`: the
    collections everyone in the workspace may read (workers.access.readable_by_all, passed in by the caller); None
    skips the path, as the proposer must not read what it can't tell is shareable."""
    result = InstructionProposals()
    if propose is None:
        result.skipped = (
            "no model configured: instruction rewrites need one (offline, the extractive answerer reads no "
            "instructions)"
        )
        return result
    if n <= 0:
        result.skipped = "instruction candidates are turned off"
        return result
    if shared is None:
        result.skipped = "no access check was given to tell which feedback everyone may read"
        return result
    cases = feedback_cases(train, shared=shared)
    result.cases = len(cases)
    if not cases:
        result.skipped = (
            "no failure of the active version in the train split, in collections everyone may read, to learn from"
        )
        return result
    proposals = propose(active.instructions, cases, n)
    result.proposed = len(proposals)
    if not proposals:
        result.skipped = "the model proposed no rewrite (it failed or declined)"
        return result
    seen = {" ".join(active.instructions.split())}
    for text in proposals:
        text = text.strip()
        key = " ".join(text.split())
        if not key:
            result.refused.append("empty")
        elif len(text) > MAX_INSTRUCTIONS:
            result.refused.append(f"longer than {MAX_INSTRUCTIONS} characters")
        elif key in seen:
            result.refused.append("the same as the active instructions or another rewrite")
        else:
            seen.add(key)
            name = f"instructions-{len(result.candidates) + 1}"
            result.candidates.append((name, with_changes(active, instructions=text, few_shot=few_shot, params=params)))
    return result
