"""The worker's consumer: the configured fetch wait (faust hard-codes 1500 ms), and no skipped record."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from weakref import WeakSet

import pytest
from aiokafka import TopicPartition as AIOKafkaTP
from faust.transport.consumer import Consumer as FaustConsumer
from faust.transport.drivers import aiokafka as driver
from faust.types import TP, Message
from intervaltree import IntervalTree

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

    async def seek_here(self, tp: object, offset: int) -> None:
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
    consumer._first_owed = {}
    consumer._reread = {}
    consumer._reread_last = {}
    consumer._behind = {}
    consumer._vanished = {}
    consumer._in_batch = False
    consumer._refetch = False
    consumer.flow_active = True
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


def test_partitions_without_a_committed_offset_start_again_from_their_first_record(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """faust fetches before it seeks to the committed offsets and drops what it fetched; aiokafka seeks only
    where an offset above 0 was committed, so elsewhere those records would never come again."""
    done, fresh, zero, other = TP("raw", 0), TP("raw", 1), TP("raw", 2), TP("changelog", 0)
    asked: list[set[object]] = []

    async def parent_perform_seek(self: _Consumer) -> None:
        self._committed_offset.update({done: 5})  # faust stores a committed 0 as no offset at all

    class _SeekingThread(_Thread):
        async def earliest_offsets(self, *partitions: TP) -> dict[AIOKafkaTP, int]:
            asked.append(set(partitions))
            return {AIOKafkaTP("raw", 1): 3, AIOKafkaTP("raw", 2): 0}  # fresh: retention deleted 0-2

    monkeypatch.setattr(FaustConsumer, "perform_seek", parent_perform_seek)
    consumer = _guard(monkeypatch, [])
    consumer._committed_offset = defaultdict(lambda: None)
    consumer._thread = _SeekingThread()  # type: ignore[assignment]
    monkeypatch.setattr(consumer, "assignment", lambda: {done, fresh, zero, other})
    consumer._read_offset.update({fresh: 40, zero: 12})  # what faust read before the seek
    consumer._next_offset.update({fresh: 41})

    asyncio.run(consumer.perform_seek())
    assert asked == [{fresh, zero}]
    assert set(consumer._thread.seeks) == {(fresh, 3), (zero, 0)}  # type: ignore[attr-defined]
    assert consumer._next_offset == {done: 5, fresh: 3, zero: 0}  # a jump past the start is rewound too
    assert consumer._first_owed == {fresh: 3, zero: 0}
    assert consumer._read_offset[fresh] == 2 and consumer._read_offset[zero] is None


def test_the_record_owed_is_not_dropped_as_already_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """A delivery from before the seek to the committed offsets finished after it and left faust's read
    offset past the records the seek brings again: faust would drop them."""
    raw = TP("raw", 0)
    consumer = _guard(monkeypatch, [[(raw, 4), (raw, 5)]])
    consumer._next_offset[raw] = 4
    consumer._read_offset[raw] = 17
    assert _drain(consumer) == [(raw, 4), (raw, 5)]
    assert consumer._read_offset[raw] == 4


def _committing(monkeypatch: pytest.MonkeyPatch, tp: TP, acked: list[int], committed: int | None = None,
                first_owed: int | None = None, gap: tuple[int, int] | None = None,
                fetches: list[list[tuple[TP, int]]] | None = None) -> tuple[int | None, _Consumer]:
    consumer = _guard(monkeypatch, fetches or [])
    consumer._acked = defaultdict(list, {tp: sorted(acked)})
    consumer._acked_index = defaultdict(set, {tp: set(acked)})
    consumer._committed_offset = defaultdict(lambda: None, {tp: committed})
    consumer._gap = defaultdict(IntervalTree)
    if gap:
        consumer._gap[tp].addi(*gap)
    if first_owed is not None:
        consumer._first_owed[tp] = first_owed
    return consumer._new_offset(tp), consumer


def test_commits_never_pass_an_input_record_that_was_not_acknowledged(monkeypatch: pytest.MonkeyPatch) -> None:
    raw, other = TP("raw", 0), TP("changelog", 0)
    assert _committing(monkeypatch, raw, [15, 16, 17], committed=15)[0] == 18
    # faust would commit 21 here, and 15 would never be read again
    assert _committing(monkeypatch, raw, [16, 17, 18, 19, 20], committed=15)[0] is None
    # nothing committed yet: the partition's first offset is owed
    assert _committing(monkeypatch, raw, [3, 4], first_owed=0)[0] is None
    assert _committing(monkeypatch, raw, [0, 1, 2, 4], first_owed=0)[0] == 3
    # a jump accepted after the bounded re-fetches is a gap faust treats as acknowledged
    assert _committing(monkeypatch, raw, [18, 19], committed=15, gap=(15, 18))[0] == 20
    # other topics keep faust's rule
    assert _committing(monkeypatch, other, [16, 17], committed=15)[0] == 18


def test_a_record_dropped_before_processing_is_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    raw, other = TP("raw", 0), TP("raw", 1)
    held, consumer = _committing(monkeypatch, raw, [18, 19], committed=15, fetches=[
        [(raw, 20), (other, 0), (raw, 21)],  # fetched before the seek after all: a jump, rewound
        [(raw, 15), (raw, 16)],
    ])
    assert held is None and consumer._reread == {raw: 15}
    monkeypatch.setattr(consumer, "assignment", lambda: {raw, other})
    assert _drain(consumer) == [(other, 0)]
    assert consumer._thread.seeks == [(raw, 15), (raw, 15)]  # type: ignore[attr-defined]
    assert consumer._read_offset[raw] == 14 and consumer._reread == {}
    assert _drain(consumer) == [(raw, 15), (raw, 16)]
    # the next commits while it is re-read do not seek again and again
    assert consumer._new_offset(raw) is None and consumer._reread == {}
    # what a stalled stage logs
    assert consumer.describe()["raw/0"] == {"committed": 15, "next": 17, "read": 14, "first_acked": 18}


class _Flow:
    def __init__(self, active: bool) -> None:
        self.active = active

    def is_active(self) -> bool:
        return self.active


def _acking(monkeypatch: pytest.MonkeyPatch, generation: int, flowing: bool = True) -> _Consumer:
    consumer = _guard(monkeypatch, [])
    consumer.app = SimpleNamespace(  # type: ignore[assignment]
        contiguous_topics=frozenset({"raw"}), consumer_generation_id=generation, flow_control=_Flow(flowing),
        topics=SimpleNamespace(acks_enabled_for=lambda topic: True))
    consumer._committed_offset = defaultdict(lambda: None)
    consumer._acked = defaultdict(list)
    consumer._acked_index = defaultdict(set)
    consumer._unacked_messages = WeakSet()
    consumer._n_acked = 0
    consumer._waiting_for_ack = None
    return consumer


def _message(topic: str, offset: int, generation: int) -> Message:
    return Message(topic, 0, offset, 0.0, 0, None, b"k", b"v", None, generation_id=generation)


def test_records_a_stream_skipped_are_released_but_stay_owed(monkeypatch: pytest.MonkeyPatch) -> None:
    consumer = _acking(monkeypatch, generation=2)
    processed, stale, other = _message("raw", 7, 2), _message("raw", 8, 1), _message("changelog", 3, 1)
    for m in (processed, stale, other):
        consumer._unacked_messages.add(m)
    assert consumer.ack(processed) is True
    assert consumer.ack(stale) is False  # fetched before the rebalance: the stream dropped it
    assert consumer.ack(other) is True  # other topics keep faust's rule
    assert stale.acked and stale not in consumer._unacked_messages  # nothing waits for it any more
    assert consumer._acked == {TP("raw", 0): [7], TP("changelog", 0): [3]}
    assert consumer._reread == {TP("raw", 0): 8}  # read again once the consumer is past it

    suspended = _acking(monkeypatch, generation=2, flowing=False)
    dropped = _message("raw", 9, 2)
    assert suspended.ack(dropped) is False and dropped.acked
    assert suspended._acked == {}
    # the next fetch seeks back only where the consumer already went past the dropped record
    suspended._next_offset.update({TP("raw", 0): 12})
    suspended._reread[TP("raw", 1)] = 4
    monkeypatch.setattr(suspended, "assignment", lambda: {TP("raw", 0), TP("raw", 1)})
    suspended._next_offset[TP("raw", 1)] = 4
    suspended._thread = _Thread()  # type: ignore[assignment]

    async def empty_fetch(self: object, timeout: float) -> AsyncIterator[tuple[TP, _Msg]]:
        nothing: list[tuple[TP, _Msg]] = []
        for item in nothing:
            yield item

    monkeypatch.setattr(driver.Consumer, "getmany", empty_fetch)
    assert _drain(suspended) == []
    assert suspended._thread.seeks == [(TP("raw", 0), 9)]  # type: ignore[attr-defined]
    assert suspended._reread == {}


def test_records_the_client_handed_out_that_never_arrived_are_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """faust drops the rest of a fetched batch for a partition paused meanwhile; with the client's position
    past them and no later record to show the hole, the stage would wait forever."""
    raw, busy, other = TP("raw", 0), TP("raw", 1), TP("raw", 2)
    consumer = _guard(monkeypatch, [])
    consumer._next_offset.update({raw: 6, busy: 10, other: 3})
    assert consumer.behind({raw: 51, busy: 12, other: 3}) == []  # once proves nothing: records on their way
    consumer._next_offset[busy] = 12  # delivered meanwhile
    assert consumer.behind({raw: 51, busy: 20, other: 3}) == [raw]
    consumer._in_batch = True  # a batch being handed out: its records are not lost
    assert consumer.behind({busy: 20}) == [] and consumer._behind == {}


def test_records_dropped_while_flow_is_stopped_are_read_again_when_it_resumes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """faust resumes flow only after its seek to the committed offsets; what the client handed out
    meanwhile was dropped (a restarted worker merged one batch, then nothing, with every record fetched)."""
    raw, other = TP("raw", 0), TP("raw", 1)
    consumer = _guard(monkeypatch, [[(raw, 11), (raw, 12)], [(raw, 13)], [(raw, 11), (raw, 12), (raw, 13)]])
    monkeypatch.setattr(consumer, "assignment", lambda: {raw, other})
    monkeypatch.setattr(FaustConsumer, "resume_flow", lambda self: setattr(self, "flow_active", True))
    consumer._next_offset.update({raw: 11, other: 7})
    consumer.flow_active = False
    assert _drain(consumer) == []  # faust would drop them: not handed out, still owed
    consumer.resume_flow()
    assert _drain(consumer) == []  # flow resumed: every input partition reads again from what it owes
    assert set(consumer._thread.seeks) == {(raw, 11), (other, 7)}  # type: ignore[attr-defined]
    assert _drain(consumer) == [(raw, 11), (raw, 12), (raw, 13)]


def test_records_handed_to_faust_that_vanished_are_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """A restarted worker handed 24 records of a partition to faust, which never delivered them to the agent:
    not acknowledged, not being processed, not queued. Nothing would ever bring them back."""
    lost, busy, done = TP("raw", 0), TP("raw", 1), TP("raw", 2)
    consumer = _guard(monkeypatch, [])
    monkeypatch.setattr(consumer, "assignment", lambda: {lost, busy, done})
    consumer._committed_offset = defaultdict(lambda: None, {lost: 19, busy: 5, done: 7})
    consumer._acked = defaultdict(list)
    consumer._next_offset.update({lost: 43, busy: 9, done: 7})
    assert consumer.vanished(queued=0, in_flight={busy: 6}) == []  # once proves nothing
    assert consumer.vanished(queued=3, in_flight={busy: 6}) == []  # records wait in a queue: not a proof
    assert consumer.vanished(queued=0, in_flight={busy: 6}) == []
    assert consumer.vanished(queued=0, in_flight={busy: 6}) == [(lost, 19)]
    consumer._acked[lost].append(19)  # acknowledged meanwhile: it moves
    assert consumer.vanished(queued=0, in_flight={}) == [] and consumer.vanished(queued=0, in_flight={}) == [
        (busy, 5)]
