from __future__ import annotations

from fastapi.testclient import TestClient

from schemas.events import canonical_offer_id


def test_get_offer_by_canonical_id(client: TestClient) -> None:
    offer_id = canonical_offer_id("sample", "S2")
    resp = client.get(f"/api/offres/{offer_id}")
    assert resp.status_code == 200
    body = resp.json()["offer"]
    assert body["title"] == "Infirmier de bloc opératoire" and body["city"] == "Nantes"
    assert body["embedding"] is None


def test_get_offer_by_source_reference(client: TestClient) -> None:
    resp = client.get("/api/offres/sample:S4")
    assert resp.status_code == 200
    assert resp.json()["offer"]["id"] == canonical_offer_id("sample", "S4")


def test_unknown_offer_is_404_with_a_message(client: TestClient) -> None:
    resp = client.get(f"/api/offres/{canonical_offer_id('sample', 'nope')}")
    assert resp.status_code == 404
    assert "no offer" in resp.json()["detail"]
    assert client.get("/api/offres/adzuna:0000").status_code == 404


def test_malformed_source_reference_is_422(client: TestClient) -> None:
    resp = client.get("/api/offres/monster:123")
    assert resp.status_code == 422
    assert "france_travail" in resp.json()["detail"]
    assert client.get("/api/offres/adzuna:").status_code == 422
    # neither a uuid nor a reference: refused up front on every index backend, never a retryable 503
    assert client.get("/api/offres/garbage-id").status_code == 422
