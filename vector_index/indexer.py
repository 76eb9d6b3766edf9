"""Keeps an index fresh from the enriched topic: batched upserts, deletes on tombstones.

Offsets are committed only after the index accepted the batch (at-least-once); point ids are the
canonical offer ids, so a re-delivered batch overwrites itself: exactly-once in effect.

Failures never end the thread silently:
- a record that cannot be indexed (undecodable value, non-uuid id or key, missing/wrong-size embedding,
  or one the index itself refuses) goes to the dead-letter topic with its reason, and the batch goes on;
- a transient index error (timeout, connection) is retried in place with backoff, nothing committed;
- when the index stays down past ``max_outage_s``, or the thread hits a bug, the indexer stops as
  *failed*: ``/health`` turns 503 and ``on_failure`` lets the process exit so a supervisor restarts it.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition
from pydantic import ValidationError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_delay,
    stop_when_event_set,
    wait_exponential,
)

from core.kafka import headers_for, make_producer, to_bytes
from schemas.events import DeadLetter, Offer
from schemas.topics import DEAD_LETTERS, ENRICHED_OFFERS
from vector_index.base import VectorIndex

log = structlog.get_logger(__name__)

STAGE = "index"
ERRORS_KEPT = 50  # recent error texts kept for logs/debugging; older ones are dropped


@dataclass
class IndexerStats:
    upserted: int = 0
    deleted: int = 0
    dead_lettered: int = 0
    retries: int = 0
    batches: int = 0
    last_batch_at: float | None = None
    failing_since: float | None = None  # first failed attempt of the write being retried now
    error_count: int = 0
    errors: deque[str] = field(default_factory=lambda: deque(maxlen=ERRORS_KEPT))

    def record_error(self, text: str) -> None:
        self.error_count += 1
        self.errors.append(text[:500])


@dataclass(frozen=True)
class Rejected:
    """A record that will never be indexed, and why (the dead letter's ``error``)."""

    msg: Message
    reason: str


@dataclass
class BatchPlan:
    upserts: list[Offer] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    # point id -> the message that set its final state, to dead-letter it if the index refuses it
    sources: dict[str, Message] = field(default_factory=dict)


def _uuid(text: str | None) -> str | None:
    try:
        return str(uuid.UUID(text)) if text else None
    except ValueError:
        return None


def offer_problem(offer: Offer, dim: int) -> str | None:
    """Why ``offer`` cannot go into a ``dim``-d index, or None when it can."""
    if _uuid(offer.id) is None:
        return f"offer id {offer.id[:80]!r} is not a uuid"
    emb = offer.embedding
    if emb is None:
        return "offer has no embedding"
    if emb.dim != dim or len(emb.values) != dim:
        return f"embedding has {len(emb.values)} values (declared {emb.dim}); the index takes {dim}"
    if not all(math.isfinite(v) for v in emb.values):
        return "embedding has non-finite values"
    return None


def plan_batch(messages: Sequence[Message], dim: int) -> BatchPlan:
    """Fold a batch; the last valid message per key wins (compacted-topic semantics). Pure."""
    latest: dict[str, Offer | None] = {}
    plan = BatchPlan()
    for msg in messages:
        value = msg.value()
        if value is None:
            raw_key = msg.key()
            key = _uuid(raw_key.decode("utf-8", errors="replace") if isinstance(raw_key, bytes) else raw_key)
            if key is None:
                plan.rejected.append(Rejected(msg, "tombstone key is not an offer uuid"))
                continue
            latest[key], plan.sources[key] = None, msg
            continue
        try:
            offer = Offer.model_validate_json(value)
        except ValidationError as exc:
            plan.rejected.append(Rejected(msg, f"undecodable enriched offer: {exc}"))
            continue
        problem = offer_problem(offer, dim)
        if problem is not None:
            plan.rejected.append(Rejected(msg, problem))
            continue
        pid = str(uuid.UUID(offer.id))
        latest[pid], plan.sources[pid] = offer, msg
    plan.upserts = [o for o in latest.values() if o is not None]
    plan.deletes = [k for k, o in latest.items() if o is None]
    return plan


def is_transient(exc: BaseException) -> bool:
    """Worth retrying as is? A ValueError/TypeError or a 4xx answer (qdrant-client's UnexpectedResponse)
    is the record's fault and fails the same way every time; anything else (timeouts, connections,
    5xx) may pass on a later try."""
    status = getattr(exc, "status_code", None)
    if isinstance(status, int) and 400 <= status < 500 and status not in (408, 429):
        return False
    return not isinstance(exc, (ValueError, TypeError))


class IndexWriter:
    """Applies plans: transient errors retried with backoff for up to ``max_outage_s`` (then re-raised);
    a batch the index refuses is re-applied record by record so only the bad records are rejected."""

    def __init__(self, index: VectorIndex, stats: IndexerStats, stop: threading.Event,
                 max_outage_s: float = 300.0, max_wait_s: float = 10.0) -> None:
        self.index = index
        self.stats = stats
        self._stop = stop
        self._max_outage_s = max_outage_s
        self._max_wait_s = max_wait_s

    def _before_sleep(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        self.stats.retries += 1
        if self.stats.failing_since is None:
            self.stats.failing_since = time.time()
        self.stats.record_error(f"{type(exc).__name__}: {exc}")
        log.warning("index write failed; retrying", attempt=state.attempt_number, error=repr(exc)[:300],
                    retry_in_s=round(state.upcoming_sleep, 2))

    def _sleep(self, seconds: float) -> None:
        self._stop.wait(seconds)  # stop() cuts a backoff short

    def _call(self, fn: Callable[[Any], None], arg: list[Any]) -> None:
        if not arg:
            return
        retrying = Retrying(
            retry=retry_if_exception(is_transient),
            wait=wait_exponential(multiplier=0.1, max=self._max_wait_s),
            stop=stop_after_delay(self._max_outage_s) | stop_when_event_set(self._stop),
            sleep=self._sleep,
            before_sleep=self._before_sleep,
            reraise=True,
        )
        try:
            retrying(fn, arg)
        finally:  # succeeded, refused for good, or out of retries: either way no longer "retrying"
            self.stats.failing_since = None

    def apply(self, plan: BatchPlan) -> list[Rejected]:
        """Write the plan; returns the records the index refused. Raises when a transient error outlives
        the retries (or a stop was requested mid-retry): nothing of the batch may be committed then."""
        try:
            self._call(self.index.upsert, plan.upserts)
            self._call(self.index.delete, plan.deletes)
            return []
        except Exception as exc:
            if is_transient(exc):
                raise
            log.warning("index refused a batch; applying it record by record", error=repr(exc)[:300])
        rejected: list[Rejected] = []
        writes: list[tuple[Callable[[Any], None], Any, str]] = [
            *((self.index.upsert, o, str(uuid.UUID(o.id))) for o in plan.upserts),
            *((self.index.delete, k, k) for k in plan.deletes),
        ]
        for fn, item, pid in writes:
            try:
                self._call(fn, [item])
            except Exception as exc:
                if is_transient(exc):
                    raise
                rejected.append(Rejected(plan.sources[pid], f"index refused the record: {exc}"))
        return rejected


class Indexer:
    """A background thread: consume → apply → dead-letter → commit. ``stop()`` finishes the batch in hand.

    ``on_failure(reason)`` is called (from the indexer thread) when it gives up for good.
    ``on_applied(upserts, deleted_ids)`` is called (from the indexer thread) with what the index accepted
    in each batch, before its offsets are committed: the API keeps its read model in step with it.
    """

    def __init__(self, index: VectorIndex, bootstrap: str, group_id: str, batch_size: int = 500,
                 poll_timeout_s: float = 0.2, optimize_every: int = 5000, fetch_max_wait_ms: int = 100,
                 max_outage_s: float = 300.0, retry_max_wait_s: float = 10.0,
                 on_failure: Callable[[str], None] | None = None,
                 on_applied: Callable[[list[Offer], list[str]], None] | None = None) -> None:
        self.index = index
        self._on_applied = on_applied
        self.stats = IndexerStats()
        self.failure: str | None = None
        self._batch_size = batch_size
        self._poll_timeout = poll_timeout_s
        self._optimize_every = optimize_every
        self._since_optimize = 0
        self._max_outage_s = max_outage_s
        self._on_failure = on_failure
        self._stop = threading.Event()
        self._writer = IndexWriter(index, self.stats, self._stop, max_outage_s, retry_max_wait_s)
        self._consumer = Consumer({
            "bootstrap.servers": bootstrap,
            "group.id": group_id,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 1000,
            "fetch.wait.max.ms": fetch_max_wait_ms,  # see CommonSettings.kafka_fetch_max_wait_ms
        })
        # librdkafka retries a dead letter's delivery itself, as long as the index write budget.
        self._producer = make_producer(bootstrap, **{"message.timeout.ms": int(max_outage_s * 1000) + 1000})
        self._thread = threading.Thread(target=self._run, name="indexer", daemon=True)

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        # An empty index (new or wiped data dir) must be rebuilt from the whole compacted topic,
        # whatever the group committed before. An index that cannot say counts as empty: re-reading
        # is harmless (upserts by id), skipping would leave holes.
        try:
            empty = self.index.count() == 0
        except Exception as exc:
            log.warning("index count failed at assignment; re-reading the topic", error=repr(exc)[:300])
            empty = True
        if empty:
            for tp in partitions:
                tp.offset = -2  # OFFSET_BEGINNING
            consumer.assign(partitions)

    def start(self) -> None:
        self._consumer.subscribe([ENRICHED_OFFERS.name], on_assign=self._on_assign)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._loop()
        except Exception as exc:  # outage past the budget, or a bug: stop visibly, never silently
            self.failure = f"{type(exc).__name__}: {exc}"[:500]
            self.stats.record_error(self.failure)
            log.exception("indexer gave up; the index is no longer kept fresh")
            if self._on_failure is not None:
                self._on_failure(self.failure)
        finally:
            self._consumer.close()

    def _poll(self) -> list[Message]:
        try:
            # Wait for the first record only, then take what is already fetched: consume() alone
            # would hold every batch for its full timeout unless it filled up.
            first = self._consumer.poll(self._poll_timeout)
            msgs = [] if first is None else [first, *self._consumer.consume(self._batch_size - 1, timeout=0)]
        except Exception as exc:  # a broken connection is retried by librdkafka; keep polling
            self.stats.record_error(str(exc))
            time.sleep(0.5)
            return []
        batch = []
        for m in msgs:
            err = m.error()
            if err is None:
                batch.append(m)
            elif err.code() != KafkaError._PARTITION_EOF:
                self.stats.record_error(str(err))
                log.warning("consumer error", error=str(err))
        return batch

    def _dead_letter(self, rejected: list[Rejected]) -> None:
        failed: list[str] = []

        def delivered(err: KafkaError | None, _msg: Message) -> None:
            if err is not None:
                failed.append(str(err))

        for r in rejected:
            m = r.msg
            dead = DeadLetter.for_message(stage=STAGE, error=r.reason, topic=m.topic() or ENRICHED_OFFERS.name,
                                          value=m.value(), key=m.key(), partition=m.partition(), offset=m.offset())
            self._producer.produce(DEAD_LETTERS.name, key=dead.key.encode() if dead.key else None,
                                   value=to_bytes(dead), headers=headers_for(dead), on_delivery=delivered)
            log.warning("record dead-lettered", topic=dead.topic, partition=dead.partition, offset=dead.offset,
                        key=dead.key, reason=dead.error[:300])
        left = self._producer.flush(self._max_outage_s + 5)
        if left or failed:
            # Committing now would lose these records: give up instead, the batch is re-read after a restart.
            raise RuntimeError(f"dead letters not delivered ({left} pending): {failed[:3]}")
        self.stats.dead_lettered += len(rejected)

    def _loop(self) -> None:
        while not self._stop.is_set():
            batch = self._poll()
            if not batch:
                continue
            plan = plan_batch(batch, self.index.dim)
            try:
                refused = self._writer.apply(plan)
            except Exception:
                if self._stop.is_set():  # stopped mid-retry: leave the batch uncommitted, re-read next start
                    return
                raise
            if plan.rejected or refused:
                self._dead_letter(plan.rejected + refused)
            self._notify_applied(plan, refused)
            self.stats.upserted += len(plan.upserts)
            self.stats.deleted += len(plan.deletes)
            self.stats.batches += 1
            self.stats.last_batch_at = time.time()
            try:
                self._consumer.commit(asynchronous=False)
            except KafkaException as exc:
                # Typically a rebalance under load took the partitions away: the new owner (or this
                # consumer, after rejoining) re-reads the batch, and upserts by id make that harmless.
                log.warning("offset commit failed; batch will be re-applied", error=str(exc))
                self.stats.record_error(f"commit: {exc}")
            self._since_optimize += len(batch)
            if self._since_optimize >= self._optimize_every:
                self._since_optimize = 0
                try:
                    self.index.optimize()
                except Exception as exc:  # searches still work unoptimised; try again next time
                    log.warning("index optimize failed", error=repr(exc)[:300])
                    self.stats.record_error(f"optimize: {exc}")

    def _notify_applied(self, plan: BatchPlan, refused: list[Rejected]) -> None:
        if self._on_applied is None:
            return
        refused_msgs = {id(r.msg) for r in refused}
        refused_ids = {pid for pid, m in plan.sources.items() if id(m) in refused_msgs}
        try:
            self._on_applied([o for o in plan.upserts if str(uuid.UUID(o.id)) not in refused_ids],
                             [k for k in plan.deletes if k not in refused_ids])
        except Exception as exc:  # a listener's bug must not stop the index from being kept fresh
            log.exception("indexer listener failed", error=repr(exc)[:300])
            self.stats.record_error(f"listener: {exc}")

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def state(self) -> str:
        if self.failure is not None:
            return "failed"
        if not self.alive:
            return "stopped"
        return "retrying" if self.stats.failing_since is not None else "running"

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._producer.flush(5)
