"""Rehydration: an empty embedded broker gets the archived topics, records and group offsets back.

Run by ``jobmarket up`` each time the broker (memory only) has started, before any other service. Every
partition's records are written again in order, with their keys, headers and timestamps, so they get
the same offsets (an empty partition starts at 0); the consumer groups then get their committed
offsets back, so the worker, the API's indexer and the warehouse sink resume where they stopped:
nothing is processed, embedded or indexed twice, and the workers' tables recover from their
changelogs as they were.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import structlog
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from core.kafka import producer_config
from history.archive import Archive, Record, renumber
from history.archiver import GROUP_ID

log = structlog.get_logger(__name__)


@dataclass
class Summary:
    topics: int = 0
    records: int = 0
    groups: dict[str, int] = field(default_factory=dict)  # group → partitions whose offset was restored
    skipped: str | None = None  # why nothing was done


def _broker_has_records(admin: AdminClient, consumer: Consumer, topics: list[str]) -> bool:
    existing = admin.list_topics(timeout=10).topics
    for topic in topics:
        meta = existing.get(topic)
        if meta is None:
            continue
        for p in meta.partitions:
            if consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] > 0:
                return True
    return False


def _with_last(records: Iterator[Record]) -> Iterator[tuple[Record, bool]]:
    prev = next(records, None)
    for rec in records:
        assert prev is not None
        yield prev, False
        prev = rec
    if prev is not None:
        yield prev, True


def _produce(producer: Producer, rec: Record) -> None:
    while True:
        try:
            producer.produce(rec.topic, key=rec.key, value=rec.value, partition=rec.partition,
                             timestamp=rec.timestamp_ms, headers=list(rec.headers))
            return
        except BufferError:  # the local queue is full: let deliveries drain
            producer.poll(0.1)


def rehydrate(bootstrap: str, archive: Archive) -> Summary:
    """Puts the archive back into an empty broker; does nothing when the broker already holds records."""
    summary = Summary()
    topics = archive.topics()
    if not topics:
        summary.skipped = "the archive is empty"
        return summary
    admin = AdminClient({"bootstrap.servers": bootstrap})
    probe = Consumer({"bootstrap.servers": bootstrap, "group.id": "jobmarket-history-probe"})
    try:
        if _broker_has_records(admin, probe, list(topics)):
            summary.skipped = "the broker already holds records"
            return summary
    finally:
        probe.close()

    existing = admin.list_topics(timeout=10).topics
    missing = [NewTopic(t, num_partitions=n, replication_factor=1, config=cfg)
               for t, (n, cfg) in topics.items() if t not in existing]
    for future in (admin.create_topics(missing) if missing else {}).values():
        try:
            future.result()
        except Exception as exc:  # created meanwhile by a service: fine
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise
    summary.topics = len(topics)

    producer = Producer(producer_config(bootstrap, **{"linger.ms": 20, "queue.buffering.max.messages": 200_000}))
    failures: list[str] = []

    def on_delivery(err: object, _msg: object) -> None:
        if err is not None:
            failures.append(str(err))

    archived: dict[tuple[str, int], list[int]] = {}
    for topic, part in archive.partitions():
        archived[(topic, part)] = archive.offsets(topic, part)
        for rec, last in _with_last(archive.records(topic, part)):
            if last:
                # The embedded broker reports a partition's end as the first offset of its last batch + 1:
                # the last record goes alone, so the end is exact and the workers' table recovery complete.
                producer.flush(60)
            _produce(producer, rec)
            producer.poll(0)
            summary.records += 1
        producer.flush(60)
    if failures:
        raise RuntimeError(f"rehydration: {len(failures)} records not written: {failures[:3]}")
    for (topic, part), offs in archived.items():
        if offs and offs[-1] != len(offs) - 1:  # holes (compaction): the broker numbered them afresh
            archive.compact_offsets(topic, part)

    groups = archive.group_offsets()
    # The archiver's own group resumes after what it already holds (else it would archive it all again).
    groups[GROUP_ID] = {tp: offs[-1] + 1 for tp, offs in archived.items() if offs}
    for group, offsets in groups.items():
        commits = [TopicPartition(t, p, renumber(archived.get((t, p), []), o)) for (t, p), o in offsets.items()]
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
        try:
            consumer.commit(offsets=commits, asynchronous=False)
        finally:
            consumer.close()
        summary.groups[group] = len(commits)
    log.info("history rehydrated", topics=summary.topics, records=summary.records, groups=summary.groups)
    return summary
