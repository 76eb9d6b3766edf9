"""Shared fixtures: a real Tansu broker per session, free ports, paths to ../shared/data."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from core.broker import start_tansu
from core.kafka import ensure_topics
from ml.embedding import Embedder, default_embedder

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("JOBMARKET_SHARED_DATA", REPO.parent / "shared" / "data"))

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real offers not available: {SHARED_DATA} is absent (CI provides ../shared/data)")
    return SHARED_DATA


@contextmanager
def tansu_broker(log_dir: Path) -> Iterator[str]:
    """A real Kafka-protocol broker (Tansu) on a free loopback port, with every topic created."""
    port = free_port()
    proc = start_tansu("127.0.0.1", port, log_dir / "tansu.log")
    bootstrap = f"127.0.0.1:{port}"
    try:
        ensure_topics(bootstrap)
        yield bootstrap
    finally:
        proc.kill()  # memory-only broker: nothing to flush, and it ignores SIGTERM
        proc.wait(5)


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The session's shared broker: tests identify their records by key, never by topic totals."""
    with tansu_broker(tmp_path_factory.mktemp("tansu")) as bootstrap:
        yield bootstrap


@pytest.fixture(scope="module")
def private_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A broker of the module's own, for tests that count whole topics (starts in ~0.1 s)."""
    with tansu_broker(tmp_path_factory.mktemp("tansu-private")) as bootstrap:
        yield bootstrap


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real packaged MiniLM model, loaded once per session."""
    return default_embedder()
