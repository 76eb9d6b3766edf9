"""The promotion gate (pure), the MatchingPipeline pyfunc, and champion look-ups against a real store."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from ml import registry
from ml.embedding import Embedder
from ml.registry import CHAMPION, MODEL_NAME, champion_config, gate_decision, list_versions, log_pipeline
from ml.tracking import ensure_experiment, use_tracking_uri

# The benchmark's configuration shape: dense USE fused with BM25 by rank (the session's warm encoder, the
# served default, encodes the corpus; loading the model builds the same encoder from this configuration).
CONFIG = {"pipeline": {"name": "hybrid:use+bm25", "encoder": "use", "lexical": True, "fusion": "rrf"},
          "embedding": {"backend": "use-multilingual"}}
CORPUS = [{"id": "sample:A", "text": "Développeur Python data. Python, SQL, Spark. Pipelines de données."},
          {"id": "sample:B", "text": "Infirmier de bloc opératoire. Soins infirmiers en clinique."},
          {"id": "sample:C", "text": "Chauffeur poids lourd. Permis C, transport de marchandises."}]
CORPUS = [{**d, "lexical": d["text"]} for d in CORPUS]


# -- the gate -------------------------------------------------------------------------------------------------------
def test_no_champion_promotes_the_first_candidate() -> None:
    assert gate_decision({"q1": 0.5, "q2": 0.4}, None).promote


def test_a_consistent_gain_beyond_the_noise_promotes() -> None:
    champion = {f"q{i}": 0.3 + 0.01 * (i % 5) for i in range(40)}
    candidate = {q: v + 0.1 + 0.02 * (i % 3) for i, (q, v) in enumerate(champion.items())}
    decision = gate_decision(candidate, champion)
    assert decision.promote, decision.reason
    assert decision.delta is not None and decision.margin is not None
    assert decision.delta == pytest.approx(0.1 + 0.02 * sum(i % 3 for i in range(40)) / 40)
    assert decision.delta > decision.margin > 0
    assert decision.n_queries == 40


def test_a_gain_within_the_noise_is_refused() -> None:
    # Mean gain +0.01, but per-query differences swing ±0.3: the paired standard error is far larger.
    champion = {f"q{i}": 0.5 for i in range(30)}
    candidate = {q: 0.5 + (0.31 if i % 2 else -0.29) for i, q in enumerate(champion)}
    decision = gate_decision(candidate, champion)
    assert not decision.promote
    assert decision.delta == pytest.approx(0.01)
    assert decision.margin is not None and decision.margin > 0.05
    assert "noise" in decision.reason


def test_an_identical_candidate_is_refused_and_queries_are_paired() -> None:
    champion = {"q1": 0.2, "q2": 0.6, "q3": 0.9}
    assert not gate_decision(dict(champion), champion).promote
    # Only the queries both were measured on count: q9 is ignored, q1 alone cannot be compared.
    decision = gate_decision({"q1": 0.9, "q9": 1.0}, champion)
    assert not decision.promote and decision.n_queries == 1


# -- a real store (sqlite, no server) ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def store_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"


def test_champion_config_is_none_without_a_champion(store_uri: str) -> None:
    # Runs before `registered` (file order) on the module's store: creating another store costs seconds.
    assert champion_config(store_uri) is None
    assert list_versions(store_uri) == []


@pytest.fixture(scope="module")
def registered(store_uri: str, embedder: Embedder) -> str:
    """One registered version, made champion, logged with a three-offer corpus; returns its version."""
    import mlflow

    with use_tracking_uri(store_uri):
        with mlflow.start_run(experiment_id=ensure_experiment("matching", store_uri)):
            mlflow.log_dict(CONFIG, "config.json")
            info = log_pipeline(CONFIG, CORPUS, embedder=embedder)
        version = str(info.registered_model_version)
        mlflow.MlflowClient().set_registered_model_alias(MODEL_NAME, CHAMPION, version)
    return version


def test_the_pyfunc_keeps_the_seeds_signature_and_matches(registered: str, store_uri: str) -> None:
    import mlflow

    with use_tracking_uri(store_uri):
        model = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}@{CHAMPION}")
    schema = model.metadata.get_input_schema()
    assert schema is not None and schema.input_names() == ["TEXT"]
    out = model.predict(pd.DataFrame({"TEXT": ["développeur python et SQL", "conducteur de camion permis C"]}))
    assert list(out.columns) == ["match_index", "similarity_score"]
    assert str(out["match_index"].dtype) == "int64" and str(out["similarity_score"].dtype) == "float64"
    assert out["match_index"].tolist() == [0, 2]
    assert all(0.0 < s <= 1.0 for s in out["similarity_score"])


def test_champion_config_reads_the_registry(registered: str, store_uri: str) -> None:
    found = champion_config(store_uri)
    assert found == (registered, CONFIG)
    versions = list_versions(store_uri)
    assert versions is not None
    assert [(v.version, v.aliases) for v in versions] == [(registered, [CHAMPION])]


def test_champion_config_answers_none_fast_when_the_registry_is_down() -> None:
    started = time.monotonic()
    assert champion_config("http://127.0.0.1:1", timeout_s=1.0) is None
    assert list_versions("http://127.0.0.1:1", timeout_s=1.0) is None
    assert time.monotonic() - started < 3.0



def test_a_registry_starting_beside_the_service_is_waited_for_up_to_wait_s(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    answers = iter([False, False, True])

    def ready(uri: str, timeout_s: float) -> bool:
        asked.append(uri)
        return next(answers)

    monkeypatch.setattr("ml.registry.server_ready", ready)
    monkeypatch.setattr("ml.registry.time.sleep", lambda _s: None)
    assert registry._answers_within("http://127.0.0.1:5000", 0.5, wait_s=60) and len(asked) == 3


def test_without_wait_s_an_unreachable_registry_is_asked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def down(uri: str, timeout_s: float) -> bool:
        asked.append(uri)
        return False

    monkeypatch.setattr("ml.registry.server_ready", down)
    assert not registry._answers_within("http://127.0.0.1:5000", 0.5, wait_s=0) and len(asked) == 1
