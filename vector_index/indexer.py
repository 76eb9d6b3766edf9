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
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from confluent_kafka import TIMESTAMP_NOT_AVAILABLE, Consumer, KafkaError, KafkaException, Message, TopicPartition
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
from schemas.events import DeadLetter, Offer, header_version
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
    stale: int = 0  # records older than what the index held: skipped
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
    # point id -> the version of that final state (the ``version`` header, else the offer's own)
    versions: dict[str, int] = field(default_factory=dict)


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


# Re-embeds offers for the index's model (the API's model thread): returns them with new embeddings.
Reembed = Callable[[list[Offer]], list[Offer]]


def stale_embedding(offer: Offer, model: str | None) -> bool:
    """Embedded by another model than the index's (or not at all)? Never, when the index takes any model."""
    return model is not None and (offer.embedding is None or offer.embedding.model != model)


def _reembed(offers: list[Offer], reembed: Reembed) -> dict[str, str]:
    """Re-embeds in one call; when that fails, one by one. Returns offer id -> why it failed."""
    try:
        reembed(offers)
        return {}
    except Exception as exc:
        if len(offers) == 1:
            return {offers[0].id: f"re-embedding failed: {type(exc).__name__}: {exc}"}
    failed: dict[str, str] = {}
    for offer in offers:
        failed.update(_reembed([offer], reembed))
    return failed


def record_version(msg: Message, offer: Offer | None) -> int:
    """The record's version: its ``version`` header, else the offer's own field, else 0."""
    version = header_version(msg.headers())
    if version is not None:
        return version
    return offer.version if offer is not None else 0


def drop_stale(plan: BatchPlan, stored: Mapping[str, int]) -> int:
    """Removes from ``plan`` the writes older than what the index holds (``stored``: point id -> version of
    the offer indexed, or of its tombstone); returns how many. Equal versions are the same change re-read
    (a redelivery): re-applied, harmlessly. Pure."""
    stale = {pid for pid, v in plan.versions.items() if v < stored.get(pid, -1)}
    if stale:
        plan.upserts = [o for o in plan.upserts if str(uuid.UUID(o.id)) not in stale]
        plan.deletes = [k for k in plan.deletes if k not in stale]
        for pid in stale:
            plan.sources.pop(pid, None)
            plan.versions.pop(pid, None)
    return len(stale)


def plan_batch(messages: Sequence[Message], dim: int, model: str | None = None,
               reembed: Reembed | None = None) -> BatchPlan:
    """Fold a batch; per key the valid message of the highest version wins, the later one on a tie (offsets
    are not an order across the worker's partitions: two groups may publish one id out of order). Pure,
    but for ``reembed``: with a ``model``, a winning offer embedded by another model (a worker still on the
    old model while a new collection takes over) is re-embedded for this index instead of being refused."""
    latest: dict[str, Offer | None] = {}
    plan = BatchPlan()
    can_reembed = model is not None and reembed is not None
    for msg in messages:
        value = msg.value()
        if value is None:
            raw_key = msg.key()
            key = _uuid(raw_key.decode("utf-8", errors="replace") if isinstance(raw_key, bytes) else raw_key)
            if key is None:
                plan.rejected.append(Rejected(msg, "tombstone key is not an offer uuid"))
                continue
            version = record_version(msg, None)
            if version < plan.versions.get(key, -1):
                continue
            latest[key], plan.sources[key], plan.versions[key] = None, msg, version
            continue
        try:
            offer = Offer.model_validate_json(value)
        except ValidationError as exc:
            plan.rejected.append(Rejected(msg, f"undecodable enriched offer: {exc}"))
            continue
        if can_reembed and stale_embedding(offer, model):
            problem = None if _uuid(offer.id) else f"offer id {offer.id[:80]!r} is not a uuid"
        else:
            problem = offer_problem(offer, dim)
        if problem is not None:
            plan.rejected.append(Rejected(msg, problem))
            continue
        pid = str(uuid.UUID(offer.id))
        version = record_version(msg, offer)
        if version < plan.versions.get(pid, -1):
            continue
        latest[pid], plan.sources[pid], plan.versions[pid] = offer, msg, version
    stale = [o for o in latest.values() if o is not None and can_reembed and stale_embedding(o, model)]
    if stale and reembed is not None:
        failed = _reembed(stale, reembed)
        for offer in stale:
            pid = str(uuid.UUID(offer.id))
            problem = failed.get(offer.id) or offer_problem(offer, dim)
            if problem is None and stale_embedding(offer, model):
                problem = f"re-embedded by {offer.embedding.model if offer.embedding else None}, not {model}"
            if problem is not None:
                plan.rejected.append(Rejected(plan.sources.pop(pid), problem))
                plan.versions.pop(pid, None)
                del latest[pid]
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


TOMBSTONE_MEMORY = 100_000  # deletions remembered, to refuse an older upsert of the same id arriving late
MIN_EVENT_US = 10**15  # 2001-09-09 in µs: a smaller version is a counter, not an event time


