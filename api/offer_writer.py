"""Publishes the API's offer writes on the raw and removals topics, waiting for the broker's ack."""

from __future__ import annotations

import contextlib
import threading

from producers.publisher import DeliveryError, OfferPublisher
from schemas.events import OfferRemoval, RawOfferEnvelope

__all__ = ["DeliveryError", "OfferWriter"]


class OfferWriter:
    """One idempotent producer (same keys and partitioner as the connectors) shared by the API's requests.

    Each write is flushed before the request answers, so a 2xx means the event is in the log. A write the
    broker did not acknowledge within ``timeout_s`` raises ``DeliveryError`` (the message times out in the
    client too, so it cannot land later behind the client's back).
    """

    def __init__(self, bootstrap: str, timeout_s: float) -> None:
        self._bootstrap = bootstrap
        self._timeout_s = timeout_s
        self._lock = threading.Lock()  # one write at a time: a failure is reported to the request that made it
        self._publisher: OfferPublisher | None = None

    def _producer(self) -> OfferPublisher:
        if self._publisher is None:
            self._publisher = OfferPublisher(self._bootstrap, **{"message.timeout.ms": int(self._timeout_s * 1000)})
        return self._publisher

    def publish(self, envelope: RawOfferEnvelope) -> None:
        with self._lock:
            publisher = self._producer()
            publisher.publish(envelope)
            publisher.flush(self._timeout_s + 2)

    def remove(self, removal: OfferRemoval) -> None:
        with self._lock:
            publisher = self._producer()
            publisher.publish_removal(removal)
            publisher.flush(self._timeout_s + 2)

    def close(self) -> None:
        with self._lock:
            if self._publisher is not None:
                with contextlib.suppress(DeliveryError):  # every write was answered; nothing waits on these
                    self._publisher.flush(self._timeout_s)
                self._publisher = None
