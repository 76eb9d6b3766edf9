"""Request and response bodies of the HTTP API (events live in ``schemas``; these are views)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from schemas.events import ContractType, Offer, Seniority
from vector_index.base import OfferFilters

MAX_PAGE_SIZE = 1000  # static ceiling; the served one is API_MAX_LIMIT (the OpenAPI document says which)


class RecommendationRequest(BaseModel):
    """A candidate's free text and/or structured profile. ``page``/``size`` page the ranking (the API's one
    convention, as for search); ``limit`` is kept as an alias of ``size``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"text": "développeur python data, 3 ans d'expérience", "skills": ["Python", "SQL"], "city": "Lyon",
         "radius_km": 30, "contract_types": ["CDI"], "seniority": "Confirmé", "page": 1, "size": 10},
        {"text": "infirmier de bloc opératoire", "filters": {"departement_code": "44"}},
    ]})

    text: str | None = Field(default=None, min_length=2, max_length=5000,
                             description="What the candidate is looking for, or a CV.")
    skills: list[Annotated[str, StringConstraints(min_length=1, max_length=80)]] = Field(
        default_factory=list, max_length=50, description="The candidate's skills (matched against each offer's).")
    city: str | None = Field(default=None, min_length=1, max_length=100,
                             description="Where the candidate wants to work (a French commune).")
    radius_km: float | None = Field(default=None, gt=0, le=1000,
                                    description="Only offers within this distance of `city` (needs `city`).")
    contract_types: list[ContractType] = Field(default_factory=list, max_length=10,
                                               description="Contracts the candidate accepts.")
    seniority: Seniority | None = Field(default=None, description="The candidate's level.")
    filters: OfferFilters | None = Field(default=None, description="Exact-match filters every result satisfies.")
    page: int = Field(default=1, ge=1, le=MAX_PAGE_SIZE, description="1-based page of the ranking.")
    size: int | None = Field(default=None, ge=1, le=MAX_PAGE_SIZE, description="Results per page (default 10).")
    limit: int | None = Field(default=None, ge=1, le=MAX_PAGE_SIZE, description="Alias of `size` (older clients).")

    @field_validator("text", "city")
    @classmethod
    def not_blank(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("must not be blank")
        return v

    @model_validator(mode="after")
    def something_to_match(self) -> RecommendationRequest:
        if self.text is None and not self.skills:
            raise ValueError("give a `text`, or `skills`, to match offers against")
        if self.radius_km is not None and self.city is None:
            raise ValueError("`radius_km` needs a `city`")
        if self.size is not None and self.limit is not None and self.size != self.limit:
            raise ValueError("`limit` is an alias of `size`: give one, or the same value")
        return self

    @property
    def page_size(self) -> int:
        return self.size or self.limit or 10

    def query_text(self) -> str:
        """What is embedded: the free text, then the skills (a profile may hold only skills)."""
        parts = [self.text or "", ", ".join(self.skills)]
        return "\n".join(p for p in parts if p)


class MatchRequest(BaseModel):
    """The seed's ``/api/model/match`` body: a text, ranked against the offers."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"text": "Data engineer Spark Kafka à Paris", "size": 5}]})

    text: str = Field(min_length=2, max_length=5000)
    size: int = Field(default=10, ge=1, le=MAX_PAGE_SIZE)

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


class SkillsFit(BaseModel):
    matched: list[str] = Field(description="The offer's skills the candidate has (stated or in the text).")
    missing: list[str] = Field(description="The offer's skills the candidate did not mention.")
    candidate: list[str] = Field(description="The candidate's skills: those given plus those found in the text.")


class LocationFit(BaseModel):
    query_city: str | None = Field(description="The requested city as the referential names it.")
    offer_city: str | None
    distance_km: float | None = Field(description="Great-circle distance, when both places have coordinates.")
    same_city: bool | None
    same_departement: bool | None
    within_radius: bool | None = Field(default=None, description="Set when `radius_km` was given.")


class LevelFit(BaseModel):
    requested: Seniority | None
    offered: Seniority | None
    fit: Literal["exact", "close", "above", "below", "unknown"] = Field(
        description="exact; close = one level apart; above/below = the offer asks for a higher/lower level.")


class ContractFit(BaseModel):
    requested: list[ContractType]
    offered: ContractType | None
    fit: bool | None = Field(description="The offer's contract is one requested (null: nothing to compare).")


class Freshness(BaseModel):
    published_at: datetime | None
    days: int | None = Field(description="Whole days since it was published (or fetched, when undated).")


class Explanation(BaseModel):
    """Why an offer was proposed, computed from the data of both sides (not the score restated)."""

    skills: SkillsFit
    lexical_terms: list[str] = Field(description="Words of the query found in the offer (stemmed match).")
    location: LocationFit
    seniority: LevelFit
    contract: ContractFit
    freshness: Freshness


class Recommendation(BaseModel):
    score: float = Field(description="Fit, 0..1, higher is better: meaning and words fused, then adjusted by "
                                     "place, contract and seniority fit; 1 is the best match of the query that "
                                     "also fits every profile field given (comparable within one response).")
    similarity: float | None = Field(default=None, description="Cosine similarity between the query and the "
                                                                "offer, -1..1 (null when not computed).")
    reasons: list[str] = Field(description="Why this offer matches, in words a candidate reads (French).")
    explanation: Explanation | None = None
    offer: Offer


class RecommendationResponse(BaseModel):
    model: str
    page: int = 1
    size: int = 10
    count: int = Field(description="Results on this page.")
    has_more: bool = Field(default=False, description="A next page exists.")
    results: list[Recommendation]


class MatchResponse(BaseModel):
    """The seed's MatchingPipeline output (TEXT → match_index, similarity_score), plus the offers."""

    model: str
    match_index: list[str] = Field(description="Offer ids, best first.")
    similarity_score: list[float] = Field(description="Cosine similarity of each, same order.")
    results: list[Recommendation]


class DependencyStatus(BaseModel):
    ok: bool
    detail: str | dict[str, object] | None = None


class HealthResponse(BaseModel):
    status: str
    dependencies: dict[str, DependencyStatus]


class ReadyCheck(BaseModel):
    ok: bool | None = Field(description="null: not configured in this deployment.")
    required: bool = Field(description="A required check that is not ok makes /ready answer 503.")
    detail: dict[str, Any] = Field(default_factory=dict)


class ReadyResponse(BaseModel):
    status: Literal["ready", "not ready"]
    checks: dict[str, ReadyCheck]
