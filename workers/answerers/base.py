"""The one interface every answerer implements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from feedback.instruction_candidates import FeedbackCase
from feedback.prompt_versions import PromptVersion
from guardrails.followup import Turn
from workers.retrieval import Passage


@dataclass
class Citation:
    chunk_id: int
    quote: str


@dataclass
class Draft:
    """An answerer's proposal, before the output guards."""

    answer: str
    citations: list[Citation] = field(default_factory=list)
    can_answer: bool = True
    decline_reason: str = ""
    usage: dict = field(default_factory=dict)
    verified: bool = False  # the whole answer is a verified answer (an approved correction), not generated


class Answerer(Protocol):
    name: str

    def answer(
        self, question: str, passages: list[Passage], version: PromptVersion, conversation: Sequence[Turn] = ()
    ) -> Draft:
        """`conversation`: a thread's earlier turns (redacted, bounded) when `question` is a follow-up there."""
        ...


class JudgeVerdict(Protocol):
    supported: bool

    def model_dump(self) -> dict[str, Any]: ...


@runtime_checkable
class GroundingJudge(Protocol):
    """A second opinion on grounding (a model): is every claim of the answer stated by the passages?"""

    def judge(self, answer: str, passages: list[Passage]) -> JudgeVerdict | None: ...


@runtime_checkable
class PairwiseJudge(Protocol):
    """A preference between two answers to one question, for the retune: 'A', 'B', 'tie', or None on failure."""

    def compare(self, question: str, reference: str, answer_a: str, answer_b: str) -> str | None: ...


@runtime_checkable
class InstructionProposer(Protocol):
    """Rewrites of the answering instructions from the team's feedback (the retune's instruction candidates,
    feedback/instruction_candidates.py); an empty list when it cannot."""

    def propose_instructions(self, instructions: str, cases: Sequence[FeedbackCase], n: int) -> list[str]: ...
