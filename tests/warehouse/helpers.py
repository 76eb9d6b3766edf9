"""Shared plumbing for the warehouse tests: brokers, publishing, settings, snapshots, normalisation."""

from __future__ import annotations

import datetime as dt
import subprocess
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from core.broker import start_tansu
from core.kafka import ensure_topics, make_producer, to_bytes
from schemas.events import Embedding, Offer, OfferRemoval, RawOfferEnvelope
from schemas.topics import ENRICHED_OFFERS, RAW_OFFERS, REMOVALS
from tests.conftest import free_port
from warehouse import Warehouse
from warehouse.settings import Backend, Settings
from warehouse.sink import SinkStats, WarehouseSink

RAW_TABLES = ("raw_offers", "raw_removals", "enriched_offers")
SILVER_TABLES = ("offers", "companies", "locations", "rome", "skills", "offer_skills", "offer_soft_skills")
GOLD_TABLES = ("fct_offers", "offers_by_contract", "top_companies", "top_domains", "offers_by_seniority",
               "top_cities", "top_skills", "soft_skills_by_rome", "daily_offers", "salary_by_rome_region")


@dataclass(frozen=True)
class FakesnowServer:
    host: str
    port: int
    log_path: Path


@contextmanager
def private_broker(tmp: Path) -> Iterator[str]:
    """A Tansu broker of one's own (< 100 ms to start): no other test's offers on its topics."""
    port = free_port()
    proc = start_tansu("127.0.0.1", port, tmp / f"tansu-{port}.log")
    bootstrap = f"127.0.0.1:{port}"
    try:
        ensure_topics(bootstrap)
        yield bootstrap
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()


# Quick group joins on Tansu, short batches, 4 dbt threads (fakesnow defaults to 1).
_TEST_DEFAULTS: dict[str, Any] = {"session_timeout_ms": 2000, "batch_timeout_ms": 300, "dbt_timeout_s": 300,
                                  "dbt_threads": 4}


def duckdb_settings(data_dir: Path, bootstrap: str, **extra: Any) -> Settings:
    return Settings(data_dir=data_dir, kafka_bootstrap_servers=bootstrap, backend=Backend.DUCKDB,
                    group_id=f"wh-test-{uuid.uuid4().hex[:8]}", **_TEST_DEFAULTS, **extra)


def snowflake_settings(data_dir: Path, bootstrap: str, server: FakesnowServer, database: str,
                       **extra: Any) -> Settings:
    return Settings(data_dir=data_dir, kafka_bootstrap_servers=bootstrap, backend=Backend.SNOWFLAKE,
                    snowflake_account="fakesnow", snowflake_user="fake", snowflake_password=SecretStr("snow"),
                    snowflake_host=server.host, snowflake_port=server.port, snowflake_protocol="http",
                    snowflake_database=database, snowflake_network_timeout_s=20,
                    group_id=f"wh-test-{uuid.uuid4().hex[:8]}", **_TEST_DEFAULTS, **extra)


def fake_embedding() -> Embedding:
    return Embedding(model="test-model", dim=3, values=[0.1, 0.2, 0.3])


def publish(bootstrap: str, *, raw: Iterable[RawOfferEnvelope] = (), removals: Iterable[OfferRemoval] = (),
            offers: Iterable[Offer] = (), tombstones: Iterable[str] = ()) -> None:
    """Publish like the producers and the worker do (same keys, same partitioner)."""
    producer = make_producer(bootstrap)
    for env in raw:
        producer.produce(RAW_OFFERS.name, key=env.key.encode(), value=to_bytes(env))
    for removal in removals:
        producer.produce(REMOVALS.name, key=removal.key.encode(), value=to_bytes(removal))
    for offer in offers:
        with_vector = offer.model_copy(update={"embedding": fake_embedding()})  # the sink must drop it
        producer.produce(ENRICHED_OFFERS.name, key=offer.id.encode(), value=to_bytes(with_vector))
    for offer_id in tombstones:
        producer.produce(ENRICHED_OFFERS.name, key=offer_id.encode(), value=None)
    assert producer.flush(30) == 0


def drain(settings: Settings, idle_s: float = 1.0) -> SinkStats:
    """Run the sink in-process until the topics stay idle ``idle_s`` seconds."""
    return WarehouseSink(settings).run(idle_exit_s=idle_s)


def normalise(value: Any) -> Any:
    """One representation per value whatever the backend returned (for cross-backend comparisons)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        return round(float(value), 4)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def rows(wh: Warehouse, schema: str, table: str, *, exclude: tuple[str, ...] = ()) -> list[tuple[Any, ...]]:
    """A table's rows, normalised and sorted, as tuples of (column, value) pairs."""
    out = []
    for row in wh.table(schema, table):
        out.append(tuple(sorted((k, normalise(v)) for k, v in row.items() if k not in exclude)))
    return sorted(out, key=repr)


def snapshot(wh: Warehouse, raw_schema: str = "raw") -> dict[str, list[tuple[Any, ...]]]:
    """Every table of every layer (for the replay check)."""
    snap = {f"raw.{t}": rows(wh, raw_schema, t) for t in RAW_TABLES}
    snap.update({f"silver.{t}": rows(wh, "silver", t) for t in SILVER_TABLES})
    snap.update({f"gold.{t}": rows(wh, "gold", t) for t in GOLD_TABLES})
    return snap


def gold(wh: Warehouse) -> dict[str, list[tuple[Any, ...]]]:
    # fct_offers.url etc. are plain values; published_at differs in nothing but its type per backend.
    return {t: rows(wh, "gold", t) for t in GOLD_TABLES}


def as_dict(wh: Warehouse, schema: str, table: str, key: str, value: str) -> dict[Any, Any]:
    return {normalise(r[key]): normalise(r[value]) for r in wh.table(schema, table)}
