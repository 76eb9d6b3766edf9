"""Producer test harness: read our records back from the shared topics, build settings and connectors."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from producers.checkpoints import CheckpointStore
from producers.http import HttpFetcher
from producers.publisher import OfferPublisher
from producers.run import build_connector
from producers.settings import AdzunaSettings, FranceTravailSettings, Settings
from schemas.events import Source


@dataclass(frozen=True)
class Record:
    key: str
    source: str
    source_id: str
    value: dict[str, Any]
    timestamp_ms: int


def read_topic(bootstrap: str, topic: str, *, source: str, since_ms: int = 0, expect: set[str] | None = None,
               idle_s: float = 0.4, max_s: float = 30.0) -> list[Record]:
    """Our records of ``topic`` (this source, produced at or after ``since_ms``), from the beginning.

    Partitions are assigned directly (no consumer group, whose join Tansu holds for seconds). Reading stops
    once every ``expect``ed id was seen and the topic stayed idle ``idle_s`` (so duplicates would show), or
    after ``max_s``. The topic is shared by the whole session: filter by source, ids and time, never totals.
    """
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"producers-tests-{time.monotonic_ns()}",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 50})
    meta = consumer.list_topics(topic, timeout=10).topics[topic]
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in meta.partitions])
    out: list[Record] = []
    seen: set[str] = set()
    deadline = time.monotonic() + max_s
    last = time.monotonic()
    prefix = f"{source}:"
    try:
        while time.monotonic() < deadline:
            msgs = consumer.consume(2000, timeout=0.1)
            good = [m for m in msgs if m.error() is None]
            if good:
                last = time.monotonic()
            for m in good:
                key = (m.key() or b"").decode()
                if not key.startswith(prefix) or m.timestamp()[1] < since_ms:
                    continue
                sid = key[len(prefix):]
                if expect is not None and sid not in expect:
                    continue
                raw = m.value()
                value = json.loads(raw) if raw is not None else {}
                out.append(Record(key, source, sid, value, m.timestamp()[1]))
                seen.add(sid)
            complete = expect is None or expect <= seen
            if complete and time.monotonic() - last >= idle_s:
                break
    finally:
        consumer.close()
    return out


def now_ms() -> int:
    return int(time.time() * 1000)


def producer_settings(tmp_path: Path, bootstrap: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "JOBMARKET_DATA_DIR": str(tmp_path / "data"),
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "http_backoff_initial_s": 0.01,
        "http_backoff_max_s": 0.05,
        "http_max_attempts": 4,
        "http_timeout_s": 5.0,
        "lookback_s": 60.0,
        "flush_timeout_s": 20.0,
    }
    values.update(overrides)
    return Settings(**values)


def ft_settings(base_url: str, **overrides: Any) -> FranceTravailSettings:
    values: dict[str, Any] = {
        "client_id": "ft-client", "client_secret": "ft-secret",
        "token_url": f"{base_url}/connexion/oauth2/access_token?realm=/partenaire",
        "api_url": f"{base_url}/partenaire/offresdemploi", "requests_per_second": 0,
        "backfill_days": 31, "reconcile_interval_s": 3600,
    }
    values.update(overrides)
    return FranceTravailSettings(**values)


def az_settings(base_url: str, **overrides: Any) -> AdzunaSettings:
    values: dict[str, Any] = {"app_id": "az-id", "app_key": "az-key", "api_url": f"{base_url}/v1/api",
                              "requests_per_second": 0, "max_days_old": 30, "reconcile_interval_s": 3600}
    values.update(overrides)
    return AdzunaSettings(**values)


@dataclass
class Wired:
    connector: Any
    fetcher: HttpFetcher
    store: CheckpointStore

    def checkpoint(self) -> dict[str, Any]:
        return self.store.load(self.connector.source.value)


def wire(source: Source, settings: Settings, publisher: OfferPublisher, stop: threading.Event | None = None) -> Wired:
    """A connector wired exactly as ``jobmarket produce`` wires it (each call: a fresh "process")."""
    store = CheckpointStore(settings.data_dir / "checkpoints")
    connector, fetcher = build_connector(source, settings, publisher, store, stop or threading.Event())
    return Wired(connector, fetcher, store)
