"""Warehouse test fixtures: a fakesnow HTTP server per session, private brokers, settings per backend."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.broker import port_open
from tests.conftest import free_port
from tests.warehouse.helpers import FakesnowServer


@pytest.fixture(scope="session")
def fakesnow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakesnowServer]:
    """The fakesnow HTTP server (in-memory): the real Snowflake connector and dbt-snowflake talk to it."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("fakesnow") / "fakesnow.log"
    binary = Path(sys.executable).parent / "fakesnow"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(binary), "-s", "--host", "127.0.0.1", "--port", str(port)],
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not port_open("127.0.0.1", port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"fakesnow server did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.1)
        yield FakesnowServer(host="127.0.0.1", port=port, log_path=log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
