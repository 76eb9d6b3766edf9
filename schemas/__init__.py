"""Event contracts: the single home of every record that crosses a topic."""

from schemas.events import (
    SCHEMA_VERSION,
    ContractType,
    DeadLetter,
    DedupCommand,
    Embedding,
    Offer,
    OfferRemoval,
    RawOfferEnvelope,
    Seniority,
    Source,
    canonical_offer_id,
    source_ref,
)
from schemas.topics import TOPICS, TopicSpec

__all__ = [
    "SCHEMA_VERSION",
    "TOPICS",
    "ContractType",
    "DeadLetter",
    "DedupCommand",
    "Embedding",
    "Offer",
    "OfferRemoval",
    "RawOfferEnvelope",
    "Seniority",
    "Source",
    "TopicSpec",
    "canonical_offer_id",
    "source_ref",
]
