"""Ranking metrics over graded labels, and the seed's unsupervised proxies.

Supervised (labels: source ref → grade 0-3, absent = 0):
- ``ndcg_at_k``: DCG with gain ``2**grade - 1`` and discount ``log2(rank + 1)``, over the ideal DCG of the
  query's labels;
- ``precision_at_k``: share of the top ``k`` with grade ≥ 2 (a result counts as relevant from grade 2);
- ``recall_at_k``: share of the grade ≥ 2 offers found in the top ``k``;
- ``reciprocal_rank``: 1 / rank of the first grade ≥ 2 result (0 when none).

Unsupervised (what the original JobMarket reported; they need no labels and say little about relevance):
- ``similarity_score``: mean over queries of the top-1 cosine similarity;
- ``mean_similarity``: mean over queries of the mean cosine of the top ``k``;
- ``diversity_score``: mean over queries of the mean pairwise cosine distance (1 - cos) among the top ``k``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

RELEVANT = 2


def dcg(grades: Sequence[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def ndcg_at_k(ranked: Sequence[str], labels: Mapping[str, int], k: int = 10) -> float:
    ideal = dcg(sorted(labels.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([labels.get(r, 0) for r in ranked[:k]]) / ideal


def precision_at_k(ranked: Sequence[str], labels: Mapping[str, int], k: int = 10) -> float:
    return sum(labels.get(r, 0) >= RELEVANT for r in ranked[:k]) / k


def recall_at_k(ranked: Sequence[str], labels: Mapping[str, int], k: int = 50) -> float:
    relevant = {r for r, g in labels.items() if g >= RELEVANT}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def reciprocal_rank(ranked: Sequence[str], labels: Mapping[str, int]) -> float:
    for i, r in enumerate(ranked):
        if labels.get(r, 0) >= RELEVANT:
            return 1.0 / (i + 1)
    return 0.0


def proxy_scores(top_sims: Sequence[Sequence[float]],
                 top_vectors: Sequence[npt.NDArray[np.float32]]) -> dict[str, float]:
    """The seed's proxies from each query's top-k cosine similarities and (normalised) vectors."""
    sims = [s for s in top_sims if len(s)]
    div = []
    for vecs in top_vectors:
        n = len(vecs)
        if n < 2:
            continue
        gram = vecs @ vecs.T
        div.append(float((1.0 - gram[np.triu_indices(n, 1)]).mean()))
    return {
        "similarity_score": float(np.mean([s[0] for s in sims])) if sims else 0.0,
        "mean_similarity": float(np.mean([np.mean(s) for s in sims])) if sims else 0.0,
        "diversity_score": float(np.mean(div)) if div else 0.0,
    }


def summarise(rankings: Mapping[str, Sequence[str]], labels: Mapping[str, Mapping[str, int]]) -> tuple[
        dict[str, float], dict[str, float]]:
    """(mean metrics, per-query nDCG@10) over the queries of ``rankings``."""
    per_q = {q: ndcg_at_k(r, labels[q], 10) for q, r in rankings.items()}
    n = max(len(rankings), 1)
    metrics = {
        "ndcg_at_10": sum(per_q.values()) / n,
        "p_at_10": sum(precision_at_k(r, labels[q], 10) for q, r in rankings.items()) / n,
        "recall_at_50": sum(recall_at_k(r, labels[q], 50) for q, r in rankings.items()) / n,
        "mrr": sum(reciprocal_rank(r, labels[q]) for q, r in rankings.items()) / n,
    }
    return metrics, per_q
