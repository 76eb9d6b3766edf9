"""``POST /api/recommendations`` (paged, explained) and the seed's alias ``POST /api/model/match``.

Ranking: the served recipe (``api.ranking``: the served encoder's nearest offers fused with BM25, then
re-ranked by the profile's city, contract and seniority), with the exact-match ``filters``; ``radius_km``
keeps the offers within that distance of ``city`` (an offer without coordinates counts only when it is
in that very city). Each result carries a structured ``explanation`` and French ``reasons`` (``api.explain``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool

from api.catalog import Catalog
from api.deps import IndexDep, ModelWorkerDep, SettingsDep, check_page
from api.errors import dependency
from api.explain import CandidateQuery, candidate_skills, explain, reasons
from api.models import MatchRequest, MatchResponse, Recommendation, RecommendationRequest, RecommendationResponse
from api.places import Place, PlaceLocator
from api.ranking import Ranking, bm25_query, lexical_query, rank
from api.settings import Settings
from ml.relevance.configs import PipelineConfig, best_recipe
from ml.relevance.feedback import feedback_query
from ml.relevance.query_hints import QueryHints, hints
from ml.relevance.rerank import Profile
from schemas.events import ContractType, Offer, Seniority
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


def wanted_profile(body: RecommendationRequest) -> QueryHints:
    """The profile the request states, completed by what its free text says ("… junior à Lyon en CDI"):
    those only re-rank and explain; the request's own fields alone filter."""
    said = hints(body.text or "")
    return QueryHints(city=body.city or said.city,
                      contract=body.contract_types[0].value if body.contract_types else said.contract,
                      seniority=body.seniority.value if body.seniority else said.seniority)


def _profile(want: QueryHints, place: Place | None) -> Profile:
    point = (place.latitude, place.longitude) if place is not None and place.latitude is not None \
        and place.longitude is not None else None
    return Profile(point=point, contract=want.contract, seniority=want.seniority)


def _lexical(catalog: Catalog | None, text: str, depth: int) -> tuple[list[tuple[str, float]],
                                                                    dict[str, npt.NDArray[np.float32]]]:
    """BM25's best offers for ``text`` and their vectors, from the API's read model."""
    if catalog is None or catalog.lexical is None or not text.strip():
        return [], {}
    with catalog.reading() as cat:
        assert cat.lexical is not None
        hits = cat.lexical.search(text, depth)
    return hits, _vectors(catalog, [doc for doc, _ in hits])


def _vectors(catalog: Catalog | None, ids: list[str]) -> dict[str, npt.NDArray[np.float32]]:
    """The indexed vectors of ``ids`` that the API's read model holds (none without one)."""
    if catalog is None:
        return {}
    with catalog.reading() as cat:
        return {doc: cat.vectors[cat.slot_of[doc]].copy() for doc in ids
                if doc in cat.slot_of and cat.has_vector[cat.slot_of[doc]]}


