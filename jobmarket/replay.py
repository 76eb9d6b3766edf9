"""``jobmarket replay``: re-process a topic's history into the index, the warehouse or another topic.

It reads with its own consumer (partitions assigned, no group, nothing committed: no running service is
disturbed), from ``--from-offset`` / ``--from-time`` up to the high watermarks seen at start (plus, on the
embedded broker, which reports the end of a multi-record batch early, the records stamped before the start
that a short drain still finds). Time bounds are exact on every broker: ``offsets_for_times`` only gives a
lower bound (Tansu answers 0, GUIDE §1) and each record's own timestamp decides.

Every mode is idempotent, so replaying twice changes nothing:
- ``--into index --collection NEW`` rebuilds the index into a new collection from the compacted topic
  (last record per key by version; a tombstone deletes), re-embedding every offer that another model
  embedded, then moves the alias atomically with the offsets it was built up to. The running API notices,
  opens NEW, applies what was published since and swaps its encoder + index + catalog at once
  (``api.serving``): no query sees a half-built index, no offer published meanwhile is lost. The same
  mechanism rolls out a new model (``--model MODEL_ID|champion``). Rebuilding into an existing non-live
  collection converges: points the topic no longer has are deleted.
- ``--into index`` (no ``--collection``) writes into the live collection itself: possible with a Qdrant
  server, or in-process while the API is stopped (the API owns its directory).
- ``--into warehouse`` feeds the warehouse sink's own write path (MERGE by key, highest version wins).
- ``--into topic:NAME`` copies records (key, value, headers, timestamp) with an origin header
  (``topic/partition/offset``); origins already in the target are skipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from core.settings import CommonSettings
from schemas.events import Offer, header_version
from schemas.topics import ENRICHED_OFFERS

log = structlog.get_logger(__name__)

ORIGIN_HEADER = "jobmarket-replay-origin"
BATCH = 256  # offers per index write / model call
DRAIN_IDLE_S = 0.5


class ReplayError(Exception):
    """A replay that cannot run as asked (the message says why and what to do)."""


# -- pure parts -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bounds:
    """Which records of a partition are replayed: offsets from ``from_offset``, timestamps in
    [``from_ms``, ``to_ms``] (ms since the epoch, both inclusive)."""

    from_offset: int | None = None
    from_ms: int | None = None
    to_ms: int | None = None

    @classmethod
    def of(cls, from_offset: int | None = None, from_time: datetime | None = None,
           to_time: datetime | None = None) -> Bounds:
        if from_offset is not None and from_time is not None:
            raise ReplayError("give --from-offset or --from-time, not both")
        if from_offset is not None and from_offset < 0:
            raise ReplayError("--from-offset must be >= 0")
        bounds = cls(from_offset, _ms(from_time), _ms(to_time))
        if bounds.from_ms is not None and bounds.to_ms is not None and bounds.from_ms > bounds.to_ms:
            raise ReplayError("--from-time is after --to-time")
        return bounds

    @property
    def whole(self) -> bool:
        return self.from_offset is None and self.from_ms is None and self.to_ms is None

    def admits(self, offset: int, ts_ms: int | None) -> bool:
        if self.from_offset is not None and offset < self.from_offset:
            return False
        if ts_ms is None or ts_ms < 0:  # no timestamp: only an offset bound can decide
            return self.from_ms is None and self.to_ms is None
        if self.from_ms is not None and ts_ms < self.from_ms:
            return False
        return self.to_ms is None or ts_ms <= self.to_ms


def _ms(when: datetime | None) -> int | None:
    if when is None:
        return None
    return int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp() * 1000)


@dataclass(frozen=True)
class Record:
    """What the replay keeps of a message (never the client's Message: it must outlive the consumer)."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]]
    ts_ms: int | None

    @classmethod
    def of(cls, msg: Message) -> Record:
        kind, ts = msg.timestamp()
        raw = msg.headers() or []
        headers = [(str(k), v if isinstance(v, bytes) or v is None else str(v).encode())
                   for k, v in (raw.items() if isinstance(raw, dict) else raw)]
        return cls(int(msg.partition() or 0), int(msg.offset() or 0), msg.key(), msg.value(), headers,
                   ts if kind and ts >= 0 else None)

    def header(self, name: str) -> bytes | None:
        return next((v for k, v in self.headers if k == name), None)

    @property
    def text_key(self) -> str | None:
        return self.key.decode("utf-8", errors="replace") if self.key is not None else None


def record_version(record: Record) -> int:
    """The ``version`` header (the merge stage sets it on records and tombstones), else the offer's own."""
    version = header_version(record.headers)
    if version is not None:
        return version
    if record.value is not None:
        try:
            return int(Offer.model_validate_json(record.value).version or 0)
        except (ValidationError, TypeError, ValueError):
            return 0
    return 0


@dataclass
class Compacted:
    """The topic's state: the winning record per key (a tombstone's value is None)."""

    latest: dict[str, tuple[int, Record]] = field(default_factory=dict)

    def add(self, record: Record) -> None:
        """Highest version wins; at an equal version the later record (compaction's rule)."""
        key = record.text_key
        if key is None:
            return
        version = record_version(record)
        held = self.latest.get(key)
        if held is None or version >= held[0]:
            self.latest[key] = (version, record)

    def live(self) -> dict[str, Record]:
        return {k: r for k, (_, r) in self.latest.items() if r.value is not None}

    def removed(self) -> list[str]:
        return [k for k, (_, r) in self.latest.items() if r.value is None]


def compact(records: Iterable[Record]) -> Compacted:
    out = Compacted()
    for r in records:
        out.add(r)
    return out


def origin(topic: str, record: Record) -> bytes:
    return f"{topic}/{record.partition}/{record.offset}".encode()


def copy_plan(topic: str, records: Iterable[Record], existing: set[bytes]) -> tuple[list[Record], int]:
    """Records not yet copied (their origin is not in the target), and how many were skipped."""
    todo, skipped = [], 0
    for r in records:
        if origin(topic, r) in existing:
            skipped += 1
        else:
            todo.append(r)
    return todo, skipped


@dataclass
class Tally:
    read: int = 0
    in_range: int = 0
    applied: int = 0
    skipped: int = 0


@dataclass
class Summary:
    topic: str
    into: str
    partitions: dict[int, Tally] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def tally(self, partition: int) -> Tally:
        return self.partitions.setdefault(partition, Tally())

    @property
    def total(self) -> Tally:
        t = Tally()
        for p in self.partitions.values():
            t.read, t.in_range = t.read + p.read, t.in_range + p.in_range
            t.applied, t.skipped = t.applied + p.applied, t.skipped + p.skipped
        return t

    def table(self) -> Table:
        table = Table("partition", "read", "in range", "applied", "skipped",
                      title=f"replay {self.topic} → {self.into}")
        for p, t in sorted(self.partitions.items()):
            table.add_row(str(p), str(t.read), str(t.in_range), str(t.applied), str(t.skipped))
        t = self.total
        table.add_row("all", str(t.read), str(t.in_range), str(t.applied), str(t.skipped), style="bold")
        return table


# -- reading ----------------------------------------------------------------------------------------------


def _consumer(bootstrap: str) -> Consumer:
    return Consumer({"bootstrap.servers": bootstrap, "group.id": f"jobmarket-replay-{time.time_ns()}",
                     "enable.auto.commit": False, "enable.partition.eof": True})


def partition_count(consumer: Consumer, topic: str) -> int:
    meta = consumer.list_topics(topic, timeout=10).topics.get(topic)
    if meta is None or meta.error is not None or not meta.partitions:
        raise ReplayError(f"no such topic: {topic}")
    return len(meta.partitions)


@dataclass
class Reader:
    """Reads ``topic`` within ``bounds``; ``ends`` (after ``read``) is where each partition stopped."""

    bootstrap: str
    topic: str
    bounds: Bounds
    ends: dict[int, int] = field(default_factory=dict)
    first_after: dict[int, int] = field(default_factory=dict)  # first offset stamped after to_ms

    def read(self, summary: Summary, progress: Progress | None = None) -> Iterator[Record]:
        started_ms = int(time.time() * 1000)
        consumer = _consumer(self.bootstrap)
        try:
            n = partition_count(consumer, self.topic)
            marks = {p: consumer.get_watermark_offsets(TopicPartition(self.topic, p), timeout=10) for p in range(n)}
            starts = self._starts(consumer, n, marks)
            self.ends = {p: hi for p, (_, hi) in marks.items()}
            task = progress.add_task(f"reading {self.topic}", total=sum(max(0, self.ends[p] - s)
                                                                          for p, s in starts.items())) \
                if progress is not None else None
            consumer.assign([TopicPartition(self.topic, p, s) for p, s in starts.items()])
            pending = {p for p, s in starts.items() if s < self.ends[p]}
            for p in starts:
                summary.tally(p)
            draining_since: float | None = None
            while True:
                if not pending and draining_since is None:
                    draining_since = time.monotonic()
                if draining_since is not None and time.monotonic() - draining_since >= DRAIN_IDLE_S:
                    return
                msg = consumer.poll(0.1)
                if msg is None:
                    continue
                err, p = msg.error(), int(msg.partition() or 0)
                if err is not None:
                    if err.code() == KafkaError._PARTITION_EOF:
                        pending.discard(p)
                        continue
                    raise KafkaException(err)
                record = Record.of(msg)
                if record.offset >= self.ends[p]:
                    # Past the end seen at start: only what existed before the replay began (the embedded
                    # broker reports the end of a multi-record batch early).
                    if record.ts_ms is None or record.ts_ms > started_ms:
                        continue
                    self.ends[p] = record.offset + 1
                    draining_since = None if draining_since is None else time.monotonic()
                elif record.offset >= self.ends[p] - 1:
                    pending.discard(p)
                tally = summary.tally(p)
                tally.read += 1
                if progress is not None and task is not None:
                    progress.advance(task)
                to_ms = self.bounds.to_ms
                if to_ms is not None and record.ts_ms is not None and record.ts_ms > to_ms:
                    self.first_after.setdefault(p, record.offset)
                if self.bounds.admits(record.offset, record.ts_ms):
                    tally.in_range += 1
                    yield record
        finally:
            consumer.close()

    def _starts(self, consumer: Consumer, n: int, marks: dict[int, tuple[int, int]]) -> dict[int, int]:
        b = self.bounds
        if b.from_offset is not None:
            return {p: max(b.from_offset, marks[p][0]) for p in range(n)}
        if b.from_ms is None:
            return {p: marks[p][0] for p in range(n)}
        # A lower bound only (Tansu answers 0): every record's timestamp is checked anyway.
        found = consumer.offsets_for_times([TopicPartition(self.topic, p, b.from_ms) for p in range(n)], timeout=10)
        return {tp.partition: tp.offset if tp.offset >= 0 else marks[tp.partition][1] for tp in found}


# -- into the index ---------------------------------------------------------------------------------------


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=False)


