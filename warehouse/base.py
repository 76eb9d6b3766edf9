"""The ``Warehouse`` interface and the tables the sink writes (raw layer + canonical layer).

Three tables in the raw schema, declared once here and created by each backend in its own dialect:

* ``raw_offers`` — one row per raw event, the source's JSON untouched; keyed by ``event_id``
  (``{source}:{source_id}@{fetched_at}``), insert-only: a replayed or re-published event changes nothing.
* ``raw_removals`` — one row per removal event, same rules.
* ``enriched_offers`` — the canonical layer: one row per canonical offer id, ordered by the producer's
  ``version`` (``Offer.version``, or the ``version`` header of a tombstone), never by Kafka offsets: they
  restart at 0 when a topic is re-created (every restart of the embedded broker, a cluster move), and a
  row gated on them would ignore every later update and removal. Tombstones mark the row removed and
  keep its last record. The embedding never reaches the warehouse. See ``merge_sql`` for the rule.

Every batch is written through a staging table and one MERGE per table, in one transaction where the
backend has them; the sink commits Kafka offsets only after ``write`` returned.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

ColumnType = Literal["string", "int", "bool", "timestamp", "json"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType


@dataclass(frozen=True)
class TableSpec:
    name: str
    key: str
    columns: tuple[Column, ...]
    description: str

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


_KAFKA = (
    Column("kafka_topic", "string"),
    Column("kafka_partition", "int"),
    Column("kafka_offset", "int"),
    Column("kafka_key", "string"),
    Column("kafka_timestamp", "timestamp"),
)

RAW_OFFERS_TABLE = TableSpec(
    name="raw_offers",
    key="event_id",
    columns=(
        Column("event_id", "string"),
        Column("source", "string"),
        Column("source_id", "string"),
        Column("schema_version", "int"),
        Column("fetched_at", "timestamp"),
        Column("payload", "json"),
        Column("is_valid", "bool"),
        *_KAFKA,
        Column("ingested_at", "timestamp"),
    ),
    description="One row per raw offer event: the source's JSON untouched, where and when it was fetched.",
)

RAW_REMOVALS_TABLE = TableSpec(
    name="raw_removals",
    key="event_id",
    columns=(
        Column("event_id", "string"),
        Column("source", "string"),
        Column("source_id", "string"),
        Column("schema_version", "int"),
        Column("removed_at", "timestamp"),
        Column("reason", "string"),
        Column("event", "json"),
        Column("is_valid", "bool"),
        *_KAFKA,
        Column("ingested_at", "timestamp"),
    ),
    description="One row per removal event (an offer withdrawn at its source).",
)

ENRICHED_OFFERS_TABLE = TableSpec(
    name="enriched_offers",
    key="offer_id",
    columns=(
        Column("offer_id", "string"),
        Column("record", "json"),
        Column("record_hash", "string"),
        Column("version", "int"),
        Column("is_removed", "bool"),
        Column("removed_at", "timestamp"),
        *_KAFKA,
        Column("loaded_at", "timestamp"),
    ),
    description="Canonical offers (enriched topic), one row per offer id; tombstones set is_removed.",
)

TABLES: tuple[TableSpec, ...] = (RAW_OFFERS_TABLE, RAW_REMOVALS_TABLE, ENRICHED_OFFERS_TABLE)


def utc_naive(ts: datetime | None) -> datetime | None:
    """Timestamps are stored as UTC without a zone (TIMESTAMP / TIMESTAMP_NTZ) on every backend."""
    if ts is None:
        return None
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC).replace(tzinfo=None)
    return ts


def _shallow(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj) if f.name != "kafka"}


def utc_now() -> datetime:
    return datetime.now(UTC)


def _ts(ts: datetime | None) -> str | None:
    ts = utc_naive(ts)
    return ts.isoformat(sep=" ", timespec="microseconds") if ts else None


@dataclass
class KafkaRef:
    kafka_topic: str
    kafka_partition: int
    kafka_offset: int
    kafka_key: str | None
    kafka_timestamp: datetime | None


@dataclass
class RawOfferRow:
    event_id: str
    source: str | None
    source_id: str | None
    schema_version: int | None
    fetched_at: datetime | None
    payload: Any  # the source's JSON object (None when the event could not be parsed)
    is_valid: bool
    kafka: KafkaRef


@dataclass
class RemovalRow:
    event_id: str
    source: str | None
    source_id: str | None
    schema_version: int | None
    removed_at: datetime | None
    reason: str | None
    event: Any
    is_valid: bool
    kafka: KafkaRef


@dataclass
class EnrichedOfferRow:
    offer_id: str
    record: dict[str, Any] | None  # None: a tombstone
    record_hash: str | None
    is_removed: bool
    removed_at: datetime | None
    kafka: KafkaRef
    version: int = 0  # the producer's order for this id; 0 when the record carries none (older producers)


_NO_TIMESTAMP = datetime.min.replace(tzinfo=UTC)


def supersedes(new: EnrichedOfferRow, old: EnrichedOfferRow) -> bool:
    """Whether ``new`` (read after ``old``) is the later state of the same offer id: the MERGE's rule
    (``merge_sql``) for two rows of one batch, where the content check does not matter."""
    if new.version != old.version:
        return new.version > old.version
    if new.is_removed:
        return True  # a removal at the same version is never lost
    return (new.kafka.kafka_timestamp or _NO_TIMESTAMP) >= (old.kafka.kafka_timestamp or _NO_TIMESTAMP)


def _latest_per_offer(offers: Sequence[EnrichedOfferRow]) -> list[EnrichedOfferRow]:
    """One row per offer id, the latest by ``supersedes``; a tombstone keeps the record it removes."""
    latest: dict[str, EnrichedOfferRow] = {}
    for row in offers:
        old = latest.get(row.offer_id)
        if old is None:
            latest[row.offer_id] = row
        elif supersedes(row, old):
            if row.record is None and old.record is not None:
                row = replace(row, record=old.record, record_hash=old.record_hash)
            latest[row.offer_id] = row
    return list(latest.values())


@dataclass
class Batch:
    raw_offers: list[RawOfferRow] = field(default_factory=list)
    removals: list[RemovalRow] = field(default_factory=list)
    offers: list[EnrichedOfferRow] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.raw_offers) + len(self.removals) + len(self.offers)

    def rows_for(self, table: TableSpec, now: datetime) -> list[dict[str, Any]]:
        """JSON-ready rows for ``table`` (timestamps as UTC ISO strings, None values left out)."""
        stamp = _ts(now)
        source: Sequence[RawOfferRow | RemovalRow | EnrichedOfferRow]
        if table is RAW_OFFERS_TABLE:
            source, stamp_col = self.raw_offers, "ingested_at"
        elif table is RAW_REMOVALS_TABLE:
            source, stamp_col = self.removals, "ingested_at"
        elif table is ENRICHED_OFFERS_TABLE:
            # canonical offers: the latest version of each id (not the last offset: see merge_sql)
            source, stamp_col = _latest_per_offer(self.offers), "loaded_at"
        else:
            raise ValueError(table.name)
        # One staging row per key, or MERGE would see duplicates: events keep their first occurrence
        # (insert-only).
        by_key: dict[str, dict[str, Any]] = {}
        for item in source:
            flat = _shallow(item)  # not dataclasses.asdict: it deep-copies every payload
            flat.update(_shallow(item.kafka))
            flat[stamp_col] = stamp
            row = {k: (_ts(v) if isinstance(v, datetime) else v) for k, v in flat.items() if v is not None}
            by_key.setdefault(str(row[table.key]), row)
        return list(by_key.values())


@dataclass(frozen=True)
class WriteStats:
    raw_offers: int = 0
    removals: int = 0
    offers: int = 0

    @property
    def total(self) -> int:
        return self.raw_offers + self.removals + self.offers


def json_chunks(rows: Sequence[dict[str, Any]], max_bytes: int) -> Iterator[str]:
    """JSON arrays of ``rows``, each at most ``max_bytes`` long (one oversize row goes alone)."""
    parts: list[str] = []
    size = 2
    for row in rows:
        text = json.dumps(row, ensure_ascii=False, separators=(",", ":"))
        n = len(text.encode("utf-8")) + 1
        if parts and size + n > max_bytes:
            yield "[" + ",".join(parts) + "]"
            parts, size = [], 2
        parts.append(text)
        size += n
    if parts:
        yield "[" + ",".join(parts) + "]"


def merge_sql(table: TableSpec, target: str, staging: str) -> str:
    """The MERGE from the staging table into ``target`` (same SQL on DuckDB and Snowflake)."""
    cols = table.column_names
    insert = (f"when not matched then insert ({', '.join(cols)}) "
              f"values ({', '.join('s.' + c for c in cols)})")
    on = f"merge into {target} as t using {staging} as s on t.{table.key} = s.{table.key}"
    if table is not ENRICHED_OFFERS_TABLE:
        return f"{on} {insert}"
    # Ordered by the producer's version, never by Kafka offsets (lineage only: they restart at 0 when a
    # topic is re-created, and a replay re-reads old ones). A row is replaced by
    #  * a higher version, always (upsert or tombstone);
    #  * the same version only if it changes something: a tombstone removes a live row (a removal is never
    #    lost to a tie), an upsert that changes the content or brings the offer back wins unless its Kafka
    #    timestamp is older. Versions tie when the producer sets none (0: older workers, until the merge
    #    stage stamps them): the timestamp then orders an update after a restart before a replayed record.
    # A tombstone keeps the last record. A row stored before the version column existed counts as 0.
    kafka_cols = [c.name for c in _KAFKA]
    updates = ["record = coalesce(s.record, t.record)", "record_hash = coalesce(s.record_hash, t.record_hash)",
               "version = s.version", "is_removed = s.is_removed", "removed_at = s.removed_at",
               *(f"{c} = s.{c}" for c in kafka_cols), "loaded_at = s.loaded_at"]
    epoch = "cast('1970-01-01 00:00:00' as timestamp)"
    s_version, t_version = "coalesce(s.version, 0)", "coalesce(t.version, 0)"
    return (f"{on} when matched and ({s_version} > {t_version} or ({s_version} = {t_version} and ("
            "(s.is_removed and not t.is_removed)"
            f" or (not s.is_removed and coalesce(s.kafka_timestamp, {epoch}) >= coalesce(t.kafka_timestamp, {epoch})"
            " and (t.is_removed or s.record_hash is distinct from t.record_hash)))))"
            f" then update set {', '.join(updates)} {insert}")


def missing_columns(table: TableSpec, existing: Iterable[str]) -> list[Column]:
    """Columns of ``table`` absent from a table created by an older version (``setup`` adds them)."""
    have = {name.lower() for name in existing}
    return [c for c in table.columns if c.name not in have]


class Warehouse(ABC):
    """Where the sink writes and dbt builds; DuckDB (embedded default) or Snowflake."""

    backend: ClassVar[str]

    @abstractmethod
    def setup(self) -> None:
        """Create the raw schema and the sink's tables if missing (idempotent)."""

    @abstractmethod
    def write(self, batch: Batch) -> WriteStats:
        """Write one batch durably (staging + MERGE); returns the rows inserted or changed per table."""

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """Rows as dicts with lower-case column names (for tests, checks and the dashboard)."""

    @abstractmethod
    def relation(self, schema: str, table: str) -> str:
        """The fully qualified name of a table in this warehouse (e.g. ``relation("gold", "top_cities")``)."""

    @abstractmethod
    def exclusive(self) -> AbstractContextManager[None]:
        """Held by writers: the sink for each batch, dbt for a whole build (DuckDB allows one writer)."""

    @abstractmethod
    def dbt_env(self) -> dict[str, str]:
        """Environment variables dbt's profile reads for this warehouse."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    def table(self, schema: str, table: str, order_by: str | None = None) -> list[dict[str, Any]]:
        sql = f"select * from {self.relation(schema, table)}"
        return self.query(sql + (f" order by {order_by}" if order_by else ""))

    def count(self, schema: str, table: str) -> int:
        return int(self.query(f"select count(*) as n from {self.relation(schema, table)}")[0]["n"])

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
