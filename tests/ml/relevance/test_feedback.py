"""Pseudo-relevance feedback: the query moves towards its first pass's best offers."""

from __future__ import annotations

import numpy as np

from ml.relevance.configs import best_recipe
from ml.relevance.feedback import feedback_query


def unit(*values: float) -> np.ndarray:
    v = np.asarray(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_the_query_moves_towards_the_centroid_of_the_top_offers_and_stays_unit_length() -> None:
    query = unit(1, 0, 0)
    top = np.stack([unit(0.6, 0.8, 0), unit(0.6, 0.6, 0.2)])
    moved = feedback_query(query, top, 1.0)
    centroid = top.mean(axis=0)
    assert abs(float(np.linalg.norm(moved)) - 1) < 1e-6
    assert float(moved @ centroid) > float(query @ centroid)
    assert float(moved @ query) > 0.5  # moved, not replaced
    # more weight, further towards the feedback
    assert float(feedback_query(query, top, 2.0) @ centroid) > float(moved @ centroid)


def test_no_feedback_leaves_the_query_as_it_is() -> None:
    query = unit(1, 2, 3)
    assert feedback_query(query, np.zeros((0, 3), dtype=np.float32), 1.0) is query
    assert feedback_query(query, np.stack([unit(3, 2, 1)]), 0.0) is query


def test_the_served_recipe_uses_feedback_and_says_so() -> None:
    recipe = best_recipe("use")
    assert recipe.feedback_docs > 0 and recipe.feedback_weight > 0
    assert recipe.params()["feedback_docs"] == recipe.feedback_docs and "+prf" in recipe.name