def target_encoder(model: str | None, current_model: str | None) -> Any:
    """``champion``: the registry's champion (else the default); a model id: that encoder; none: the model
    of the live collection (else the serving default)."""
    from ml.serving import encoder_for_model_id, serving_encoder

    if model == "champion" or (model is None and current_model is None):
        return serving_encoder()
    return encoder_for_model_id(model or str(current_model))


def offers_for(records: Iterable[Record], model: str, dim: int, encoder: Any,
               summary: Summary) -> Iterator[list[Offer]]:
    """Winning offers in batches, each embedded by ``model`` (re-embedded in one call when not)."""
    from ml.embedding import embed_offers

    batch: list[tuple[Record, Offer]] = []

    def flush() -> list[Offer]:
        stale = [o for _, o in batch if o.embedding is None or o.embedding.model != model
                 or o.embedding.dim != dim]
        if stale:
            embed_offers(stale, encoder)
        return [o for _, o in batch]

    for r in records:
        try:
            offer = Offer.model_validate_json(r.value or b"")
        except ValidationError as exc:
            summary.tally(r.partition).skipped += 1
            log.warning("undecodable offer skipped", partition=r.partition, offset=r.offset, error=str(exc)[:200])
            continue
        batch.append((r, offer))
        if len(batch) >= BATCH:
            yield flush()
            batch = []
    if batch:
        yield flush()


