"""A bug is an honest, logged 500 carrying a request id, never a disguised 503."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from api.main import create_app
from api.settings import Settings


def test_an_unhandled_error_is_a_logged_500_with_a_request_id(tmp_path: Path) -> None:
    app = create_app(Settings.model_validate({"JOBMARKET_DATA_DIR": tmp_path, "run_indexer": False}))

    async def boom() -> None:
        raise RuntimeError("kaboom: secret internals")

    app.add_api_route("/boom", boom)
    client = TestClient(app, raise_server_exceptions=False)  # no lifespan: the route needs no state
    with capture_logs() as logs:
        resp = client.get("/boom")
    assert resp.status_code == 500
    body = resp.json()
    assert body["detail"] == "internal error" and "kaboom" not in resp.text
    assert body["request_id"] and resp.headers["X-Request-ID"] == body["request_id"]
    errors = [e for e in logs if e["event"] == "unhandled error"]
    assert len(errors) == 1
    assert errors[0]["request_id"] == body["request_id"] and errors[0]["path"] == "/boom"
    assert errors[0]["log_level"] == "error" and errors[0]["exc_info"] is True


def test_every_response_carries_a_request_id_and_a_sane_client_one_is_kept(tmp_path: Path) -> None:
    client = TestClient(create_app(Settings.model_validate({"JOBMARKET_DATA_DIR": tmp_path, "run_indexer": False})))
    first, second = client.get("/nope"), client.get("/nope")
    assert first.status_code == 404 and first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    assert client.get("/nope", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    forged = client.get("/nope", headers={"X-Request-ID": "x\" injected=1"}).headers["X-Request-ID"]
    assert forged != "x\" injected=1"
