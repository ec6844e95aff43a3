"""A thread follow-up as a standalone question: what retrieval searches with and what the answerer answers.

With a model, instructor writes it from the thread's earlier turns (redacted, bounded) and the follow-up; without
one — or when the model call fails or gives nothing usable — the offline path of guardrails/followup.py appends
the earlier questions' salient words to an elliptical follow-up. Only redacted text is ever sent."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from core.settings import Settings
from guardrails.followup import ThreadContext, Turn, contextual_query
from workers.answerers.base import Answerer

log = logging.getLogger(__name__)

INSTRUCTIONS = (
    "You rewrite the latest question of a Slack thread so that it can be understood without the thread. Use the "
    "earlier turns only to fill in what the latest question leaves out (what 'it', 'there' or 'and in Zurich?' "
    "refer to). Do not answer it, and add nothing the asker did not ask about. Keep placeholders such as "
    "<EMAIL_ADDRESS> exactly as they are. If the latest question already stands alone, return it unchanged."
)


class StandaloneQuestion(BaseModel):
    """The latest question of the conversation, rewritten to stand alone."""

    question: str = Field(description="One self-contained question, in the asker's words where possible.")

    @field_validator("question")
    @classmethod
    def _one_bounded_question(cls, value: str, info: ValidationInfo) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("the question is empty; write the latest question so that it stands alone")
        limit = (info.context or {}).get("max_chars", 4000)
        if len(value) > limit:
            raise ValueError(f"the question is {len(value)} characters; keep it under {limit}")
        return value


@dataclass(frozen=True)
class Condensed:
    question: str
    usage: dict = field(default_factory=dict)  # the call's token counts


class Condenser(Protocol):
    def condense(self, followup: str, turns: Sequence[Turn]) -> Condensed | None:
        """The standalone question, or None when the model failed (the caller falls back to the offline path)."""
        ...


def conversation_messages(turns: Sequence[Turn]) -> list[dict]:
    """The thread's earlier turns as chat messages (oldest first), marked so they are not read as examples."""
    messages: list[dict] = []
    for turn in turns:
        messages.append({"role": "user", "content": f"Earlier question in this thread: {turn.question}"})
        messages.append({"role": "assistant", "content": turn.answer})
    return messages


class ModelCondenser:
    """Condenses through instructor with the model answerer's client (one client per process)."""

    def __init__(self, client, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    def condense(self, followup: str, turns: Sequence[Turn]) -> Condensed | None:
        from workers.answerers.llm import usage_of

        messages = [
            {"role": "system", "content": INSTRUCTIONS},
            *conversation_messages(turns),
            {"role": "user", "content": f"Latest question: {followup}"},
        ]
        try:
            result, completion = self.client.chat.completions.create_with_completion(
                response_model=StandaloneQuestion,
                messages=messages,
                max_retries=self.settings.llm_max_retries,
                temperature=0,
                context={"max_chars": self.settings.max_question_chars},
            )
        except Exception as exc:  # network, provider, or output that never validated: the offline path answers
            log.warning("condensing the follow-up failed (%s): offline thread context instead", type(exc).__name__)
            return None
        return Condensed(result.question, usage_of(completion))


def default_condenser(settings: Settings, answerer: Answerer) -> Condenser | None:
    """A model condenser when the answerer is the model answerer (it shares its client); None offline."""
    from workers.answerers.llm import ModelAnswerer

    if isinstance(answerer, ModelAnswerer):
        return ModelCondenser(answerer.client, settings)
    return None


def _unchanged(text: str) -> str:
    return text


@dataclass(frozen=True)
class Standalone:
    """What a question in a thread is asked as."""

    question: str  # redacted; retrieval and the answerer use it, and it is recorded as the question answered
    by: Literal["model", "terms"] | None = None  # None: the question was asked as it was written
    turns: tuple[Turn, ...] = field(default_factory=tuple)  # the conversation the answerer sees
    usage: dict = field(default_factory=dict)  # the condensing call's token counts


def add_usage(usage: dict, extra: dict) -> dict:
    """Token counts of two model calls together (the condensing call's count with the answer's)."""
    keys = ("prompt_tokens", "completion_tokens", "total_tokens")
    return {**usage, **{k: (usage.get(k) or 0) + (extra.get(k) or 0) for k in keys if k in usage or k in extra}}


def standalone_question(
    followup: str,
    thread: ThreadContext | None,
    condenser: Condenser | None,
    *,
    redact: Callable[[str], str] = _unchanged,
) -> Standalone:
    """The follow-up (redacted) as a standalone question: the model's rewrite, else the offline one. `redact` is
    applied once more to the earlier turns (redacted at rest already) before they go anywhere, and to the model's
    rewrite before it is searched, sent to the answerer or stored."""
    if thread is None or not thread.turns:
        return Standalone(followup)
    turns = tuple(Turn(redact(t.question), redact(t.answer)) for t in thread.turns)
    if condenser is not None:
        condensed = condenser.condense(followup, turns)
        if condensed is not None and condensed.question:
            question = redact(condensed.question)
            return Standalone(question, "model" if question != followup else None, turns, condensed.usage)
    offline = contextual_query(followup, [t.question for t in reversed(turns)])
    return Standalone(offline, "terms" if offline != followup else None, turns)