def apply_compacted(index: Any, state: Compacted, model: str, encoder: Any, summary: Summary,
                    progress: Progress | None, prune: bool) -> None:
    """Upserts every live offer, deletes every tombstoned key (and, with ``prune``, every point the topic
    does not have): the index then holds exactly the topic's state."""
    live = state.live()
    task = progress.add_task("indexing", total=len(live)) if progress is not None else None
    for offers in offers_for(live.values(), model, encoder.dim, encoder, summary):
        index.upsert(offers)
        for o in offers:
            r = live.get(o.id)
            if r is not None:
                summary.tally(r.partition).applied += 1
        if progress is not None and task is not None:
            progress.advance(task, len(offers))
    gone = state.removed()
    for i in range(0, len(gone), BATCH):
        index.delete(gone[i:i + BATCH])
    for k in gone:
        summary.tally(state.latest[k][1].partition).applied += 1
    if prune:
        extra = [o.id for o in index.iter_offers(with_vectors=False) if o.id not in live]
        for i in range(0, len(extra), BATCH):
            index.delete(extra[i:i + BATCH])
        if extra:
            summary.notes.append(f"{len(extra)} points the topic no longer has were deleted")


def into_index(settings: CommonSettings, topic: str, bounds: Bounds, collection: str | None, model: str | None,
               console: Console, alias: str = "offers") -> Summary:
    from vector_index.collections import AliasRecord, check_name, open_collections

    if topic != ENRICHED_OFFERS.name:
        raise ReplayError(f"the index is built from {ENRICHED_OFFERS.name}, not {topic}")
    collections = open_collections(settings, alias)
    try:
        current = collections.current()
        summary = Summary(topic, f"index:{collection or (current.collection if current else alias)}")
        if collection is None:
            if current is None:
                raise ReplayError("no collection yet: start the API once, or give --collection NEW")
            if model is not None:
                raise ReplayError("--model builds a new collection: add --collection NEW")
            encoder = target_encoder(current.model, None)
            name, prune = current.collection, False
        else:
            name = check_name(collection)
            if current is not None and current.collection == name:
                raise ReplayError(f"{name} is the live collection (alias {alias}): rebuild into a new name")
            if bounds.from_offset is not None or bounds.from_ms is not None:
                raise ReplayError("a new collection needs the whole history: drop --from-offset/--from-time "
                                  "(--to-time builds the state as of that time)")
            encoder = target_encoder(model, current.model if current else None)
            prune = True
        reader = Reader(settings.bootstrap_servers, topic, bounds)
        state = Compacted()
        with _progress(console) as progress:
            for r in reader.read(summary, progress):
                state.add(r)
            try:
                index = collections.open(name, encoder.dim, encoder.model_id)
            except Exception as exc:
                if "already accessed" in str(exc) or "lock" in str(exc).lower():
                    raise ReplayError(f"{name} is open in another process (the API owns the live collection): "
                                      "rebuild into a new one with --collection NEW") from exc
                raise
            try:
                apply_compacted(index, state, encoder.model_id, encoder, summary, progress, prune)
                index.optimize()
            finally:
                index.close()
        if collection is not None:
            # A point-in-time build (--to-time) hands over at the first record after that time.
            built_to = {p: reader.first_after.get(p, end) for p, end in reader.ends.items()}
            record = AliasRecord(collection=name, model=encoder.model_id, dim=encoder.dim, built_to=built_to,
                                 switched_at=datetime.now(UTC))
            collections.switch(record)
            summary.notes.append(f"alias {alias} → {name} (model {encoder.model_id}, built to {built_to})")
        return summary
    finally:
        collections.close()


