from __future__ import annotations

import time

from fastapi.testclient import TestClient

from api.probes import BackgroundCheck, kafka_check
from tests.support.services import wait_until


def test_health_reports_a_down_broker_as_degraded(client: TestClient) -> None:
    # The fixture points at a closed port: Kafka must show as down, the rest as up.
    resp = client.get("/health")
    assert resp.status_code == 503
    deps = resp.json()["dependencies"]
    assert deps["kafka"]["ok"] is False
    assert deps["index"]["ok"] is True and deps["index"]["detail"]["offers"] == 5
    assert deps["embedder"]["ok"] is True


def test_health_answers_from_cache_fast_and_leaks_nothing_when_the_broker_is_down(client: TestClient) -> None:
    probe: BackgroundCheck = client.app.state.kafka_probe  # type: ignore[attr-defined]
    wait_until(lambda: probe.last is not None, 10, 0.1, "a first Kafka check")
    assert probe.last_error  # there is an exception text that could leak
    start = time.monotonic()
    resp = client.get("/health")
    assert time.monotonic() - start < 0.5  # the old per-call check blocked up to its 2 s timeout
    assert resp.status_code == 503
    kafka = resp.json()["dependencies"]["kafka"]
    assert kafka["ok"] is False and kafka["detail"]["state"] == "unreachable"
    assert "127.0.0.1:1" not in resp.text and probe.last_error not in resp.text


def test_kafka_check_sees_a_live_broker_check_after_check(kafka_bootstrap: str) -> None:
    probe = BackgroundCheck("broker", kafka_check(kafka_bootstrap, timeout_s=2), interval_s=0.1, timeout_s=2)
    probe.start()
    try:
        wait_until(lambda: probe.last is not None and probe.last.ok, 10, 0.1, "a successful check")
        status = probe.status()
        assert status.ok and isinstance(status.detail, dict)
        topics = status.detail["topics"]
        assert isinstance(topics, int) and topics >= 5
        wait_until(lambda: probe.status().checked_at > status.checked_at, 10, 0.1, "a second check")
        assert probe.status().ok and probe.last_error is None
    finally:
        probe.stop()
