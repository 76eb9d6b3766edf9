"""The worker's consumer waits no longer in a fetch than configured (faust hard-codes 1500 ms)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from stream_processors.app import create_app
from stream_processors.settings import Settings


def test_worker_consumer_uses_configured_fetch_wait(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBMARKET_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")  # never contacted: the consumer is not started
    monkeypatch.setenv("KAFKA_FETCH_MAX_WAIT_MS", "42")

    async def build() -> int:
        app = create_app(Settings())
        consumer = app.consumer._thread._create_worker_consumer(app.transport)  # type: ignore[attr-defined]
        try:
            return int(consumer._fetch_max_wait_ms)
        finally:
            await consumer.stop()

    assert asyncio.run(build()) == 42