# -- into the warehouse -----------------------------------------------------------------------------------


def into_warehouse(settings: CommonSettings, topic: str, bounds: Bounds, console: Console) -> Summary:
    from warehouse import open_warehouse
    from warehouse.settings import Settings as WarehouseSettings
    from warehouse.sink import TOPICS, to_batch

    if topic not in TOPICS:
        raise ReplayError(f"the warehouse takes {', '.join(TOPICS)}, not {topic}")
    summary = Summary(topic, "warehouse")
    warehouse = open_warehouse(WarehouseSettings())
    try:
        warehouse.setup()
        chunk: list[Record] = []

        def write(records: list[Record]) -> None:
            msgs = [_FakeMessage(topic, r) for r in records]
            stats = warehouse.write(to_batch(msgs))  # type: ignore[arg-type]  # duck-typed Message
            for r in records:
                summary.tally(r.partition).applied += 1
            log.info("replayed into the warehouse", records=len(records), written=stats.total)

        with _progress(console) as progress:
            for r in Reader(settings.bootstrap_servers, topic, bounds).read(summary, progress):
                chunk.append(r)
                if len(chunk) >= 500:
                    write(chunk)
                    chunk = []
            if chunk:
                write(chunk)
    finally:
        warehouse.close()
    return summary


@dataclass(frozen=True)
class _FakeMessage:
    """The few ``Message`` methods the warehouse sink's row builders call, over a kept ``Record``."""

    _topic: str
    _r: Record

    def topic(self) -> str:
        return self._topic

    def partition(self) -> int:
        return self._r.partition

    def offset(self) -> int:
        return self._r.offset

    def key(self) -> bytes | None:
        return self._r.key

    def value(self) -> bytes | None:
        return self._r.value

    def headers(self) -> list[tuple[str, bytes | None]]:
        return self._r.headers

    def timestamp(self) -> tuple[int, int]:
        return (1, self._r.ts_ms) if self._r.ts_ms is not None else (0, -1)


