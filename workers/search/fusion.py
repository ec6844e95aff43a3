"""Fusing the keyword and vector lists.

`rrf`: reciprocal rank fusion, Σ weight / (k + rank) — robust, ignores how far ahead the leader is.
`scores`: every candidate gets both its exact BM25 and its exact cosine (the other list's top-k may not have
reached it), each min-max normalised over this question's candidates, mixed by `alpha` (the vector share);
a chunk far ahead in one list keeps its lead, where rank fusion would flatten it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def rrf_fuse(ranked_lists: Sequence[tuple[Sequence[int], float]], k: int) -> dict[int, float]:
    """Reciprocal rank fusion: Σ weight / (k + rank), rank starting at 1."""
    scores: dict[int, float] = {}
    for ids, weight in ranked_lists:
        if weight <= 0:
            continue
        for rank, chunk_id in enumerate(ids, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (k + rank)
    return scores


def _min_max(values: Mapping[int, float]) -> dict[int, float]:
    if not values:
        return {}
    lo, hi = min(values.values()), max(values.values())
    if hi - lo < 1e-12:
        return dict.fromkeys(values, 1.0 if hi > 0 else 0.0)
    return {k: (v - lo) / (hi - lo) for k, v in values.items()}


def score_fuse(keyword: Mapping[int, float], vector: Mapping[int, float], alpha: float) -> dict[int, float]:
    """alpha · minmax(cosine) + (1 − alpha) · minmax(BM25) over the union of candidates (scores for all)."""
    kw, vec = _min_max(keyword), _min_max(vector)
    ids = set(kw) | set(vec)
    return {i: alpha * vec.get(i, 0.0) + (1 - alpha) * kw.get(i, 0.0) for i in ids}
