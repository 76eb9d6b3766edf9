"""`jobmarket status`: quantiles from histogram buckets, health, rendering, and the command against a real
broker with the rest of the stack down."""

from __future__ import annotations

import json
import math

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from prometheus_client import generate_latest
from rich.console import Console
from typer.testing import CliRunner

from api.metrics import ApiMetrics
from core.kafka import producer_config
from jobmarket.cli import app
from jobmarket.status import (
    freshness,
    healthy,
    histogram_quantile,
    lag_by_group,
    parse_samples,
    render,
    worker_figures,
)
from schemas.topics import DEAD_LETTERS, ENRICHED_OFFERS
from stream_processors.metrics import WorkerMetrics
from tests.conftest import free_port

INF = math.inf


def test_quantile_interpolates_inside_the_bucket_that_holds_the_rank() -> None:
    buckets = [(1.0, 10.0), (2.0, 30.0), (5.0, 40.0), (INF, 40.0)]
    assert histogram_quantile(0.5, buckets) == pytest.approx(1.5)   # rank 20: halfway through (1, 2]
    assert histogram_quantile(0.25, buckets) == pytest.approx(1.0)  # rank 10: the end of (0, 1]
    assert histogram_quantile(0.1, buckets) == pytest.approx(0.4)   # rank 4 in (0, 1]
    assert histogram_quantile(0.95, buckets) == pytest.approx(2 + 3 * (38 - 30) / 10)


def test_quantile_in_the_inf_bucket_is_the_highest_finite_bound_and_no_data_is_none() -> None:
    assert histogram_quantile(0.95, [(1.0, 1.0), (10.0, 2.0), (INF, 10.0)]) == 10.0
    assert histogram_quantile(0.5, [(1.0, 0.0), (INF, 0.0)]) is None
    assert histogram_quantile(0.5, []) is None
    assert histogram_quantile(0.5, [(1.0, 3.0)]) is None  # no +Inf bucket: not a whole histogram


def test_freshness_round_trips_through_the_api_histogram() -> None:
    metrics = ApiMetrics()
    for age in [0.4] * 50 + [1.5] * 45 + [700.0] * 5:
        metrics.freshness.observe(age)
    fresh = freshness(parse_samples(generate_latest(metrics.registry).decode()))
    assert fresh is not None and fresh["count"] == 100
    assert fresh["p50_s"] is not None and 0.25 < fresh["p50_s"] <= 0.5  # the bucket holding 0.4
    assert fresh["p95_s"] is not None and 1.0 < fresh["p95_s"] <= 2.0
    assert freshness(parse_samples(generate_latest(ApiMetrics().registry).decode())) == {
        "count": 0.0, "p50_s": None, "p95_s": None}


def test_worker_figures_read_the_worker_registry() -> None:
    m = WorkerMetrics()
    m.batch("route", 12, 2, 0.1)
    m.batch("merge", 10, 1, 0.5)
    m.merged(embedded=9, offers=9, tombstones=0)
    figures = worker_figures(parse_samples(generate_latest(m.registry).decode()))
    assert figures == {"processed": {"route": 12, "merge": 10}, "dead_letters": {"route": 2, "merge": 1},
                       "embedded": 9}


def snapshot(**over: object) -> dict[str, object]:
    base: dict[str, object] = {
        "running": True,
        "components": {"broker": {"ok": True, "detail": "12 topics"}, "api": {"ok": True, "detail": "ok"},
                       "worker": {"ok": False, "detail": "unreachable (ConnectError)"},
                       "mlflow": {"ok": None, "detail": "a local store"}},
        "lag": [{"group": "enricher", "topic": "raw", "partition": 0, "committed": 5, "end": 9, "lag": 4},
                {"group": "enricher", "topic": "raw", "partition": 1, "committed": None, "end": 3, "lag": 3},
                {"group": "indexer", "topic": "enriched", "partition": 0, "committed": 7, "end": 7, "lag": 0}],
        "dead_letters": {"topic": 3, "worker": {"route": 2, "merge": 0}, "index": 1},
        "freshness": {"count": 40.0, "p50_s": 1.25, "p95_s": 4.5},
        "worker": {"processed": {"route": 50, "merge": 48}, "dead_letters": {"route": 2, "merge": 0},
                   "embedded": 47},
    }
    return {**base, **over}


