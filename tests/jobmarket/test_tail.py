"""`jobmarket tail`, the example consumer and the clients we name in docs/consumers.md, on a real broker."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from confluent_kafka import Producer

from core.kafka import producer_config
from jobmarket.tail import TailOptions, iter_records
from schemas.topics import ENRICHED_OFFERS, RAW_OFFERS
from tests.conftest import REPO

pytestmark = pytest.mark.slow
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)


def _ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


@pytest.fixture(scope="module")
def seeded(private_broker: str) -> str:
    """Enriched records of three ids written at known times, out of version order for one of them."""
    p = Producer(producer_config(private_broker))
    records = [  # (key, title or None for a tombstone, version, time)
        ("id-old", "Trop ancienne", 1, T0 - timedelta(hours=1)),
        ("id-a", "Développeur Python", 5, T0),
        ("id-b", "Infirmier", 3, T0 + timedelta(seconds=1)),
        ("id-a", "Développeur Python senior", 7, T0 + timedelta(seconds=2)),
        ("id-a", "Version périmée", 6, T0 + timedelta(seconds=3)),  # late and older: readers must ignore it
        ("id-b", None, 4, T0 + timedelta(seconds=4)),                # removed
    ]
    for key, title, version, at in records:
        value = None if title is None else json.dumps({"id": key, "title": title, "version": version}).encode()
        p.produce(ENRICHED_OFFERS.name, key=key.encode(), value=value, timestamp=_ms(at),
                  headers=[("version", str(version).encode())])
    p.produce(RAW_OFFERS.name, key=b"sample:X", value=b"\xffnot json", timestamp=_ms(T0))
    assert p.flush(10) == 0
    return private_broker


def test_tail_from_time_is_exact_and_filters_by_key(seeded: str) -> None:
    got = list(iter_records(seeded, TailOptions(topic=ENRICHED_OFFERS.name, from_time=T0)))
    assert sorted((r["key"], r["headers"]["version"]) for r in got) == [
        ("id-a", "5"), ("id-a", "6"), ("id-a", "7"), ("id-b", "3"), ("id-b", "4")]
    tombstone = next(r for r in got if r["headers"]["version"] == "4")
    assert tombstone["value"] is None
    only_a = list(iter_records(seeded, TailOptions(topic=ENRICHED_OFFERS.name, key="id-a")))
    assert [r["value"]["title"] for r in only_a] == [
        "Développeur Python", "Développeur Python senior", "Version périmée"]  # one key: partition order
    assert only_a[0]["timestamp"] == T0.isoformat(timespec="milliseconds")


def test_tail_cli_prints_json_lines_and_undecodable_values_safely(seeded: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "jobmarket", "tail", "--topic", RAW_OFFERS.name, "--key", "sample:X"],
        cwd=REPO, env={"KAFKA_BOOTSTRAP_SERVERS": seeded, "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(lines) == 1 and lines[0]["value"] == {"_not_json_b64": "/25vdCBqc29u"}
    bad = subprocess.run([sys.executable, "-m", "jobmarket", "tail", "--topic", "no.such.topic"], cwd=REPO,
                         env={"KAFKA_BOOTSTRAP_SERVERS": seeded, "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "no such topic" in bad.stderr


def test_example_consumer_keeps_the_highest_version_and_applies_tombstones(seeded: str) -> None:
    out = subprocess.run(
        [sys.executable, "examples/follow_enriched.py", "--bootstrap", seeded,
         "--from-time", T0.isoformat(), "--exit-when-idle", "2"],
        cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    events = [json.loads(line) for line in out.stdout.splitlines()]
    assert events[-1] == {"op": "final", "live": {
        "id-a": {"title": "Développeur Python senior", "city": None, "version": 7}}}
    assert {"op": "remove", "id": "id-b", "version": 4} in events
    assert not any(e.get("id") == "id-old" for e in events)  # before --from-time


def test_aiokafka_reads_the_topics_too(seeded: str) -> None:
    from aiokafka import AIOKafkaConsumer

    async def read() -> list[tuple[str, int]]:
        consumer = AIOKafkaConsumer(ENRICHED_OFFERS.name, bootstrap_servers=seeded, auto_offset_reset="earliest",
                                    enable_auto_commit=False, group_id=None)
        await consumer.start()
        got: list[tuple[str, int]] = []
        try:
            deadline = time.monotonic() + 20
            while len(got) < 6 and time.monotonic() < deadline:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    got.extend((r.key.decode(), int(dict(r.headers)["version"])) for r in records if r.key)
        finally:
            await consumer.stop()
        return got

    assert sorted(asyncio.run(read())) == [("id-a", 5), ("id-a", 6), ("id-a", 7), ("id-b", 3), ("id-b", 4),
                                           ("id-old", 1)]
