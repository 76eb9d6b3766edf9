"""kill -9 the worker and the API (which owns the index and its indexer) mid-stream, restart both:
the index ends with exactly the published offers, none missing, none doubled.
"""

from __future__ import annotations

import subprocess
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from producers.publisher import OfferPublisher
from producers.sample import envelopes
from tests.conftest import free_port
from tests.support.enriched import live_offers, refs_of
from tests.support.services import service, wait_until

pytestmark = pytest.mark.slow

COUNT = 160


def _health(url: str) -> dict[str, Any]:
    resp = httpx.get(f"{url}/health", timeout=5)
    return dict(resp.json()) if resp.status_code == 200 else {}


def _indexed(url: str) -> int:
    try:
        return int(_health(url).get("dependencies", {}).get("index", {}).get("detail", {}).get("offers", -1))
    except httpx.HTTPError:
        return -1


def _start(stack: ExitStack, env: dict[str, str], data_dir: Path, run: int) -> tuple[subprocess.Popen[bytes], ...]:
    worker = stack.enter_context(service(["worker"], env, data_dir / f"worker-{run}.log"))
    api = stack.enter_context(service(["api"], env, data_dir / f"api-{run}.log"))
    return worker, api


def test_kill_9_of_worker_and_indexer_leaves_an_exact_index(private_broker: str, tmp_path: Path) -> None:
    batch = envelopes(700_000, COUNT, seed=5, now=datetime.now(UTC))
    with OfferPublisher(private_broker) as publisher:
        for envelope in batch:
            publisher.publish(envelope)
    expected = {e.key for e in batch}

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"KAFKA_BOOTSTRAP_SERVERS": private_broker, "JOBMARKET_DATA_DIR": str(tmp_path), "API_PORT": str(port),
           "WORKER_APP_ID": "crash-enricher", "API_INDEXER_GROUP": "crash-indexer", "WORKER_BATCH_SIZE": "16"}

    with ExitStack() as stack:
        worker, api = _start(stack, env, tmp_path, 1)
        # Mid-stream: some offers indexed (so the index has state and the group has commits), not all.
        wait_until(lambda: _indexed(url) >= 20, 180, interval=0.2, what="first offers indexed")
        worker.kill()
        api.kill()
        worker.wait()
        api.wait()
    killed_at = len(refs_of(live_offers(private_broker)))
    assert killed_at < len(expected), "killed too late to prove anything"

    with ExitStack() as stack:
        _start(stack, env, tmp_path, 2)
        live: dict[str, Any] = {}

        def settled() -> bool:
            live.clear()
            live.update(live_offers(private_broker))
            return set(refs_of(live)) >= expected and _indexed(url) == len(live)

        try:
            wait_until(settled, 180, interval=1, what="every offer enriched and indexed after the restart")
        except TimeoutError as exc:
            log = (tmp_path / "api-2.log").read_text()[-2000:]
            raise AssertionError(f"index has {_indexed(url)} offers, topic {len(live)}; api log: {log}") from exc

        live = live_offers(private_broker)
        assert sorted(refs_of(live)) == sorted(expected), "each published offer lives in one canonical offer"
        # The index holds one point per canonical offer (so nothing doubled) ...
        assert _indexed(url) == len(live)
        # ... and serves each of them under its id and each of its source refs.
        with httpx.Client(base_url=url, timeout=5) as client:
            for offer_id, offer in live.items():
                assert client.get(f"/api/offres/{offer_id}").json()["offer"]["source_refs"] == offer.source_refs
            for ref in expected:
                assert client.get(f"/api/offres/{ref}").status_code == 200, ref
