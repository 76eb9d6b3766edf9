"""The faust worker exits within a few seconds of SIGTERM even when its graceful stop hangs.

The hang of issue 9 point 10: the broker went first, and the worker waited in "Gathering all futures"
for more than 30 s (docker stop, systemd, or anything that signals the worker without `jobmarket up`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.broker import start_tansu
from stream_processors.__main__ import SHUTDOWN_GRACE_S
from tests.conftest import free_port
from tests.jobmarket.procs import wait_for

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def test_worker_exits_soon_after_sigterm_even_with_its_broker_gone(tmp_path: Path) -> None:
    port = free_port()
    broker = start_tansu("127.0.0.1", port, tmp_path / "tansu.log")
    log = tmp_path / "worker.log"
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{port}", "JOBMARKET_DATA_DIR": str(tmp_path),
           "WORKER_APP_ID": "stop-test", "PYTHONUNBUFFERED": "1"}
    with open(log, "wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "jobmarket", "worker"], cwd=REPO, env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: "Worker ready" in log.read_text(), 240, interval=0.5)
        broker.kill()  # what a group-wide SIGTERM used to do first
        broker.wait(5)
        sent = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(SHUTDOWN_GRACE_S + 3)
        except subprocess.TimeoutExpired:
            pytest.fail(f"worker alive {SHUTDOWN_GRACE_S + 3}s after SIGTERM; log tail:\n{log.read_text()[-3000:]}")
        print(f"worker exited {time.monotonic() - sent:.1f}s after SIGTERM (exit code {worker.returncode})")
    finally:
        worker.kill()
        worker.wait()
        broker.kill()
        broker.wait()
