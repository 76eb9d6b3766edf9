"""Request and response bodies of the HTTP API (events live in ``schemas``; these are views)."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from schemas.events import Offer
from vector_index.base import OfferFilters


class RecommendationRequest(BaseModel):
    text: str = Field(min_length=2, max_length=5000, description="What the candidate is looking for, or a CV.")
    limit: int = Field(default=10, ge=1, le=100)
    filters: OfferFilters | None = None

    @field_validator("text")
    @classmethod
    def not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("text must not be blank")
        return v


class OfferView(BaseModel):
    """An offer as the API shows it (no vector)."""

    offer: Offer

    @classmethod
    def of(cls, offer: Offer) -> OfferView:
        return cls(offer=offer.model_copy(update={"embedding": None}))


class Recommendation(BaseModel):
    score: float = Field(description="Cosine similarity between the query and the offer, -1..1.")
    reasons: list[str] = Field(description="Why this offer matches, in words a candidate reads.")
    offer: Offer


class RecommendationResponse(BaseModel):
    model: str
    count: int
    results: list[Recommendation]


class DependencyStatus(BaseModel):
    ok: bool
    detail: str | dict[str, object] | None = None


class HealthResponse(BaseModel):
    status: str
    dependencies: dict[str, DependencyStatus]
