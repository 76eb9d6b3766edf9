"""The first slice through real components: sample offers → Tansu → faust worker → index → API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from producers.publisher import OfferPublisher
from producers.sample import envelopes as sample_envelopes
from schemas.events import DeadLetter, RawOfferEnvelope
from schemas.topics import DEAD_LETTERS, RAW_OFFERS
from tests.conftest import free_port
from tests.support.services import consume_all, service, wait_until

pytestmark = pytest.mark.slow

# Far from the indexes other tests use, so the ids are this test's own.
START_INDEX = 900_000
COUNT = 40


@pytest.fixture(scope="module")
def api_url(private_broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("e2e-data")
    port = free_port()
    env = {"KAFKA_BOOTSTRAP_SERVERS": private_broker, "JOBMARKET_DATA_DIR": str(data_dir),
           "API_PORT": str(port), "WORKER_APP_ID": "e2e-enricher", "API_INDEXER_GROUP": "e2e-indexer",
           "LOG_LEVEL": "INFO"}
    with service(["worker"], env, data_dir / "worker.log") as worker, \
            service(["api"], env, data_dir / "api.log") as api:
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until(lambda: httpx.get(f"{url}/health", timeout=5).status_code == 200, 120, what="API health")
        except TimeoutError as exc:
            log = (data_dir / "api.log").read_text()[-3000:]
            raise AssertionError(f"API not healthy (exit={api.poll()}): {log}") from exc
        yield url
        # A worker that died during the tests would have made them fail by timeout; say why.
        assert worker.poll() is None, (data_dir / "worker.log").read_text()[-3000:]


@pytest.fixture(scope="module")
def published(private_broker: str) -> list[RawOfferEnvelope]:
    now = datetime.now(UTC)
    envelopes = sample_envelopes(START_INDEX, COUNT, seed=7, now=now)
    publisher = OfferPublisher(private_broker)
    for env in envelopes:
        publisher.publish(env)
    # Two malformed records: bytes that are not JSON, and JSON that breaks the envelope contract.
    producer = publisher._producer
    producer.produce(RAW_OFFERS.name, key=b"sample:E2E-BROKEN-1", value=b"{not json")
    producer.produce(RAW_OFFERS.name, key=b"sample:E2E-BROKEN-2",
                     value=json.dumps({"source": "sample", "fetched_at": now.isoformat(), "payload": {}}).encode())
    assert publisher.flush() == COUNT
    return envelopes


def _offer_by_ref(api_url: str, ref: str) -> dict[str, object] | None:
    resp = httpx.get(f"{api_url}/api/offres/{ref}", timeout=5)
    return resp.json()["offer"] if resp.status_code == 200 else None


def test_every_published_offer_is_served_by_source_ref_and_id(api_url: str,
                                                              published: list[RawOfferEnvelope]) -> None:
    refs = [e.key for e in published]
    try:
        wait_until(lambda: all(_offer_by_ref(api_url, r) for r in refs), 240, interval=1,
                   what=f"{COUNT} offers searchable")
    except TimeoutError as exc:
        missing = [r for r in refs if not _offer_by_ref(api_url, r)]
        health = httpx.get(f"{api_url}/health", timeout=10).json()
        raise AssertionError(f"not searchable: {missing}; health: {health}") from exc
    for env in published:
        offer = _offer_by_ref(api_url, env.key)
        assert offer is not None
        assert env.key in offer["source_refs"]  # type: ignore[operator]
        assert offer["embedding"] is None  # vectors are not part of the public view
        by_id = httpx.get(f"{api_url}/api/offres/{offer['id']}", timeout=5)
        assert by_id.status_code == 200 and by_id.json()["offer"] == offer


def test_every_offer_is_found_through_recommendations(api_url: str, published: list[RawOfferEnvelope]) -> None:
    wait_until(lambda: all(_offer_by_ref(api_url, e.key) for e in published), 240, interval=1,
               what="offers indexed")
    for env in published:
        text = f"{env.payload['intitule']} {env.payload.get('description', '')[:300]}"
        resp = httpx.post(f"{api_url}/api/recommendations", json={"text": text, "limit": 5}, timeout=30)
        assert resp.status_code == 200, resp.text
        results = resp.json()["results"]
        assert any(env.key in r["offer"]["source_refs"] for r in results), f"{env.key} not in top 5 for its text"
        assert all(r["reasons"] for r in results)
        scores = [r["score"] for r in results]
        assert scores == sorted(scores, reverse=True)


def test_malformed_records_land_in_the_dead_letter_topic(api_url: str, published: list[RawOfferEnvelope],
                                                         private_broker: str) -> None:
    def dead_letters() -> dict[str, DeadLetter]:
        msgs = consume_all(private_broker, DEAD_LETTERS.name)
        found = {}
        for m in msgs:
            dead = DeadLetter.model_validate_json(m.value())
            if dead.key and dead.key.startswith("sample:E2E-BROKEN"):
                found[dead.key] = dead
        return found if len(found) == 2 else {}

    found = wait_until(dead_letters, 120, interval=2, what="two dead letters")
    not_json, bad_envelope = found["sample:E2E-BROKEN-1"], found["sample:E2E-BROKEN-2"]
    assert not_json.stage == "validate" and not_json.original == b"{not json"
    assert not_json.topic == RAW_OFFERS.name and not_json.offset is not None
    assert "source_id" in bad_envelope.error  # the reason names the missing field


def test_health_reports_each_dependency(api_url: str) -> None:
    body = httpx.get(f"{api_url}/health", timeout=10).json()
    assert body["status"] == "ok"
    assert set(body["dependencies"]) >= {"kafka", "index", "embedder", "indexer"}
    assert body["dependencies"]["index"]["detail"]["backend"].startswith("in-process")
