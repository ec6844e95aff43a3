"""The honest "I don't know": why we cannot answer, and where to look instead."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

REASONS = {
    "no_documents": "I couldn't find anything about this in the documents I can search.",
    "weak_retrieval": "The documents I can search don't seem to cover this well enough to answer reliably.",
    "ungrounded": "I drafted an answer but couldn't back every part of it with the documents, so I won't guess.",
    "model_declined": "The documents I found don't contain the answer.",
    "no_supported_sentence": "The closest documents mention related things but don't answer this directly.",
    "model_error": "I couldn't produce a checked answer right now.",
}


@dataclass(frozen=True)
class ClosestDoc:
    title: str
    link: str


def explanation(reason: str) -> str:
    """Why the answer is "I don't know", in words, for a dont_know reason code."""
    return REASONS.get(reason, REASONS["weak_retrieval"])


def dont_know_message(reason: str, closest: Sequence[ClosestDoc]) -> str:
    """The plain-text "I don't know": why, and the closest documents (Slack adds the channel's expert itself)."""
    lines = [f"I don't know. {explanation(reason)}"]
    if closest:
        lines.append("The closest documents I found:")
        lines.extend(f"• {d.title} — {d.link}" for d in closest)
    return "\n".join(lines)
