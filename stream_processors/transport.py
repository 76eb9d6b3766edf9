"""faust's aiokafka transport with a configurable fetch wait and no silently skipped records.

faust hard-codes ``fetch_max_wait_ms=1500`` for its consumer. Real Kafka answers a waiting fetch as
soon as a record arrives, so the value only matters when idle; Tansu (the embedded broker) lets a
waiting fetch run much closer to its deadline (measured: p50 126 ms of added latency at 500 ms, 3 ms
at 10 ms). Each of the worker's two stages pays it once, so a short wait is what keeps
publish→searchable well under two seconds on the embedded stack. The cost is a few idle fetch
requests per second.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Collection, Iterable, Mapping
from functools import cached_property
from typing import Any, ClassVar

import aiokafka
import faust
import structlog
from faust.transport.drivers import aiokafka as driver
from faust.types import TP, Message, TransportT
from faust.types.tuples import ack_lock
from mode.utils.futures import notify

log = structlog.get_logger(__name__)

# How often one hole may be re-fetched before the jump is accepted (faust then treats it as a gap).
MAX_REWINDS = 5
# How long a dropped record's re-read is given before the next one.
REREAD_EVERY_S = 5.0
# How often the client's positions are compared with what reached the agents.
POSITION_CHECK_S = 5.0


class _ConsumerThread(driver.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: driver.Transport) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        # Read by aiokafka when the consumer starts (its Fetcher is built in start()).
        consumer._fetch_max_wait_ms = int(getattr(self.app, "fetch_max_wait_ms", 1500))
        return consumer

    async def seek_here(self, tp: TP, offset: int) -> None:
        """Seek on the client's own thread and event loop (aiokafka is not thread-safe; faust's ``seek``
        calls it from the app's thread)."""
        async def seek() -> None:
            self._ensure_consumer().seek(aiokafka.TopicPartition(tp.topic, tp.partition), offset)

        await self.call_thread(seek)


