"""Archive a real broker's topics and groups, lose the broker, rehydrate a new one: the same records at the
same offsets, the same committed offsets, and the archiver does not archive them a second time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from core.kafka import producer_config
from history.archive import Archive
from history.archiver import GROUP_ID, Archiver
from history.rehydrate import rehydrate
from schemas.topics import ENRICHED_OFFERS, RAW_OFFERS
from tests.conftest import tansu_broker

pytestmark = pytest.mark.slow
CHANGELOG = "jobmarket-worker-dedup-clusters-changelog"


def _read_all(bootstrap: str, topic: str, partitions: int) -> list[tuple[int, int, bytes | None, bytes | None,
                                                                       int, list[tuple[str, bytes]]]]:
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "reader", "enable.auto.commit": False})
    c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    out = []
    idle = 0
    while idle < 4:
        msg = c.poll(0.5)
        if msg is None:
            idle += 1
            continue
        assert msg.error() is None
        out.append((msg.partition(), msg.offset(), msg.key(), msg.value(), msg.timestamp()[1], msg.headers() or []))
    c.close()
    return sorted(out, key=lambda r: (r[0], r[1]))  # type: ignore[arg-type]


def _committed(bootstrap: str, group: str, tps: list[TopicPartition]) -> dict[tuple[str, int], int]:
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    got = {(tp.topic, tp.partition): tp.offset for tp in c.committed(tps, timeout=10)}
    c.close()
    return got


def _archive_until_caught_up(bootstrap: str, archive: Archive, expected: int) -> None:
    archiver = Archiver(bootstrap, archive, r"^jobmarket[.-]", snapshot_interval_s=0.2)
    stop = threading.Event()
    thread = threading.Thread(target=archiver.run, args=(stop,))
    thread.start()
    try:
        for _ in range(100):
            if archive.count() >= expected:
                break
            stop.wait(0.2)
    finally:
        stop.set()
        thread.join(20)
    assert archive.count() == expected


@pytest.fixture(scope="module")
def first_life(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Archive, list, list, dict]]:
    """A broker with records on two topics and a changelog, and a group that read part of them; archived."""
    archive = Archive(tmp_path_factory.mktemp("history") / "history.db")
    with tansu_broker(tmp_path_factory.mktemp("tansu-1")) as bootstrap:
        admin_p = Producer(producer_config(bootstrap))
        admin_p.produce(CHANGELOG, key=b"fp", value=b'{"members": 1}', partition=2)  # auto-created (4 partitions)
        for i in range(30):
            admin_p.produce(RAW_OFFERS.name, key=f"sample:{i}".encode(), value=f'{{"n": {i}}}'.encode(),
                            headers=[("source", b"sample")], timestamp=1_700_000_000_000 + i)
        admin_p.produce(ENRICHED_OFFERS.name, key=b"id-1", value=b'{"title": "a"}', headers=[("version", b"1")])
        admin_p.produce(ENRICHED_OFFERS.name, key=b"id-1", value=None, headers=[("version", b"2")])  # tombstone
        assert admin_p.flush(10) == 0
        raw = _read_all(bootstrap, RAW_OFFERS.name, 4)
        enriched = _read_all(bootstrap, ENRICHED_OFFERS.name, 4)
        # A consumer group that has read some of each raw partition.
        commits = [TopicPartition(RAW_OFFERS.name, p, 2) for p in range(4)]
        c = Consumer({"bootstrap.servers": bootstrap, "group.id": "jobmarket-worker", "enable.auto.commit": False})
        c.commit(offsets=commits, asynchronous=False)
        c.close()
        committed = _committed(bootstrap, "jobmarket-worker", commits)
        _archive_until_caught_up(bootstrap, archive, expected=33)
    yield archive, raw, enriched, committed
    archive.close()


def test_a_new_broker_gets_records_offsets_and_groups_back(first_life, tmp_path: Path) -> None:
    archive, raw, enriched, committed = first_life
    assert archive.group_offsets()["jobmarket-worker"] == committed
    with tansu_broker(tmp_path) as bootstrap:  # ensure_topics ran: the registered topics exist, empty
        summary = rehydrate(bootstrap, archive)
        assert summary.records == 33 and summary.skipped is None
        assert _read_all(bootstrap, RAW_OFFERS.name, 4) == raw  # same partitions, offsets, keys, headers, times
        back = _read_all(bootstrap, ENRICHED_OFFERS.name, 4)
        assert back == enriched and back[-1][3] is None  # the tombstone is still a tombstone
        assert [r[3] for r in _read_all(bootstrap, CHANGELOG, 4)] == [b'{"members": 1}']
        tps = [TopicPartition(RAW_OFFERS.name, p) for p in range(4)]
        assert _committed(bootstrap, "jobmarket-worker", tps) == committed
        # The end of each partition is exact (the embedded broker under-reports it after a batched write).
        probe = Consumer({"bootstrap.servers": bootstrap, "group.id": "probe"})
        ends = {p: probe.get_watermark_offsets(TopicPartition(RAW_OFFERS.name, p), timeout=5)[1] for p in range(4)}
        probe.close()
        assert ends == {p: sum(1 for r in raw if r[0] == p) for p in range(4)}

        again = rehydrate(bootstrap, archive)
        assert again.skipped == "the broker already holds records" and again.records == 0
        # The archiver resumes after what it holds: a new record is archived, the old ones not twice.
        p = Producer(producer_config(bootstrap))
        p.produce(RAW_OFFERS.name, key=b"sample:new", value=b"{}")
        assert p.flush(10) == 0
        _archive_until_caught_up(bootstrap, archive, expected=34)
        assert _committed(bootstrap, GROUP_ID, tps) != {}
