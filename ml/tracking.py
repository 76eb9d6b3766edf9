"""Where MLflow lives: settings, the embedded tracking server's command line, and bounded client calls.

``MLFLOW_TRACKING_URI`` selects a server (or a ``sqlite:///`` / ``file:`` store); unset, the stack's own
server on ``127.0.0.1:MLFLOW_PORT`` is meant, which ``jobmarket up`` starts with a SQLite backend and
local artifacts under ``JOBMARKET_DATA_DIR/mlflow``. This module never imports mlflow at import time
(importing it costs seconds), so the supervisor and the API can use it freely.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

import httpx
from pydantic import AliasChoices, Field

from core.settings import CommonSettings

# Environment every MLflow process of ours gets: no telemetry, and a server without its job runner
# (it forks workers we do not use on a 2-core machine).
SERVER_ENV = {"MLFLOW_DISABLE_TELEMETRY": "true", "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}


class TrackingSettings(CommonSettings):
    tracking_uri_override: str | None = Field(
        default=None, validation_alias=AliasChoices("MLFLOW_TRACKING_URI"),
        description="Another tracking server or store; unset means the stack's own server.")
    host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("MLFLOW_HOST"))
    port: int = Field(default=5000, validation_alias=AliasChoices("MLFLOW_PORT"))
    experiment: str = Field(default="matching", validation_alias=AliasChoices("MLFLOW_EXPERIMENT"))
    lookup_timeout_s: float = Field(
        default=3.0, validation_alias=AliasChoices("MLFLOW_LOOKUP_TIMEOUT_S"),
        description="Longest a serving-side registry lookup may take before the packaged default is used.")

    @property
    def embedded_server(self) -> bool:
        return self.tracking_uri_override is None

    @property
    def tracking_uri(self) -> str:
        return self.tracking_uri_override or f"http://{self.host}:{self.port}"

    @property
    def store_dir(self) -> Path:
        return self.data_dir.resolve() / "mlflow"

    @property
    def backend_store_uri(self) -> str:
        return f"sqlite:///{self.store_dir / 'mlflow.db'}"

    @property
    def artifacts_dir(self) -> Path:
        return self.store_dir / "artifacts"


def server_command(settings: TrackingSettings) -> list[str]:
    """The lean tracking server (GUIDE §3): one worker, SQLite backend, proxied local artifacts."""
    return [sys.executable, "-m", "mlflow", "server",
            "--backend-store-uri", settings.backend_store_uri,
            "--artifacts-destination", str(settings.artifacts_dir),
            "--host", settings.host, "--port", str(settings.port), "--workers", "1",
            # Open keep-alive connections must not hold a stop past the supervisor's grace.
            "--uvicorn-opts", "--timeout-graceful-shutdown 2"]


def server_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    return {**(base if base is not None else os.environ), **SERVER_ENV}


def prepare_store(settings: TrackingSettings) -> None:
    settings.artifacts_dir.mkdir(parents=True, exist_ok=True)


def is_http(uri: str) -> bool:
    return uri.startswith(("http://", "https://"))


def server_ready(uri: str, timeout_s: float = 1.0) -> bool:
    """True when an HTTP tracking server answers ``/health`` (a local store is always "ready")."""
    if not is_http(uri):
        return True
    try:
        return httpx.get(f"{uri.rstrip('/')}/health", timeout=timeout_s).status_code == 200
    except httpx.HTTPError:
        return False


def start_server(settings: TrackingSettings, log: IO[bytes] | int | None = subprocess.DEVNULL,
                 ready_timeout_s: float = 60.0) -> subprocess.Popen[bytes]:
    """Starts ``mlflow server`` in its own process group and waits until it answers (stop it with SIGTERM:
    :func:`stop_server`). Raises ``RuntimeError`` if it exits or is not ready in time."""
    prepare_store(settings)
    proc = subprocess.Popen(server_command(settings), env=server_env(), stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT, process_group=0)
    deadline = time.monotonic() + ready_timeout_s
    while not server_ready(settings.tracking_uri, 0.5):
        if proc.poll() is not None:
            raise RuntimeError(f"mlflow server exited with code {proc.returncode}")
        if time.monotonic() > deadline:
            stop_server(proc)
            raise RuntimeError(f"mlflow server not ready after {ready_timeout_s:g}s")
        time.sleep(0.2)
    return proc


def stop_server(proc: subprocess.Popen[bytes], grace_s: float = 10.0) -> int:
    """SIGTERM to the server's group (the CLI and its uvicorn worker), SIGKILL only past the grace."""
    import signal

    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        return proc.wait(grace_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        return proc.wait()


@contextlib.contextmanager
def bounded_requests(timeout_s: float) -> Iterator[None]:
    """MLflow's HTTP client retries for minutes by default: within this block a call fails fast instead."""
    bounds = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
              "MLFLOW_HTTP_REQUEST_TIMEOUT": str(max(1, round(timeout_s)))}
    saved = {k: os.environ.get(k) for k in bounds}
    os.environ.update(bounds)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def use_tracking_uri(uri: str) -> Iterator[None]:
    """Points mlflow's fluent API (``start_run``, ``log_*``) at ``uri`` for the block only.

    ``mlflow.set_tracking_uri`` also writes ``MLFLOW_TRACKING_URI``/``MLFLOW_REGISTRY_URI`` into the
    environment, which would silently redirect every later lookup of this process (and its children).
    """
    import mlflow

    keys = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")
    saved = {k: os.environ.get(k) for k in keys}
    previous = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(previous[0])
        mlflow.set_registry_uri(previous[1])
        for key, value in saved.items():  # set_*_uri wrote them: put the environment back as it was
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def ensure_experiment(name: str, uri: str) -> str:
    """The experiment's id, created if missing. With a ``sqlite:///`` store and no server, artifacts go
    next to the database file (mlflow's default would be ``./mlruns`` in whatever directory we run from)."""
    import mlflow

    found = mlflow.MlflowClient(tracking_uri=uri).get_experiment_by_name(name)
    if found is not None:
        return str(found.experiment_id)
    location = None
    if uri.startswith("sqlite:///"):
        location = (Path(uri.removeprefix("sqlite:///")).parent / "artifacts").resolve().as_uri()
    return str(mlflow.MlflowClient(tracking_uri=uri).create_experiment(name, artifact_location=location))
