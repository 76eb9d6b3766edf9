"""The real `jobmarket up`: a child killed with -9 comes back; SIGTERM to the group stops everything in 10 s.

Issue 9 points 10 and 11: under honcho, a group-wide SIGTERM stopped the broker first and left the faust
worker hanging for more than 30 s, and one dead child stopped the whole stack.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from producers.publisher import OfferPublisher
from producers.sample import envelopes
from tests.conftest import free_port
from tests.jobmarket.procs import session_pids, started_pids, wait_for

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
# Variables that would point the stack elsewhere (a real cluster, real sources, Snowflake).
FOREIGN = ("KAFKA_BOOTSTRAP_SERVERS", "QDRANT_URL", "WAREHOUSE", "SNOWFLAKE_ACCOUNT", "FRANCE_TRAVAIL_CLIENT_ID",
           "FRANCE_TRAVAIL_CLIENT_SECRET", "ADZUNA_APP_ID", "ADZUNA_APP_KEY", "MLFLOW_TRACKING_URI")


def _status(url: str) -> int:
    try:
        return httpx.get(url, timeout=5).status_code
    except httpx.HTTPError:  # not listening (yet)
        return -1


def _health_ok(url: str) -> bool:
    return _status(f"{url}/health") == 200


def _indexed(url: str) -> int:
    try:
        health = httpx.get(f"{url}/health", timeout=5).json()
        return int(health["dependencies"]["index"]["detail"]["offers"])
    except (httpx.HTTPError, KeyError, TypeError, ValueError):
        return -1


def _describe(pids: set[int]) -> str:
    out = []
    for pid in pids:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            out.append(f"{pid}: {cmdline[:150]}")
        except OSError:
            pass
    return "; ".join(out)


@pytest.mark.timeout(900)
def test_up_restarts_a_killed_child_and_stops_within_10s_of_sigterm_mid_batch(tmp_path: Path) -> None:
    broker_port, api_port, web_port = free_port(), free_port(), free_port()
    api = f"http://127.0.0.1:{api_port}"
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN}
    env.update({"JOBMARKET_DATA_DIR": str(tmp_path / "data"), "BROKER_PORT": str(broker_port),
                "API_PORT": str(api_port), "WEB_PORT": str(web_port), "WEB_API_URL": api,
                "WORKER_WEB_PORT": str(free_port()), "WORKER_BATCH_SIZE": "16", "PYTHONUNBUFFERED": "1",
                "MLFLOW_PORT": str(free_port())})
    log = tmp_path / "up.log"
    with open(log, "wb") as out:
        # Its own session, like a terminal: the test then signals the whole group, as Ctrl-C/docker/systemd do.
        up = subprocess.Popen([sys.executable, "-m", "jobmarket", "up", "--sample-count", "50"], cwd=REPO, env=env,
                              stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        try:
            wait_for(lambda: _health_ok(api), 400, interval=1)
        except TimeoutError:
            pytest.fail(f"the API never became healthy; log tail:\n{log.read_text()[-4000:]}")

        # Point 11: a child killed with -9 is restarted, the rest keeps running, the log says so.
        [web] = started_pids(log.read_text(), "web")
        os.kill(web, signal.SIGKILL)
        wait_for(lambda: len(started_pids(log.read_text(), "web")) == 2, 30)
        assert "restarting web in 1s (exit code -9)" in log.read_text()
        wait_for(lambda: _status(f"http://127.0.0.1:{web_port}/") == 200, 120, interval=1)
        assert up.poll() is None and _health_ok(api)
        assert len(started_pids(log.read_text(), "worker")) == 1  # nothing else was restarted

        # Point 10: a burst, and SIGTERM to the whole group while the worker is busy with it.
        before = _indexed(api)
        burst = envelopes(900_000, 400, seed=11, now=datetime.now(UTC))
        with OfferPublisher(f"127.0.0.1:{broker_port}") as publisher:
            for envelope in burst:
                publisher.publish(envelope)
        wait_for(lambda: _indexed(api) > before, 120, interval=0.1)
        assert _indexed(api) < before + len(burst), "the burst was done before SIGTERM: proves nothing"
        assert len(session_pids(up.pid)) >= 8  # up, broker, worker, api, web, sink, transform, producer

        sent = time.monotonic()
        os.killpg(up.pid, signal.SIGTERM)
        try:
            wait_for(lambda: not session_pids(up.pid), 10, interval=0.1)
        except TimeoutError:
            left = session_pids(up.pid)
            pytest.fail(f"still alive 10 s after SIGTERM: {_describe(left)}\nlog tail:\n{log.read_text()[-4000:]}")
        took = time.monotonic() - sent
        assert up.wait(5) == 0
        text = log.read_text()
        # The broker went last: every service had stopped before it did.
        assert text.rindex("worker stopped") < text.index("broker stopped"), text[-3000:]
        print(f"stack stopped {took:.1f}s after SIGTERM")
    finally:
        for pid in session_pids(up.pid):
            os.kill(pid, signal.SIGKILL)
        up.wait()
