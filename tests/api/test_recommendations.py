from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from ml.embedding import Embedder, embed_offers
from schemas.events import canonical_offer_id
from tests.api.conftest import OFFERS, offer


def test_recommends_relevant_offers_first_with_reasons(client: TestClient) -> None:
    resp = client.post("/api/recommendations", json={"text": "développeur python data", "limit": 3})
    assert resp.status_code == 200
    body = resp.json()
    assert body["model"] == "use-multilingual-v3|title_skills_desc300"  # the benchmark's winner serves by default
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
    {"text": "python", "filters": {"contract_type": "Esclavage"}}, {"text": 12}, {"skills": []},
    {"text": "python", "unknown": 1}, {"text": "python", "seniority": "Stagiaire"}, {"text": "python", "page": 0},
])
def test_bad_requests_are_422_with_details(client: TestClient, body: dict[str, object]) -> None:
    resp = client.post("/api/recommendations", json=body)
    assert resp.status_code == 422
    assert resp.json()["detail"] and resp.json()["errors"]


def test_non_json_body_is_4xx(client: TestClient) -> None:
    resp = client.post("/api/recommendations", content=b"not json", headers={"content-type": "application/json"})
    assert 400 <= resp.status_code < 500


def test_pages_are_disjoint_and_say_whether_more_follow(client: TestClient) -> None:
    q = {"text": "emploi en France"}
    first = client.post("/api/recommendations", json={**q, "page": 1, "size": 2}).json()
    second = client.post("/api/recommendations", json={**q, "page": 2, "size": 2}).json()
    last = client.post("/api/recommendations", json={**q, "page": 3, "size": 2}).json()
    ids = [[r["offer"]["id"] for r in page["results"]] for page in (first, second, last)]
    assert [len(p) for p in ids] == [2, 2, 1] and len({i for p in ids for i in p}) == 5
    assert (first["has_more"], second["has_more"], last["has_more"]) == (True, True, False)
    assert (second["page"], second["size"]) == (2, 2)
    whole = client.post("/api/recommendations", json={**q, "limit": 5}).json()  # the older alias
    assert [r["offer"]["id"] for r in whole["results"]] == [i for p in ids for i in p]
    resp = client.post("/api/recommendations", json={**q, "size": 2, "limit": 3})
    assert resp.status_code == 422


def test_each_result_explains_itself_from_the_data(client: TestClient) -> None:
    resp = client.post("/api/recommendations", json={
        "text": "développeur de pipelines de données", "skills": ["Python", "SQL"], "city": "Lyon",
        "contract_types": ["CDI"], "seniority": "Junior", "size": 5})
    assert resp.status_code == 200
    by_title = {r["offer"]["title"]: r for r in resp.json()["results"]}
    dev = by_title["Développeur Python data"]["explanation"]
    assert dev["skills"]["matched"] == ["Python", "SQL"] and dev["skills"]["missing"] == ["Spark"]
    assert "pipelines" in dev["lexical_terms"] and "données" in dev["lexical_terms"]
    assert dev["location"]["same_city"] is True and dev["location"]["query_city"] == "Lyon"
    assert dev["contract"]["fit"] is True and dev["seniority"]["fit"] == "unknown"
    assert dev["freshness"]["days"] >= 0
    assert "compétences en commun : Python, SQL" in by_title["Développeur Python data"]["reasons"]
    cook = by_title["Cuisinier en restaurant"]["explanation"]
    assert cook["skills"]["matched"] == [] and cook["contract"]["fit"] is False
    assert cook["location"]["same_city"] is False


def test_radius_keeps_offers_near_the_city(client: TestClient) -> None:
    # The fixture's offers have no coordinates: only the offer in Lyon itself is surely within 10 km.
    resp = client.post("/api/recommendations", json={"text": "développeur python data", "city": "lyon",
                                                     "radius_km": 10})
    assert resp.status_code == 200
    assert [r["offer"]["city"] for r in resp.json()["results"]] == ["Lyon"]
    assert resp.json()["results"][0]["explanation"]["location"]["within_radius"] is True
    resp = client.post("/api/recommendations", json={"text": "python", "city": "Atlantide", "radius_km": 10})
    assert resp.status_code == 422 and resp.json()["errors"][0]["loc"] == ["body", "city"]
    assert client.post("/api/recommendations", json={"text": "python", "radius_km": 10}).status_code == 422


def test_the_seed_match_alias_returns_indexes_and_scores_with_the_offers(client: TestClient) -> None:
    resp = client.post("/api/model/match", json={"text": "développeur python data", "size": 3})
    assert resp.status_code == 200
    body = resp.json()
    assert body["match_index"] == [r["offer"]["id"] for r in body["results"]]
    # The seed's similarity_score stays a cosine; the ranking score (hybrid, re-ranked) is the result's own.
    assert body["similarity_score"] == [r["similarity"] for r in body["results"]] and len(body["match_index"]) == 3
    assert all(-1.0 <= s <= 1.0 for s in body["similarity_score"])
    same = client.post("/api/recommendations", json={"text": "développeur python data", "size": 3}).json()
    assert [r["offer"]["id"] for r in same["results"]] == body["match_index"]


def test_a_text_only_request_is_ranked_and_explained_with_what_its_text_says(client: TestClient) -> None:
    said = {"text": "développeur de pipelines de données junior à Lyon en CDI", "skills": ["Python", "SQL"],
            "size": 5}
    stated = {**said, "city": "Lyon", "contract_types": ["CDI"], "seniority": "Junior"}
    from_text, from_fields = (client.post("/api/recommendations", json=b).json()["results"] for b in (said, stated))
    assert [r["offer"]["id"] for r in from_text] == [r["offer"]["id"] for r in from_fields]
    dev = {r["offer"]["title"]: r["explanation"] for r in from_text}["Développeur Python data"]
    assert dev["location"]["query_city"] == "Lyon" and dev["location"]["same_city"] is True
    assert dev["contract"]["fit"] is True
    # Hints re-rank, they never filter: offers elsewhere and under other contracts still come back.
    assert {r["offer"]["city"] for r in from_text} - {"Lyon"}
    # A field the request states wins over its text.
    elsewhere = client.post("/api/recommendations", json={**said, "city": "Paris"}).json()["results"]
    assert {r["explanation"]["location"]["query_city"] for r in elsewhere} == {"Paris"}


def test_similarity_is_the_cosine_with_the_query_even_after_feedback(client: TestClient, embedder: Embedder) -> None:
    text = "développeur python data"
    body = client.post("/api/recommendations", json={"text": text, "size": 5}).json()
    assert body["count"] == 5
    by_id = {o.id: o for o in embed_offers([offer(*o) for o in OFFERS], embedder)}
    query = embedder.encode_query(text)
    for r in body["results"]:
        embedding = by_id[r["offer"]["id"]].embedding
        assert embedding is not None
        vector = np.asarray(embedding.values, dtype=np.float32)
        assert r["similarity"] == pytest.approx(float(vector @ query), abs=2e-3)
