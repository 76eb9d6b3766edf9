"""Offer search and listing: filters, facets over the whole result set, sorting, paging, radius, keywords."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from ml.embedding import Embedder, embed_offers
from schemas.events import Offer, Source, canonical_offer_id

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
# (title, city, dep, lat, lon, skills, rome code, domain letter)
JOBS = [
    ("Développeur Python", "Lyon", "69", 45.764, 4.8357, ["Python", "SQL"], "M1805", "M"),
    ("Infirmier de bloc opératoire", "Villeurbanne", "69", 45.7719, 4.8902, ["Soins infirmiers"], "J1506", "J"),
    ("Chauffeur poids lourd", "Paris", "75", 48.8566, 2.3522, ["Permis C"], "N4101", "N"),
    ("Data engineer Spark", "Lyon", "69", 45.757, 4.832, ["Python", "Spark"], "M1811", "M"),
    ("Cuisinier en restaurant", "Bordeaux", "33", 44.8378, -0.5792, ["Cuisine"], "G1602", "G"),
    ("Comptable", "Paris", "75", 48.86, 2.34, ["Excel", "SQL"], "M1203", "M"),
]
CONTRACTS = ["CDI", "CDD", "CDI", "Intérim", "CDI"]
SENIORITY = ["Junior", "Confirmé", "Senior", None]
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne"]
DOMAIN_LABELS = {"M": "Support à l'entreprise", "J": "Santé", "N": "Transport et logistique",
                 "G": "Hôtellerie-restauration, tourisme, loisirs et animation"}


def make(i: int) -> Offer:
    title, city, dep, lat, lon, skills, rome, dom = JOBS[i % len(JOBS)]
    located = i % 7 != 3  # a few offers without coordinates (sources do not always give them)
    return Offer(
        id=canonical_offer_id("sample", f"Q{i}"), source=Source.SAMPLE if i % 4 else Source.ADZUNA,
        source_id=f"Q{i}", source_refs=[f"sample:Q{i}"], title=title, city=city, departement_code=dep,
        latitude=lat if located else None, longitude=lon if located else None,
        contract_type=CONTRACTS[i % len(CONTRACTS)],  # type: ignore[arg-type]
        seniority=SENIORITY[i % len(SENIORITY)],  # type: ignore[arg-type]
        company=COMPANIES[i % len(COMPANIES)], skills=skills, rome_code=rome, domain=DOMAIN_LABELS[dom],
        remote="hybrid" if i % 3 == 0 else "none",
        salary_min=30_000 + 1_000 * i if i % 4 != 1 else None, salary_max=40_000 + 1_000 * i if i % 4 == 0 else None,
        description=f"{title} à {city}. Poste numéro {i}.",
        fetched_at=NOW, published_at=NOW - timedelta(hours=5 * i + (i % 3)),
    )


OFFERS = [make(i) for i in range(36)]


@pytest.fixture(scope="module")
def client(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from vector_index.edge import EdgeIndex

    data_dir: Path = tmp_path_factory.mktemp("search")
    index = EdgeIndex(data_dir / "index", embedder.dim)
    index.upsert(embed_offers(OFFERS, embedder))
    settings = Settings.model_validate({"JOBMARKET_DATA_DIR": data_dir, "run_indexer": False,
                                        "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "max_limit": 50})
    with TestClient(create_app(settings, embedder=embedder, index=index)) as c:
        yield c
    index.close()


def search(client: TestClient, **body: Any) -> dict[str, Any]:
    resp = client.post("/api/offres/search", json=body)
    assert resp.status_code == 200, resp.text
    result: dict[str, Any] = resp.json()
    return result


def ids(result: dict[str, Any]) -> list[str]:
    return [item["offer"]["id"] for item in result["items"]]


def expected(pred: Callable[[Offer], bool]) -> set[str]:
    return {o.id for o in OFFERS if pred(o)}


def test_facets_count_the_whole_result_set_not_the_page(client: TestClient) -> None:
    body = search(client, contract_types=["CDI", "Intérim"], size=2)
    matching = [o for o in OFFERS if o.contract_type in ("CDI", "Intérim")]
    assert body["total"] == len(matching) and len(body["items"]) == 2
    facets = body["facets"]
    assert {f["value"]: f["count"] for f in facets["contract_types"]} == Counter(
        o.contract_type.value for o in matching if o.contract_type)
    assert {f["value"]: f["count"] for f in facets["cities"]} == Counter(o.city for o in matching)
    skills = Counter(s for o in matching for s in o.skills)
    assert {f["value"]: f["count"] for f in facets["skills"]} == skills
    assert {f["value"]: f["count"] for f in facets["seniority"]} == Counter(
        o.seniority.value for o in matching if o.seniority)
    company_counts = Counter(o.company for o in matching)
    top5 = sorted(company_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    assert [(f["value"], f["count"]) for f in facets["companies"]] == top5
    assert {f["value"]: f["count"] for f in facets["domains"]} == Counter(o.domain for o in matching)


@pytest.mark.parametrize(("body", "pred"), [
    ({"city": "lyon"}, lambda o: o.city == "Lyon"),
    ({"departement": "75"}, lambda o: o.departement_code == "75"),
    ({"seniority": ["Junior", "Senior"]}, lambda o: o.seniority in ("Junior", "Senior")),
    ({"domain": "M"}, lambda o: o.rome_code.startswith("M")),
    ({"domain": "santé"}, lambda o: o.domain == "Santé"),
    ({"rome_code": "M18"}, lambda o: o.rome_code.startswith("M18")),
    ({"rome_code": "M1805"}, lambda o: o.rome_code == "M1805"),
    ({"skills": ["python", "SQL"]}, lambda o: {"Python", "SQL"} <= set(o.skills)),
    ({"salary_min": 55_000}, lambda o: max(o.salary_min or 0, o.salary_max or 0) >= 55_000),
    ({"published_since": (NOW - timedelta(days=2)).isoformat()},
     lambda o: o.published_at >= NOW - timedelta(days=2)),
    ({"remote": "hybrid", "contract_types": ["CDI"]}, lambda o: o.remote == "hybrid" and o.contract_type == "CDI"),
])
def test_each_filter_selects_exactly_the_matching_offers(client: TestClient, body: dict[str, Any],
                                                         pred: Callable[[Offer], bool]) -> None:
    result = search(client, size=50, **body)
    want = expected(pred)
    assert want, "the fixture must exercise the filter"
    assert set(ids(result)) == want and result["total"] == len(want)


def test_paging_walks_the_whole_ordered_result_once(client: TestClient) -> None:
    full = ids(search(client, sort="date", size=50))
    assert len(full) == len(OFFERS)
    paged = [i for page in range(1, 8) for i in ids(search(client, sort="date", size=6, page=page))]
    assert paged == full
    assert search(client, size=6, page=7)["items"] == []


def test_sort_by_date_and_by_salary(client: TestClient) -> None:
    by_date = search(client, sort="date", size=50)["items"]
    dates = [datetime.fromisoformat(i["offer"]["published_at"]) for i in by_date]
    assert dates == sorted(dates, reverse=True)
    by_salary = search(client, sort="salary", size=50)["items"]

    def mid(o: dict[str, Any]) -> float | None:
        lo, hi = o["salary_min"], o["salary_max"]
        return (lo + hi) / 2 if lo is not None and hi is not None else (lo if lo is not None else hi)

    mids = [mid(i["offer"]) for i in by_salary]
    known = [m for m in mids if m is not None]
    assert known == sorted(known, reverse=True)
    assert mids[len(known):] == [None] * (len(mids) - len(known)), "offers without a salary come last"


def test_listing_takes_the_same_filters_as_query_parameters(client: TestClient) -> None:
    resp = client.get("/api/offres", params={"contract_types": ["CDD", "Intérim"], "departement": "69", "size": 50})
    assert resp.status_code == 200
    body = resp.json()
    assert set(ids(body)) == expected(lambda o: o.contract_type in ("CDD", "Intérim") and o.departement_code == "69")
    newest = client.get("/api/offres", params={"size": 3}).json()
    assert ids(newest) == ids(search(client, sort="date", size=3))


def test_unknown_fields_and_bad_values_are_422(client: TestClient) -> None:
    assert client.post("/api/offres/search", json={"keyword": "python"}).status_code == 422
    assert client.get("/api/offres", params={"citty": "Lyon"}).status_code == 422
    assert client.post("/api/offres/search", json={"contract_types": ["CDI", "Permanent"]}).status_code == 422
    assert client.post("/api/offres/search", json={"radius_km": 10}).status_code == 422  # needs a city
    assert client.post("/api/offres/search", json={"rome_code": "M18'; drop"}).status_code == 422
    assert client.post("/api/offres/search", json={"page": 500, "size": 50}).status_code == 422


def test_size_is_capped_by_the_configured_limit(client: TestClient) -> None:
    body = search(client, size=500)
    assert body["size"] == 50 and len(body["items"]) == min(50, len(OFFERS))


def test_radius_search_keeps_offers_within_the_distance(client: TestClient) -> None:
    body = search(client, city="Lyon", radius_km=10, size=50)
    # Lyon itself (located or not) and the located offers of Villeurbanne, ~4 km away.
    near = expected(lambda o: o.city == "Lyon" or (o.city == "Villeurbanne" and o.latitude is not None))
    assert expected(lambda o: o.city == "Villeurbanne" and o.latitude is None), "fixture: one unlocated"
    assert set(ids(body)) == near
    assert all(i["distance_km"] is not None and i["distance_km"] <= 10 for i in body["items"])
    lyon_only = search(client, city="Lyon", radius_km=1, size=50)
    assert set(ids(lyon_only)) == expected(lambda o: o.city == "Lyon")
    wide = search(client, city="Lyon", radius_km=420, size=50)  # Paris is ~390 km away, Bordeaux ~435 km
    assert set(ids(wide)) == expected(
        lambda o: o.city == "Lyon" or (o.latitude is not None and o.city in ("Villeurbanne", "Paris")))
    unknown = client.post("/api/offres/search", json={"city": "Quimper", "radius_km": 20})
    assert unknown.status_code == 422 and "coordinates" in unknown.json()["detail"]


def test_keywords_rank_the_matching_offers_first_and_say_which_words_matched(client: TestClient) -> None:
    body = search(client, keywords="infirmiers bloc", size=5)
    nurses = expected(lambda o: o.title.startswith("Infirmier"))
    top = body["items"][:len(nurses) if len(nurses) < 5 else 5]
    assert {i["offer"]["id"] for i in top} <= nurses
    assert "infirmiers" in top[0]["matched_terms"]
    scores = [i["score"] for i in body["items"]]
    assert scores == sorted(scores, reverse=True)
    assert body["total"] >= len(nurses)
    assert body["facets"]["domains"][0]["value"] == "Santé"
    filtered = search(client, keywords="python", contract_types=["CDD"], size=50)
    assert set(ids(filtered)) <= expected(lambda o: o.contract_type == "CDD")


def test_summary_counts_the_live_offers(client: TestClient) -> None:
    body = client.get("/api/stats/summary").json()
    assert body["offers_indexed"] == len(OFFERS)
    assert body["per_source"] == dict(Counter(o.source.value for o in OFFERS))
    assert datetime.fromisoformat(body["latest_published_at"]) == max(o.published_at for o in OFFERS if o.published_at)
