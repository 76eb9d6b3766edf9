"""Hostile input and load: body size, concurrency, API_MAX_LIMIT. Refusals are problems, never 5xx bugs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.errors import PROBLEM_JSON
from api.main import create_app
from tests.api.fakes import offer, running_app, settings

MAX_BODY = 4096


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    offers = [offer(f"P{i}", f"Développeur python {i}", city="Lyon", skills=["Python"]) for i in range(30)]
    with running_app(tmp_path_factory.mktemp("limits"), offers, max_body_bytes=MAX_BODY, max_limit=20,
                     max_result_window=50) as (c, _, _):
        yield c


def test_a_declared_oversized_body_is_refused_before_it_is_read(client: TestClient) -> None:
    resp = client.post("/api/recommendations", content=b"{" + b" " * MAX_BODY + b"}",
                       headers={"content-type": "application/json"})
    assert resp.status_code == 413 and resp.headers["content-type"] == PROBLEM_JSON
    body = resp.json()
    assert body["type"] == "urn:jobmarket:problem:body-too-large" and body["request_id"]


def test_a_chunked_oversized_body_is_counted_while_read(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}'

    resp = client.post("/api/recommendations", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in resp.request.headers  # really chunked
    assert resp.status_code == 413 and resp.headers["content-type"] == PROBLEM_JSON
    assert resp.json()["request_id"] == resp.headers["X-Request-ID"]


@pytest.mark.parametrize("raw", [
    b"[" * 100_000 + b"]" * 100_000,  # nesting deeper than any parser's recursion
    b'{"text": "\xff\xfe invalid utf-8"}',
    b'{"text": "python", "size": 1e999999}',
    b'{"text": "python",',
    b"\x00\x00\x00",
    b'{"text": {"$gt": ""}}',
    b'{"text": "python", "filters": {"city": {"$ne": null}}}',
    b'{"text": "python", "skills": [' + b",".join([b'"x"'] * 2000) + b"]}",
    b'{"text": "python", "__proto__": {"admin": true}}',
    b'{"text": "python", "page": -1}',
    b'{"text": "python", "page": 99999999999999999999999}',
])
def test_hostile_bodies_are_4xx_never_a_5xx(client: TestClient, raw: bytes) -> None:
    headers = {"content-type": "application/json"}
    resp = client.post("/api/recommendations", content=raw[:MAX_BODY * 4], headers=headers)
    assert 400 <= resp.status_code < 500, resp.text[:300]
    assert resp.headers["content-type"] == PROBLEM_JSON
    assert len(resp.content) < 8000  # a thousand failing fields still give a short answer


def test_nul_bytes_and_odd_unicode_in_text_are_served_and_lone_surrogates_refused(client: TestClient) -> None:
    resp = client.post("/api/recommendations", json={
        "text": "python\x00 développeur 🐍 ' OR 1=1 --", "skills": ["\u202eSQL", "Python"], "city": "Lyon"})
    assert resp.status_code == 200, resp.text[:300]
    assert "\u202eSQL" in resp.json()["results"][0]["explanation"]["skills"]["candidate"]
    # Valid JSON escapes, but not text (they cannot be encoded in the UTF-8 answer): a 422, not a 500.
    raw = b'{"text": "python \\ud800", "skills": ["py\\udc00thon"]}'
    resp = client.post("/api/recommendations", content=raw, headers={"content-type": "application/json"})
    assert resp.status_code == 422 and {tuple(e["loc"]) for e in resp.json()["errors"]} == {
        ("body", "text"), ("body", "skills", 0)}


def test_api_max_limit_applies_to_size_and_its_alias(client: TestClient) -> None:
    assert client.post("/api/recommendations", json={"text": "python", "size": 20}).json()["count"] == 20
    for field in ("size", "limit"):
        resp = client.post("/api/recommendations", json={"text": "python", field: 21})
        assert resp.status_code == 422 and resp.json()["errors"][0]["loc"] == ["body", field]
        assert "API_MAX_LIMIT" in resp.json()["detail"]
    resp = client.post("/api/model/match", json={"text": "python", "size": 21})
    assert resp.status_code == 422


def test_the_result_window_bounds_deep_pages(client: TestClient) -> None:
    assert client.post("/api/recommendations", json={"text": "python", "size": 10, "page": 5}).status_code == 200
    resp = client.post("/api/recommendations", json={"text": "python", "size": 10, "page": 6})
    assert resp.status_code == 422 and resp.json()["errors"][0]["loc"] == ["body", "page"]


def _slow_app(tmp_path: Path, wait_s: float) -> tuple[object, asyncio.Event, asyncio.Event]:
    app = create_app(settings(tmp_path, max_concurrency=1, concurrency_wait_s=wait_s))
    entered, release = asyncio.Event(), asyncio.Event()

    async def slow() -> dict[str, bool]:
        entered.set()
        await release.wait()
        return {"done": True}

    app.add_api_route("/slow", slow)
    return app, entered, release


def test_over_the_concurrency_limit_a_request_gets_503_retry_after_and_probes_still_answer(tmp_path: Path) -> None:
    async def scenario() -> None:
        app, entered, release = _slow_app(tmp_path, wait_s=0)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:  # type: ignore[arg-type]
            first = asyncio.create_task(c.get("/slow"))
            await asyncio.wait_for(entered.wait(), 5)
            refused = await c.get("/slow")
            assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
            assert refused.json()["type"] == "urn:jobmarket:problem:overloaded"
            assert (await c.get("/metrics")).status_code == 200  # exempt: an overloaded API still reports
            release.set()
            assert (await asyncio.wait_for(first, 5)).status_code == 200
            assert (await c.get("/slow")).status_code == 200  # the slot was given back
            metrics = (await c.get("/metrics")).text
            assert 'jobmarket_api_requests_rejected_total{reason="overloaded"} 1.0' in metrics

    asyncio.run(scenario())


def test_a_request_over_the_limit_waits_for_a_slot_within_the_wait(tmp_path: Path) -> None:
    async def scenario() -> None:
        app, entered, release = _slow_app(tmp_path, wait_s=5)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:  # type: ignore[arg-type]
            first = asyncio.create_task(c.get("/slow"))
            await asyncio.wait_for(entered.wait(), 5)
            second = asyncio.create_task(c.get("/slow"))
            await asyncio.sleep(0)  # let it queue
            release.set()
            assert [r.status_code for r in await asyncio.gather(first, second)] == [200, 200]

    asyncio.run(scenario())
