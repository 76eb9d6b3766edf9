"""Combining ranked lists: reciprocal rank fusion and min-max normalised score fusion."""

from __future__ import annotations

from collections.abc import Sequence

Ranked = Sequence[tuple[str, float]]


def rrf(lists: Sequence[Ranked], k: int = 60, weights: Sequence[float] | None = None) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: sum of ``w / (k + rank)`` (rank from 1); ties broken by id."""
    weights = weights or [1.0] * len(lists)
    scores: dict[str, float] = {}
    for ranked, w in zip(lists, weights, strict=True):
        for i, (doc, _) in enumerate(ranked):
            scores[doc] = scores.get(doc, 0.0) + w / (k + i + 1)
    return sorted(scores.items(), key=lambda x: (-x[1], x[0]))


def minmax(ranked: Ranked) -> dict[str, float]:
    if not ranked:
        return {}
    values = [s for _, s in ranked]
    lo, hi = min(values), max(values)
    span = hi - lo
    return {d: (s - lo) / span if span > 0 else 1.0 for d, s in ranked}


def score_fusion(lists: Sequence[Ranked], weights: Sequence[float] | None = None) -> list[tuple[str, float]]:
    """Weighted sum of min-max normalised scores (a document missing from a list scores 0 there)."""
    weights = weights or [1.0] * len(lists)
    scores: dict[str, float] = {}
    for ranked, w in zip(lists, weights, strict=True):
        for doc, s in minmax(ranked).items():
            scores[doc] = scores.get(doc, 0.0) + w * s
    return sorted(scores.items(), key=lambda x: (-x[1], x[0]))
