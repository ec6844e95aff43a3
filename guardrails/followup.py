"""Follow-ups in a thread: "and in Zurich?" means nothing alone. The thread's earlier turns (redacted, bounded) are
the context. Offline, when a follow-up is elliptical, the retrieval query carries the salient words of the earlier
questions — no model needed; with a model, workers/answerers/condense.py writes a standalone question from them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from guardrails.text import STOPWORDS, _stem, words

# Openings of a question that leans on the one before ("and on staging?", "what about Paris?").
_LEANING = ("and", "what about", "how about", "also", "same for", "but", "or", "what if", "and what", "then")
# Content words: "how long in Zurich?" (2) leans on context; "and who gets paged after 20 minutes?" (4) does not.
MAX_ELLIPTICAL_WORDS = 2
MAX_CONTEXT_TERMS = 8
# The conversation a follow-up is read with: the last few turns, each cut short — enough to resolve "it" or
# "and in Zurich?", never a whole thread's worth of text sent to a model.
MAX_TURNS = 3
MAX_TURN_QUESTION_CHARS = 300
MAX_TURN_ANSWER_CHARS = 600


@dataclass(frozen=True)
class Turn:
    """One earlier question of the thread and the bot's answer to it, both redacted."""

    question: str
    answer: str


@dataclass(frozen=True)
class ThreadContext:
    """Where a follow-up was asked and what came before it there (oldest turn first, bounded)."""

    thread_ts: str
    parent_interaction_id: uuid.UUID | None  # the interaction of the latest earlier turn
    turns: tuple[Turn, ...]


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bounded_turns(
    turns: Sequence[Turn],
    *,
    max_turns: int = MAX_TURNS,
    max_question_chars: int = MAX_TURN_QUESTION_CHARS,
    max_answer_chars: int = MAX_TURN_ANSWER_CHARS,
) -> tuple[Turn, ...]:
    """The last `max_turns` turns (oldest first, as given), each question and answer cut to its limit."""
    kept = list(turns)[-max_turns:] if max_turns > 0 else []
    return tuple(Turn(_cut(t.question, max_question_chars), _cut(t.answer, max_answer_chars)) for t in kept)


def _content(text: str) -> list[str]:
    return [w for w in (w.strip("'.-") for w in words(text)) if w and w not in STOPWORDS and len(w) > 1]


def is_elliptical(question: str) -> bool:
    """Too short to stand alone, or opening like a continuation of the question before."""
    content = _content(question)
    opening = " ".join(words(question)[:2])
    leans = any(opening == p or opening.startswith(p + " ") for p in _LEANING)
    return len(content) <= MAX_ELLIPTICAL_WORDS or (leans and len(content) <= MAX_ELLIPTICAL_WORDS + 1)


def contextual_query(question: str, earlier: list[str], max_terms: int = MAX_CONTEXT_TERMS) -> str:
    """The question as retrieval should see it: unchanged when it stands alone (or nothing came before), else
    followed by the salient words of the earlier questions (most recent first) that it does not already say."""
    if not earlier or not is_elliptical(question):
        return question
    have = {_stem(w) for w in _content(question)}
    terms: list[str] = []
    for previous in earlier:
        for word in _content(previous):
            stem = _stem(word)
            if stem not in have:
                have.add(stem)
                terms.append(word)
    if not terms:
        return question
    return f"{question.rstrip()} ({' '.join(terms[:max_terms])})"
