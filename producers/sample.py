"""The offline feed: the project's own generated offers, published like a real connector would."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import structlog

from producers.checkpoints import CheckpointStore
from producers.publisher import OfferPublisher
from producers.sample_feed import generate_offers
from schemas.events import RawOfferEnvelope, Source

log = structlog.get_logger(__name__)

CHECKPOINT = "sample"


def envelopes(start_index: int, count: int, seed: int, now: datetime) -> list[RawOfferEnvelope]:
    return [
        RawOfferEnvelope(source=Source.SAMPLE, source_id=str(p["id"]), fetched_at=now, payload=p)
        for p in generate_offers(count, seed=seed, start_index=start_index, now=now)
    ]


class Pacer:
    """Spreads publications at ``rate`` per second (None: as fast as possible)."""

    def __init__(self, rate: float | None) -> None:
        self._interval = 1.0 / rate if rate else 0.0
        self._next = time.monotonic()

    def wait(self) -> None:
        if not self._interval:
            return
        self._next += self._interval
        delay = self._next - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def publish_sample(
    publisher: OfferPublisher,
    store: CheckpointStore,
    *,
    count: int,
    seed: int,
    rate: float | None = None,
) -> int:
    """Publish the next ``count`` generated offers; the cursor is saved only after a successful flush."""
    state = store.load(CHECKPOINT)
    start = int(state.get("next_index", 0)) if state.get("seed") == seed else 0
    pacer = Pacer(rate)
    batch = envelopes(start, count, seed, datetime.now(UTC))
    for env in batch:
        pacer.wait()
        publisher.publish(env)
    publisher.flush()
    store.save(CHECKPOINT, {"seed": seed, "next_index": start + len(batch),
                            "updated_at": datetime.now(UTC).isoformat()})
    log.info("sample offers published", count=len(batch), first_index=start)
    return len(batch)
