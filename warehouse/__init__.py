"""The analytics warehouse: the sink's raw + canonical layers and the dbt project that builds on them.

``open_warehouse()`` returns the configured backend (DuckDB by default, Snowflake when configured).
"""

from __future__ import annotations

from warehouse.base import Batch, Warehouse, WriteStats
from warehouse.settings import Backend, Settings


def open_warehouse(settings: Settings | None = None) -> Warehouse:
    settings = settings or Settings()
    if settings.effective_backend is Backend.SNOWFLAKE:
        from warehouse.snowflake import SnowflakeWarehouse

        return SnowflakeWarehouse(settings)
    from warehouse.duckdb import DuckDBWarehouse

    return DuckDBWarehouse(settings)


__all__ = ["Backend", "Batch", "Settings", "Warehouse", "WriteStats", "open_warehouse"]
