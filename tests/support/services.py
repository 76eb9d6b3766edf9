"""Start the project's own services as real subprocesses for end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

REPO = Path(__file__).resolve().parents[2]


@contextmanager
def service(args: list[str], env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m jobmarket ARGS`` in the background; terminated (then killed) on exit."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "jobmarket", *args], cwd=REPO,
                                env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_until(predicate: Callable[[], Any], timeout: float, interval: float = 0.5, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
            if result:
                return result
        except Exception as exc:  # the service may not be up yet
            last_exc = exc
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what} (last error: {last_exc})")


def consume_all(bootstrap: str, topic: str, group: str = "tests-reader", max_s: float = 60.0) -> list[Any]:
    """Every message currently in ``topic``, read from the beginning up to each partition's end.

    Partitions are assigned directly (no group join: joins are slow on Tansu), and reading stops at the
    high watermarks taken at the start, so the result is exact, not "whatever arrived before a pause".
    Exact only for topics written one record per batch (the worker's outputs: faust runs with
    ``producer_max_batch_size=1``): Tansu reports a multi-record batch's high watermark early (GUIDE §1),
    so for topics confluent producers batch into, read by key instead (tests/producers/harness.py).
    """
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                         "enable.partition.eof": True})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in partitions}
        pending = {p for p, end in ends.items() if end > 0}
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in pending])
        out: list[Any] = []
        deadline = time.monotonic() + max_s
        while pending and time.monotonic() < deadline:
            for m in consumer.consume(500, timeout=0.5):
                err, partition, offset = m.error(), m.partition(), m.offset()
                if err is None:
                    out.append(m)
                    if partition is not None and offset is not None and offset >= ends[partition] - 1:
                        pending.discard(partition)
                elif err.code() == KafkaError._PARTITION_EOF:
                    pending.discard(partition)
        return out
    finally:
        consumer.close()
