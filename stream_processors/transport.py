"""faust's aiokafka transport with a configurable fetch wait and no silently skipped records.

faust hard-codes ``fetch_max_wait_ms=1500`` for its consumer. Real Kafka answers a waiting fetch as
soon as a record arrives, so the value only matters when idle; Tansu (the embedded broker) lets a
waiting fetch run much closer to its deadline (measured: p50 126 ms of added latency at 500 ms, 3 ms
at 10 ms). Each of the worker's two stages pays it once, so a short wait is what keeps
publish→searchable well under two seconds on the embedded stack. The cost is a few idle fetch
requests per second.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from functools import cached_property
from typing import Any, ClassVar

import aiokafka
import faust
import structlog
from faust.transport.drivers import aiokafka as driver
from faust.types import TP, Message, TransportT

log = structlog.get_logger(__name__)

# How often one hole may be re-fetched before the jump is accepted (faust then treats it as a gap).
MAX_REWINDS = 5


class _ConsumerThread(driver.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: driver.Transport) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        # Read by aiokafka when the consumer starts (its Fetcher is built in start()).
        consumer._fetch_max_wait_ms = int(getattr(self.app, "fetch_max_wait_ms", 1500))
        return consumer


class _Consumer(driver.Consumer):
    """faust's consumer, made to re-fetch records it would otherwise skip on the agents' input topics.

    faust 0.15 drops the rest of a fetched batch when its flow stops mid-batch (a rebalance, recovery at
    start) while the client's position has already moved past those records; the next fetch then starts
    later, and faust records the hole as a "gap" that it treats as acknowledged and commits past. Under
    load that lost about one run in four of the kill -9 test (offers routed, never merged, never
    re-read). On topics whose offsets are contiguous (delete policy, no transactions: every record
    between two offsets exists), a jump can only mean skipped records, so this consumer seeks back to
    the first one it has not delivered and drops the rest of that partition's batch instead.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._next_offset: dict[TP, int] = {}  # next offset owed to the agents, per input partition
        self._rewinds: dict[tuple[TP, int], int] = {}

    def _new_consumer_thread(self) -> driver.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    @cached_property
    def _contiguous(self) -> frozenset[str]:
        return frozenset(getattr(self.app, "contiguous_topics", ()))

    async def perform_seek(self) -> None:
        await super().perform_seek()
        # After a seek to the committed offsets, the committed offset itself is the next one owed.
        for tp, offset in self._committed_offset.items():
            if tp.topic in self._contiguous and offset is not None:
                self._next_offset[tp] = offset
        # aiokafka's seek_to_committed seeks only where the group committed an offset above 0. faust
        # starts fetching before this seek and drops what it fetched; where nothing moved the position
        # back, those records were never delivered (a restarted worker lost the removal of an offer on a
        # removals partition it had never committed). Such partitions start again from the beginning, as
        # auto_offset_reset=earliest says.
        uncommitted = [tp for tp in self.assignment()
                       if tp.topic in self._contiguous and not self._committed_offset.get(tp)]
        if uncommitted:
            await self._thread.seek_to_beginning(*driver.ensure_aiokafka_TPset(uncommitted))
            for tp in uncommitted:
                self._read_offset[tp] = None
                self._next_offset.pop(tp, None)

    async def seek(self, partition: TP, offset: int) -> None:
        await super().seek(partition, offset)
        self._next_offset.pop(partition, None)  # an explicit seek: start afresh from what comes

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[TP, Message]]:
        # Runs once per record: keep the common case (next offset as expected) to a few dict operations.
        contiguous = self._contiguous
        next_offset = self._next_offset
        rewound: set[TP] = set()
        async for tp, message in super().getmany(timeout):
            if tp.topic not in contiguous:
                yield tp, message
                continue
            if tp in rewound:
                continue  # re-fetched after the rewind, in order
            offset = message.offset
            expected = next_offset.get(tp)
            if expected is not None and offset > expected:
                tries = self._rewinds.get((tp, expected), 0) + 1
                if tries <= MAX_REWINDS:
                    self._rewinds[(tp, expected)] = tries
                    log.warning("records skipped by the fetch: seeking back", topic=tp.topic,
                                partition=tp.partition, expected=expected, got=offset, attempt=tries)
                    self._thread.seek(tp, expected)
                    # faust drops what it reads below its read offset and calls a jump above it a gap.
                    self._read_offset[tp] = expected - 1 if expected > 0 else None
                    rewound.add(tp)
                    continue
                log.error("records still missing after re-fetching: accepting the jump", topic=tp.topic,
                          partition=tp.partition, expected=expected, got=offset)
            next_offset[tp] = offset + 1 if expected is None or offset + 1 > expected else expected
            if self._rewinds:
                self._rewinds.pop((tp, expected or 0), None)
            yield tp, message


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
