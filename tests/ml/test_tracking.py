"""Tracking settings, the embedded server under `jobmarket up`, and one real `mlflow server` round trip."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import CommonSettings
from jobmarket.stack import processes
from ml.tracking import TrackingSettings, server_command, server_ready, start_server, stop_server, use_tracking_uri
from tests.conftest import free_port


def settings(tmp_path: Path, **env: str) -> TrackingSettings:
    return TrackingSettings.model_validate({"JOBMARKET_DATA_DIR": str(tmp_path), **env})


def test_defaults_point_at_the_stacks_own_lean_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    s = settings(tmp_path, MLFLOW_PORT="5123")
    assert s.embedded_server and s.tracking_uri == "http://127.0.0.1:5123"
    cmd = server_command(s)
    assert cmd[cmd.index("--backend-store-uri") + 1] == f"sqlite:///{tmp_path.resolve()}/mlflow/mlflow.db"
    assert cmd[cmd.index("--artifacts-destination") + 1] == str(tmp_path.resolve() / "mlflow" / "artifacts")
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1" and cmd[cmd.index("--workers") + 1] == "1"


def test_mlflow_tracking_uri_selects_another_server(tmp_path: Path) -> None:
    s = settings(tmp_path, MLFLOW_TRACKING_URI="http://mlflow:5000")
    assert not s.embedded_server and s.tracking_uri == "http://mlflow:5000"


def test_up_supervises_the_server_unless_another_is_selected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    [mlflow] = [p for p in processes(CommonSettings(), 10) if p.name == "mlflow"]
    assert mlflow.argv[1:4] == ["-m", "mlflow", "server"]
    assert not mlflow.uses_base  # a broker restart does not restart it
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://elsewhere:5000")
    assert "mlflow" not in [p.name for p in processes(CommonSettings(), 10)]


def test_an_unreachable_server_is_not_ready_quickly() -> None:
    started = time.monotonic()
    assert not server_ready("http://127.0.0.1:1", 1.0)
    assert server_ready("sqlite:///whatever.db")
    assert time.monotonic() - started < 2.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TrackingSettings, subprocess.Popen[bytes]]]:
    data = tmp_path_factory.mktemp("mlflow-server")
    s = settings(data, MLFLOW_PORT=str(free_port()))
    s.tracking_uri_override = None  # this server, whatever the environment points at
    with open(data / "server.log", "wb") as log:
        proc = start_server(s, log=log)
    yield s, proc
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.mark.slow
def test_a_real_server_logs_registers_serves_and_stops_on_sigterm(
        server: tuple[TrackingSettings, subprocess.Popen[bytes]]) -> None:
    import mlflow

    from ml.registry import CHAMPION, MODEL_NAME, champion_config, list_versions, log_pipeline, set_champion

    s, proc = server
    uri = s.tracking_uri
    assert uri.startswith("http://127.0.0.1:")
    config = {"pipeline": {"name": "bm25", "lexical": True}, "embedding": {}}
    with use_tracking_uri(uri):
        experiment = mlflow.set_experiment("matching")
        with mlflow.start_run(experiment_id=experiment.experiment_id, run_name="bm25") as run:
            mlflow.log_metric("ndcg_at_10", 0.42)
            mlflow.log_dict(config, "config.json")
            info = log_pipeline(config, [{"id": "sample:A", "text": "Développeur Python", "lexical": "Python"}])
        version = str(info.registered_model_version)
        set_champion(mlflow.MlflowClient(), version)
        loaded = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}@{CHAMPION}")
    # The artifacts went through the server's proxy into its artifacts directory, not the client's disk.
    assert any(s.artifacts_dir.rglob("config.json"))
    assert champion_config(uri) == (version, config)
    [view] = list_versions(uri) or []
    assert (view.version, view.aliases, view.run_id, view.metrics) == (version, [CHAMPION], run.info.run_id,
                                                                       {"ndcg_at_10": 0.42})
    assert loaded.predict({"TEXT": ["développeur python"]})["match_index"].tolist() == [0]
    started = time.monotonic()
    assert stop_server(proc, grace_s=10.0) == 0  # SIGTERM: a clean exit (SIGKILL would read -9)
    # ~1 s on a quiet machine; the bound leaves room for a loaded CI box.
    assert time.monotonic() - started < 10.0
    assert not server_ready(uri, 0.5)
