from __future__ import annotations

from fastapi import APIRouter, HTTPException
from starlette.concurrency import run_in_threadpool

from api.deps import IndexDep
from api.models import OfferView
from schemas.events import Source

router = APIRouter(prefix="/api/offres", tags=["offers"])

_SOURCES = ", ".join(s.value for s in Source)


@router.get("/{offer_id}", response_model=OfferView,
            responses={404: {"description": "No such offer"}, 422: {"description": "Malformed id"}})
async def get_offer(offer_id: str, index: IndexDep) -> OfferView:
    """An offer by canonical id (uuid) or by source reference ``{source}:{source_id}``
    (e.g. ``france_travail:191FJMB``, ``adzuna:5135389874``)."""
    if ":" in offer_id:
        source, _, source_id = offer_id.partition(":")
        if source not in {s.value for s in Source} or not source_id:
            raise HTTPException(422, f"source reference must be '{{source}}:{{source_id}}' with source in: {_SOURCES}")
        offer = await run_in_threadpool(index.get_by_ref, offer_id)
    else:
        offer = await run_in_threadpool(index.get, offer_id)
    if offer is None:
        raise HTTPException(404, f"no offer '{offer_id}' (it may not be indexed yet, or was withdrawn)")
    return OfferView.of(offer)
