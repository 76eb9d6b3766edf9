"""One idempotent Kafka producer for every connector: keyed, with headers, delivery checked."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import structlog
from confluent_kafka import KafkaError, Message

from core.kafka import headers_for, make_producer, to_bytes
from schemas.events import OfferRemoval, RawOfferEnvelope
from schemas.topics import RAW_OFFERS, REMOVALS

log = structlog.get_logger(__name__)


class DeliveryError(RuntimeError):
    pass


class OfferPublisher:
    """Publishes raw envelopes and removals; ``flush()`` raises if any message was not acknowledged.

    A connector advances its checkpoint only after a successful ``flush()``, so a failure never skips
    offers (at-least-once; the keys make the rest idempotent).
    """

    def __init__(self, bootstrap: str, **producer_extra: Any) -> None:
        self._producer = make_producer(bootstrap, **producer_extra)
        self.published = 0
        self.failed: list[str] = []

    def _on_delivery(self, err: KafkaError | None, msg: Message) -> None:
        if err is not None:
            raw_key = msg.key()
            key = raw_key.decode() if isinstance(raw_key, bytes) else str(raw_key)
            self.failed.append(f"{key}: {err}")
        else:
            self.published += 1

    def _produce(
        self, topic: str, key: str, value: bytes | None, headers: list[tuple[str, str | bytes | None]]
    ) -> None:
        while True:
            try:
                self._producer.produce(topic, key=key.encode(), value=value, headers=headers,
                                       on_delivery=self._on_delivery)
                break
            except BufferError:  # local queue full: let deliveries drain, then retry
                self._producer.poll(0.5)
        self._producer.poll(0)

    def publish(self, envelope: RawOfferEnvelope) -> None:
        headers = headers_for(envelope, source=envelope.source.value, fetched_at=envelope.fetched_at.isoformat())
        self._produce(RAW_OFFERS.name, envelope.key, to_bytes(envelope), headers)

    def publish_removal(self, removal: OfferRemoval) -> None:
        headers = headers_for(removal, source=removal.source.value)
        self._produce(REMOVALS.name, removal.key, to_bytes(removal), headers)

    def flush(self, timeout: float = 30.0) -> int:
        """Wait for every delivery report; return how many messages were acknowledged so far."""
        remaining = self._producer.flush(timeout)
        if remaining:
            raise DeliveryError(f"{remaining} messages still undelivered after {timeout}s")
        if self.failed:
            failed, self.failed = self.failed, []
            raise DeliveryError(f"{len(failed)} messages failed: {failed[:5]}")
        return self.published

    def __enter__(self) -> OfferPublisher:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.flush()
