"""/metrics: requests by route template and status, in flight, model calls, cache, indexer counters."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.main import create_app
from schemas.events import canonical_offer_id
from tests.api.fakes import offer, running_app, settings


def samples(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    resp = client.get("/metrics")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain")
    return {(s.name, frozenset(s.labels.items())): s.value
            for fam in text_string_to_metric_families(resp.text) for s in fam.samples}


def value(client: TestClient, name: str, **labels: str) -> float:
    return samples(client).get((name, frozenset(labels.items())), 0.0)


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, FastAPI]]:
    offers = [offer("M1", "Développeur python", city="Lyon"), offer("M2", "Cuisinier", city="Paris")]
    with running_app(tmp_path_factory.mktemp("metrics"), offers) as (client, app, _):
        yield client, app


def test_requests_are_counted_by_route_template_and_status_never_by_raw_path(
        app_client: tuple[TestClient, FastAPI]) -> None:
    client, _ = app_client
    template = "/api/offres/{offer_id}"
    before_200 = value(client, "jobmarket_api_requests_total", method="GET", route=template, status="200")
    for sid in ("M1", "M2"):
        assert client.get(f"/api/offres/{canonical_offer_id('sample', sid)}").status_code == 200
    client.get(f"/api/offres/{canonical_offer_id('sample', 'nope')}")
    client.get("/no/such/path/123")
    s = samples(client)
    assert s[("jobmarket_api_requests_total", frozenset(
        {"method": "GET", "route": template, "status": "200"}.items()))] == before_200 + 2
    assert s[("jobmarket_api_requests_total", frozenset(
        {"method": "GET", "route": template, "status": "404"}.items()))] >= 1
    assert s[("jobmarket_api_requests_total", frozenset(
        {"method": "GET", "route": "<unmatched>", "status": "404"}.items()))] >= 1
    routes = {dict(labels).get("route") for name, labels in s if name == "jobmarket_api_requests_total"}
    assert not any(r and ("M1" in r or "123" in r or canonical_offer_id("sample", "M1") in r) for r in routes)
    count = s[("jobmarket_api_request_duration_seconds_count", frozenset(
        {"method": "GET", "route": template, "status": "200"}.items()))]
    assert count == before_200 + 2
    assert ("jobmarket_api_requests_in_flight", frozenset()) in s


def test_model_calls_and_the_query_cache_are_measured(app_client: tuple[TestClient, FastAPI]) -> None:
    client, _ = app_client
    calls = value(client, "jobmarket_api_model_call_seconds_count", kind="query")
    hits = value(client, "jobmarket_api_query_cache_total", result="hit")
    for _ in range(2):
        assert client.post("/api/recommendations", json={"text": "metrics query unique"}).status_code == 200
    assert value(client, "jobmarket_api_model_call_seconds_count", kind="query") == calls + 1
    assert value(client, "jobmarket_api_query_cache_total", result="hit") == hits + 1
    assert value(client, "jobmarket_api_requests_total", method="POST", route="/api/recommendations",
                 status="200") >= 2


def test_indexer_counters_are_read_from_the_indexer(app_client: tuple[TestClient, FastAPI]) -> None:
    client, app = app_client
    stats = SimpleNamespace(upserted=7, deleted=2, dead_lettered=1, retries=3, batches=4, error_count=5)
    app.state.indexer = SimpleNamespace(stats=stats, state="running")
    try:
        assert value(client, "jobmarket_indexer_upserted_total") == 7
        assert value(client, "jobmarket_indexer_dead_lettered_total") == 1
        assert value(client, "jobmarket_indexer_up") == 1
        stats.upserted = 9
        app.state.indexer.state = "failed"
        assert value(client, "jobmarket_indexer_upserted_total") == 9
        assert value(client, "jobmarket_indexer_up") == 0
    finally:
        del app.state.indexer


def test_each_app_has_its_own_registry(tmp_path: Path) -> None:
    first = TestClient(create_app(settings(tmp_path)))
    second = TestClient(create_app(settings(tmp_path)))  # no "Duplicated timeseries" from a global registry
    first.get("/nope")
    assert value(first, "jobmarket_api_requests_total", method="GET", route="<unmatched>", status="404") == 1
    assert value(second, "jobmarket_api_requests_total", method="GET", route="<unmatched>", status="404") == 0


def test_requests_refused_before_routing_are_labelled_rejected(app_client: tuple[TestClient, FastAPI]) -> None:
    client, _ = app_client
    before = value(client, "jobmarket_api_requests_rejected_total", reason="body_too_large")
    resp = client.post("/api/recommendations", content=b"x" * 2_000_000, headers={"content-type": "application/json"})
    assert resp.status_code == 413
    assert value(client, "jobmarket_api_requests_total", method="POST", route="<rejected>", status="413") >= 1
    assert value(client, "jobmarket_api_requests_rejected_total", reason="body_too_large") == before + 1
