"""Dependencies of the read side (search, reference data, stats): the catalog and the stats source,
resolved from ``app.state``; plus what the lifespan calls to build the catalog."""

from __future__ import annotations

import threading
from typing import Annotated

import structlog
from fastapi import Depends, HTTPException, Request

from api.catalog import Catalog
from api.settings import Settings
from api.stats_source import StatsSource
from ml.lexical import Bm25Index
from schemas.events import Offer
from stream_processors.enrichment.referential import referential
from vector_index.base import VectorIndex

log = structlog.get_logger(__name__)


def build_catalog(index: VectorIndex, dim: int) -> Catalog:
    """A catalog filled with every offer of ``index`` (startup; the indexer's hook keeps it in step)."""
    referential()  # loaded now (~1 s) rather than by the first search naming a city
    catalog = Catalog(dim, lexical=Bm25Index())
    iter_offers = getattr(index, "iter_offers", None)
    if iter_offers is None:
        log.warning("index cannot list its offers; search starts empty", index=type(index).__name__)
        return catalog
    count = catalog.load(iter_offers())
    log.info("catalog loaded", offers=count)
    return catalog


def fetch_offers(index: VectorIndex, ids: list[str]) -> dict[str, Offer]:
    """The page's offers, by id, in one call where the backend can."""
    get_many = getattr(index, "get_many", None)
    if get_many is not None:
        found: dict[str, Offer] = get_many(ids)
        return found
    out = {}
    for i in ids:
        offer = index.get(i)
        if offer is not None:
            out[i] = offer
    return out


def _catalog(request: Request) -> Catalog:
    catalog: Catalog | None = getattr(request.app.state, "catalog", None)
    if catalog is None:
        raise HTTPException(503, "the offer catalog is still loading; retry in a few seconds")
    return catalog


_stats_lock = threading.Lock()


def _stats(request: Request) -> StatsSource:
    state = request.app.state
    with _stats_lock:
        source: StatsSource | None = getattr(state, "stats_source", None)
        if source is None:
            settings: Settings = state.settings
            source = state.stats_source = StatsSource.for_data_dir(settings.data_dir)
    return source


CatalogDep = Annotated[Catalog, Depends(_catalog)]
StatsDep = Annotated[StatsSource, Depends(_stats)]
