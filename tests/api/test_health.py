from __future__ import annotations

from fastapi.testclient import TestClient


def test_health_reports_a_down_broker_as_degraded(client: TestClient) -> None:
    # The fixture points at a closed port: Kafka must show as down, the rest as up.
    resp = client.get("/health")
    assert resp.status_code == 503
    deps = resp.json()["dependencies"]
    assert deps["kafka"]["ok"] is False
    assert deps["index"]["ok"] is True and deps["index"]["detail"]["offers"] == 5
    assert deps["embedder"]["ok"] is True
