"""The warehouse's gold tables for the API, read through a short TTL cache.

The DuckDB file has one writer at a time (the sink, a dbt build) under an advisory lock; a reader waits
for it at most ``lock_timeout_s``. When the warehouse is busy or down, the last answer is served again
(marked stale); with none yet, the caller gets ``WarehouseUnavailable`` (a 503 that says why).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import structlog

log = structlog.get_logger(__name__)

# Exposed gold tables and their natural order (fixed SQL: a name is only ever looked up here).
GOLD_TABLES: dict[str, str] = {
    "top_cities": "city_rank",
    "top_skills": "skill_rank",
    "top_companies": "company_rank",
    "top_domains": "domain_rank",
    "offers_by_contract": "offer_count desc, contract_type",
    "offers_by_seniority": "offer_count desc, seniority",
    "daily_offers": "published_date",
    "salary_by_rome_region": "rome_code, region",
}
SOFT_SKILLS_TABLE = "soft_skills_by_rome"
_ORDERS = {**GOLD_TABLES, SOFT_SKILLS_TABLE: "rome_code, rank_in_rome"}
MAX_ROWS = 100_000
RETRY_AFTER_S = 5.0

Query = Callable[[str, Sequence[Any] | None], list[dict[str, Any]]]


class WarehouseUnavailable(RuntimeError):
    """No answer can be given now (the warehouse is busy, down, or not built yet) and none is cached."""


@dataclass(frozen=True)
class TableRead:
    rows: list[dict[str, Any]]
    refreshed_at: datetime
    stale: bool = False


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value
    if isinstance(value, date):
        return value.isoformat()
    return value


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    if "does not exist" in text or "not found" in text.lower():
        return "the gold tables are not built yet (`jobmarket transform` builds them)"
    if isinstance(exc, FileNotFoundError):
        return "no warehouse yet (the sink creates it once offers flow)"
    if isinstance(exc, TimeoutError):
        return "the warehouse is busy (a load or a dbt build holds it); retry shortly"
    return f"the warehouse cannot be read: {type(exc).__name__}: {text[:200]}"


class StatsSource:
    def __init__(self, query: Query, relation: Callable[[str, str], str], ttl_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._query = query
        self._relation = relation
        self._ttl_s = ttl_s
        self._clock = clock
        self._cache: dict[str, tuple[float, TableRead]] = {}
        self._locks = {name: threading.Lock() for name in _ORDERS}

    @classmethod
    def for_data_dir(cls, data_dir: Path, ttl_s: float = 30.0, lock_timeout_s: float = 1.0) -> StatsSource:
        """On the configured warehouse (DuckDB under ``data_dir`` by default), waiting little for its lock."""
        from warehouse import Settings as WarehouseSettings
        from warehouse import open_warehouse

        # The environment's warehouse (WAREHOUSE, SNOWFLAKE_*...), on the API's data directory.
        settings = WarehouseSettings().model_copy(update={"data_dir": data_dir, "lock_timeout_s": lock_timeout_s})
        wh = open_warehouse(settings)
        return cls(wh.query, wh.relation, ttl_s)

    def _read(self, name: str) -> TableRead:
        sql = f"select * from {self._relation('gold', name)} order by {_ORDERS[name]} limit {MAX_ROWS}"
        rows = self._query(sql, None)
        return TableRead([{k: _plain(v) for k, v in r.items()} for r in rows], datetime.now(UTC))

    def table(self, name: str) -> TableRead:
        """A gold table (``name`` must be one of ``GOLD_TABLES`` or the soft-skills table)."""
        if name not in _ORDERS:
            raise KeyError(name)
        cached = self._cache.get(name)
        if cached is not None and self._clock() - cached[0] < self._ttl_s:
            return cached[1]
        lock = self._locks[name]
        if cached is not None and not lock.acquire(blocking=False):
            return cached[1]  # another request is refreshing it: the previous answer is fine meanwhile
        if cached is None:
            lock.acquire()
        try:
            again = self._cache.get(name)
            if again is not None and again is not cached and self._clock() - again[0] < self._ttl_s:
                return again[1]  # refreshed while we waited
            try:
                read = self._read(name)
            except Exception as exc:
                reason = _reason(exc)
                log.warning("warehouse read failed", table=name, reason=reason, error=repr(exc)[:300])
                if cached is not None:
                    stale = TableRead(cached[1].rows, cached[1].refreshed_at, stale=True)
                    # Served again for a few seconds before the next try, so a busy warehouse is not
                    # asked (and waited on) by every request.
                    self._cache[name] = (self._clock() - self._ttl_s + RETRY_AFTER_S, stale)
                    return stale
                raise WarehouseUnavailable(reason) from exc
            self._cache[name] = (self._clock(), read)
            return read
        finally:
            lock.release()
