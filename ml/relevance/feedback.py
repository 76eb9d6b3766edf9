"""Pseudo-relevance feedback (Rocchio) for the dense first stage.

A candidate describing the work ("je déplace et transforme des millions de lignes chaque nuit") lands
near some right offers and some stray ones. The first pass's best offers (after fusion with BM25 and
re-ranking) agree more with each other than with the strays, so moving the query vector towards their
centroid and searching again pulls in the offers like them. On the relevance benchmark this lifted
held-out nDCG@10 by about 0.03, paraphrases most (bench/labels/relevance/README.md).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def feedback_query(query: npt.NDArray[np.float32], top: npt.NDArray[np.float32],
                   weight: float) -> npt.NDArray[np.float32]:
    """``query + weight × mean(top)``, at unit length; the query itself when there is no feedback."""
    if weight <= 0 or len(top) == 0:
        return query
    moved = np.asarray(query, dtype=np.float32) + weight * np.asarray(top, dtype=np.float32).mean(axis=0)
    norm = float(np.linalg.norm(moved))
    return (moved / norm).astype(np.float32) if norm > 0 else query
