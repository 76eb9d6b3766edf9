"""Analytics for the site and partners: the warehouse's gold tables (cached briefly) and a live summary."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException
from starlette.concurrency import run_in_threadpool

from api import search as search_logic
from api.catalog import Catalog
from api.read_deps import CatalogDep, StatsDep
from api.schemas_search import StatsResponse, SummaryResponse
from api.stats_source import GOLD_TABLES, WarehouseUnavailable

router = APIRouter(prefix="/api/stats", tags=["stats"])


def _summary(catalog: Catalog) -> SummaryResponse:
    with catalog.reading():
        offers, new_today, per_source, latest = search_logic.summary(catalog, datetime.now(UTC))
    return SummaryResponse(offers_indexed=offers, new_today=new_today, per_source=per_source,
                           latest_published_at=latest)


@router.get("/summary", response_model=SummaryResponse, summary="Live counts for the home page")
async def summary(catalog: CatalogDep) -> SummaryResponse:
    """Offers searchable now, new since midnight UTC, per source, and the latest publication: live from
    the API's own index, not the warehouse."""
    return await run_in_threadpool(_summary, catalog)


@router.get("/{name}", response_model=StatsResponse, summary="A gold table of the warehouse",
            responses={404: {"description": "Unknown table; the message lists the valid ones"},
                       503: {"description": "The warehouse cannot be read now and nothing is cached"}})
async def gold_table(name: str, stats: StatsDep) -> StatsResponse:
    """One of: top_cities, top_skills, top_companies, top_domains, offers_by_contract, offers_by_seniority,
    daily_offers, salary_by_rome_region (see dbt/README.md). Answers are cached about 30 s; `stale` is true
    when the warehouse was busy and an older answer is served."""
    if name not in GOLD_TABLES:
        raise HTTPException(404, f"unknown stats table {name!r}; valid: {', '.join(sorted(GOLD_TABLES))}")
    try:
        read = await run_in_threadpool(stats.table, name)
    except WarehouseUnavailable as exc:
        raise HTTPException(503, str(exc)) from exc
    return StatsResponse(name=name, rows=read.rows, refreshed_at=read.refreshed_at, stale=read.stale)
