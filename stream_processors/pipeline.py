"""The worker's pure logic, separate from faust so it can be tested without a broker.

raw bytes → validated ``RawOfferEnvelope`` → enriched ``Offer`` → embedded ``Offer``; anything that
cannot become an ``Offer`` becomes a ``DeadLetter`` carrying the original bytes and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import structlog
from pydantic import ValidationError

from schemas.events import DeadLetter, Offer, OfferRemoval, RawOfferEnvelope, canonical_offer_id
from stream_processors.enrichment import EnrichmentError, enrich

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class RawRecord:
    topic: str
    partition: int | None
    offset: int | None
    key: bytes | None
    value: bytes | None


@dataclass
class BatchResult:
    offers: list[Offer] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)


def _dead(record: RawRecord, stage: str, error: str) -> DeadLetter:
    return DeadLetter.for_message(stage=stage, error=error, topic=record.topic, value=record.value,
                                  key=record.key, partition=record.partition, offset=record.offset)


def _validation_reason(exc: ValidationError) -> str:
    errs = exc.errors(include_url=False)
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in errs[:5])


def parse_raw(record: RawRecord) -> RawOfferEnvelope | DeadLetter:
    if record.value is None:
        return _dead(record, "validate", "empty message value")
    try:
        return RawOfferEnvelope.model_validate_json(record.value)
    except ValidationError as exc:
        return _dead(record, "validate", _validation_reason(exc))


def enrich_records(records: list[RawRecord]) -> BatchResult:
    result = BatchResult()
    for record in records:
        parsed = parse_raw(record)
        if isinstance(parsed, DeadLetter):
            result.dead_letters.append(parsed)
            continue
        try:
            result.offers.append(enrich(parsed))
        except EnrichmentError as exc:
            result.dead_letters.append(_dead(record, "enrich", str(exc)))
    return result


def parse_removal(record: RawRecord) -> tuple[str, OfferRemoval] | DeadLetter:
    """A removal event → (canonical offer id to tombstone, event)."""
    if record.value is None:
        return _dead(record, "validate", "empty removal value")
    try:
        removal = OfferRemoval.model_validate_json(record.value)
    except ValidationError as exc:
        return _dead(record, "validate", _validation_reason(exc))
    return canonical_offer_id(removal.source, removal.source_id), removal
