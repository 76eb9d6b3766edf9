"""The warehouse sink: raw, removal and enriched topics → the warehouse's raw and canonical layers.

A plain confluent-kafka consumer (group ``jobmarket-warehouse-sink``): it takes up to ``batch_size``
messages or ``batch_timeout_ms``, writes them as one batch (staging + MERGE per table), and only then
commits the batch's offsets. Killed at any moment, it resumes from the last commit and re-writes at
most one batch, which the MERGE keys turn into no-ops: nothing lost, nothing doubled.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import structlog
from confluent_kafka import Consumer, KafkaException, Message, TopicPartition

from core.kafka import ensure_topics
from schemas.events import VERSION_HEADER
from schemas.topics import ENRICHED_OFFERS, RAW_OFFERS, REMOVALS
from warehouse import open_warehouse
from warehouse.base import (
    Batch,
    EnrichedOfferRow,
    KafkaRef,
    RawOfferRow,
    RemovalRow,
    Warehouse,
    WriteStats,
)
from warehouse.settings import Settings

log = structlog.get_logger(__name__)
T = TypeVar("T")

TOPICS = (RAW_OFFERS.name, REMOVALS.name, ENRICHED_OFFERS.name)
# Offer fields that never reach the warehouse, and those left out of the change check (a re-enrichment
# that only moves enriched_at is not a change).
DROPPED_FIELDS = ("embedding",)
VOLATILE_FIELDS = ("enriched_at",)


def _parse_ts(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def _iso(ts: datetime | None) -> str:
    return ts.astimezone(UTC).isoformat() if ts else ""


def kafka_ref(msg: Message) -> KafkaRef:
    ts_type, ts_ms = msg.timestamp()
    key = msg.key()
    return KafkaRef(
        kafka_topic=msg.topic() or "",
        kafka_partition=int(msg.partition() or 0),
        kafka_offset=int(msg.offset() or 0),
        kafka_key=key.decode("utf-8", errors="replace") if isinstance(key, bytes) else key,
        kafka_timestamp=datetime.fromtimestamp(ts_ms / 1000, UTC) if ts_type and ts_ms and ts_ms > 0 else None,
    )


def _decode(value: bytes | None) -> tuple[Any, bool]:
    """(JSON value, parsed?) — undecodable bytes come back as text so the raw layer still keeps them."""
    if value is None:
        return None, False
    text = value.decode("utf-8", errors="replace")
    try:
        return json.loads(text), True
    except ValueError:
        return text, False


def _fallback_id(ref: KafkaRef) -> str:
    return f"{ref.kafka_topic}/{ref.kafka_partition}/{ref.kafka_offset}"


def raw_offer_row(msg: Message) -> RawOfferRow:
    """One raw event. Its id is the envelope's identity, so the same event published twice is one row."""
    ref = kafka_ref(msg)
    data, parsed = _decode(msg.value())
    env = data if parsed and isinstance(data, dict) else {}
    source, source_id = env.get("source"), env.get("source_id")
    fetched_at = _parse_ts(env.get("fetched_at"))
    payload = env.get("payload")
    valid = bool(isinstance(source, str) and source and source_id not in (None, "") and fetched_at
                 and isinstance(payload, dict))
    if valid:
        return RawOfferRow(event_id=f"{source}:{source_id}@{_iso(fetched_at)}", source=source,
                           source_id=str(source_id), schema_version=_int(env.get("schema_version")),
                           fetched_at=fetched_at, payload=payload, is_valid=True, kafka=ref)
    return RawOfferRow(event_id=_fallback_id(ref), source=source if isinstance(source, str) else None,
                       source_id=str(source_id) if source_id is not None else None,
                       schema_version=_int(env.get("schema_version")), fetched_at=fetched_at,
                       payload=payload if payload is not None else data, is_valid=False, kafka=ref)


def removal_row(msg: Message) -> RemovalRow:
    ref = kafka_ref(msg)
    data, parsed = _decode(msg.value())
    event = data if parsed and isinstance(data, dict) else {}
    source, source_id = event.get("source"), event.get("source_id")
    removed_at = _parse_ts(event.get("removed_at"))
    valid = bool(isinstance(source, str) and source and source_id not in (None, "") and removed_at)
    reason = event.get("reason")
    return RemovalRow(
        event_id=f"{source}:{source_id}@{_iso(removed_at)}" if valid else _fallback_id(ref),
        source=source if isinstance(source, str) else None,
        source_id=str(source_id) if source_id is not None else None,
        schema_version=_int(event.get("schema_version")), removed_at=removed_at,
        reason=reason if isinstance(reason, str) else None, event=data, is_valid=valid, kafka=ref,
    )


