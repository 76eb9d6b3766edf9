"""`jobmarket replay` into a topic and into the warehouse, against a real broker: exact time bounds, and a
second replay changes nothing (the index mode and its alias switch are tests/test_rollout.py)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from core.settings import CommonSettings
from jobmarket.replay import ReplayOptions, run_replay
from producers.publisher import OfferPublisher
from producers.sample import envelopes as sample_envelopes
from schemas.topics import RAW_OFFERS
from tests.support.services import consume_all
from warehouse import open_warehouse
from warehouse.settings import Settings as WarehouseSettings

pytestmark = pytest.mark.slow


def _publish_one_by_one(bootstrap: str, start: int, count: int) -> set[str]:
    """One record per produce batch: the embedded broker reports a batch's end offset early (GUIDE §1)."""
    publisher = OfferPublisher(bootstrap)
    keys = set()
    for env in sample_envelopes(start, count, seed=5, now=datetime.now(UTC)):
        publisher.publish(env)
        publisher.flush()
        keys.add(env.source_id)
    return keys


def _keys(bootstrap: str, topic: str) -> list[str]:
    return [m.key().decode().rsplit(":", 1)[-1] for m in consume_all(bootstrap, topic, group="replay-modes-reader")]


def test_topic_and_warehouse_replays_respect_time_bounds_and_are_idempotent(
        private_broker: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", private_broker)
    monkeypatch.setenv("JOBMARKET_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("WAREHOUSE", raising=False)
    early = _publish_one_by_one(private_broker, 700_000, 6)
    time.sleep(1.2)  # record timestamps are milliseconds: a clear gap between the two groups
    cut = datetime.now(UTC)
    time.sleep(1.2)
    late = _publish_one_by_one(private_broker, 700_100, 5)
    settings, console = CommonSettings(), Console(quiet=True)

    # Into a topic: only the records at or after the cut, once, however many times it is replayed.
    for _ in range(2):
        run_replay(settings, ReplayOptions(topic=RAW_OFFERS.name, into="topic:replay-copy", from_time=cut), console)
    copied = _keys(private_broker, "replay-copy")
    assert sorted(copied) == sorted(late), (copied, late)

    # An upper bound too: the records before the cut only.
    run_replay(settings, ReplayOptions(topic=RAW_OFFERS.name, into="topic:replay-early", to_time=cut), console)
    assert sorted(_keys(private_broker, "replay-early")) == sorted(early)

    # Into the warehouse: every raw event is one row, and a second replay adds none.
    run_replay(settings, ReplayOptions(topic=RAW_OFFERS.name, into="warehouse"), console)
    with open_warehouse(WarehouseSettings()) as wh:
        first = wh.count("raw", "raw_offers")
    run_replay(settings, ReplayOptions(topic=RAW_OFFERS.name, into="warehouse"), console)
    with open_warehouse(WarehouseSettings()) as wh:
        assert first == wh.count("raw", "raw_offers") == len(early) + len(late)
