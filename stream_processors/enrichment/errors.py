"""The one exception the enrichment stage raises."""

from __future__ import annotations


class EnrichmentError(ValueError):
    """The raw record cannot become an ``Offer`` (not an object, no id, no title...)."""
