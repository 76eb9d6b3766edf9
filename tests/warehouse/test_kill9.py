"""Kill -9 the sink process mid-stream and restart it: the warehouse ends with every event exactly once."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition

from schemas.topics import ENRICHED_OFFERS, RAW_OFFERS
from tests.support.services import service, wait_until
from tests.warehouse.fixtures_data import make_dataset
from tests.warehouse.helpers import duckdb_settings, private_broker, publish
from warehouse import open_warehouse

pytestmark = pytest.mark.slow


def committed(bootstrap: str, group: str) -> int:
    """Messages the sink's group has committed so far (read from the broker, not from the warehouse)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        parts = [TopicPartition(t, p) for t in (RAW_OFFERS.name, ENRICHED_OFFERS.name) for p in range(4)]
        return sum(max(tp.offset, 0) for tp in consumer.committed(parts, timeout=5))
    finally:
        consumer.close()


def test_sink_survives_kill_9_without_loss_or_doubles(tmp_path: Path) -> None:
    ds = make_dataset(2000)
    total = len(ds.raw) + len(ds.offers) + len(ds.removed_ids)
    with private_broker(tmp_path) as bootstrap:
        publish(bootstrap, raw=ds.raw, offers=ds.offers, tombstones=ds.removed_ids)
        settings = duckdb_settings(tmp_path, bootstrap)
        env = {"WAREHOUSE": "duckdb", "JOBMARKET_DATA_DIR": str(tmp_path), "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
               "WAREHOUSE_GROUP_ID": settings.group_id, "WAREHOUSE_BATCH_SIZE": "25",
               "WAREHOUSE_BATCH_TIMEOUT_MS": "100", "WAREHOUSE_SESSION_TIMEOUT_MS": "2000", "LOG_LEVEL": "WARNING"}

        with service(["warehouse-sink"], env, tmp_path / "sink-1.log") as proc:
            wait_until(lambda: committed(bootstrap, settings.group_id) > 0, timeout=60, interval=0.02,
                       what="a first committed batch")
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)

        with open_warehouse(settings) as wh:
            written_before_kill = wh.count("raw", "raw_offers") + wh.count("raw", "enriched_offers")
        assert 0 < written_before_kill < len(ds.raw) + len(ds.offers), "the kill did not land mid-stream"
        assert committed(bootstrap, settings.group_id) < total

        with service(["warehouse-sink"], env, tmp_path / "sink-2.log"):
            wait_until(lambda: committed(bootstrap, settings.group_id) == total, timeout=90, interval=0.5,
                       what="every message committed")

        with open_warehouse(settings) as wh:
            assert wh.count("raw", "raw_offers") == len(ds.raw)
            assert wh.query("select count(distinct event_id) as n from raw.raw_offers")[0]["n"] == len(ds.raw)
            assert {r["offer_id"] for r in wh.table("raw", "enriched_offers")} == {o.id for o in ds.offers}
            assert wh.count("raw", "enriched_offers") == len(ds.offers)
            removed = {r["offer_id"] for r in wh.query("select offer_id from raw.enriched_offers where is_removed")}
            assert removed == set(ds.removed_ids)
