"""The archiver: copies every record of the stack's topics, and the consumer groups' offsets, to the archive.

It reads as its own consumer group, writes a batch to the archive, then commits: a crash re-reads at
most one batch, which the archive stores once (records are keyed by topic, partition and offset). On a
clean stop it runs after every other service has stopped (``jobmarket up`` stops it just before the
broker): it drains what is left and takes a last copy of the groups' offsets, so a stopped stack comes
back exactly as it was.
"""

from __future__ import annotations

import re
import signal
import threading
import time

import structlog
from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, Message
from confluent_kafka.admin import AdminClient

from history.archive import Archive, Record
from history.settings import Settings
from schemas.topics import TOPICS

log = structlog.get_logger(__name__)

GROUP_ID = "jobmarket-history"
BATCH = 500


def topic_config(topic: str) -> dict[str, str]:
    """What a topic is created with when it is put back: the registry's config, compaction for changelogs."""
    spec = TOPICS.get(topic)
    if spec is not None:
        return spec.kafka_config()
    return {"cleanup.policy": "compact"} if topic.endswith("-changelog") else {}


def to_record(msg: Message) -> Record:
    headers: list[tuple[str, bytes | None]] = []
    for item in msg.headers() or []:
        name, val = str(item[0]), item[1]
        headers.append((name, val if isinstance(val, bytes) or val is None else str(val).encode()))
    key, value = msg.key(), msg.value()
    return Record(topic=str(msg.topic()), partition=int(msg.partition() or 0), offset=int(msg.offset() or 0),
                  timestamp_ms=int(msg.timestamp()[1]),
                  key=key.encode() if isinstance(key, str) else key,
                  value=value.encode() if isinstance(value, str) else value, headers=headers)


class Archiver:
    def __init__(self, bootstrap: str, archive: Archive, topic_regex: str, snapshot_interval_s: float = 2.0) -> None:
        self.bootstrap = bootstrap
        self.archive = archive
        self.topic_regex = topic_regex if topic_regex.startswith("^") else f"^{topic_regex}"
        self.snapshot_interval_s = snapshot_interval_s
        self.archived = 0
        self._admin = AdminClient({"bootstrap.servers": bootstrap})
        self._known_topics: set[str] = set()

    def _consumer(self) -> Consumer:
        consumer = Consumer({
            "bootstrap.servers": self.bootstrap, "group.id": GROUP_ID, "enable.auto.commit": False,
            "auto.offset.reset": "earliest", "topic.metadata.refresh.interval.ms": 1000,
            "session.timeout.ms": 6000,
        })
        consumer.subscribe([self.topic_regex])
        return consumer

    def _archive_batch(self, consumer: Consumer, timeout: float) -> int:
        msgs = [m for m in consumer.consume(BATCH, timeout=timeout) if m.error() is None]
        if not msgs:
            return 0
        self.archived += self.archive.append(to_record(m) for m in msgs)
        consumer.commit(asynchronous=False)  # only once the batch is in the archive
        return len(msgs)

    def snapshot(self) -> None:
        """Copies the topics' shapes and every other group's committed offsets into the archive."""
        pattern = re.compile(self.topic_regex)
        topics = self._admin.list_topics(timeout=5).topics
        for name, meta in topics.items():
            if pattern.match(name) and name not in self._known_topics:
                self.archive.save_topic(name, len(meta.partitions), topic_config(name))
                self._known_topics.add(name)
        groups = self._admin.list_consumer_groups(request_timeout=5).result()
        for listing in groups.valid:
            if listing.group_id == GROUP_ID:
                continue
            futures = self._admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(listing.group_id)])
            for group, future in futures.items():
                result = future.result()
                offsets = {(str(tp.topic), int(tp.partition)): int(tp.offset) for tp in result.topic_partitions
                           if pattern.match(str(tp.topic))}
                if offsets:
                    self.archive.save_group_offsets(group, offsets)

    def run(self, stop: threading.Event, drain_idle_s: float = 0.5, drain_max_s: float = 2.5) -> None:
        consumer = self._consumer()
        next_snapshot = 0.0
        try:
            while not stop.is_set():
                self._archive_batch(consumer, timeout=0.2)
                if time.monotonic() >= next_snapshot:
                    try:
                        self.snapshot()
                    except Exception:  # the broker is restarting or slow: the next one will do
                        log.warning("history: offsets snapshot failed", exc_info=True)
                    next_snapshot = time.monotonic() + self.snapshot_interval_s
            # Stopping: the other services are down by now; take what they wrote last, then their offsets.
            deadline = time.monotonic() + drain_max_s
            idle_since = time.monotonic()
            while time.monotonic() < deadline and time.monotonic() - idle_since < drain_idle_s:
                if self._archive_batch(consumer, timeout=0.1):
                    idle_since = time.monotonic()
            self.snapshot()
            log.info("history archived", records=self.archived, path=str(self.archive.path))
        finally:
            consumer.close()


def run_archiver(settings: Settings | None = None) -> None:
    s = settings or Settings()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    archive = Archive(s.archive_path)
    try:
        log.info("history archiver running", path=str(s.archive_path), records=archive.count())
        Archiver(s.bootstrap_servers, archive, s.topic_regex, s.snapshot_interval_s).run(stop)
    finally:
        archive.close()
