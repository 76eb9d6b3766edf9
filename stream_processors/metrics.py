"""Prometheus metrics of one enrichment worker, and consumer lag read exactly from the broker.

The worker serves its own registry (tests build many apps in one process) on ``WORKER_METRICS_PORT``:
records processed, dead letters and batch durations per stage (``route``, ``merge``), offers embedded,
and its consumer group's lag per partition, read from the broker at scrape time. ``jobmarket status``
reads the lag of every group with the same functions.

Lag of a partition = high watermark - committed offset (the next record the group will read). A
partition the group never committed is read from the earliest record (every consumer of the stack
uses ``auto.offset.reset=earliest``), so its lag is high - low. On Tansu the high watermark of a topic
written in multi-record batches is reported early (GUIDE §1): lag there is a lower bound, exact for the
worker's outputs (one record per batch).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass

import structlog
from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient
from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = structlog.get_logger(__name__)

STAGES = ("route", "merge")
_BATCH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

Partition = tuple[str, int]  # (topic, partition)


@dataclass(frozen=True)
class PartitionLag:
    group: str
    topic: str
    partition: int
    committed: int | None  # None: the group never committed this partition
    end: int  # high watermark
    lag: int


def partition_lags(committed: Mapping[str, Mapping[Partition, int | None]],
                   watermarks: Mapping[Partition, tuple[int, int]], inputs: Collection[str] = ()) -> list[PartitionLag]:
    """Lag of every (group, topic, partition), sorted. Pure.

    ``committed``: group -> (topic, partition) -> committed offset (None or negative: none). Every
    partition of a topic the group committed on counts, not only the committed ones: ``watermarks``
    ((topic, partition) -> (low, high)) says which exist. A committed offset under the low watermark
    (records deleted by retention) reads from the low one; one past the high (a topic re-created
    empty) has no lag. ``inputs`` count for every group even before its first commit on them (a
    group stuck before committing anything would otherwise show no lag at all).
    """
    out: list[PartitionLag] = []
    for group, offsets in committed.items():
        topics = {t for t, _ in offsets} | set(inputs)
        for (topic, partition), (low, high) in watermarks.items():
            if topic not in topics:
                continue
            offset = offsets.get((topic, partition))
            position = offset if offset is not None and offset >= 0 else None
            start = low if position is None else max(position, low)
            out.append(PartitionLag(group, topic, partition, position, high, max(0, high - start)))
    return sorted(out, key=lambda p: (p.group, p.topic, p.partition))


def group_totals(lags: list[PartitionLag]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for p in lags:
        totals[p.group] = totals.get(p.group, 0) + p.lag
    return totals


class BrokerReader:
    """Committed offsets and watermarks from one broker; clients made once and reused (scrapes repeat)."""

    def __init__(self, bootstrap: str, timeout_s: float = 2.0) -> None:
        self.timeout_s = timeout_s
        self._admin = AdminClient({"bootstrap.servers": bootstrap})
        # A consumer that never subscribes: it only asks for watermarks (no group join, no commit).
        self._consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "jobmarket-lag-reader",
                                   "enable.auto.commit": False})
        self._lock = threading.Lock()  # librdkafka handles are thread-safe, but one scrape at a time is plenty

    def groups(self) -> list[str]:
        listed = self._admin.list_consumer_groups(request_timeout=self.timeout_s).result()
        return sorted(g.group_id for g in listed.valid)

    def committed(self, group: str) -> dict[Partition, int | None]:
        futures = self._admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)],
                                                          request_timeout=self.timeout_s)
        result = futures[group].result()
        return {(str(tp.topic), int(tp.partition)): int(tp.offset) for tp in result.topic_partitions or []}

    def watermarks(self, topics: set[str]) -> dict[Partition, tuple[int, int]]:
        meta = self._admin.list_topics(timeout=self.timeout_s).topics
        out: dict[Partition, tuple[int, int]] = {}
        for topic in sorted(topics & set(meta)):
            for p in sorted(meta[topic].partitions):
                low, high = self._consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=self.timeout_s)
                out[(topic, p)] = (int(low), int(high))
        return out

    def lags(self, groups: list[str] | None = None, inputs: Collection[str] = ()) -> list[PartitionLag]:
        with self._lock:
            names = self.groups() if groups is None else groups
            committed = {g: self.committed(g) for g in names}
            marks = self.watermarks({t for offsets in committed.values() for t, _ in offsets} | set(inputs))
            return partition_lags(committed, marks, inputs)

    def record_count(self, topic: str) -> int:
        """Records currently held by ``topic`` (high - low per partition)."""
        with self._lock:
            return sum(high - low for low, high in self.watermarks({topic}).values())

    def close(self) -> None:
        self._consumer.close()


def lazy_lags(bootstrap: str, groups: list[str], timeout_s: float = 2.0,
              inputs: Collection[str] = ()) -> Callable[[], list[PartitionLag]]:
    """``groups``' lag (on ``inputs`` too), read through a BrokerReader made at the first call (a scrape),
    not at import."""
    reader: list[BrokerReader] = []

    def read() -> list[PartitionLag]:
        if not reader:
            reader.append(BrokerReader(bootstrap, timeout_s))
        return reader[0].lags(groups, inputs)

    return read


class LagCollector(Collector):
    """``jobmarket_consumer_lag{group,topic,partition}``, read from the broker at scrape time; a broker
    that does not answer yields no lag series and ``jobmarket_consumer_lag_up 0``."""

    def __init__(self, read: Callable[[], list[PartitionLag]]) -> None:
        self._read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("jobmarket_consumer_lag_up", "1 when the last lag read from the broker succeeded.")
        try:
            lags = self._read()
        except Exception as exc:  # a scrape must answer even while the broker restarts
            log.warning("consumer lag unavailable", error=repr(exc)[:300])
            up.add_metric([], 0.0)
            yield up
            return
        family = GaugeMetricFamily("jobmarket_consumer_lag", "Records not yet consumed (high watermark - "
                                   "committed offset).", labels=["group", "topic", "partition"])
        for p in lags:
            family.add_metric([p.group, p.topic, str(p.partition)], float(p.lag))
        up.add_metric([], 1.0)
        yield family
        yield up


class WorkerMetrics:
    def __init__(self, lag: Callable[[], list[PartitionLag]] | None = None) -> None:
        self.registry = r = CollectorRegistry()
        self.processed = Counter("jobmarket_worker_records_processed", "Records consumed and processed, per stage "
                                 "(rate() gives records/s).", ["stage"], registry=r)
        self.dead_letters = Counter("jobmarket_worker_dead_letters", "Records sent to the dead-letter topic.",
                                    ["stage"], registry=r)
        self.batch_seconds = Histogram("jobmarket_worker_batch_duration_seconds", "Time to process one batch, "
                                       "delivery included.", ["stage"], buckets=_BATCH_BUCKETS, registry=r)
        self.embedded = Counter("jobmarket_worker_offers_embedded", "Texts sent to the embedding model.", registry=r)
        self.published = Counter("jobmarket_worker_offers_published", "Merged offers (kind=offer) and tombstones "
                                 "published to the enriched topic.", ["kind"], registry=r)
        for stage in STAGES:  # series exist from the start: rate() and status see 0, not "absent"
            self.processed.labels(stage)
            self.dead_letters.labels(stage)
        for kind in ("offer", "tombstone"):
            self.published.labels(kind)
        if lag is not None:
            r.register(LagCollector(lag))

    def batch(self, stage: str, records: int, dead: int, seconds: float) -> None:
        self.processed.labels(stage).inc(records)
        self.dead_letters.labels(stage).inc(dead)
        self.batch_seconds.labels(stage).observe(seconds)

    def merged(self, embedded: int, offers: int, tombstones: int) -> None:
        self.embedded.inc(embedded)
        self.published.labels("offer").inc(offers)
        self.published.labels("tombstone").inc(tombstones)

    def serve(self, port: int, host: str = "127.0.0.1") -> bool:
        """Serve ``/metrics`` from a daemon thread; False (logged) when ``port`` is 0 or already taken,
        e.g. by a second worker on this host: metrics are worth a warning, never a crash."""
        if port <= 0:
            return False
        try:
            start_http_server(port, addr=host, registry=self.registry)
        except OSError as exc:
            log.warning("worker metrics not served: port unavailable", port=port, error=str(exc))
            return False
        log.info("metrics served", url=f"http://{host}:{port}/metrics")
        return True