# -- into another topic -----------------------------------------------------------------------------------


def existing_origins(bootstrap: str, topic: str) -> set[bytes]:
    out: set[bytes] = set()
    for r in Reader(bootstrap, topic, Bounds()).read(Summary(topic, "")):
        o = r.header(ORIGIN_HEADER)
        if o is not None:
            out.add(o)
    return out


def ensure_target(bootstrap: str, target: str, partitions: int) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    from core.kafka import ensure_topics
    from schemas.topics import TOPICS

    if target in TOPICS:
        ensure_topics(bootstrap, [TOPICS[target]])
        return
    admin = AdminClient({"bootstrap.servers": bootstrap})
    if target in admin.list_topics(timeout=10).topics:
        return
    futures = admin.create_topics([NewTopic(target, num_partitions=partitions, replication_factor=-1)],
                                  operation_timeout=10)
    for fut in futures.values():
        try:
            fut.result()
        except KafkaException as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise


def into_topic(settings: CommonSettings, topic: str, target: str, bounds: Bounds, console: Console) -> Summary:
    from core.kafka import make_producer

    if not target or target == topic:
        raise ReplayError("--into topic:NAME needs another topic than the one replayed")
    bootstrap = settings.bootstrap_servers
    probe = _consumer(bootstrap)
    try:
        ensure_target(bootstrap, target, partition_count(probe, topic))
    finally:
        probe.close()
    summary = Summary(topic, f"topic:{target}")
    existing = existing_origins(bootstrap, target)
    # One record per batch: the embedded broker then reports the target's end exactly, and a later
    # replay reads every origin back (GUIDE §1).
    producer = make_producer(bootstrap, **{"batch.num.messages": 1})
    failed: list[str] = []

    def delivered(err: KafkaError | None, _msg: Message) -> None:
        if err is not None:
            failed.append(str(err))

    with _progress(console) as progress:
        for r in Reader(bootstrap, topic, bounds).read(summary, progress):
            todo, skipped = copy_plan(topic, [r], existing)
            summary.tally(r.partition).skipped += skipped
            for c in todo:
                headers: list[tuple[str, str | bytes | None]] = [(k, v) for k, v in c.headers if k != ORIGIN_HEADER]
                headers.append((ORIGIN_HEADER, origin(topic, c)))
                # The original time travels too (0: now), so a copy can be replayed by time like its source.
                producer.produce(target, key=c.key, value=c.value, headers=headers, on_delivery=delivered,
                                 timestamp=c.ts_ms or 0)
                producer.poll(0)
                summary.tally(c.partition).applied += 1
    left = producer.flush(30)
    if left or failed:
        raise ReplayError(f"{left} records not delivered to {target}: {failed[:3]} (replay again: it skips "
                          "what was copied)")
    return summary


# -- entry point ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplayOptions:
    topic: str
    into: str
    from_offset: int | None = None
    from_time: datetime | None = None
    to_time: datetime | None = None
    collection: str | None = None
    model: str | None = None


def run_replay(settings: CommonSettings, opts: ReplayOptions, console: Console,
               on_summary: Callable[[Summary], None] | None = None) -> Summary:
    bounds = Bounds.of(opts.from_offset, opts.from_time, opts.to_time)
    if opts.into != "index" and (opts.collection or opts.model):
        raise ReplayError("--collection and --model go with --into index")
    if opts.into == "index":
        summary = into_index(settings, opts.topic, bounds, opts.collection, opts.model, console)
    elif opts.into == "warehouse":
        summary = into_warehouse(settings, opts.topic, bounds, console)
    elif opts.into.startswith("topic:"):
        summary = into_topic(settings, opts.topic, opts.into.removeprefix("topic:"), bounds, console)
    else:
        raise ReplayError(f"--into {opts.into!r}: one of index, warehouse, topic:NAME")
    if on_summary is not None:
        on_summary(summary)
    return summary
