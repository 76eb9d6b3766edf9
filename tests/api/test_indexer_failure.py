"""When the indexer cannot recover, /health says so and the API process exits non-zero (real broker)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

import api.__main__ as api_main
from api.main import create_app
from api.settings import Settings
from core.kafka import make_producer, to_bytes
from ml.embedding import Embedder
from schemas.events import Embedding, Offer, Source, canonical_offer_id
from schemas.topics import ENRICHED_OFFERS
from tests.conftest import free_port
from tests.support.services import wait_until
from vector_index.edge import EdgeIndex

pytestmark = pytest.mark.slow


class DownIndex(EdgeIndex):
    """Reads work, every write times out: an index server that went away."""

    def upsert(self, offers: list[Offer]) -> None:
        raise ConnectionError("index down at 10.1.2.3:6333")


def publish_offer(bootstrap: str, source_id: str, dim: int) -> None:
    v = np.random.default_rng(1).normal(size=dim)
    offer = Offer(id=canonical_offer_id("sample", source_id), source=Source.SAMPLE, source_id=source_id,
                  source_refs=[f"sample:{source_id}"], title="offre", fetched_at="2026-11-01T00:00:00Z",  # type: ignore[arg-type]
                  embedding=Embedding(model="test", dim=dim, values=(v / np.linalg.norm(v)).tolist()))
    producer = make_producer(bootstrap)
    producer.produce(ENRICHED_OFFERS.name, key=offer.id.encode(), value=to_bytes(offer))
    assert producer.flush(10) == 0


def settings(tmp_path: Path, bootstrap: str, group: str, **extra: object) -> Settings:
    return Settings.model_validate({"JOBMARKET_DATA_DIR": tmp_path, "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                                    "indexer_group": group, "indexer_max_outage_s": 1.0, **extra})


def test_an_index_that_stays_down_turns_health_503_and_asks_to_exit(
        private_broker: str, embedder: Embedder, tmp_path: Path) -> None:
    publish_offer(private_broker, "down-1", embedder.dim)
    reasons: list[str] = []
    index = DownIndex(tmp_path / "idx", embedder.dim)
    app = create_app(settings(tmp_path, private_broker, "health-down", health_kafka_interval_s=0.2),
                     embedder=embedder, index=index, on_fatal=reasons.append)
    with TestClient(app) as client:
        wait_until(lambda: reasons, 30, 0.2, "the indexer to give up")
        wait_until(lambda: client.get("/health").json()["dependencies"]["kafka"]["ok"], 10, 0.2, "kafka checked")
        resp = client.get("/health")
    index.close()
    assert resp.status_code == 503 and "ConnectionError" in reasons[0]
    deps = resp.json()["dependencies"]
    assert deps["indexer"]["ok"] is False and deps["indexer"]["detail"]["state"] == "failed"
    assert deps["indexer"]["detail"]["retries"] >= 1  # it retried before giving up
    assert deps["kafka"]["ok"] is True and deps["index"]["ok"] is True
    assert "10.1.2.3" not in resp.text  # the exception text stays in the log


def test_the_api_process_exits_non_zero_when_the_indexer_gives_up(
        private_broker: str, embedder: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    publish_offer(private_broker, "down-2", embedder.dim)
    monkeypatch.setattr(api_main, "configure_logging", lambda *a, **k: None)  # keep the test run's logging
    index = DownIndex(tmp_path / "idx", embedder.dim)
    s = settings(tmp_path, private_broker, "exit-down", port=free_port())
    try:
        with pytest.raises(SystemExit) as exited:
            api_main.run_api(s, embedder=embedder, index=index)  # serves until the indexer gives up
    finally:
        index.close()
    assert exited.value.code == api_main.EXIT_UNRECOVERABLE != 0
