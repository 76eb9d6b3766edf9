"""The offer index: vectors + payloads, served by the API and kept fresh from the enriched topic."""

from vector_index.base import OfferFilters, ScoredOffer, VectorIndex
from vector_index.factory import open_index

__all__ = ["OfferFilters", "ScoredOffer", "VectorIndex", "open_index"]