def test_health_needs_every_checked_component_up_and_ignores_unchecked_ones() -> None:
    assert not healthy(snapshot())  # the worker is down
    up = snapshot(components={"broker": {"ok": True}, "mlflow": {"ok": None}})
    assert healthy(up)
    assert not healthy({**up, "running": False})


def test_render_shows_components_lag_per_partition_and_pipeline_figures() -> None:
    console = Console(record=True, width=200)
    console.print(render(snapshot()))
    text = console.export_text()
    assert "DOWN" in text and "unreachable (ConnectError)" in text
    assert "0:5/9 1:–/3" in text  # committed/end per partition; never-committed shown as –
    assert "p50 1.25 s, p95 4.50 s (40 offers)" in text
    assert "route 2, merge 0, index 1" in text and "embedded 47" in text
    assert lag_by_group(snapshot()["lag"]) == {"enricher": 7, "indexer": 0}  # type: ignore[arg-type]


def _down_env(monkeypatch: pytest.MonkeyPatch, bootstrap: str) -> None:
    """Point every component the command asks at a closed port (and the broker at ``bootstrap``)."""
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", bootstrap)
    for var in ("API_PORT", "WORKER_METRICS_PORT", "WEB_PORT"):
        monkeypatch.setenv(var, str(free_port()))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{free_port()}")


def test_status_says_clearly_when_the_stack_is_not_running(monkeypatch: pytest.MonkeyPatch) -> None:
    _down_env(monkeypatch, f"127.0.0.1:{free_port()}")
    result = CliRunner().invoke(app, ["status", "--timeout", "0.5"])
    assert result.exit_code == 1
    assert "not running" in result.output and "jobmarket up" in result.output
    result = CliRunner().invoke(app, ["status", "--json", "--timeout", "0.5"])
    body = json.loads(result.stdout)
    assert result.exit_code == 1 and body["running"] is False and "not running" in body["message"]


@pytest.mark.slow
def test_status_json_reports_live_lag_and_dead_letters_from_the_broker(
        private_broker: str, monkeypatch: pytest.MonkeyPatch) -> None:
    producer = Producer(producer_config(private_broker))
    for i in range(5):  # one record per flush: exact high watermarks on Tansu
        producer.produce(ENRICHED_OFFERS.name, key=b"k", value=b"v%d" % i, partition=2)
        assert producer.flush(10) == 0
    producer.produce(DEAD_LETTERS.name, key=b"d", value=b"x")
    assert producer.flush(10) == 0
    consumer = Consumer({"bootstrap.servers": private_broker, "group.id": "status-indexer",
                         "enable.auto.commit": False})
    consumer.commit(offsets=[TopicPartition(ENRICHED_OFFERS.name, 2, 1)], asynchronous=False)
    consumer.close()
    _down_env(monkeypatch, private_broker)
    result = CliRunner().invoke(app, ["status", "--json", "--timeout", "1"])
    body = json.loads(result.stdout)
    assert result.exit_code == 1  # the API, worker, web and MLflow are down
    assert body["running"] is True and body["components"]["broker"]["ok"] is True
    assert body["components"]["api"]["ok"] is False and body["components"]["worker"]["ok"] is False
    [part] = [p for p in body["lag"] if p["group"] == "status-indexer" and p["partition"] == 2]
    assert part == {"group": "status-indexer", "topic": ENRICHED_OFFERS.name, "partition": 2, "committed": 1,
                    "end": 5, "lag": 4}
    assert body["lag_by_group"]["status-indexer"] == 4
    assert body["dead_letters"]["topic"] == 1
    assert body["freshness"] is None  # no API: no histogram to read
