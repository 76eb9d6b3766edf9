from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api.deps import EmbedderDep, IndexDep
from api.explain import reasons
from api.models import Recommendation, RecommendationRequest, RecommendationResponse

router = APIRouter(prefix="/api", tags=["recommendations"])


@router.post("/recommendations", response_model=RecommendationResponse)
async def recommend(body: RecommendationRequest, index: IndexDep, embedder: EmbedderDep) -> RecommendationResponse:
    """Offers ranked by semantic similarity to the candidate's text, with reasons."""
    vector = await run_in_threadpool(embedder.encode_query, body.text)
    hits = await run_in_threadpool(index.search, vector, body.limit, body.filters)
    results = [
        Recommendation(score=round(h.score, 4), reasons=reasons(body.text, h.offer, h.score),
                       offer=h.offer.model_copy(update={"embedding": None}))
        for h in hits
    ]
    return RecommendationResponse(model=embedder.model_id, count=len(results), results=results)