def event_age_s(msg: Message, now_s: float, since_s: float) -> float | None:
    """Seconds from the change a record carries to ``now_s``; None when the record cannot say.

    The worker versions each merged offer (and tombstone) by the event time of the change that made it,
    in µs (the source's ``fetched_at``, when the producer published it; a removal's ``removed_at``), bumped
    past the previous version; it travels in the ``version`` header. Records the broker stamped before
    ``since_s`` (a backlog from before this process, a rebuild, restored history) say nothing about the
    pipeline's latency and are left out. A clock ahead of ours counts as 0.
    """
    kind, ts_ms = msg.timestamp()
    if kind != TIMESTAMP_NOT_AVAILABLE and ts_ms < since_s * 1000:
        return None
    version_us = header_version(msg.headers())
    if version_us is None or version_us < MIN_EVENT_US:
        return None
    return max(0.0, now_s - version_us / 1e6)


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


@dataclass
class Switch:
    """A new collection for the indexer to feed from now on (the alias moved to it).

    ``group_id`` is the new collection's own consumer group; where it has committed nothing, reading starts at
    ``start_at`` (the offsets the collection was built up to; records after them are applied again, in
    order, so nothing published during the build or the switch is missed). ``on_ready`` is called once
    the indexer has caught up with the topic's end as of the switch (or after ``ready_within_s``).
    """

    index: VectorIndex
    group_id: str
    model: str | None = None
    reembed: Reembed | None = None
    start_at: dict[int, int] = field(default_factory=dict)
    on_applied: Callable[[list[Offer], list[str]], None] | None = None
    on_ready: Callable[[], None] | None = None
    ready_within_s: float = 30.0


@dataclass
class _Catchup:
    on_ready: Callable[[], None] | None
    deadline: float
    ends: dict[int, int] | None = None  # high watermarks once partitions are assigned


def caught_up(positions: dict[int, int], ends: dict[int, int]) -> bool:
    """Every partition read up to its end (a partition never read counts as not yet). Pure."""
    return all(positions.get(p, -1) >= end for p, end in ends.items())


