"""Keeps an index fresh from the enriched topic: batched upserts, deletes on tombstones.

Offsets are committed only after the index accepted the batch (at-least-once); point ids are the
canonical offer ids, so a re-delivered batch overwrites itself: exactly-once in effect.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import structlog
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition
from pydantic import ValidationError

from schemas.events import Offer
from schemas.topics import ENRICHED_OFFERS
from vector_index.base import VectorIndex

log = structlog.get_logger(__name__)


@dataclass
class IndexerStats:
    upserted: int = 0
    deleted: int = 0
    skipped: int = 0
    batches: int = 0
    last_batch_at: float | None = None
    errors: list[str] = field(default_factory=list)


def apply_batch(index: VectorIndex, messages: list[Message], stats: IndexerStats) -> None:
    """Fold a batch into the index; the last message per key wins (compacted-topic semantics)."""
    latest: dict[str, Offer | None] = {}
    for msg in messages:
        raw_key = msg.key()
        key = raw_key.decode() if isinstance(raw_key, bytes) else raw_key
        value = msg.value()
        if value is None:
            if key:
                latest[key] = None
            continue
        try:
            offer = Offer.model_validate_json(value)
        except ValidationError as exc:
            # The worker only emits valid offers; anything else is logged and skipped, not fatal.
            stats.skipped += 1
            log.warning("skipping undecodable enriched record", key=key, error=str(exc)[:200])
            continue
        if offer.embedding is None or offer.embedding.dim != index.dim:
            stats.skipped += 1
            log.warning("skipping offer without a matching embedding", id=offer.id)
            continue
        latest[offer.id] = offer
    upserts = [o for o in latest.values() if o is not None]
    deletes = [k for k, o in latest.items() if o is None]
    index.upsert(upserts)
    index.delete(deletes)
    stats.upserted += len(upserts)
    stats.deleted += len(deletes)
    stats.batches += 1
    stats.last_batch_at = time.time()


class Indexer:
    """A background thread: consume → apply → commit. ``stop()`` finishes the batch in hand."""

    def __init__(self, index: VectorIndex, bootstrap: str, group_id: str, batch_size: int = 500,
                 poll_timeout_s: float = 0.2, optimize_every: int = 5000, fetch_max_wait_ms: int = 100) -> None:
        self.index = index
        self.stats = IndexerStats()
        self._batch_size = batch_size
        self._poll_timeout = poll_timeout_s
        self._optimize_every = optimize_every
        self._since_optimize = 0
        self._stop = threading.Event()
        self._consumer = Consumer({
            "bootstrap.servers": bootstrap,
            "group.id": group_id,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 1000,
            "fetch.wait.max.ms": fetch_max_wait_ms,  # see CommonSettings.kafka_fetch_max_wait_ms
        })
        self._thread = threading.Thread(target=self._run, name="indexer", daemon=True)

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        # An empty index (new or wiped data dir) must be rebuilt from the whole compacted topic,
        # whatever the group committed before.
        if self.index.count() == 0:
            for tp in partitions:
                tp.offset = -2  # OFFSET_BEGINNING
            consumer.assign(partitions)

    def start(self) -> None:
        self._consumer.subscribe([ENRICHED_OFFERS.name], on_assign=self._on_assign)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                # Wait for the first record only, then take what is already fetched: consume() alone
                # would hold every batch for its full timeout unless it filled up.
                first = self._consumer.poll(self._poll_timeout)
                msgs = [] if first is None else [first, *self._consumer.consume(self._batch_size - 1, timeout=0)]
            except Exception as exc:  # a broken connection is retried by librdkafka; keep polling
                self.stats.errors.append(str(exc))
                time.sleep(0.5)
                continue
            batch = []
            for m in msgs:
                err = m.error()
                if err is None:
                    batch.append(m)
                elif err.code() != KafkaError._PARTITION_EOF:
                    self.stats.errors.append(str(err))
                    log.warning("consumer error", error=str(err))
            if not batch:
                continue
            try:
                apply_batch(self.index, batch, self.stats)
            except Exception:
                # Not committed: stop here so the batch is re-delivered after a restart, never skipped.
                log.exception("index rejected a batch; indexer stops without committing it")
                self.stats.errors.append("index rejected a batch")
                self._stop.set()
                break
            try:
                self._consumer.commit(asynchronous=False)
            except KafkaException as exc:
                # Typically a rebalance under load took the partitions away: the new owner (or this
                # consumer, after rejoining) re-reads the batch, and upserts by id make that harmless.
                log.warning("offset commit failed; batch will be re-applied", error=str(exc))
                self.stats.errors.append(f"commit: {exc}")
            self._since_optimize += len(batch)
            if self._since_optimize >= self._optimize_every:
                self.index.optimize()
                self._since_optimize = 0
        self._consumer.close()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
