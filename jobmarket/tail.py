"""``jobmarket tail``: a topic's records as JSON lines, for people and scripts.

It reads without a consumer group (nothing is committed, no other reader is disturbed). A start time is
exact on every broker: ``offsets_for_times`` only gives a lower bound (the embedded broker answers 0),
and records older than the bound are filtered here by their timestamp.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Message, TopicPartition


@dataclass(frozen=True)
class TailOptions:
    topic: str
    from_time: datetime | None = None
    key: str | None = None
    follow: bool = False
    max_records: int | None = None
    # Without --follow: stop once every partition has reached the end seen at start and nothing new came
    # for this long (the embedded broker under-reports the end of a partition, so the end alone is not enough).
    idle_s: float = 1.0


def record_json(msg: Message) -> dict[str, Any]:
    """One record as a JSON-ready dict: parsed value (``null`` for a tombstone), text key and headers."""
    raw = msg.value()
    value: Any
    if raw is None:
        value = None
    else:
        try:
            value = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            value = {"_not_json_b64": base64.b64encode(raw).decode("ascii")}
    key = msg.key()
    ts = msg.timestamp()[1]
    headers: dict[str, str | None] = {}
    for item in msg.headers() or []:
        name, val = str(item[0]), item[1]
        headers[name] = val.decode("utf-8", errors="replace") if isinstance(val, bytes) else val
    return {
        "topic": msg.topic(), "partition": msg.partition(), "offset": msg.offset(),
        "timestamp": datetime.fromtimestamp(ts / 1000, UTC).isoformat(timespec="milliseconds") if ts > 0 else None,
        "key": key.decode("utf-8", errors="replace") if isinstance(key, bytes) else key,
        "headers": headers,
        "value": value,
    }


def _start_positions(consumer: Consumer, topic: str, from_time: datetime | None) -> list[TopicPartition]:
    meta = consumer.list_topics(topic, timeout=10).topics.get(topic)
    if meta is None or meta.error is not None or not meta.partitions:
        raise KafkaException(f"no such topic: {topic}")
    partitions = sorted(meta.partitions)
    if from_time is None:
        return [TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions]
    ms = int(from_time.timestamp() * 1000)
    found = consumer.offsets_for_times([TopicPartition(topic, p, ms) for p in partitions], timeout=10)
    # A negative answer means "no record at or after the time": start at the end then (-1 = OFFSET_END).
    return [TopicPartition(topic, tp.partition, tp.offset if tp.offset >= 0 else -1) for tp in found]


def iter_records(bootstrap: str, opts: TailOptions, stop: Callable[[], bool] = lambda: False,
                 ) -> Iterator[dict[str, Any]]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"jobmarket-tail-{uuid.uuid4().hex}",
                         "enable.auto.commit": False, "enable.partition.eof": False})
    try:
        starts = _start_positions(consumer, opts.topic, opts.from_time)
        ends = {tp.partition: consumer.get_watermark_offsets(tp, timeout=10)[1] for tp in starts}
        consumer.assign(starts)
        since_ms = int(opts.from_time.timestamp() * 1000) if opts.from_time else None
        position = {tp.partition: -1 for tp in starts}
        count = 0
        last_record = time.monotonic()
        while not stop():
            msg = consumer.poll(0.2)
            if msg is None:
                caught_up = all(position[p] + 1 >= end for p, end in ends.items())
                if not opts.follow and caught_up and time.monotonic() - last_record >= opts.idle_s:
                    return
                continue
            if msg.error():
                raise KafkaException(msg.error())
            last_record = time.monotonic()
            position[msg.partition() or 0] = msg.offset() or 0
            if since_ms is not None and msg.timestamp()[1] < since_ms:
                continue
            record = record_json(msg)
            if opts.key is not None and record["key"] != opts.key:
                continue
            yield record
            count += 1
            if opts.max_records is not None and count >= opts.max_records:
                return
    finally:
        consumer.close()
