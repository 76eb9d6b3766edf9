"""The signed-in candidate: profile, saved searches, and recommendations for the profile."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.concurrency import run_in_threadpool

from api.models import MAX_PAGE_SIZE, RecommendationRequest, RecommendationResponse
from api.routes.recommendations import recommend_for
from api.security import StoreDep, require_role
from api.store import repository
from api.store.models import CandidateProfile, SavedSearch, User
from schemas.events import ContractType, Seniority
from vector_index.base import OfferFilters

router = APIRouter(prefix="/api", tags=["candidates"])

Candidate = Annotated[User, Depends(require_role("candidate"))]

_AUTH: dict[int | str, dict[str, str]] = {401: {"description": "Not signed in"},
                                         403: {"description": "Not a candidate account"}}

MAX_SAVED_SEARCHES = 50
MAX_SAVED_QUERY_BYTES = 10_000


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{
        "desired_title": "Data engineer", "skills": ["Python", "Spark", "SQL"], "city": "Lyon", "radius_km": 30,
        "contract_types": ["CDI"], "seniority": "Confirmé", "salary_expectation": 48000,
        "free_text": "Pipelines de données, streaming, cloud."}]})

    desired_title: str | None = Field(default=None, max_length=200)
    skills: list[str] = Field(default_factory=list, max_length=50)
    city: str | None = Field(default=None, max_length=100)
    radius_km: float | None = Field(default=None, ge=0, le=1000)
    contract_types: list[ContractType] = Field(default_factory=list, max_length=len(ContractType))
    seniority: Seniority | None = None
    salary_expectation: float | None = Field(default=None, ge=0, le=1_000_000, description="Annual, EUR.")
    free_text: str | None = Field(default=None, max_length=20_000, description="Anything else, or a CV.")

    @field_validator("skills")
    @classmethod
    def _skills(cls, v: list[str]) -> list[str]:
        if any(len(s) > 80 for s in v):
            raise ValueError("a skill has at most 80 characters")
        return list(dict.fromkeys(s.strip() for s in v if s.strip()))


class ProfileOut(ProfileIn):
    updated_at: datetime | None = None

    @classmethod
    def of(cls, profile: CandidateProfile | None) -> ProfileOut:
        if profile is None:
            return cls()
        return cls.model_validate({name: getattr(profile, name) for name in repository.PROFILE_FIELDS}
                                  | {"updated_at": repository.aware(profile.updated_at)})


class SavedSearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Data à Lyon", "query": {"keywords": "data engineer", "city": "Lyon", "contract_types": ["CDI"]}}]})

    name: str = Field(min_length=1, max_length=120)
    query: dict[str, Any] = Field(description="A search as sent to POST /api/offres/search.")

    @field_validator("query")
    @classmethod
    def _small(cls, v: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(v, ensure_ascii=False)) > MAX_SAVED_QUERY_BYTES:
            raise ValueError(f"a saved query is at most {MAX_SAVED_QUERY_BYTES} bytes of JSON")
        return v


class SavedSearchOut(BaseModel):
    id: int
    name: str
    query: dict[str, Any]
    created_at: datetime

    @classmethod
    def of(cls, saved: SavedSearch) -> SavedSearchOut:
        return cls(id=saved.id, name=saved.name, query=saved.query,
                   created_at=repository.aware(saved.created_at) or saved.created_at)


# ------------------------------------------------------------------------------------------ profile


@router.get("/candidates/me", response_model=ProfileOut, responses=_AUTH)
def get_profile(user: Candidate, store: StoreDep) -> ProfileOut:
    """The candidate's profile (empty fields when never saved)."""
    with store.session() as session:
        return ProfileOut.of(repository.get_profile(session, user.id))


@router.put("/candidates/me", response_model=ProfileOut, responses=_AUTH)
def put_profile(body: ProfileIn, user: Candidate, store: StoreDep) -> ProfileOut:
    """Replace the candidate's profile."""
    with store.session() as session:
        return ProfileOut.of(repository.put_profile(session, user.id, body.model_dump(mode="json")))


# ----------------------------------------------------------------------------------- saved searches


@router.get("/candidates/me/searches", response_model=list[SavedSearchOut], responses=_AUTH)
def list_searches(user: Candidate, store: StoreDep) -> list[SavedSearchOut]:
    with store.session() as session:
        return [SavedSearchOut.of(s) for s in repository.list_saved_searches(session, user.id)]


@router.post("/candidates/me/searches", status_code=status.HTTP_201_CREATED, response_model=SavedSearchOut,
             responses={**_AUTH, 409: {"description": f"Already {MAX_SAVED_SEARCHES} saved searches"}})
def create_search(body: SavedSearchIn, user: Candidate, store: StoreDep, response: Response) -> SavedSearchOut:
    with store.session() as session:
        if len(repository.list_saved_searches(session, user.id)) >= MAX_SAVED_SEARCHES:
            raise HTTPException(status.HTTP_409_CONFLICT, f"at most {MAX_SAVED_SEARCHES} saved searches")
        saved = repository.create_saved_search(session, user.id, body.name.strip(), body.query)
        response.headers["Location"] = f"/api/candidates/me/searches/{saved.id}"
        return SavedSearchOut.of(saved)


@router.delete("/candidates/me/searches/{search_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses={**_AUTH, 404: {"description": "No such saved search of yours"}})
def delete_search(search_id: Annotated[int, Path(ge=1, le=2**31 - 1)], user: Candidate,
                  store: StoreDep) -> Response:
    with store.session() as session:
        if not repository.delete_saved_search(session, user.id, search_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such saved search")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------------------------- recommendations


def profile_request(profile: ProfileIn, page: int, size: int) -> RecommendationRequest | None:
    """The POST /api/recommendations body a profile stands for (None: nothing to match)."""
    text = "\n".join(p for p in (profile.desired_title, profile.free_text) if p and p.strip())[:5000]
    if len(text.strip()) < 2 and not profile.skills:
        return None
    # One accepted contract is a hard filter; several only inform the explanations (the index ANDs filters).
    filters = OfferFilters(contract_type=profile.contract_types[0]) if len(profile.contract_types) == 1 else None
    return RecommendationRequest(
        text=text if len(text.strip()) >= 2 else None, skills=profile.skills[:50], city=profile.city or None,
        radius_km=profile.radius_km if profile.city and profile.radius_km else None,
        contract_types=profile.contract_types, seniority=profile.seniority, filters=filters, page=page, size=size)


@router.get("/recommendations", response_model=RecommendationResponse,
            responses={**_AUTH, 409: {"description": "The profile is empty: nothing to match"}})
async def recommend_for_profile(
    request: Request, user: Candidate, store: StoreDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 10,
) -> RecommendationResponse:
    """Offers for the signed-in candidate's profile (title, skills, city and radius, contracts, level,
    free text): the same ranking and explanations as POST /api/recommendations, paged."""

    def load() -> CandidateProfile | None:
        with store.session() as session:
            return repository.get_profile(session, user.id)

    body = profile_request(ProfileOut.of(await run_in_threadpool(load)), page, size)
    if body is None:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            "your profile has nothing to match yet: PUT /api/candidates/me with a title or skills")
    return await recommend_for(request, body)
