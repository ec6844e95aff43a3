"""Follow-ups in a thread: "and in Zurich?" means nothing alone. When a follow-up is elliptical, the retrieval
query carries the salient words of the thread's earlier (redacted) questions, offline — no model needed."""

from __future__ import annotations

from guardrails.text import STOPWORDS, _stem, words

# Openings of a question that leans on the one before ("and on staging?", "what about Paris?").
_LEANING = ("and", "what about", "how about", "also", "same for", "but", "or", "what if", "and what", "then")
# Content words: "how long in Zurich?" (2) leans on context; "and who gets paged after 20 minutes?" (4) does not.
MAX_ELLIPTICAL_WORDS = 2
MAX_CONTEXT_TERMS = 8


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
