from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from schemas.events import canonical_offer_id


def test_recommends_relevant_offers_first_with_reasons(client: TestClient) -> None:
    resp = client.post("/api/recommendations", json={"text": "développeur python data", "limit": 3})
    assert resp.status_code == 200
    body = resp.json()
    assert body["model"].startswith("st:all-MiniLM-L6-v2")
    top = [r["offer"]["id"] for r in body["results"]]
    data_offers = {canonical_offer_id("sample", "S1"), canonical_offer_id("sample", "S4")}
    assert set(top[:2]) == data_offers
    first = body["results"][0]
    assert any("Python" in reason for reason in first["reasons"])
    assert [r["score"] for r in body["results"]] == sorted((r["score"] for r in body["results"]), reverse=True)


def test_filters_restrict_results(client: TestClient) -> None:
    resp = client.post("/api/recommendations",
                       json={"text": "développeur python data", "limit": 10, "filters": {"city": "Paris"}})
    assert resp.status_code == 200
    assert [r["offer"]["city"] for r in resp.json()["results"]] == ["Paris"]


def test_limit_is_respected(client: TestClient) -> None:
    resp = client.post("/api/recommendations", json={"text": "emploi", "limit": 2})
    assert resp.json()["count"] == 2


@pytest.mark.parametrize("body", [
    {}, {"text": ""}, {"text": "   "}, {"text": "python", "limit": 0}, {"text": "python", "limit": 1000},
    {"text": "python", "filters": {"contract_type": "Esclavage"}}, {"text": 12},
])
def test_bad_requests_are_422_with_details(client: TestClient, body: dict[str, object]) -> None:
    resp = client.post("/api/recommendations", json=body)
    assert resp.status_code == 422
    assert resp.json()["detail"]


def test_non_json_body_is_4xx(client: TestClient) -> None:
    resp = client.post("/api/recommendations", content=b"not json", headers={"content-type": "application/json"})
    assert 400 <= resp.status_code < 500
