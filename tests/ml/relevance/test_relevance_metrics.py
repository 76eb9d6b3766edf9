"""Ranking metrics on hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ml.relevance.metrics import (
    dcg,
    ndcg_at_k,
    precision_at_k,
    proxy_scores,
    recall_at_k,
    reciprocal_rank,
    summarise,
)

LABELS = {"a": 3, "b": 2, "c": 1}


def test_dcg_uses_exponential_gain_and_log_discount() -> None:
    assert dcg([3, 2]) == pytest.approx(7 / 1 + 3 / math.log2(3))


def test_ndcg_is_one_for_the_ideal_order_and_lower_otherwise() -> None:
    assert ndcg_at_k(["a", "b", "c"], LABELS) == pytest.approx(1.0)
    swapped = ndcg_at_k(["b", "a", "c"], LABELS)
    ideal = 7 + 3 / math.log2(3) + 1 / 2
    assert swapped == pytest.approx((3 + 7 / math.log2(3) + 1 / 2) / ideal)
    assert ndcg_at_k(["x", "y"], LABELS) == 0.0
    assert ndcg_at_k(["a"], {}) == 0.0


def test_ndcg_only_counts_the_top_k() -> None:
    assert ndcg_at_k(["x"] * 10 + ["a"], LABELS, k=10) == 0.0


def test_precision_counts_grade_two_and_above_over_k() -> None:
    assert precision_at_k(["a", "b", "c", "x"], LABELS, k=10) == pytest.approx(0.2)
    assert precision_at_k(["c"], LABELS, k=1) == 0.0


def test_recall_is_over_the_relevant_offers() -> None:
    assert recall_at_k(["a", "x"], LABELS, k=50) == pytest.approx(0.5)
    assert recall_at_k(["x"] * 50 + ["a", "b"], LABELS, k=50) == 0.0
    assert recall_at_k(["a"], {"c": 1}) == 0.0


def test_reciprocal_rank_of_the_first_relevant() -> None:
    assert reciprocal_rank(["x", "c", "b"], LABELS) == pytest.approx(1 / 3)
    assert reciprocal_rank(["x"], LABELS) == 0.0


def test_summarise_averages_over_queries() -> None:
    metrics, per_q = summarise({"q1": ["a", "b"], "q2": ["x"]}, {"q1": LABELS, "q2": {"y": 3}})
    assert per_q["q2"] == 0.0
    assert metrics["ndcg_at_10"] == pytest.approx(per_q["q1"] / 2)
    assert metrics["mrr"] == pytest.approx(0.5)


def test_proxies_are_top1_mean_and_pairwise_distance() -> None:
    v = np.eye(3, dtype=np.float32)
    out = proxy_scores([[0.9, 0.5], [0.7]], [v[:2], v[:1]])
    assert out["similarity_score"] == pytest.approx(0.8)
    assert out["mean_similarity"] == pytest.approx((0.7 + 0.7) / 2)
    assert out["diversity_score"] == pytest.approx(1.0)  # orthogonal vectors: distance 1; a lone one is skipped
    assert proxy_scores([], [])["similarity_score"] == 0.0
