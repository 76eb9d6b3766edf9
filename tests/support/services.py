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

from confluent_kafka import Consumer

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


def consume_all(bootstrap: str, topic: str, group: str, idle_s: float = 3.0, max_s: float = 60.0) -> list[Any]:
    """Every message of ``topic`` from the beginning, until it stays idle ``idle_s`` seconds."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                         "enable.auto.commit": False})
    consumer.subscribe([topic])
    out: list[Any] = []
    deadline = time.monotonic() + max_s
    idle_since = time.monotonic()
    try:
        while time.monotonic() < deadline and time.monotonic() - idle_since < idle_s:
            msgs = consumer.consume(500, timeout=0.5)
            good = [m for m in msgs if m.error() is None]
            if good:
                out.extend(good)
                idle_since = time.monotonic()
    finally:
        consumer.close()
    return out
