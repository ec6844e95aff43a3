"""The one interface every answerer implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from feedback.prompt_versions import PromptVersion
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

    def answer(self, question: str, passages: list[Passage], version: PromptVersion) -> Draft: ...