def _rank(body: RecommendationRequest, want: QueryHints, vector: np.ndarray, index: VectorIndex,
          catalog: Catalog | None, pipeline: PipelineConfig, settings: Settings, locator: PlaceLocator,
          offset: int, size: int) -> tuple[list[Recommendation], bool]:
    """Blocking (index reads, text analysis): runs on a worker thread."""
    place: Place | None = None
    if want.city is not None:
        with dependency("index"):
            place = locator.locate(want.city)
        if place is None and body.city is not None and body.radius_km is not None:
            raise RequestValidationError([{"loc": ("body", "city"), "type": "value_error",
                                           "msg": f"unknown French commune: {body.city[:100]!r}"}])
    wanted = offset + size + 1  # one more tells whether a next page exists
    depth = max(pipeline.candidates, wanted)
    if body.radius_km is not None:
        depth = min(settings.max_result_window, max(wanted * 5, 200, depth))
    text = bm25_query(body.query_text(), want.city, pipeline)
    lexical_hits, vectors = _lexical(catalog, text, depth) if pipeline.lexical else ([], {})
    query_vector = np.asarray(vector, dtype=np.float32)
    profile = _profile(want, place)
    known: dict[str, Offer] = {}  # offers read in a pass: the feedback pass does not read them again

    def ranked_for(search_vector: npt.NDArray[np.float32]) -> Ranking:
        with dependency("index"):
            dense_hits: list[ScoredOffer] = index.search(search_vector, depth, body.filters)
        known.update((h.offer.id, h.offer) for h in dense_hits)
        in_dense = {h.offer.id for h in dense_hits}
        missing = [doc for doc, _ in lexical_hits if doc not in in_dense]
        unread = [doc for doc in missing if doc not in known]
        if unread:
            get_many = getattr(index, "get_many", None)
            with dependency("index"):
                known.update(get_many(unread) if get_many is not None else
                             {o.id: o for doc in unread if (o := index.get(doc)) is not None})
        lexical_offers = {doc: known[doc] for doc in missing if doc in known}
        return rank(dense_hits, lexical_hits, lexical_offers, body.filters, pipeline, profile, vectors,
                    search_vector, limit=depth)

    ranking = ranked_for(query_vector)
    if pipeline.feedback_docs:
        top = _vectors(catalog, [doc for doc, _ in ranking.ranked[: pipeline.feedback_docs]])
        top = {doc: v for doc, v in top.items() if v.shape == query_vector.shape}  # mid-switch of models
        if top:
            ranking = ranked_for(feedback_query(query_vector, np.stack(list(top.values())),
                                                pipeline.feedback_weight))
            # ``similarity`` stays the cosine with the query itself, not with the moved one.
            sims = _vectors(catalog, [doc for doc, _ in ranking.ranked])
            ranking.similarity.clear()
            ranking.similarity.update({doc: float(v @ query_vector) for doc, v in sims.items()
                                       if v.shape == query_vector.shape})
    query = CandidateQuery(text=body.query_text(), skills=body.skills, place=place, radius_km=body.radius_km,
                           contract_types=body.contract_types or ([ContractType(want.contract)] if want.contract
                                                                  else []),
                           seniority=body.seniority or (Seniority(want.seniority) if want.seniority else None))
    have = candidate_skills(query.text, body.skills)
    now = datetime.now(UTC)
    explained = []
    for doc, score in ranking.ranked:
        offer = ranking.offers[doc]
        e = explain(query, offer, now, have)
        if body.radius_km is not None and e.location.within_radius is not True:
            continue
        explained.append((offer, score, e))
        if len(explained) >= wanted:
            break
    page = explained[offset:offset + size]
    results = [Recommendation(score=round(score, 4), similarity=_round(ranking.similarity.get(o.id)),
                              reasons=reasons(e), explanation=e, offer=o.model_copy(update={"embedding": None}))
               for o, score, e in page]
    return results, len(explained) > offset + size


def _round(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


def served_pipeline(embedder: object) -> PipelineConfig:
    """The ranking recipe that goes with the serving encoder (``ml.serving``); the winner's by default."""
    pipeline = getattr(embedder, "pipeline", None)
    return pipeline if isinstance(pipeline, PipelineConfig) else best_recipe("use")


async def recommend_for(request: Request, body: RecommendationRequest) -> RecommendationResponse:
    """The whole recommendation flow for a request body; a profile-based route builds the body and calls it."""
    app: FastAPI = request.app
    settings: Settings = app.state.settings
    worker = app.state.model_worker
    index: VectorIndex = app.state.index
    size = body.page_size
    offset = check_page(settings, body.page, size, size_field=_size_field(body))
    pipeline = served_pipeline(worker.embedder)
    want = await run_in_threadpool(wanted_profile, body)
    vector = await worker.encode_query(lexical_query(body.query_text(), want.city, pipeline))
    results, has_more = await run_in_threadpool(_rank, body, want, vector, index,
                                                getattr(app.state, "catalog", None), pipeline, settings,
                                                _locator(app), offset, size)
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
                         similarity_score=[r.similarity if r.similarity is not None else r.score
                                           for r in ranked.results], results=ranked.results)
