"""The candidate's profile, saved searches, and ``GET /api/recommendations`` for the profile."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.routes.candidates import ProfileIn, profile_request
from ml.embedding import Embedder, embed_offers
from schemas.events import ContractType
from tests.api.accounts_support import accounts_app, register
from tests.api.conftest import OFFERS, offer

PROFILE = {"desired_title": "Data engineer", "skills": ["Python", "Spark"], "city": "Paris", "radius_km": 30,
           "contract_types": ["CDI"], "seniority": "Confirmé", "salary_expectation": 48000,
           "free_text": "pipelines de données, Kubernetes"}


@pytest.fixture(scope="module")
def client(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data_dir: Path = tmp_path_factory.mktemp("candidates")
    with accounts_app(embedder, data_dir, "127.0.0.1:1") as c:
        c.app.state.index.upsert(embed_offers([offer(*o) for o in OFFERS], embedder))  # type: ignore[attr-defined]
        yield c


@pytest.fixture(scope="module")
def candidate(client: TestClient) -> dict[str, str]:
    return register(client, "cand@example.fr", "candidate")


def test_profile_is_empty_then_replaced(client: TestClient, candidate: dict[str, str]) -> None:
    empty = client.get("/api/candidates/me", headers=candidate).json()
    assert empty["skills"] == [] and empty["desired_title"] is None and empty["updated_at"] is None
    r = client.put("/api/candidates/me", json=PROFILE, headers=candidate)
    assert r.status_code == 200, r.text
    assert r.json()["contract_types"] == ["CDI"] and r.json()["updated_at"]
    got = client.get("/api/candidates/me", headers=candidate).json()
    assert {k: got[k] for k in PROFILE} == {**PROFILE, "radius_km": 30.0, "salary_expectation": 48000.0}
    # PUT replaces: what is left out is cleared.
    client.put("/api/candidates/me", json={"skills": ["SQL", " SQL ", ""]}, headers=candidate)
    got = client.get("/api/candidates/me", headers=candidate).json()
    assert got["skills"] == ["SQL"] and got["city"] is None and got["contract_types"] == []
    client.put("/api/candidates/me", json=PROFILE, headers=candidate)


@pytest.mark.parametrize("bad", [
    {"radius_km": -1}, {"contract_types": ["CDI", "Bénévolat"]}, {"seniority": "Expert"},
    {"skills": ["x" * 81]}, {"user_id": 2}, {"salary_expectation": -5},
])
def test_profile_validation(client: TestClient, candidate: dict[str, str], bad: dict[str, object]) -> None:
    assert client.put("/api/candidates/me", json=bad, headers=candidate).status_code == 422


def test_saved_searches_are_private(client: TestClient, candidate: dict[str, str]) -> None:
    r = client.post("/api/candidates/me/searches", headers=candidate,
                    json={"name": "Data à Lyon", "query": {"keywords": "data", "city": "Lyon"}})
    assert r.status_code == 201, r.text
    saved = r.json()
    assert r.headers["location"] == f"/api/candidates/me/searches/{saved['id']}"
    listed = client.get("/api/candidates/me/searches", headers=candidate).json()
    assert [s["name"] for s in listed] == ["Data à Lyon"] and listed[0]["query"]["city"] == "Lyon"
    other = register(client, "other-cand@example.fr", "candidate")
    assert client.get("/api/candidates/me/searches", headers=other).json() == []
    assert client.delete(f"/api/candidates/me/searches/{saved['id']}", headers=other).status_code == 404
    assert client.delete(f"/api/candidates/me/searches/{saved['id']}", headers=candidate).status_code == 204
    assert client.delete(f"/api/candidates/me/searches/{saved['id']}", headers=candidate).status_code == 404
    too_big = {"name": "big", "query": {"keywords": "x" * 20_000}}
    assert client.post("/api/candidates/me/searches", json=too_big, headers=candidate).status_code == 422


def test_recommendations_follow_the_profile(client: TestClient, candidate: dict[str, str]) -> None:
    client.put("/api/candidates/me", json={"desired_title": "Data engineer", "skills": ["Python", "Spark"],
                                           "free_text": "plateforme data, Kubernetes"}, headers=candidate)
    r = client.get("/api/recommendations", headers=candidate)
    assert r.status_code == 200, r.text
    body = r.json()
    titles = [x["offer"]["title"] for x in body["results"]]
    assert set(titles[:2]) == {"Data engineer Spark", "Développeur Python data"}
    first = body["results"][0]
    assert first["reasons"] and first["explanation"]["skills"]["matched"]
    # Paged like POST /api/recommendations.
    second = client.get("/api/recommendations", params={"page": 2, "size": 1}, headers=candidate).json()
    assert [x["offer"]["title"] for x in second["results"]] == titles[1:2]
    # One accepted contract type is a filter.
    client.put("/api/candidates/me", json={"desired_title": "Data engineer", "contract_types": ["CDD"]},
               headers=candidate)
    cdd = client.get("/api/recommendations", headers=candidate).json()["results"]
    assert cdd and {x["offer"]["contract_type"] for x in cdd} == {"CDD"}


def test_recommendations_need_something_to_match(client: TestClient) -> None:
    empty = register(client, "empty-cand@example.fr", "candidate")
    assert client.get("/api/recommendations", headers=empty).status_code == 409
    recruiter = register(client, "rec-cand@example.fr", "recruiter")
    assert client.get("/api/recommendations", headers=recruiter).status_code == 403
    assert client.get("/api/recommendations").status_code == 401


def test_profile_request_mapping() -> None:
    req = profile_request(ProfileIn.model_validate(PROFILE), page=2, size=5)
    assert req is not None
    assert req.text == "Data engineer\npipelines de données, Kubernetes" and req.skills == ["Python", "Spark"]
    assert (req.city, req.radius_km, req.page, req.size) == ("Paris", 30, 2, 5)
    assert req.filters is not None and req.filters.contract_type is ContractType.CDI
    several = profile_request(ProfileIn(skills=["SQL"], contract_types=[ContractType.CDI, ContractType.CDD],
                                        radius_km=20), 1, 10)
    assert several is not None and several.filters is None and several.text is None and several.radius_km is None
    assert profile_request(ProfileIn(city="Lyon"), 1, 10) is None
