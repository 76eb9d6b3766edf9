from __future__ import annotations

from typing import Annotated

import numpy as np
import numpy.typing as npt
from fastapi import APIRouter, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from api import search as search_logic
from api.catalog import Catalog
from api.deps import IndexDep, ModelWorkerDep, SettingsDep
from api.model_worker import ModelWorker
from api.models import OfferView
from api.offer_ids import OfferIdDep
from api.pending import DELETED, pending_overlay
from api.read_deps import CatalogDep, fetch_offers
from api.schemas_search import OfferSearch, SearchItem, SearchResponse
from vector_index.base import VectorIndex

router = APIRouter(prefix="/api/offres", tags=["offers"])


def _run(catalog: Catalog, q: OfferSearch, size: int,
         vector: npt.NDArray[np.float32] | None) -> search_logic.SearchPage:
    with catalog.reading():
        center = search_logic.city_center(catalog, q.city) if q.city and q.radius_km is not None else None
        return search_logic.search(catalog, q, size, vector, center)


async def _search(q: OfferSearch, catalog: Catalog, index: VectorIndex, worker: ModelWorker,
                  max_limit: int) -> SearchResponse:
    size = min(q.size, max_limit)
    # The model thread embeds (and caches) the keywords; the catalog work runs on a pool thread.
    vector = await worker.encode_query(" ".join(q.keywords.split())) if q.keywords else None
    try:
        page = await run_in_threadpool(_run, catalog, q, size, vector)
    except search_logic.SearchError as exc:
        raise HTTPException(422, str(exc)) from exc
    offers = await run_in_threadpool(fetch_offers, index, page.ids)
    items = []
    for offer_id, score, distance in zip(page.ids, page.scores, page.distances, strict=True):
        offer = offers.get(offer_id)
        if offer is None:  # withdrawn between the search and the fetch
            continue
        terms = catalog.lexical.matched_terms(q.keywords, offer_id) if q.keywords and catalog.lexical else []
        items.append(SearchItem(offer=offer.model_copy(update={"embedding": None}), score=score,
                                matched_terms=terms, distance_km=distance))
    return SearchResponse(items=items, total=page.total, page=q.page, size=size, facets=page.facets)


@router.get("", response_model=SearchResponse, summary="List offers (paged, filtered)")
async def list_offers(q: Annotated[OfferSearch, Query()], catalog: CatalogDep, index: IndexDep,
                      worker: ModelWorkerDep, settings: SettingsDep) -> SearchResponse:
    """The same filters as `POST /api/offres/search`, as query parameters (repeat a list parameter:
    `?contract_types=CDI&contract_types=CDD`). Without keywords, newest first."""
    return await _search(q, catalog, index, worker, settings.max_limit)


@router.post("/search", response_model=SearchResponse, summary="Search offers, with facets over every match",
             responses={422: {"description": "Unknown field, invalid value, or a city without coordinates"}})
async def search_offers(body: OfferSearch, catalog: CatalogDep, index: IndexDep, worker: ModelWorkerDep,
                        settings: SettingsDep) -> SearchResponse:
    """Keywords match words (BM25 with French stemming) and meaning (the embedding model), fused by rank;
    filters narrow; `facets` count the whole result set; `size` is capped by `API_MAX_LIMIT`."""
    return await _search(body, catalog, index, worker, settings.max_limit)


@router.get("/{offer_id}", response_model=OfferView,
            responses={404: {"description": "No such offer"}, 422: {"description": "Malformed id"}})
async def get_offer(offer_id: OfferIdDep, request: Request, index: IndexDep) -> OfferView:
    """An offer by canonical id (uuid) or by source reference ``{source}:{source_id}``
    (e.g. ``france_travail:191FJMB``, ``adzuna:5135389874``, ``api:…`` for an offer posted here)."""
    # Read-your-writes: an offer written through this API is served from the API's overlay until the
    # pipeline has indexed it (and a deleted one is gone at once).
    hit = await run_in_threadpool(pending_overlay(request).get, offer_id.value)
    if hit is DELETED:
        raise HTTPException(404, f"offer '{offer_id.value}' was withdrawn by its author")
    if hit is not None:
        return OfferView.of(hit)
    getter = index.get_by_ref if offer_id.is_ref else index.get
    offer = await run_in_threadpool(getter, offer_id.value)
    if offer is None:
        raise HTTPException(404, f"no offer '{offer_id.value}' (it may not be indexed yet, or was withdrawn)")
    return OfferView.of(offer)
