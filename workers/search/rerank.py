"""Reranking the fused top passages, behind one interface.

`ANSWERLOOP_RERANKER`:
- `sentences` (the offline default): each passage's fused score, min-max normalised over the top passages,
  mixed with its best stored sentence's cosine to the question — a passage with one sentence that says what
  was asked beats one that is only about the topic. Costs nothing: retrieval already computed the cosines.
- `none`: fusion order as it is.
- `cross-encoder:/path/to/model`: a sentence-transformers CrossEncoder loaded from a local folder (no hub).
- `http(s)://…/rerank`: a Cohere/Jina-style rerank endpoint (`{model, query, documents, top_n}` →
  `{results: [{index, relevance_score}]}`), with `ANSWERLOOP_RERANKER_MODEL` / `_API_KEY`.

A reranker that fails (endpoint down, bad reply) leaves the order as it was and logs why: reranking may
improve an answer, never block one.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from core.errors import ConfigError

log = logging.getLogger(__name__)


class Rerankable(Protocol):
    section_title: str
    content: str
    fused: float
    sentence_cosines: list[float | None]


class Reranker(Protocol):
    name: str

    def scores(self, question: str, passages: Sequence[Rerankable]) -> list[float] | None:
        """One score per passage (higher is better), or None to keep the fusion order."""


def _min_max(values: Sequence[float]) -> list[float]:
    lo, hi = min(values), max(values)
    return [0.5] * len(values) if hi - lo < 1e-12 else [(v - lo) / (hi - lo) for v in values]


class NoReranker:
    name = "none"

    def scores(self, question: str, passages: Sequence[Rerankable]) -> list[float] | None:
        return None


@dataclass
class SentenceReranker:
    """Fused score and best stored sentence, `weight` being the sentence's share (chosen on the dev splits)."""

    weight: float = 0.3
    name: str = "sentences"

    def scores(self, question: str, passages: Sequence[Rerankable]) -> list[float] | None:
        if len(passages) < 2:
            return None
        best = [max((c for c in p.sentence_cosines if c is not None), default=None) for p in passages]
        if all(b is None for b in best):
            return None
        floor = min(b for b in best if b is not None)
        fused = _min_max([p.fused for p in passages])
        sentence = [b if b is not None else floor for b in best]
        return [(1 - self.weight) * f + self.weight * b for f, b in zip(fused, sentence, strict=True)]


class CrossEncoderReranker:
    def __init__(self, path: str) -> None:
        try:
            from sentence_transformers import CrossEncoder
        except ImportError as exc:  # pragma: no cover - the local extra carries it
            raise ConfigError("A cross-encoder reranker needs sentence-transformers (the 'local' extra).") from exc
        self.name = f"cross-encoder:{path}"
        self._model = CrossEncoder(path, device="cpu", local_files_only=True)

    def scores(self, question: str, passages: Sequence[Rerankable]) -> list[float] | None:
        pairs = [(question, f"{p.section_title}\n{p.content}") for p in passages]
        return [float(s) for s in self._model.predict(pairs, show_progress_bar=False)]


class HttpReranker:
    def __init__(self, url: str, model: str | None, api_key: str | None, timeout_s: float = 5.0) -> None:
        self.name = f"http:{url}"
        self.url, self.model, self.api_key, self.timeout_s = url, model, api_key, timeout_s

    def scores(self, question: str, passages: Sequence[Rerankable]) -> list[float] | None:
        body: dict[str, Any] = {"query": question, "documents": [f"{p.section_title}\n{p.content}" for p in passages]}
        body["top_n"] = len(passages)
        if self.model:
            body["model"] = self.model
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.url, data=json.dumps(body).encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                reply = json.loads(response.read())
            out = [float("-inf")] * len(passages)
            for item in reply["results"]:
                out[int(item["index"])] = float(item["relevance_score"])
            return out
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            log.warning("reranker %s failed, keeping the fusion order: %s", self.url, exc)
            return None


def make_reranker(spec: str, *, model: str | None = None, api_key: str | None = None) -> Reranker:
    spec = (spec or "none").strip()
    if spec == "none":
        return NoReranker()
    if spec == "sentences":
        return SentenceReranker()
    if spec.startswith("cross-encoder:"):
        return CrossEncoderReranker(spec.split(":", 1)[1])
    if spec.startswith(("http://", "https://")):
        return HttpReranker(spec, model, api_key)
    raise ConfigError(
        f"Unknown reranker {spec!r}.",
        hint="Set ANSWERLOOP_RERANKER to none, sentences, cross-encoder:/path/to/model or an http(s) rerank URL.",
    )


def rerank(reranker: Reranker, question: str, passages: list) -> list:
    """The passages in the reranker's order (stable for ties); unchanged when it has no opinion."""
    scores = reranker.scores(question, passages)
    if scores is None or len(scores) != len(passages):
        return passages
    order = sorted(range(len(passages)), key=lambda i: (-scores[i], i))
    return [passages[i] for i in order]
