"""/ready: each dependency's state from background checks; 503 only when a required one is down."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from api.probes import BackgroundCheck, NotConfigured
from tests.api.fakes import offer, running_app
from tests.conftest import free_port
from tests.support.services import wait_until


def test_a_down_broker_makes_ready_503_and_optional_dependencies_are_only_reported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    with running_app(tmp_path, [offer("R1", "Développeur")], ready_check_timeout_s=0.5) as (client, app, _):
        checks = app.state.ready_checks
        wait_until(lambda: all(c.last is not None for c in checks.values()), 10, 0.05, "first checks")
        wait_until(lambda: app.state.kafka_probe.last is not None, 10, 0.05, "a first Kafka check")
        started = time.monotonic()
        resp = client.get("/ready")
        assert time.monotonic() - started < 0.5  # answered from the cached checks
        store = getattr(app.state, "store", None)
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "5"
    body = resp.json()
    assert body["status"] == "not ready"
    c = body["checks"]
    assert c["broker"] == {"ok": False, "required": True, "detail": c["broker"]["detail"]}
    assert c["broker"]["detail"]["state"] == "unreachable"
    assert c["index"]["ok"] is True and c["index"]["required"] and c["index"]["detail"]["offers"] == 1
    assert c["model"] == {"ok": True, "required": True, "detail": {"model": "fake-bow@test"}}
    assert c["registry"]["ok"] is False and c["registry"]["required"] is False
    assert c["warehouse"]["ok"] is False and c["warehouse"]["required"] is False  # no warehouse file yet
    assert c["database"]["required"] is False
    assert c["database"]["ok"] is (None if store is None else True)
    assert "127.0.0.1" not in resp.text and "Error" not in resp.text  # addresses and errors stay in the log


def test_ready_with_a_live_broker_and_required_checks_from_settings(
        tmp_path: Path, kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{free_port()}")
    with running_app(tmp_path, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap, health_kafka_interval_s=0.2) as (
            client, app, _):
        wait_until(lambda: client.get("/ready").status_code == 200, 15, 0.1, "ready")
        body = client.get("/ready").json()
        assert body["status"] == "ready" and body["checks"]["broker"]["ok"] is True
        assert body["checks"]["registry"]["ok"] is False  # down, but optional
        app.state.settings.ready_required = ["broker", "index", "model", "registry"]
        resp = client.get("/ready")
        assert resp.status_code == 503 and resp.json()["checks"]["registry"]["required"] is True


def test_a_stuck_check_turns_stale_and_counts_as_down() -> None:
    release = threading.Event()
    calls = 0

    def check() -> dict[str, object]:
        nonlocal calls
        calls += 1
        if calls > 1:
            release.wait(5)  # a dependency that never answers (and a client without a timeout)
        return {"fine": True}

    bg = BackgroundCheck("stuck", check, interval_s=0.05, timeout_s=0.05)
    assert bg.status().ok is False and bg.status().detail == {"state": "not checked yet"}
    bg.start()
    try:
        wait_until(lambda: bg.status().ok is True, 5, 0.01, "a first good check")
        wait_until(lambda: bg.status().ok is False, 5, 0.02, "the check to go stale")
        assert bg.status().detail["state"] == "unknown (check is stale)"
    finally:
        release.set()
        bg.stop()


def test_a_check_reports_not_configured_as_null_and_failures_without_their_text() -> None:
    def not_here() -> dict[str, object]:
        raise NotConfigured()

    def failing() -> dict[str, object]:
        raise ConnectionError("secret-host:5432 refused")

    assert BackgroundCheck("db", not_here, 1, 1).check().ok is None
    bad = BackgroundCheck("db", failing, 1, 1)
    result = bad.check()
    assert result.ok is False and "secret-host" not in str(result.detail) and "secret-host" in (bad.last_error or "")
