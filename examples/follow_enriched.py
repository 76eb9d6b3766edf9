"""Example downstream consumer: follow JobMarket's canonical offers from a given time.

Keeps a local view of the live offers (id → title, city, version) the way every consumer of
``jobmarket.offers.enriched.v1`` should:

- the key is the canonical offer id; a record with a null value (tombstone) removes that offer;
- the ``version`` header orders the records of one id: keep the highest, ignore anything older
  (offsets are not an order: they restart when a topic is re-created);
- unknown fields and unknown enum values are ignored (the contract only grows within ``v1``).

Only needs ``confluent-kafka`` (2.x; tested with 2.16). Run it next to ``jobmarket up``:

    python examples/follow_enriched.py --bootstrap 127.0.0.1:9092 --from-time 2026-11-30T00:00:00+00:00

It prints one JSON line per change it applies (``{"op": "upsert"|"remove", ...}``) and, with
``--exit-when-idle S``, exits after S seconds without a record, printing the final view.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from datetime import datetime
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, TopicPartition

TOPIC = "jobmarket.offers.enriched.v1"


def version_of(headers: list[tuple[str, bytes | None]] | None, value: dict[str, Any] | None) -> int:
    for name, raw in headers or []:
        if name == "version" and raw:
            return int(raw)
    return int((value or {}).get("version", 0))


class LiveOffers:
    def __init__(self) -> None:
        self.offers: dict[str, dict[str, Any]] = {}
        self.versions: dict[str, int] = {}  # also remembers removed ids, so a late older record stays dropped

    def apply(self, key: str, value: dict[str, Any] | None, version: int) -> dict[str, Any] | None:
        if version < self.versions.get(key, -1):
            return None  # older than what we already applied
        self.versions[key] = version
        if value is None:
            return {"op": "remove", "id": key, "version": version} if self.offers.pop(key, None) else None
        self.offers[key] = {"title": value.get("title"), "city": value.get("city"), "version": version}
        return {"op": "upsert", "id": key, "version": version, "title": value.get("title")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bootstrap", default="127.0.0.1:9092")
    ap.add_argument("--from-time", type=datetime.fromisoformat, help="ISO 8601 with offset; default: the beginning")
    ap.add_argument("--group", default=None, help="consumer group (default: a fresh one, nothing shared)")
    ap.add_argument("--exit-when-idle", type=float, default=None, metavar="S")
    args = ap.parse_args()

    consumer = Consumer({"bootstrap.servers": args.bootstrap, "group.id": args.group or f"example-{uuid.uuid4().hex}",
                         "enable.auto.commit": True, "auto.offset.reset": "earliest"})
    partitions = sorted(consumer.list_topics(TOPIC, timeout=10).topics[TOPIC].partitions)
    since_ms = int(args.from_time.timestamp() * 1000) if args.from_time else None
    if since_ms is None:
        starts = [TopicPartition(TOPIC, p, OFFSET_BEGINNING) for p in partitions]
    else:
        # offsets_for_times is a lower bound on some brokers (the embedded one answers 0): filter below too.
        starts = consumer.offsets_for_times([TopicPartition(TOPIC, p, since_ms) for p in partitions], timeout=10)
    consumer.assign(starts)
    view = LiveOffers()
    idle_since = time.monotonic()
    try:
        while True:
            msg = consumer.poll(0.5)
            if msg is None:
                if args.exit_when_idle is not None and time.monotonic() - idle_since > args.exit_when_idle:
                    break
                continue
            if msg.error():
                raise KafkaException(msg.error())
            idle_since = time.monotonic()
            if since_ms is not None and msg.timestamp()[1] < since_ms:
                continue
            raw = msg.value()
            value = json.loads(raw) if raw is not None else None
            key = (msg.key() or b"").decode()
            change = view.apply(key, value, version_of(msg.headers(), value))  # type: ignore[arg-type]
            if change:
                print(json.dumps(change, ensure_ascii=False), flush=True)
    finally:
        consumer.close()
    print(json.dumps({"op": "final", "live": view.offers}, ensure_ascii=False), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
