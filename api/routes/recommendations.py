"""``POST /api/recommendations`` (paged, explained) and the seed's alias ``POST /api/model/match``.

Ranking: cosine similarity between the query (free text, then the stated skills) and each offer, with
the exact-match ``filters``; ``radius_km`` keeps the offers within that distance of ``city`` (an offer
without coordinates counts only when it is in that very city). Each result carries a structured
``explanation`` and French ``reasons`` (``api.explain``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool

from api.deps import IndexDep, ModelWorkerDep, SettingsDep, check_page
from api.errors import dependency
from api.explain import CandidateQuery, candidate_skills, explain, reasons
from api.models import MatchRequest, MatchResponse, Recommendation, RecommendationRequest, RecommendationResponse
from api.places import Place, PlaceLocator
from api.settings import Settings
from schemas.events import Offer
from vector_index.base import OfferFilters, ScoredOffer, VectorIndex

router = APIRouter(prefix="/api", tags=["recommendations"])

CITY_SAMPLE = 50  # located offers read to place a city


def _locator(app: FastAPI) -> PlaceLocator:
    locator: PlaceLocator | None = getattr(app.state, "place_locator", None)
    if locator is None:
        def offers_in(city: str) -> list[Offer]:
            index: VectorIndex = app.state.index  # read each time: the index may be swapped
            probe = np.zeros(index.dim, dtype=np.float32)
            probe[0] = 1.0  # any direction: only the filter matters
            return [h.offer for h in index.search(probe, CITY_SAMPLE, OfferFilters(city=city))]

        locator = app.state.place_locator = PlaceLocator(offers_in)
    return locator


def _size_field(body: RecommendationRequest) -> str:
    return "limit" if body.limit is not None and body.size is None else "size"


def _rank(body: RecommendationRequest, vector: np.ndarray, index: VectorIndex, settings: Settings,
          locator: PlaceLocator, offset: int, size: int) -> tuple[list[Recommendation], bool]:
    """Blocking (index reads, text analysis): runs on a worker thread."""
    place: Place | None = None
    if body.city is not None:
        with dependency("index"):
            place = locator.locate(body.city)
        if place is None and body.radius_km is not None:
            raise RequestValidationError([{"loc": ("body", "city"), "type": "value_error",
                                           "msg": f"unknown French commune: {body.city[:100]!r}"}])
    wanted = offset + size + 1  # one more tells whether a next page exists
    fetch = wanted if body.radius_km is None else min(settings.max_result_window, max(wanted * 5, 200))
    with dependency("index"):
        hits: list[ScoredOffer] = index.search(vector, fetch, body.filters)
    query = CandidateQuery(text=body.query_text(), skills=body.skills, place=place, radius_km=body.radius_km,
                           contract_types=body.contract_types, seniority=body.seniority)
    have = candidate_skills(query.text, body.skills)
    now = datetime.now(UTC)
    explained = []
    for h in hits:
        e = explain(query, h.offer, now, have)
        if body.radius_km is not None and e.location.within_radius is not True:
            continue
        explained.append((h, e))
        if len(explained) >= wanted:
            break
    page = explained[offset:offset + size]
    results = [Recommendation(score=round(h.score, 4), reasons=reasons(e), explanation=e,
                              offer=h.offer.model_copy(update={"embedding": None})) for h, e in page]
    return results, len(explained) > offset + size


async def recommend_for(request: Request, body: RecommendationRequest) -> RecommendationResponse:
    """The whole recommendation flow for a request body; a profile-based route builds the body and calls it."""
    app: FastAPI = request.app
    settings: Settings = app.state.settings
    worker = app.state.model_worker
    index: VectorIndex = app.state.index
    size = body.page_size
    offset = check_page(settings, body.page, size, size_field=_size_field(body))
    vector = await worker.encode_query(body.query_text())
    results, has_more = await run_in_threadpool(_rank, body, vector, index, settings, _locator(app), offset, size)
    return RecommendationResponse(model=worker.embedder.model_id, page=body.page, size=size, count=len(results),
                                  has_more=has_more, results=results)


@router.post("/recommendations", response_model=RecommendationResponse)
async def recommend(body: RecommendationRequest, request: Request, index: IndexDep, worker: ModelWorkerDep,
                    settings: SettingsDep) -> RecommendationResponse:
    """Offers ranked by semantic similarity to the candidate's text and skills, paged, each with a
    structured explanation (matched/missing skills, words in common, distance, seniority and contract
    fit, freshness) and short French reasons."""
    return await recommend_for(request, body)


@router.post("/model/match", response_model=MatchResponse)
async def match(body: MatchRequest, request: Request, index: IndexDep, worker: ModelWorkerDep,
                settings: SettingsDep) -> MatchResponse:
    """The seed's MatchingPipeline call (TEXT → match_index, similarity_score), served by the same ranking."""
    ranked = await recommend_for(request, RecommendationRequest(text=body.text, size=body.size))
    return MatchResponse(model=ranked.model, match_index=[r.offer.id for r in ranked.results],
                         similarity_score=[r.score for r in ranked.results], results=ranked.results)
