"""DuckDB: the embedded default warehouse, one file under the data directory.

A DuckDB file has one writer process at a time, and dbt-duckdb is another process: every access opens
a short-lived connection under an advisory file lock (``<file>.lock``) — exclusive for the sink's
batches and for a whole dbt build, shared for readers — so the sink, the periodic transform and the
dashboard take turns instead of failing on DuckDB's own lock.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import structlog

from warehouse.base import (
    ENRICHED_OFFERS_TABLE,
    RAW_OFFERS_TABLE,
    RAW_REMOVALS_TABLE,
    TABLES,
    Batch,
    Column,
    TableSpec,
    Warehouse,
    WriteStats,
    json_chunks,
    merge_sql,
    missing_columns,
    utc_now,
)
from warehouse.settings import Settings

log = structlog.get_logger(__name__)

_TYPES = {"string": "VARCHAR", "int": "BIGINT", "bool": "BOOLEAN", "timestamp": "TIMESTAMP", "json": "JSON"}


def _extract(col: Column) -> str:
    if col.type == "json":
        return f"j->'{col.name}'"
    text = f"j->>'{col.name}'"
    return text if col.type == "string" else f"cast({text} as {_TYPES[col.type]})"


class DuckDBWarehouse(Warehouse):
    backend: ClassVar[str] = "duckdb"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path: Path = settings.duckdb_file
        self.schema = settings.raw_schema
        self._lock_path = self.path.with_name(self.path.name + ".lock")
        self._held = 0  # re-entrant exclusive lock within this process

    # -- locking ------------------------------------------------------------------------------------
    @contextmanager
    def _flock(self, mode: int) -> Iterator[None]:
        with open(self._lock_path, "a+") as fh:
            deadline = time.monotonic() + self.settings.lock_timeout_s
            while True:
                try:
                    fcntl.flock(fh, mode | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"warehouse file {self.path} stayed locked "
                                           f"{self.settings.lock_timeout_s}s") from None
                    time.sleep(0.005)  # short: a busy sink leaves the lock free only a few ms between batches
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        if self._held:
            self._held += 1
            try:
                yield
            finally:
                self._held -= 1
            return
        with self._flock(fcntl.LOCK_EX):
            self._held = 1
            try:
                yield
            finally:
                self._held = 0

    @contextmanager
    def _connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        lock = self._flock(fcntl.LOCK_SH) if read_only and not self._held else self.exclusive()
        with lock:
            if read_only and not self.path.exists():
                raise FileNotFoundError(f"no warehouse yet at {self.path}")
            con = duckdb.connect(str(self.path), read_only=read_only)
            try:
                con.execute("set TimeZone = 'UTC'")
                yield con
            finally:
                con.close()

    # -- Warehouse ----------------------------------------------------------------------------------
    def relation(self, schema: str, table: str) -> str:
        return f'"{schema}"."{table}"'

    def setup(self) -> None:
        with self._connect() as con:
            con.execute(f'create schema if not exists "{self.schema}"')
            for spec in TABLES:
                target = self.relation(self.schema, spec.name)
                cols = ", ".join(f"{c.name} {_TYPES[c.type]}" for c in spec.columns)
                con.execute(f"create table if not exists {target} ({cols})")
                # A file written by an older version lacks the newer columns (e.g. enriched_offers.version).
                existing = con.execute("select column_name from information_schema.columns "
                                       "where table_schema = ? and table_name = ?", [self.schema, spec.name])
                for col in missing_columns(spec, [r[0] for r in existing.fetchall()]):
                    con.execute(f"alter table {target} add column if not exists {col.name} {_TYPES[col.type]}")
                    log.info("warehouse column added", table=spec.name, column=col.name)

    def _write_table(self, con: duckdb.DuckDBPyConnection, spec: TableSpec, rows: list[dict[str, Any]]) -> int:
        if not rows:
            return 0
        staging = f"_stg_{spec.name}"
        con.execute(f"create or replace temp table {staging} as "
                    f"select * from {self.relation(self.schema, spec.name)} limit 0")
        cols = ", ".join(spec.column_names)  # named: a migrated table has its columns in another order
        select = ", ".join(_extract(c) for c in spec.columns)
        for chunk in json_chunks(rows, self.settings.max_bind_bytes):
            con.execute(f"insert into {staging} ({cols}) select {select} "
                        "from (select unnest(cast(?::json as json[])) as j)", [chunk])
        result = con.execute(merge_sql(spec, self.relation(self.schema, spec.name), staging)).fetchone()
        con.execute(f"drop table {staging}")
        return int(result[0]) if result else 0

    def write(self, batch: Batch) -> WriteStats:
        if not len(batch):
            return WriteStats()
        now = utc_now()
        with self._connect() as con:
            con.execute("begin transaction")
            try:
                stats = WriteStats(
                    raw_offers=self._write_table(con, RAW_OFFERS_TABLE, batch.rows_for(RAW_OFFERS_TABLE, now)),
                    removals=self._write_table(con, RAW_REMOVALS_TABLE, batch.rows_for(RAW_REMOVALS_TABLE, now)),
                    offers=self._write_table(con, ENRICHED_OFFERS_TABLE, batch.rows_for(ENRICHED_OFFERS_TABLE, now)),
                )
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
        return stats

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        with self._connect(read_only=not self._held) as con:
            cur = con.execute(sql, list(params) if params is not None else None)
            names = [d[0].lower() for d in cur.description or []]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def dbt_env(self) -> dict[str, str]:
        return {"WAREHOUSE_DUCKDB_PATH": str(self.path), "WAREHOUSE_RAW_SCHEMA": self.schema}
