"""Quotable sentences of a chunk: prose the extractive answerer may quote, found and embedded once at ingest."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from guardrails.text import sentences
from workers.embeddings import Embedder

_CODE_LINE = re.compile(r"^\s*(?:[$>#]|\.\.|from |import |def |class |@|[{}\[\]()])")


def is_statement(s: str) -> bool:
    """A sentence worth quoting: prose of reasonable length, not a title line or a fragment of code."""
    if not 25 <= len(s) <= 600 or sum(ch.isalpha() for ch in s) <= 0.5 * len(s):
        return False
    return s.rstrip("\"')]*`").endswith((".", "!", "?", ":")) and len(s.split()) >= 5


def quotable_sentences(content: str) -> list[str]:
    out: list[str] = []
    for para in re.split(r"\n\s*\n", content):
        if _CODE_LINE.match(para) or para.lstrip().startswith(("::", "|", "```")):
            continue
        out.extend(s for s in sentences(para) if is_statement(s))
    return out


def embed_sentences(embedder: Embedder, per_chunk: Sequence[Sequence[str]]) -> list[np.ndarray | None]:
    """One batch for the whole document; one matrix (rows = sentences) per chunk, or None without embeddings."""
    if not embedder.dim:
        return [None] * len(per_chunk)
    flat = [s for sents in per_chunk for s in sents]
    vectors = embedder.embed(flat) if flat else np.zeros((0, embedder.dim), dtype=np.float32)
    out: list[np.ndarray | None] = []
    pos = 0
    for sents in per_chunk:
        out.append(vectors[pos : pos + len(sents)])
        pos += len(sents)
    return out
