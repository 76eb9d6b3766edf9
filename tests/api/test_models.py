"""`GET /api/models`: registered versions with their metrics and aliases, and what serves; a registry that is
down is reported, not a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ml.embedding import Embedder


@pytest.fixture(scope="module")
def store_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A registry with two versions: v1 champion, v2 refused by the gate."""
    import mlflow

    from ml.registry import GateDecision, client, log_pipeline, set_champion, tag_decision
    from ml.tracking import ensure_experiment, use_tracking_uri

    uri = f"sqlite:///{tmp_path_factory.mktemp('mlflow-api') / 'mlflow.db'}"
    with use_tracking_uri(uri):
        experiment_id = ensure_experiment("matching", uri)
        c = client(uri)
        for name, ndcg, decision in [("hybrid:use+bm25", 0.61, GateDecision(True, "no champion yet")),
                                     ("hybrid:use+bm25:score", 0.62, GateDecision(False, "within the noise"))]:
            with mlflow.start_run(experiment_id=experiment_id, run_name=name):
                mlflow.log_metrics({"ndcg_at_10": ndcg, "p_at_10": 0.5, "not_shown": 1.0})
                version = str(log_pipeline({"pipeline": {"name": name, "lexical": True}, "embedding": {}}, [])
                              .registered_model_version)
            c.set_model_version_tag("MatchingPipeline", version, "config_name", name)
            c.set_model_version_tag("MatchingPipeline", version, "eval_version", "ev1")
            tag_decision(c, version, decision)
            if decision.promote:
                set_champion(c, version)
    return uri


def test_lists_versions_with_metrics_aliases_and_the_serving_model(
        client: TestClient, store_uri: str, embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store_uri)
    r = client.get("/api/models")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["registry"] == "ok" and body["champion"] == "1"
    assert body["serving"]["model_id"] == embedder.model_id
    # The session's encoder is the packaged default (no champion at its start): it says so, and its recipe.
    assert body["serving"]["source"] == "default" and body["serving"]["recipe"].startswith("hybrid:use:")
    v2, v1 = body["versions"]  # newest first
    assert (v1["version"], v1["aliases"], v1["gate_decision"]) == ("1", ["champion"], "promoted")
    assert (v2["version"], v2["aliases"], v2["gate_decision"]) == ("2", [], "refused")
    assert v2["gate_reason"] == "within the noise" and v2["configuration"] == "hybrid:use+bm25:score"
    assert v1["metrics"] == {"ndcg_at_10": 0.61, "p_at_10": 0.5}  # held-out metrics only
    assert v1["eval_version"] == "ev1"


def test_a_registry_that_is_down_is_reported_with_what_serves(
        client: TestClient, embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:1")
    monkeypatch.setenv("MLFLOW_LOOKUP_TIMEOUT_S", "1")
    r = client.get("/api/models")
    assert r.status_code == 200
    body = r.json()
    assert body["registry"] == "unreachable" and body["versions"] == []
    assert body["serving"]["model_id"] == embedder.model_id
