"""Worker metrics: lag arithmetic, the registry the agents feed, the lag collector, the HTTP server, and
lag read from a real broker."""

from __future__ import annotations

import socket
import time

import httpx
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from core.kafka import producer_config
from schemas.topics import DEAD_LETTERS, RAW_OFFERS
from stream_processors.metrics import (
    BrokerReader,
    PartitionLag,
    WorkerMetrics,
    group_totals,
    partition_lags,
)
from tests.conftest import free_port


def values(metrics: WorkerMetrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = generate_latest(metrics.registry).decode()
    return {(s.name, frozenset(s.labels.items())): s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def test_lag_is_end_minus_committed_and_uncommitted_partitions_count_from_the_start() -> None:
    marks = {("raw", 0): (0, 10), ("raw", 1): (0, 4), ("raw", 2): (5, 9), ("raw", 3): (0, 3), ("other", 0): (0, 7)}
    committed = {"g": {("raw", 0): 7, ("raw", 1): -1001, ("raw", 2): 2, ("raw", 3): 8}}
    lags = partition_lags(committed, marks)
    assert [(p.partition, p.committed, p.end, p.lag) for p in lags] == [
        (0, 7, 10, 3),     # the plain case
        (1, None, 4, 4),   # never committed (librdkafka's OFFSET_INVALID): read from the low watermark
        (2, 2, 9, 4),      # committed below the low watermark: records 2..4 are gone, 5..8 remain
        (3, 8, 3, 0),      # past the end (topic re-created empty): nothing to read, never negative
    ]
    assert {p.topic for p in lags} == {"raw"}  # a topic the group never committed on is not its lag
    assert group_totals(lags) == {"g": 11}
    # a worker's own input topics count before its first commit on them (a stage stuck from the start)
    with_inputs = partition_lags(committed, marks, inputs=("other",))
    assert [(p.topic, p.committed, p.lag) for p in with_inputs if p.topic == "other"] == [("other", None, 7)]


def test_lags_of_several_groups_are_sorted_and_totalled_per_group() -> None:
    marks = {("a", 0): (0, 5), ("b", 0): (0, 2)}
    lags = partition_lags({"z": {("a", 0): 5}, "y": {("b", 0): 0, ("a", 0): 1}}, marks)
    assert [(p.group, p.topic, p.lag) for p in lags] == [("y", "a", 4), ("y", "b", 2), ("z", "a", 0)]
    assert group_totals(lags) == {"y": 6, "z": 0}


def test_batches_feed_counters_per_stage_and_the_duration_histogram() -> None:
    m = WorkerMetrics()
    before = values(m)
    assert before[("jobmarket_worker_records_processed_total", frozenset({("stage", "merge")}))] == 0
    m.batch("route", records=10, dead=2, seconds=0.03)
    m.batch("route", records=5, dead=0, seconds=0.2)
    m.batch("merge", records=8, dead=1, seconds=1.5)
    m.merged(embedded=7, offers=6, tombstones=1)
    v = values(m)
    assert v[("jobmarket_worker_records_processed_total", frozenset({("stage", "route")}))] == 15
    assert v[("jobmarket_worker_records_processed_total", frozenset({("stage", "merge")}))] == 8
    assert v[("jobmarket_worker_dead_letters_total", frozenset({("stage", "route")}))] == 2
    assert v[("jobmarket_worker_dead_letters_total", frozenset({("stage", "merge")}))] == 1
    assert v[("jobmarket_worker_batch_duration_seconds_count", frozenset({("stage", "route")}))] == 2
    assert v[("jobmarket_worker_batch_duration_seconds_bucket", frozenset({("stage", "route"), ("le", "0.05")}))] == 1
    assert v[("jobmarket_worker_offers_embedded_total", frozenset())] == 7
    assert v[("jobmarket_worker_offers_published_total", frozenset({("kind", "tombstone")}))] == 1
    assert ("jobmarket_consumer_lag_up", frozenset()) not in v  # no lag reader given: no lag series


def test_lag_gauge_per_partition_and_a_broker_outage_reads_as_lag_down() -> None:
    answer: list[list[PartitionLag] | Exception] = [[PartitionLag("g", "raw", 0, 3, 10, 7),
                                                     PartitionLag("g", "raw", 1, None, 2, 2)]]

    def read() -> list[PartitionLag]:
        result = answer[0]
        if isinstance(result, Exception):
            raise result
        return result

    m = WorkerMetrics(lag=read)
    v = values(m)
    assert v[("jobmarket_consumer_lag", frozenset({("group", "g"), ("topic", "raw"), ("partition", "0")}))] == 7
    assert v[("jobmarket_consumer_lag", frozenset({("group", "g"), ("topic", "raw"), ("partition", "1")}))] == 2
    assert v[("jobmarket_consumer_lag_up", frozenset())] == 1
    answer[0] = TimeoutError("broker gone")
    v = values(m)
    assert v[("jobmarket_consumer_lag_up", frozenset())] == 0
    assert not any(name == "jobmarket_consumer_lag" for name, _ in v)


def test_serve_exposes_the_registry_and_survives_a_taken_port() -> None:
    m = WorkerMetrics()
    m.batch("merge", records=3, dead=0, seconds=0.1)
    port = free_port()
    assert m.serve(port)
    body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    assert 'jobmarket_worker_records_processed_total{stage="merge"} 3.0' in body
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert not WorkerMetrics().serve(taken.getsockname()[1])  # a second worker on the host: no crash
    assert not WorkerMetrics().serve(0)  # 0 turns the server off


@pytest.mark.slow
def test_lag_and_dead_letter_count_read_from_a_real_broker(private_broker: str) -> None:
    group = "tests-lag"
    producer = Producer(producer_config(private_broker))
    for i in range(6):  # one record per flush: Tansu reports a batch's high watermark early (GUIDE §1)
        producer.produce(RAW_OFFERS.name, key=b"k", value=b"v%d" % i, partition=1)
        assert producer.flush(10) == 0
    for i in range(2):
        producer.produce(DEAD_LETTERS.name, key=b"d", value=b"x%d" % i)
        assert producer.flush(10) == 0
    consumer = Consumer({"bootstrap.servers": private_broker, "group.id": group, "enable.auto.commit": False})
    try:
        consumer.commit(offsets=[TopicPartition(RAW_OFFERS.name, 1, 4)], asynchronous=False)
    finally:
        consumer.close()
    reader = BrokerReader(private_broker, timeout_s=5)
    try:
        deadline = time.monotonic() + 15
        while group not in reader.groups() and time.monotonic() < deadline:
            time.sleep(0.2)
        lags = {(p.topic, p.partition): p for p in reader.lags() if p.group == group}
        assert lags[(RAW_OFFERS.name, 1)] == PartitionLag(group, RAW_OFFERS.name, 1, 4, 6, 2)
        # the other partitions were never committed and are empty: no lag
        assert sorted(lags) == [(RAW_OFFERS.name, p) for p in range(len(lags))] and len(lags) > 1
        assert sum(p.lag for p in lags.values()) == 2
        assert reader.record_count(DEAD_LETTERS.name) == 2
    finally:
        reader.close()