class Indexer:
    """A background thread: consume → apply → dead-letter → commit. ``stop()`` finishes the batch in hand.

    ``on_failure(reason)`` is called (from the indexer thread) when it gives up for good.
    ``on_applied(upserts, deleted_ids)`` is called (from the indexer thread) with what the index accepted
    in each batch, before its offsets are committed: the API keeps its read model in step with it.
    ``on_indexed(age_s)`` is called once per record applied with its age (see ``event_age_s``): the API's
    freshness histogram, publish → indexed.
    With ``model`` and ``reembed``, offers embedded by another model are re-embedded (``plan_batch``);
    ``start_at`` is where partitions the group never committed start. ``watch()`` is called between polls
    (cheap, from the indexer thread): when it returns a ``Switch``, the indexer moves to that collection.
    """

    def __init__(self, index: VectorIndex, bootstrap: str, group_id: str, batch_size: int = 500,
                 poll_timeout_s: float = 0.2, optimize_every: int = 5000, fetch_max_wait_ms: int = 100,
                 max_outage_s: float = 300.0, retry_max_wait_s: float = 10.0,
                 on_failure: Callable[[str], None] | None = None,
                 on_applied: Callable[[list[Offer], list[str]], None] | None = None,
                 on_indexed: Callable[[float], None] | None = None, model: str | None = None,
                 reembed: Reembed | None = None, start_at: dict[int, int] | None = None,
                 watch: Callable[[], Switch | None] | None = None) -> None:
        self.index = index
        self.group_id = group_id
        self._model = model
        self._reembed = reembed
        self._start_at = dict(start_at or {})
        self._watch = watch
        self._catchup: _Catchup | None = None
        self._tombstones: OrderedDict[str, int] = OrderedDict()  # point id -> version of its deletion
        self._assigned_at: dict[int, int] = {}
        self._on_applied = on_applied
        self._on_indexed = on_indexed
        self._started_at = time.time()
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
        self._consumer_config = {
            "bootstrap.servers": bootstrap,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 1000,
            "fetch.wait.max.ms": fetch_max_wait_ms,  # see CommonSettings.kafka_fetch_max_wait_ms
        }
        self._consumer = Consumer({**self._consumer_config, "group.id": group_id})
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
        elif self._start_at:
            # A collection built elsewhere (jobmarket replay) holds the topic up to ``start_at``: its own
            # group resumes from its commits, else from there.
            try:
                committed = {tp.partition: tp.offset for tp in consumer.committed(partitions, timeout=10)}
            except KafkaException as exc:
                log.warning("committed offsets unknown; re-reading the topic", error=str(exc))
                committed = {}
            for tp in partitions:
                done = committed.get(tp.partition, -1)
                tp.offset = done if done >= 0 else self._start_at.get(tp.partition, -2)
            consumer.assign(partitions)
        self._assigned_at = {tp.partition: (0 if tp.offset == -2 else tp.offset) for tp in partitions}

    def _maybe_switch(self) -> None:
        if self._watch is None:
            return
        try:
            switch = self._watch()
        except Exception as exc:  # a watcher's failure must not stop the live index from being fed
            log.exception("collection watch failed", error=repr(exc)[:300])
            self.stats.record_error(f"watch: {exc}")
            return
        if switch is None:
            return
        log.info("indexer moving to a new collection", group=switch.group_id, model=switch.model,
                 start_at=switch.start_at)
        try:
            self._consumer.close()  # its last commits keep saying what the old collection holds
        except Exception as exc:
            log.warning("closing the old consumer failed", error=repr(exc)[:300])
        self.index = self._writer.index = switch.index
        self.group_id, self._model, self._reembed = switch.group_id, switch.model, switch.reembed
        self._start_at, self._on_applied = dict(switch.start_at), switch.on_applied
        self._since_optimize, self._assigned_at = 0, {}
        self._catchup = _Catchup(switch.on_ready, time.monotonic() + switch.ready_within_s)
        self._consumer = Consumer({**self._consumer_config, "group.id": switch.group_id})
        self._consumer.subscribe([ENRICHED_OFFERS.name], on_assign=self._on_assign)

    def _check_caught_up(self) -> None:
        c = self._catchup
        if c is None:
            return
        done = time.monotonic() >= c.deadline
        if not done:
            assignment = self._consumer.assignment()
            if not assignment:
                return
            if c.ends is None:
                c.ends = {tp.partition: self._consumer.get_watermark_offsets(tp, timeout=5, cached=False)[1]
                          for tp in assignment}
            positions = dict(self._assigned_at)
            positions.update({tp.partition: tp.offset for tp in self._consumer.position(assignment)
                              if tp.offset >= 0})
            done = caught_up(positions, c.ends)
        if done:
            self._catchup = None
            log.info("new collection caught up", group=self.group_id, count=self.index.count())
            if c.on_ready is not None:
                c.on_ready()

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
            self._maybe_switch()
            batch = self._poll()
            if not batch:
                self._check_caught_up()
                continue
            plan = plan_batch(batch, self.index.dim, self._model, self._reembed)
            self.stats.stale += drop_stale(plan, self._stored_versions(plan))
            try:
                refused = self._writer.apply(plan)
            except Exception:
                if self._stop.is_set():  # stopped mid-retry: leave the batch uncommitted, re-read next start
                    return
                raise
            if plan.rejected or refused:
                self._dead_letter(plan.rejected + refused)
            self._remember_tombstones(plan, refused)
            self._notify_applied(plan, refused)
            self._observe_indexed(plan, refused)
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
            self._check_caught_up()
            self._since_optimize += len(batch)
            if self._since_optimize >= self._optimize_every:
                self._since_optimize = 0
                try:
                    self.index.optimize()
                except Exception as exc:  # searches still work unoptimised; try again next time
                    log.warning("index optimize failed", error=repr(exc)[:300])
                    self.stats.record_error(f"optimize: {exc}")

    def _stored_versions(self, plan: BatchPlan) -> dict[str, int]:
        """Versions the index holds for the plan's ids: its offers' own, and the tombstones this process
        applied (a deleted point has no payload left to say how recent its deletion was)."""
        stored = {pid: self._tombstones[pid] for pid in plan.versions if pid in self._tombstones}
        get_many = getattr(self.index, "get_many", None)
        if get_many is None or not plan.versions:
            return stored
        try:
            for pid, offer in get_many(list(plan.versions)).items():
                stored[pid] = max(stored.get(pid, -1), offer.version)
        except Exception as exc:  # the write below retries an outage; ordering is best effort then
            log.warning("could not read the indexed versions", error=repr(exc)[:300])
        return stored

    def _remember_tombstones(self, plan: BatchPlan, refused: list[Rejected]) -> None:
        refused_ids = {pid for pid, msg in plan.sources.items() if any(r.msg is msg for r in refused)}
        for pid in plan.deletes:
            if pid not in refused_ids:
                self._tombstones[pid] = plan.versions.get(pid, 0)
                self._tombstones.move_to_end(pid)
        for offer in plan.upserts:
            self._tombstones.pop(str(uuid.UUID(offer.id)), None)
        while len(self._tombstones) > TOMBSTONE_MEMORY:
            self._tombstones.popitem(last=False)

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

    def _observe_indexed(self, plan: BatchPlan, refused: list[Rejected]) -> None:
        refused_msgs = {id(r.msg) for r in refused}
        offers = {str(uuid.UUID(o.id)): o for o in plan.upserts}
        now = time.time()
        for pid, msg in plan.sources.items():
            if id(msg) in refused_msgs:
                continue
            age = event_age_s(msg, now, self._started_at)
            offer = offers.get(pid)
            # offer_id: the correlation key every service logs an offer under (core/logging.py).
            log.debug("offer indexed", offer_id=pid, refs=offer.source_refs if offer else None,
                      deleted=offer is None, age_s=None if age is None else round(age, 3))
            if age is not None and self._on_indexed is not None:
                try:
                    self._on_indexed(age)
                except Exception as exc:  # metrics must never stop the index from being kept fresh
                    self.stats.record_error(f"on_indexed: {exc}")

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
