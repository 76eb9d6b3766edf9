"""Topic registry: every topic's name, partitions, cleanup policy, key format and value model.

Names are versioned (``...v1``): a breaking contract change gets a new topic, never an in-place edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

from schemas.events import DeadLetter, DedupCommand, Offer, OfferRemoval, RawOfferEnvelope


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    cleanup_policy: Literal["delete", "compact"]
    key_format: str
    value_model: type[BaseModel] | None
    description: str
    config: dict[str, str] = field(default_factory=dict)
    # Kafka headers every record carries: name → meaning (documented in the AsyncAPI document).
    headers: dict[str, str] = field(default_factory=dict)
    # Internal topics are not a contract for other teams (documented, but may change without notice).
    internal: bool = False

    def kafka_config(self) -> dict[str, str]:
        return {"cleanup.policy": self.cleanup_policy, **self.config}


# Raw and enriched topics share a partition count so a worker's assignment stays balanced; 4 lets two
# workers split the load and leaves room for more.
PARTITIONS = 4

RAW_OFFERS = TopicSpec(
    name="jobmarket.offers.raw.v1",
    partitions=PARTITIONS,
    cleanup_policy="delete",
    key_format="{source}:{source_id}",
    value_model=RawOfferEnvelope,
    description="Offers exactly as the sources returned them (replayable event log).",
    config={"retention.ms": str(14 * 24 * 3600 * 1000)},
    headers={"schema_version": "The value's schema_version, as text.",
             "source": "The source: france_travail, adzuna, sample or api.",
             "fetched_at": "When the offer was fetched (ISO 8601, UTC)."},
)
REMOVALS = TopicSpec(
    name="jobmarket.offers.removals.v1",
    partitions=PARTITIONS,
    cleanup_policy="delete",
    key_format="{source}:{source_id}",
    value_model=OfferRemoval,
    description="Offers withdrawn at their source.",
    headers={"schema_version": "The value's schema_version, as text.",
             "source": "The source: france_travail, adzuna, sample or api."},
)
ENRICHED_OFFERS = TopicSpec(
    name="jobmarket.offers.enriched.v1",
    partitions=PARTITIONS,
    cleanup_policy="compact",
    key_format="{offer_id}",
    value_model=Offer,
    description="Canonical enriched offers with their embedding; a null value (tombstone) removes one.",
    headers={"version": "Offer.version as decimal text, also on tombstones (which have no value): keep the "
                        "record with the highest version per key."},
)
DEDUP = TopicSpec(
    name="jobmarket.offers.dedup.v1",
    partitions=PARTITIONS,
    cleanup_policy="delete",
    key_format="{fingerprint}",
    value_model=DedupCommand,
    description="Internal to the workers: enriched offers and removals routed by dedup fingerprint.",
    config={"retention.ms": str(7 * 24 * 3600 * 1000)},
    internal=True,
)
DEAD_LETTERS = TopicSpec(
    name="jobmarket.offers.dlq.v1",
    partitions=1,
    cleanup_policy="delete",
    key_format="original key, or none",
    value_model=DeadLetter,
    description="Records a stage could not process, with the reason and the original bytes.",
)

TOPICS: dict[str, TopicSpec] = {t.name: t for t in (RAW_OFFERS, REMOVALS, DEDUP, ENRICHED_OFFERS, DEAD_LETTERS)}
