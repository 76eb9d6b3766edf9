"""Enrichment: a raw offer envelope (France Travail, Adzuna or sample) → the canonical ``Offer``.

``enrich(envelope)`` is the only entry point the worker needs; it raises ``EnrichmentError`` (a
``ValueError``) when a record cannot become an offer, and leaves unparseable fields empty otherwise.
"""

from stream_processors.enrichment.enricher import enrich
from stream_processors.enrichment.errors import EnrichmentError

__all__ = ["EnrichmentError", "enrich"]
