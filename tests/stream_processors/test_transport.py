"""The worker's consumer: the configured fetch wait (faust hard-codes 1500 ms), and no skipped record."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiokafka import TopicPartition as AIOKafkaTP
from faust.transport.consumer import Consumer as FaustConsumer
from faust.transport.drivers import aiokafka as driver
from faust.types import TP

from stream_processors.app import create_app
from stream_processors.settings import Settings
from stream_processors.transport import MAX_REWINDS, _Consumer


def test_worker_consumer_uses_configured_fetch_wait(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBMARKET_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")  # never contacted: the consumer is not started
    monkeypatch.setenv("KAFKA_FETCH_MAX_WAIT_MS", "42")

    async def build() -> int:
        app = create_app(Settings())
        consumer = app.consumer._thread._create_worker_consumer(app.transport)  # type: ignore[attr-defined]
        try:
            return int(consumer._fetch_max_wait_ms)
        finally:
            await consumer.stop()

    assert asyncio.run(build()) == 42


class _Msg:
    def __init__(self, offset: int) -> None:
        self.offset = offset


class _Thread:
    def __init__(self) -> None:
        self.seeks: list[tuple[object, int]] = []

    def seek(self, tp: object, offset: int) -> None:
        self.seeks.append((tp, offset))


def _guard(monkeypatch: pytest.MonkeyPatch, fetches: list[list[tuple[TP, int]]]) -> _Consumer:
    """A `_Consumer` without faust's machinery: the parent's `getmany` replays the given fetches."""
    batches = iter(fetches)

    async def parent_getmany(self: object, timeout: float) -> AsyncIterator[tuple[TP, _Msg]]:
        for tp, offset in next(batches):
            yield tp, _Msg(offset)

    monkeypatch.setattr(driver.Consumer, "getmany", parent_getmany)
    consumer = _Consumer.__new__(_Consumer)
    consumer.app = SimpleNamespace(contiguous_topics=frozenset({"raw"}))  # type: ignore[assignment]
    consumer._next_offset = {}
    consumer._rewinds = {}
    consumer._read_offset = {}
    consumer._thread = _Thread()  # type: ignore[assignment]
    return consumer


def _drain(consumer: _Consumer) -> list[tuple[TP, int]]:
    async def run() -> list[tuple[TP, int]]:
        return [(tp, m.offset) async for tp, m in consumer.getmany(0.0)]

    return asyncio.run(run())


def test_a_skipped_record_on_a_contiguous_topic_is_fetched_again(monkeypatch: pytest.MonkeyPatch) -> None:
    raw, other = TP("raw", 0), TP("changelog", 0)
    consumer = _guard(monkeypatch, [
        [(raw, 0), (raw, 1), (other, 0), (other, 7)],   # delivered in order; jumps elsewhere are faust's business
        [(raw, 4), (raw, 5)],                           # 2 and 3 were dropped: seek back, deliver nothing of raw
        [(raw, 2), (raw, 3), (raw, 4)],                 # the re-fetch, in order
    ])
    assert _drain(consumer) == [(raw, 0), (raw, 1), (other, 0), (other, 7)]
    assert _drain(consumer) == []
    assert consumer._thread.seeks == [(raw, 2)]  # type: ignore[attr-defined]
    assert consumer._read_offset[raw] == 1
    assert _drain(consumer) == [(raw, 2), (raw, 3), (raw, 4)]
    assert consumer._rewinds == {}  # the hole was filled: its retry count is gone


def test_a_hole_that_never_fills_is_accepted_after_bounded_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = TP("raw", 1)
    consumer = _guard(monkeypatch, [[(raw, 0)]] + [[(raw, 5)]] * (MAX_REWINDS + 1))
    assert _drain(consumer) == [(raw, 0)]
    for _ in range(MAX_REWINDS):
        assert _drain(consumer) == []
    assert _drain(consumer) == [(raw, 5)]  # records 1-4 really are gone (e.g. deleted by retention)
    assert len(consumer._thread.seeks) == MAX_REWINDS  # type: ignore[attr-defined]


def test_partitions_without_a_committed_offset_start_again_from_the_beginning(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """faust fetches before it seeks to the committed offsets and drops what it fetched; aiokafka seeks only
    where an offset above 0 was committed, so elsewhere those records would never come again."""
    done, fresh, zero, other = TP("raw", 0), TP("raw", 1), TP("raw", 2), TP("changelog", 0)
    sought: list[set[object]] = []

    async def parent_perform_seek(self: _Consumer) -> None:
        self._committed_offset.update({done: 5})  # faust stores a committed 0 as no offset at all

    class _SeekingThread(_Thread):
        async def seek_to_beginning(self, *partitions: object) -> None:
            sought.append(set(partitions))

    monkeypatch.setattr(FaustConsumer, "perform_seek", parent_perform_seek)
    consumer = _guard(monkeypatch, [])
    consumer._committed_offset = defaultdict(lambda: None)
    consumer._thread = _SeekingThread()  # type: ignore[assignment]
    monkeypatch.setattr(consumer, "assignment", lambda: {done, fresh, zero, other})
    consumer._read_offset.update({fresh: 40, zero: 12})  # what faust read before the seek
    consumer._next_offset.update({fresh: 41})

    asyncio.run(consumer.perform_seek())
    assert sought == [{AIOKafkaTP("raw", 1), AIOKafkaTP("raw", 2)}]
    assert consumer._next_offset == {done: 5}
    assert consumer._read_offset[fresh] is None and consumer._read_offset[zero] is None
