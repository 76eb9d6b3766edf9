"""Every error is an RFC 9457 problem document with a request id; a bug is a logged 500, never a 503."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from api.errors import PROBLEM_JSON, DependencyUnavailable, dependency
from api.main import create_app
from api.offer_ids import OfferIdDep, parse_offer_id
from api.settings import Settings
from tests.api.fakes import running_app

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "request_id"}


def _app(tmp_path: Path) -> FastAPI:
    app = create_app(Settings.model_validate({"JOBMARKET_DATA_DIR": tmp_path, "run_indexer": False}))

    async def boom() -> None:
        raise RuntimeError("kaboom: secret internals")

    async def teapot() -> None:
        raise HTTPException(418, "short and stout", headers={"X-Kettle": "on"})

    async def index_down() -> None:
        with dependency("offer index"):
            raise ConnectionError("10.1.2.3:6333 refused")

    async def offer_route(offer_id: OfferIdDep) -> dict[str, object]:
        raise DependencyUnavailable("offer index")  # what a down backend would answer; ids never get here

    app.add_api_route("/boom", boom)
    app.add_api_route("/teapot", teapot)
    app.add_api_route("/index-down", index_down)
    app.add_api_route("/offers/{offer_id}", offer_route)
    return app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    # No lifespan: these routes need no state.
    yield TestClient(_app(tmp_path_factory.mktemp("errors")), raise_server_exceptions=False)


def assert_problem(resp: object, status: int) -> dict[str, object]:
    from httpx import Response

    assert isinstance(resp, Response)
    assert resp.status_code == status
    assert resp.headers["content-type"] == PROBLEM_JSON
    body = resp.json()
    assert body.keys() >= PROBLEM_KEYS and body["status"] == status and body["title"]
    assert body["request_id"] == resp.headers["X-Request-ID"]
    return dict(body)


def test_an_unhandled_error_is_a_logged_500_problem_with_a_request_id(client: TestClient) -> None:
    with capture_logs() as logs:
        resp = client.get("/boom")
    body = assert_problem(resp, 500)
    assert body["type"] == "urn:jobmarket:problem:internal-error" and body["instance"] == "/boom"
    assert "kaboom" not in resp.text and "Traceback" not in resp.text
    errors = [e for e in logs if e["event"] == "unhandled error"]
    assert len(errors) == 1
    assert errors[0]["request_id"] == body["request_id"] and errors[0]["path"] == "/boom"
    assert errors[0]["log_level"] == "error" and errors[0]["exc_info"] is True


def test_http_errors_are_problems_that_keep_their_headers(client: TestClient) -> None:
    body = assert_problem(client.get("/teapot"), 418)
    assert body["detail"] == "short and stout" and body["type"] == "about:blank" and body["title"] == "I'm a Teapot"
    assert client.get("/teapot").headers["X-Kettle"] == "on"
    assert assert_problem(client.get("/nope"), 404)["instance"] == "/nope"
    resp = client.post("/boom")
    assert_problem(resp, 405)
    assert resp.headers["allow"] == "GET"


def test_a_validation_error_lists_the_fields_without_echoing_the_input(tmp_path: Path) -> None:
    hostile = "<script>" + "x" * 10_000
    with running_app(tmp_path) as (client, _, _):
        resp = client.post("/api/recommendations", json={"text": 12, "size": 0, "filters": {"city": [hostile]},
                                                         "junk": True})
    body = assert_problem(resp, 422)
    assert body["type"] == "urn:jobmarket:problem:validation-error"
    errors = body["errors"]
    assert isinstance(errors, list)
    locs = {tuple(e["loc"]) for e in errors}
    assert {("body", "text"), ("body", "size"), ("body", "filters", "city"), ("body", "junk")} <= locs
    assert all({"loc", "msg", "type"} == e.keys() for e in errors)
    assert "body.text" in str(body["detail"]) and hostile not in resp.text and "<script>" not in resp.text


def test_a_dependency_that_is_down_is_a_503_with_retry_after(client: TestClient) -> None:
    resp = client.get("/index-down")
    body = assert_problem(resp, 503)
    assert body["type"] == "urn:jobmarket:problem:dependency-unavailable" and resp.headers["Retry-After"] == "5"
    assert "10.1.2.3" not in resp.text


@pytest.mark.parametrize("bad", ["garbage-id", "monster:123", "adzuna:", "adzuna:a;b", "adzuna:é1",
                                 "adzuna:" + "1" * 129, "adzuna:12 3", "6f1c2d0e-8a51-4f0b-9b7e-3c1f6b2a9d1",
                                 "France_Travail:1", ":123", "adzuna:1:2"])
def test_a_malformed_offer_id_is_a_422_before_any_backend_is_asked(client: TestClient, bad: str) -> None:
    resp = client.get(f"/offers/{bad}")
    body = assert_problem(resp, 422)  # the route itself would answer 503: it is never reached
    assert body["errors"][0]["loc"] == ["path", "offer_id"]  # type: ignore[index]
    with pytest.raises(ValueError, match="UUID or"):
        parse_offer_id(bad)


@pytest.mark.parametrize(("good", "value", "is_ref"), [
    ("france_travail:191FJMB", "france_travail:191FJMB", True), ("adzuna:5135389874", "adzuna:5135389874", True),
    ("sample:S000001", "sample:S000001", True),
    ("6F1C2D0E-8A51-4F0B-9B7E-3C1F6B2A9D10", "6f1c2d0e-8a51-4f0b-9b7e-3c1f6b2a9d10", False),
])
def test_well_formed_offer_ids_pass_normalised(client: TestClient, good: str, value: str, is_ref: bool) -> None:
    oid = parse_offer_id(good)
    assert (oid.value, oid.is_ref) == (value, is_ref)
    assert client.get(f"/offers/{good}").status_code == 503  # reached the (down) backend


def test_every_response_carries_a_request_id_and_a_sane_client_one_is_kept(client: TestClient) -> None:
    first, second = client.get("/nope"), client.get("/nope")
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    assert client.get("/nope", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    forged = client.get("/nope", headers={"X-Request-ID": "x\" injected=1"}).headers["X-Request-ID"]
    assert forged != "x\" injected=1"


def test_openapi_documents_errors_as_problems_and_the_served_limits(tmp_path: Path) -> None:
    app = create_app(Settings.model_validate({"JOBMARKET_DATA_DIR": tmp_path, "run_indexer": False,
                                              "max_limit": 25}))
    spec = TestClient(app).get("/openapi.json").json()
    assert "Problem" in spec["components"]["schemas"] and "HTTPValidationError" not in spec["components"]["schemas"]
    op = spec["paths"]["/api/recommendations"]["post"]
    for code in ("413", "422", "500", "503"):
        assert op["responses"][code]["content"] == {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    req = spec["components"]["schemas"]["RecommendationRequest"]
    size = next(v for v in req["properties"]["size"]["anyOf"] if v.get("type") == "integer")
    assert req["examples"] and size["maximum"] == 25
    # A route that declares its own error body keeps it.
    health_503 = spec["paths"]["/health"]["get"]["responses"]["503"]["content"]["application/json"]["schema"]
    assert health_503["$ref"].endswith("/HealthResponse")
