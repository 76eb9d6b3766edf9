"""Request and response bodies of offer search, reference data and stats."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.events import ContractType, Offer, Seniority

# Deep paging costs a sort of the whole result set for nothing a person reads; refuse it clearly.
MAX_RESULT_WINDOW = 10_000


class OfferSearch(BaseModel):
    """What a candidate searches for. Every filter is optional; all given ones must hold."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"keywords": "développeur python", "city": "Lyon", "radius_km": 30, "contract_types": ["CDI"],
         "sort": "relevance", "page": 1, "size": 20},
    ]})

    keywords: str | None = Field(default=None, max_length=500,
                                 description="Words (BM25, French stemming) and meaning (the embedding model).")
    city: str | None = Field(default=None, max_length=100, description="A commune, e.g. `Lyon`, `Paris 13`.")
    departement: str | None = Field(default=None, pattern=r"^(?:\d{2,3}|2[ABab])$", description="e.g. `69`, `2A`.")
    radius_km: float | None = Field(default=None, gt=0, le=500, description="Around `city` (needs `city`).")
    contract_types: list[ContractType] = Field(default_factory=list, max_length=10, description="Any of these.")
    seniority: list[Seniority] = Field(default_factory=list, max_length=4, description="Any of these.")
    domain: str | None = Field(default=None, max_length=120,
                               description="ROME grand domaine: its letter (`M`) or its label.")
    rome_code: str | None = Field(default=None, pattern=r"^[A-Na-n]\d{0,4}$",
                                  description="A ROME code (`M1805`) or a prefix of one (`M18`).")
    skills: list[str] = Field(default_factory=list, max_length=20, description="All of these.")
    salary_min: float | None = Field(default=None, ge=0, le=10_000_000,
                                     description="Annual EUR the offer pays at least (its upper bound).")
    published_since: datetime | None = Field(default=None, description="ISO date or date-time (UTC if naive).")
    remote: Literal["none", "hybrid", "full"] | None = None
    sort: Literal["relevance", "date", "salary"] = Field(
        default="relevance", description="relevance (date without keywords), date (newest first), salary (highest "
                                         "first; offers without one last).")
    page: int = Field(default=1, ge=1, le=MAX_RESULT_WINDOW)
    size: int = Field(default=20, ge=1, le=1000, description="Capped by `API_MAX_LIMIT`.")

    @field_validator("skills")
    @classmethod
    def _skills(cls, v: list[str]) -> list[str]:
        if any(not s.strip() or len(s) > 100 for s in v):
            raise ValueError("each skill must be 1 to 100 characters")
        return v

    @field_validator("keywords", "city", "domain")
    @classmethod
    def _blank_is_none(cls, v: str | None) -> str | None:
        return v if v is None or v.strip() else None

    @model_validator(mode="after")
    def _consistent(self) -> OfferSearch:
        if self.radius_km is not None and not self.city:
            raise ValueError("radius_km needs a city")
        if self.page * self.size > MAX_RESULT_WINDOW:
            raise ValueError(f"page × size must stay within {MAX_RESULT_WINDOW} results; narrow the search")
        return self


class FacetCount(BaseModel):
    value: str
    count: int


class Facets(BaseModel):
    """Counts over the whole result set (not just the page)."""

    contract_types: list[FacetCount]
    companies: list[FacetCount] = Field(description="Top 5.")
    domains: list[FacetCount] = Field(description="Top 10.")
    seniority: list[FacetCount]
    cities: list[FacetCount] = Field(description="Top 10.")
    skills: list[FacetCount] = Field(description="Top 20.")


class SearchItem(BaseModel):
    offer: Offer
    score: float | None = Field(default=None, description="Fused rank score (keywords only): higher is better.")
    matched_terms: list[str] = Field(default_factory=list, description="Query words found in the offer.")
    distance_km: float | None = Field(default=None, description="From the searched city (radius searches).")


class SearchResponse(BaseModel):
    items: list[SearchItem]
    total: int = Field(description="Offers matching the whole search.")
    page: int
    size: int
    facets: Facets


class RomeEntry(BaseModel):
    code: str
    label: str | None
    domain_code: str
    domain: str | None
    offers: int = Field(description="Live offers with this code.")


class RomeDomain(BaseModel):
    code: str
    label: str


class RomeResponse(BaseModel):
    domains: list[RomeDomain]
    codes: list[RomeEntry]


class SoftSkill(BaseModel):
    soft_skill: str
    offer_count: int
    share_of_rome_offers: float | None = None
    rank_in_rome: int | None = None


class SoftSkillsResponse(BaseModel):
    rome_code: str
    rome_label: str | None
    soft_skills: list[SoftSkill]
    refreshed_at: datetime | None = Field(default=None, description="When the warehouse was read.")


class StatsResponse(BaseModel):
    name: str
    rows: list[dict[str, Any]]
    refreshed_at: datetime = Field(description="When the warehouse was read (answers are cached briefly).")
    stale: bool = Field(default=False, description="True when the warehouse was busy and this is an older read.")


class SummaryResponse(BaseModel):
    offers_indexed: int
    new_today: int = Field(description="Published (or first seen) since midnight UTC.")
    per_source: dict[str, int]
    latest_published_at: datetime | None