class _Consumer(driver.Consumer):
    """faust's consumer, made to deliver every record of the agents' input topics and commit none it
    did not process.

    On topics whose offsets are contiguous (delete policy, no transactions: every record between two
    offsets exists) the first offset owed to the agents is always known, which closes the ways
    faust 0.15 loses records (each caught in the kill -9 and restart tests under load):

    - records delivered again after faust's seek to the committed offsets while faust's read offset
      was still past them (a delivery from before the seek finished after it): the consumer lowers
      the read offset for the record it owes, so faust does not drop it as already read;
    - a fetch that jumps ahead (faust drops the rest of a fetched batch when its flow stops mid-batch
      and calls the hole a "gap"): the consumer seeks back to the first record not delivered;
    - a record delivered but never processed (the stream drops, and acks, records taken while flow is
      suspended or fetched in an earlier generation): its ack does not count, the commit stops below
      it, and the consumer reads again from it once it is past it (also once a later record of its
      partition is acknowledged: agents process a partition in order, so it can no longer come);
    - records faust drops while its flow is stopped (a rebalance, and recovery at start, which seeks
      to the committed offsets before it resumes flow): they stay owed, and every input partition is
      read again from its next record owed when flow resumes;
    - records the client handed out that never reached the agents otherwise (faust drops the rest of
      a batch for a partition paused meanwhile): a periodic check finds the client's position
      standing past the next record owed and reads again from that record; the same check reads again
      records handed to faust that vanished before the agent (not acknowledged, not being processed,
      nothing queued; seen under load, cause inside faust's conductor not found);
    - faust's commit rule, which takes the first run of acknowledged offsets wherever it starts (with
      nothing committed it does not look, past a committed offset it lets one record go).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._next_offset: dict[TP, int] = {}  # next offset owed to the agents, per input partition
        self._rewinds: dict[tuple[TP, int], int] = {}
        self._first_owed: dict[TP, int] = {}  # where a partition without a committed offset starts
        self._reread: dict[TP, int] = {}  # dropped records to read again, from this offset
        self._reread_last: dict[TP, tuple[int, float]] = {}  # the last re-read: from which offset, when
        self._behind: dict[TP, int] = {}  # next offset owed where the client's position was past it
        self._vanished: dict[TP, tuple[int, int]] = {}  # (owed, next) of records delivered, never seen since
        self._in_batch = False  # getmany is handing out a fetched batch
        self._refetch = False  # flow resumed: read every input partition again from the next record owed

    def _new_consumer_thread(self) -> driver.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    @cached_property
    def _contiguous(self) -> frozenset[str]:
        return frozenset(getattr(self.app, "contiguous_topics", ()))

    def _inputs(self) -> list[TP]:
        return [tp for tp in self.assignment() if tp.topic in self._contiguous]

    def _owed(self, tp: TP) -> int | None:
        """The first offset owed to the agents: the committed one, or where an uncommitted partition starts."""
        return self._committed_offset.get(tp) or self._first_owed.get(tp)

    def resume_flow(self) -> None:
        super().resume_flow()
        # While flow was stopped (a rebalance, recovery at start) faust dropped what it fetched, before or
        # after this consumer handed it out, and the client's position moved past it.
        self._refetch = True

    async def perform_seek(self) -> None:
        await super().perform_seek()
        self._reread.clear()  # everything past the committed offsets comes again anyway
        # After a seek to the committed offsets, the committed offset itself is the next one owed.
        for tp, offset in self._committed_offset.items():
            if tp.topic in self._contiguous and offset is not None:
                self._next_offset[tp] = offset
        # aiokafka's seek_to_committed seeks only where the group committed an offset above 0. faust
        # starts fetching before this seek; where nothing moved the position back, the records it
        # fetched then and dropped were never delivered (a restarted worker lost the removal of an
        # offer on a removals partition it had never committed). Such partitions start again from
        # their first record, as auto_offset_reset=earliest says, and it is owed like a committed one.
        uncommitted = [tp for tp in self._inputs() if not self._committed_offset.get(tp)]
        if not uncommitted:
            return
        try:
            starts = {TP(tp.topic, tp.partition): offset
                      for tp, offset in (await self._thread.earliest_offsets(*uncommitted)).items()}
        except Exception as exc:  # the broker did not answer: the next rebalance seeks again
            log.warning("could not read where uncommitted input partitions start", error=str(exc))
            starts = {}
        for tp in uncommitted:
            start = starts.get(tp)
            if start is None:
                self._next_offset.pop(tp, None)
                self._first_owed.pop(tp, None)
                await self._thread.seek_to_beginning(aiokafka.TopicPartition(tp.topic, tp.partition))
                self._read_offset[tp] = None
            else:
                self._first_owed[tp] = start
                await self._seek_back(tp, start)

    @driver.Consumer.timer(POSITION_CHECK_S)
    async def _check_positions(self) -> None:
        """Read again records the client handed out that never reached the agents.

        faust's getmany drops the rest of a fetched batch for a partition paused meanwhile, or for all
        when its flow stops, and the client's position has already moved past them: with no later
        record to show the hole, the stage waits forever (a restarted worker merged one batch, then
        nothing, while its client stood at the end of every partition).
        """
        if self.app.rebalancing or not self.flow_active or not self.app.flow_control.is_active():
            self._behind.clear()
            return
        positions: dict[TP, int] = {}
        for tp in self._inputs():
            try:
                position = await self._thread.position(aiokafka.TopicPartition(tp.topic, tp.partition))
            except Exception:  # revoked meanwhile
                continue
            if position is not None:
                positions[tp] = position
        for tp in self.behind(positions):
            log.warning("records fetched never reached the agents: reading again from the first",
                        topic=tp.topic, partition=tp.partition, offset=self._next_offset[tp],
                        position=positions[tp])
            await self._seek_back(tp, self._next_offset[tp])
        queued = sum(chan.queue.qsize() for chans in getattr(self.app.topics, "_topic_name_index", {}).values()
                     for chan in chans if hasattr(chan, "queue"))
        in_flight = {m.tp for m in list(self._unacked_messages) if not m.acked}
        for tp, owed in self.vanished(queued, in_flight):
            log.warning("records handed to faust were never processed: reading again from the first",
                        topic=tp.topic, partition=tp.partition, offset=owed, next=self._next_offset.get(tp))
            await self._seek_back(tp, owed)

    def vanished(self, queued: int, in_flight: Collection[TP]) -> list[tuple[TP, int]]:
        """Partitions whose records were handed to faust past the first one owed, while none was
        acknowledged, none is being processed and nothing waits in the agents' queues, on two checks in
        a row (a restarted worker passed 24 records of a partition to faust, which never delivered them
        to the agent; those records are nowhere any more)."""
        if self._in_batch or queued:
            self._vanished.clear()  # records on their way: not a proof
            return []
        out = []
        for tp in self._inputs():
            owed = self._owed(tp)
            handed = self._next_offset.get(tp)
            if owed is None or handed is None or handed <= owed or self._acked[tp] or tp in in_flight:
                self._vanished.pop(tp, None)
            elif self._vanished.get(tp) == (owed, handed):
                out.append((tp, owed))
                del self._vanished[tp]
            else:
                self._vanished[tp] = (owed, handed)
        return out

    def behind(self, positions: Mapping[TP, int]) -> list[TP]:
        """Partitions whose client position stood past the next offset owed on two checks in a row,
        with no record delivered in between and no batch being handed out (those records are lost)."""
        if self._in_batch:
            self._behind.clear()  # records on their way: not a proof
            return []
        stuck = []
        for tp, position in positions.items():
            owed = self._next_offset.get(tp)
            if owed is None or position <= owed:
                self._behind.pop(tp, None)
            elif self._behind.get(tp) == owed:
                stuck.append(tp)
                del self._behind[tp]
            else:
                self._behind[tp] = owed
        return stuck

    def describe(self) -> dict[str, dict[str, int | None]]:
        """Where each input partition stands, for the log line of a stalled stage."""
        tps = sorted(self._inputs())
        return {f"{tp.topic}/{tp.partition}": {
            "committed": self._committed_offset.get(tp), "next": self._next_offset.get(tp),
            "read": self._read_offset.get(tp), "first_acked": min(self._acked[tp], default=None)}
            for tp in tps}

    def ack(self, message: Message) -> bool:
        """faust's ack, except that an input record its stream dropped unprocessed does not count."""
        if message.topic in self._contiguous and not message.acked and self._skipped(message):
            with ack_lock:
                if not message.acked:
                    message.acked = True
                    self._unacked_messages.discard(message)
                    notify(self._waiting_for_ack)
                    # Read it again once the consumer is past it (a seek to the committed offsets in
                    # between brings it anyway); a stale generation's records otherwise never come back.
                    tp = message.tp
                    if message.offset < self._reread.get(tp, message.offset + 1):
                        self._reread[tp] = message.offset
            return False
        return bool(super().ack(message))

    def _skipped(self, message: Message) -> bool:
        # The stream's own test for dropping a record (faust/streams.py, Stream.__aiter__).
        app = self.app
        return not app.flow_control.is_active() or message.generation_id != app.consumer_generation_id

    def _new_offset(self, tp: TP) -> int | None:
        """faust's next offset to commit, but never past an input record that was not acknowledged."""
        if tp.topic in self._contiguous:
            acked = self._acked[tp]
            owed = self._owed(tp)
            if acked and owed is not None and min(acked) > owed and not self._gap[tp].overlaps(owed):
                # A later record was acknowledged: this one was dropped. Read again from it, at most
                # every REREAD_EVERY_S (the first re-read may itself be dropped in a rebalance).
                now = time.monotonic()
                last = self._reread_last.get(tp)
                if last is None or last[0] != owed or now - last[1] >= REREAD_EVERY_S:
                    self._reread_last[tp] = (owed, now)
                    self._reread[tp] = min(owed, self._reread.get(tp, owed))
                    log.warning("an input record was dropped before it was processed: reading again from it",
                                topic=tp.topic, partition=tp.partition, offset=owed, first_acked=min(acked))
                return None
        return super()._new_offset(tp)

    async def _seek_back(self, tp: TP, offset: int) -> None:
        await self._thread.seek_here(tp, offset)  # type: ignore[attr-defined]
        # faust drops what it reads below its read offset and calls a jump above it a gap.
        self._read_offset[tp] = offset - 1 if offset > 0 else None
        self._next_offset[tp] = offset

    async def seek(self, partition: TP, offset: int) -> None:
        await super().seek(partition, offset)
        self._next_offset.pop(partition, None)  # an explicit seek: start afresh from what comes

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[TP, Message]]:
        try:
            async for tp, message in self._deliver(timeout):
                yield tp, message
        finally:
            self._in_batch = False

    async def _deliver(self, timeout: float) -> AsyncIterator[tuple[TP, Message]]:
        # Runs once per record: keep the common case (next offset as expected) to a few dict operations.
        contiguous = self._contiguous
        next_offset = self._next_offset
        rewound: set[TP] = set()
        if self._refetch and self.flow_active:
            self._refetch = False
            for tp in self._inputs():
                owed = next_offset.get(tp)
                if owed is not None:
                    # Before this call fetches: what it brings is read from there (a later record is a
                    # jump, rewound below).
                    await self._seek_back(tp, owed)
        if self._reread:
            assigned = self.assignment()
            reread, self._reread = self._reread, {}
            for tp, offset in reread.items():
                owed = next_offset.get(tp)
                if tp in assigned and (owed is None or offset < owed):  # else it still comes, in order
                    log.warning("reading again input records dropped before they were processed",
                                topic=tp.topic, partition=tp.partition, offset=offset)
                    await self._seek_back(tp, offset)
        async for tp, message in super().getmany(timeout):
            self._in_batch = True  # until this batch is handed out (not while waiting for one)
            if tp.topic not in contiguous:
                yield tp, message
                continue
            if tp in rewound or not self.flow_active:
                continue  # re-fetched after the rewind, in order, or once flow resumes
            offset = message.offset
            expected = next_offset.get(tp)
            if expected is not None and offset > expected:
                tries = self._rewinds.get((tp, expected), 0) + 1
                if tries <= MAX_REWINDS:
                    self._rewinds[(tp, expected)] = tries
                    log.warning("records skipped by the fetch: seeking back", topic=tp.topic,
                                partition=tp.partition, expected=expected, got=offset, attempt=tries)
                    await self._seek_back(tp, expected)
                    rewound.add(tp)
                    continue
                log.error("records still missing after re-fetching: accepting the jump", topic=tp.topic,
                          partition=tp.partition, expected=expected, got=offset)
            next_offset[tp] = offset + 1 if expected is None or offset + 1 > expected else expected
            if self._rewinds:
                self._rewinds.pop((tp, expected or 0), None)
            if expected is None or offset == expected:
                # The next record owed: faust must not drop it as already read. Its read offset can be
                # ahead when a record it delivered before the seek to the committed offsets finished
                # after that seek and moved the read offset back up (records lost in the kill -9 test).
                read = self._read_offset.get(tp)
                if read is not None and read > offset:
                    self._read_offset[tp] = offset
            yield tp, message
            if not self.flow_active:
                # flow stopped while faust delivered it: it may have been dropped, so it is owed again
                next_offset[tp] = min(next_offset[tp], offset)


class _Transport(driver.Transport):
    Consumer: ClassVar[Any] = _Consumer


class App(faust.App):
    """A faust app whose consumer waits at most ``fetch_max_wait_ms`` in a fetch and never skips a record
    of ``contiguous_topics`` (its agents' input topics)."""

    def __init__(self, *args: Any, fetch_max_wait_ms: int = 500, contiguous_topics: Iterable[str] = (),
                 **kwargs: Any) -> None:
        self.fetch_max_wait_ms = fetch_max_wait_ms
        self.contiguous_topics = frozenset(contiguous_topics)
        super().__init__(*args, **kwargs)

    def _new_transport(self) -> TransportT:
        return _Transport(self.conf.broker_consumer, self)
