"""Zero-downtime rollout on the real embedded stack: a new champion is promoted in the model registry; while
offers stream in and queries run, `jobmarket replay --into index --collection offers-v2 --model champion`
builds a new collection with the champion's model and moves the alias; the API switches to it without a
failed query, and no offer is lost or left over."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from jobmarket.replay import Record, compact
from producers.publisher import OfferPublisher
from producers.sample import envelopes as sample_envelopes
from schemas.topics import ENRICHED_OFFERS
from tests.conftest import REPO, free_port
from tests.support.services import consume_all, service, wait_until
from vector_index.collections import read_alias

pytestmark = pytest.mark.slow

OLD_MODEL = "use-multilingual-v3|title_skills_desc300"
NEW_MODEL = "use-multilingual-v3|search_text"  # same encoder, another embedded text: another vector space
START = 950_000


def _publish(bootstrap: str, start: int, count: int) -> None:
    publisher = OfferPublisher(bootstrap)
    for env in sample_envelopes(start, count, seed=11, now=datetime.now(UTC)):
        publisher.publish(env)
    publisher.flush()


def _promote_champion(store_uri: str) -> None:
    """Registers a MatchingPipeline whose configuration embeds another text (a new vector space), and makes
    it the champion, as `jobmarket train` does past its gate."""
    import mlflow

    from ml.registry import CHAMPION, MODEL_NAME, log_pipeline
    from ml.serving import encoder_for_model_id
    from ml.tracking import ensure_experiment, use_tracking_uri

    config = {"pipeline": {"name": "hybrid:use:search_text+bm25", "encoder": "use", "template": "search_text",
                           "lexical": True, "fusion": "score", "lexical_weight": 0.7},
              "embedding": {"backend": "use-multilingual"}}
    corpus = [{"id": "sample:1", "text": "Développeur Python", "lexical": "Développeur Python"},
              {"id": "sample:2", "text": "Infirmier de nuit", "lexical": "Infirmier de nuit"}]
    with use_tracking_uri(store_uri):
        with mlflow.start_run(experiment_id=ensure_experiment("matching", store_uri)):
            mlflow.log_dict(config, "config.json")
            info = log_pipeline(config, corpus, embedder=encoder_for_model_id(NEW_MODEL))
        mlflow.MlflowClient().set_registered_model_alias(MODEL_NAME, CHAMPION, str(info.registered_model_version))


def _topic_state(bootstrap: str) -> set[str]:
    state = compact(Record.of(m) for m in consume_all(bootstrap, ENRICHED_OFFERS.name, group="rollout-reader"))
    return set(state.live())


def _served_ids(url: str, expected: set[str]) -> bool:
    total = httpx.get(f"{url}/api/offres", params={"size": 1}, timeout=10).json()["total"]
    return total == len(expected) and all(
        httpx.get(f"{url}/api/offres/{i}", timeout=10).status_code == 200 for i in expected)


def test_a_new_model_rolls_out_while_offers_stream_in(private_broker: str, tmp_path: Path) -> None:
    port = free_port()
    env = {"KAFKA_BOOTSTRAP_SERVERS": private_broker, "JOBMARKET_DATA_DIR": str(tmp_path), "API_PORT": str(port),
           "WORKER_APP_ID": "rollout-enricher", "API_INDEXER_GROUP": "rollout-indexer", "LOG_LEVEL": "INFO",
           "EMBEDDING_BACKEND": "use-multilingual", "EMBEDDING_TEXT_TEMPLATE": "title_skills_desc300",
           "EMBEDDING_SOURCE": "settings"}
    url = f"http://127.0.0.1:{port}"
    _publish(private_broker, START, 30)
    with service(["worker"], env, tmp_path / "worker.log") as worker, \
            service(["api"], env, tmp_path / "api.log") as api:
        try:
            wait_until(lambda: httpx.get(f"{url}/health", timeout=5).status_code == 200, 120, what="API health")
            wait_until(lambda: httpx.get(f"{url}/api/offres", params={"size": 1}, timeout=5).json()["total"] >= 20,
                       120, what="first offers indexed")
        except TimeoutError as exc:
            raise AssertionError((tmp_path / "api.log").read_text()[-3000:]) from exc
        assert httpx.get(f"{url}/api/models", timeout=10).json()["serving"]["model_id"] == OLD_MODEL
        store_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
        _promote_champion(store_uri)

        stop = threading.Event()
        statuses: list[tuple[str, int]] = []

        def publish_forever() -> None:
            i = START + 1000
            while not stop.is_set():
                _publish(private_broker, i, 1)
                i += 1
                time.sleep(0.2)

        def query_forever() -> None:
            with httpx.Client(base_url=url, timeout=30) as client:
                while not stop.is_set():
                    r = client.post("/api/recommendations", json={"text": "développeur python", "size": 5})
                    statuses.append(("recommendations", r.status_code))
                    r = client.post("/api/offres/search", json={"keywords": "infirmier", "size": 5})
                    statuses.append(("search", r.status_code))

        threads = [threading.Thread(target=publish_forever), threading.Thread(target=query_forever)]
        for t in threads:
            t.start()
        try:
            time.sleep(1)
            replay = subprocess.run(
                [sys.executable, "-m", "jobmarket", "replay", "--topic", ENRICHED_OFFERS.name, "--into", "index",
                 "--collection", "offers-v2", "--model", "champion"],
                cwd=REPO, capture_output=True, text=True, timeout=180,
                env={**os.environ, **env, "EMBEDDING_SOURCE": "registry", "MLFLOW_TRACKING_URI": store_uri})
            assert replay.returncode == 0, replay.stdout[-2000:] + replay.stderr[-3000:]
            alias = read_alias(tmp_path / "index" / "offers.alias.json")
            assert alias is not None and (alias.collection, alias.model) == ("offers-v2", NEW_MODEL)
            wait_until(lambda: httpx.get(f"{url}/api/models", timeout=5).json()["serving"]["model_id"] == NEW_MODEL,
                       180, what="the API serving the new model")  # minutes on a loaded 2-core machine
            time.sleep(2)  # offers keep arriving after the switch too
        finally:
            stop.set()
            for t in threads:
                t.join(60)

        assert statuses and all(code == 200 for _, code in statuses), [s for s in statuses if s[1] != 200][:5]
        assert {kind for kind, _ in statuses} == {"recommendations", "search"}
        expected = wait_until(lambda: _topic_state(private_broker), 30, what="enriched topic")
        try:
            wait_until(lambda: _served_ids(url, _topic_state(private_broker)), 120, interval=1,
                       what="every canonical offer served, none extra")
        except TimeoutError as exc:
            total = httpx.get(f"{url}/api/offres", params={"size": 1}, timeout=10).json()["total"]
            raise AssertionError(f"served {total}, topic has {len(expected)}; "
                                 f"{(tmp_path / 'api.log').read_text()[-3000:]}") from exc
        body = httpx.post(f"{url}/api/recommendations", json={"text": "développeur", "size": 3}, timeout=30).json()
        assert body["model"] == NEW_MODEL
        # The worker follows the alias: offers published now are embedded with the new model by the worker
        # itself, so the indexer has nothing to re-embed.
        wait_until(lambda: any("embedding model ready" in line and NEW_MODEL in line
                               for line in (tmp_path / "worker.log").read_text().splitlines()), 60,
                   what="the worker embedding with the new model")
        _publish(private_broker, START + 5000, 1)
        late = wait_until(lambda: _embedded_models(private_broker, START + 5000), 60, what="the late offer enriched")
        assert late == {NEW_MODEL}
        assert api.poll() is None and worker.poll() is None


def _embedded_models(bootstrap: str, number: int) -> set[str]:
    """The embedding models of the enriched records of the sample offer ``number``."""
    ref = sample_envelopes(number, 1, seed=11, now=datetime.now(UTC))[0].key
    return {json.loads(m.value())["embedding"]["model"]
            for m in consume_all(bootstrap, ENRICHED_OFFERS.name, group="rollout-reader")
            if m.value() is not None and ref in json.loads(m.value())["source_refs"]}