def record_hash(record: dict[str, Any]) -> str:
    stable = {k: v for k, v in record.items() if k not in VOLATILE_FIELDS}
    text = json.dumps(stable, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def header_version(msg: Message) -> int | None:
    """The ``version`` header (ASCII decimal) the merge stage sets on every enriched record, if usable."""
    headers = msg.headers() or []
    for name, value in headers.items() if isinstance(headers, dict) else headers:
        if name != VERSION_HEADER or value is None:
            continue
        text = value.decode("ascii", errors="replace") if isinstance(value, bytes) else str(value)
        version = _int(text.strip())
        if version is not None and version >= 0:
            return version
        log.warning("unreadable version header ignored", topic=msg.topic(), partition=msg.partition(),
                    offset=msg.offset(), value=text[:40])
    return None


def enriched_row(msg: Message) -> EnrichedOfferRow | None:
    """An enriched Offer (or a tombstone: null value) → a canonical row; None if it is unusable.

    Its version is the header's, else the record's ``version``, else 0 (a producer that sets none)."""
    ref = kafka_ref(msg)
    value = msg.value()
    version = header_version(msg)
    if value is None:
        if not ref.kafka_key:
            log.error("tombstone without a key skipped", topic=ref.kafka_topic, partition=ref.kafka_partition,
                      offset=ref.kafka_offset)
            return None
        return EnrichedOfferRow(offer_id=ref.kafka_key, record=None, record_hash=None, is_removed=True,
                                removed_at=ref.kafka_timestamp or datetime.now(UTC), kafka=ref,
                                version=version or 0)
    data, parsed = _decode(value)
    # The key is the compaction unit (tombstones carry nothing else); the record's id backs it up.
    offer_id = ref.kafka_key or (data.get("id") if parsed and isinstance(data, dict) else None)
    if not (parsed and isinstance(data, dict) and offer_id):
        log.error("unreadable enriched record skipped", topic=ref.kafka_topic, partition=ref.kafka_partition,
                  offset=ref.kafka_offset)
        return None
    record = {k: v for k, v in data.items() if k not in DROPPED_FIELDS}
    if version is None:
        version = max(_int(record.get("version")) or 0, 0)
    return EnrichedOfferRow(offer_id=str(offer_id), record=record, record_hash=record_hash(record),
                            is_removed=False, removed_at=None, kafka=ref, version=version)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def to_batch(messages: Sequence[Message]) -> Batch:
    batch = Batch()
    for msg in messages:
        topic = msg.topic()
        if topic == RAW_OFFERS.name:
            batch.raw_offers.append(raw_offer_row(msg))
        elif topic == REMOVALS.name:
            batch.removals.append(removal_row(msg))
        elif topic == ENRICHED_OFFERS.name:
            row = enriched_row(msg)
            if row is not None:
                batch.offers.append(row)
    return batch


def next_offsets(messages: Sequence[Message]) -> list[TopicPartition]:
    """The offsets to commit after ``messages``: last offset + 1 per partition."""
    last: dict[tuple[str, int], int] = {}
    for msg in messages:
        key = (msg.topic() or "", int(msg.partition() or 0))
        last[key] = max(last.get(key, -1), int(msg.offset() or 0))
    return [TopicPartition(t, p, o + 1) for (t, p), o in sorted(last.items())]


@dataclass
class SinkStats:
    batches: int = 0
    messages: int = 0
    written: int = 0
    commit_failures: int = 0


class WarehouseSink:
    def __init__(self, settings: Settings | None = None, warehouse: Warehouse | None = None,
                 topics: Sequence[str] = TOPICS) -> None:
        self.settings = settings or Settings()
        self.warehouse = warehouse or open_warehouse(self.settings)
        self.topics = list(topics)
        self.stats = SinkStats()
        self._since_request = 0
        self.consumer = Consumer({
            "bootstrap.servers": self.settings.bootstrap_servers,
            "group.id": self.settings.group_id,
            "client.id": "jobmarket-warehouse-sink",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",
            # Tansu holds a join ~half the session timeout (GUIDE §1): keep it short.
            "session.timeout.ms": self.settings.session_timeout_ms,
            "heartbeat.interval.ms": min(1000, self.settings.session_timeout_ms // 3),
            # A DuckDB build holds the warehouse for a while; the group must not evict us meanwhile.
            "max.poll.interval.ms": 900_000,
        })

    def _retry(self, fn: Callable[[], T], stop: threading.Event, what: str) -> T | None:
        """``fn()`` until it succeeds, backing off; None if asked to stop first. A sink that exits on a
        passing outage would take `jobmarket up` (honcho) down with it."""
        delay = 0.5
        while True:
            try:
                return fn()
            except Exception as exc:
                log.warning(f"{what} failed; retrying", error=str(exc)[:500], retry_in_s=delay)
                if stop.wait(delay):
                    return None
                delay = min(delay * 2, self.settings.retry_backoff_max_s)

    def _wait_for_topics(self, stop: threading.Event) -> None:
        # Idempotent; without it a sink started before the broker's topics exist would wait for
        # librdkafka's next metadata refresh (minutes) to see them.
        self._retry(lambda: ensure_topics(self.settings.bootstrap_servers), stop, "topic creation")

    def _write(self, batch: Batch, stop: threading.Event) -> WriteStats | None:
        """Write until the warehouse accepts the batch, or None if asked to stop first."""
        return self._retry(lambda: self.warehouse.write(batch), stop, "warehouse write")

    def step(self, stop: threading.Event | None = None) -> int:
        """Consume one batch, write it, commit it. Returns how many messages it handled."""
        stop = stop or threading.Event()
        messages = self.consumer.consume(num_messages=self.settings.batch_size,
                                         timeout=self.settings.batch_timeout_ms / 1000)
        good = []
        for msg in messages:
            if msg.error() is not None:
                log.warning("kafka error", error=str(msg.error()))
            else:
                good.append(msg)
        if not good:
            self._maybe_request_transform()
            return 0
        batch = to_batch(good)
        written = self._write(batch, stop)
        if written is None:
            return 0  # stopping: uncommitted, the next run re-reads this batch
        try:
            self.consumer.commit(offsets=next_offsets(good), asynchronous=False)
        except KafkaException as exc:  # e.g. a rebalance took the partition: the new owner re-writes, a no-op
            self.stats.commit_failures += 1
            log.warning("offset commit failed", error=str(exc))
        self.stats.batches += 1
        self.stats.messages += len(good)
        self.stats.written += written.total
        self._since_request += written.total
        log.debug("batch written", messages=len(good), raw=written.raw_offers, removals=written.removals,
                  offers=written.offers)
        return len(good)

    def _maybe_request_transform(self) -> None:
        """Caught up after a backfill: ask the periodic transform to build now rather than at its next tick."""
        if self._since_request >= self.settings.transform_after_rows:
            self.settings.transform_request_file.touch()
            log.info("backfill written; transform requested", rows=self._since_request)
            self._since_request = 0

    def run(self, stop: threading.Event | None = None, *, idle_exit_s: float | None = None) -> SinkStats:
        """Consume until ``stop`` is set (or, with ``idle_exit_s``, until nothing came for that long)."""
        stop = stop or threading.Event()
        self._wait_for_topics(stop)
        self._retry(self.warehouse.setup, stop, "warehouse setup")
        assigned = threading.Event()

        def on_assign(consumer: Consumer, partitions: list[TopicPartition]) -> None:
            assigned.set()
            log.info("partitions assigned", count=len(partitions))

        self.consumer.subscribe(self.topics, on_assign=on_assign)
        log.info("warehouse sink started", backend=self.warehouse.backend, topics=self.topics,
                 group=self.settings.group_id)
        idle_since = time.monotonic()
        try:
            while not stop.is_set():
                if self.step(stop):
                    idle_since = time.monotonic()
                elif idle_exit_s is not None:
                    idle_s = time.monotonic() - idle_since
                    # Idle alone is not enough: Tansu holds a join a few seconds, and under load the first
                    # fetch after it can take longer than idle_exit_s; exiting then would drain nothing.
                    if idle_s >= idle_exit_s and assigned.is_set() and self._caught_up():
                        break
                    if idle_s > 60:
                        raise TimeoutError("the sink read nothing for 60 s and has not caught up "
                                           f"(assigned: {assigned.is_set()})")
        finally:
            self.close()
        log.info("warehouse sink stopped", **vars(self.stats))
        return self.stats

    def _caught_up(self) -> bool:
        """Whether every assigned partition has been read up to its high watermark."""
        parts = self.consumer.assignment()
        if not parts:
            return False
        try:
            committed: dict[tuple[str, int], int] | None = None  # read only for a partition not yet consumed
            for tp in self.consumer.position(parts):
                # The watermarks of the last fetch response: no round trip (one would queue behind the
                # long-poll fetches); (-1001, -1001) until a fetch answered, i.e. not caught up.
                low, high = self.consumer.get_watermark_offsets(tp, cached=True)
                if high < 0:
                    return False
                # No position yet (nothing consumed): the committed offset, else the partition's start.
                at = tp.offset
                if at < 0:
                    if committed is None:
                        committed = {(c.topic, c.partition): c.offset
                                     for c in self.consumer.committed(parts, timeout=10)}
                    at = committed.get((tp.topic, tp.partition), -1)
                if max(at, low) < high:
                    return False
        except KafkaException as exc:  # a slow broker: ask again on the next idle turn
            log.debug("catch-up check failed", error=str(exc))
            return False
        return True

    def close(self) -> None:
        with contextlib.suppress(RuntimeError):  # already closed
            self.consumer.close()
        self.warehouse.close()


def run_sink(settings: Settings | None = None) -> None:
    """The `jobmarket warehouse-sink` process: runs until SIGINT/SIGTERM, then finishes its batch."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    WarehouseSink(settings).run(stop)
