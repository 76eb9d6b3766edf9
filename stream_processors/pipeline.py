"""The worker's pure logic, separate from faust so it can be tested without a broker.

raw bytes → validated ``RawOfferEnvelope`` → enriched ``Offer``; anything that cannot become an
``Offer`` becomes a ``DeadLetter`` carrying the original bytes and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from pydantic import ValidationError

from schemas.events import DeadLetter, DedupCommand, Offer, OfferRemoval, RawOfferEnvelope
from stream_processors.enrichment import EnrichmentError, enrich

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class RawRecord:
    topic: str
    partition: int | None
    offset: int | None
    key: bytes | None
    value: bytes | None


def dead_letter(record: RawRecord, stage: str, error: str) -> DeadLetter:
    return DeadLetter.for_message(stage=stage, error=error, topic=record.topic, value=record.value,
                                  key=record.key, partition=record.partition, offset=record.offset)


def _validation_reason(exc: ValidationError) -> str:
    errs = exc.errors(include_url=False)
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in errs[:5])


def parse_raw(record: RawRecord) -> RawOfferEnvelope | DeadLetter:
    if record.value is None:
        return dead_letter(record, "validate", "empty message value")
    try:
        return RawOfferEnvelope.model_validate_json(record.value)
    except ValidationError as exc:
        return dead_letter(record, "validate", _validation_reason(exc))


def enrich_record(record: RawRecord) -> Offer | DeadLetter:
    parsed = parse_raw(record)
    if isinstance(parsed, DeadLetter):
        return parsed
    try:
        return enrich(parsed)
    except EnrichmentError as exc:
        return dead_letter(record, "enrich", str(exc))
    except Exception as exc:  # a bug on one odd record must cost that record, not the batch
        log.exception("enrichment failed", key=record.key, offset=record.offset)
        return dead_letter(record, "enrich", f"{type(exc).__name__}: {exc}")


def parse_removal(record: RawRecord) -> OfferRemoval | DeadLetter:
    if record.value is None:
        return dead_letter(record, "validate", "empty removal value")
    try:
        removal = OfferRemoval.model_validate_json(record.value)
    except ValidationError as exc:
        return dead_letter(record, "validate", _validation_reason(exc))
    return removal


def parse_command(record: RawRecord) -> DedupCommand | DeadLetter:
    if record.value is None:
        return dead_letter(record, "dedup", "empty dedup command")
    try:
        return DedupCommand.model_validate_json(record.value)
    except ValidationError as exc:
        return dead_letter(record, "dedup", _validation_reason(exc))
