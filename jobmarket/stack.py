"""`jobmarket up`: every service of the embedded stack under honcho (one Ctrl-C stops them all)."""

from __future__ import annotations

import os
import sys

from honcho.manager import Manager
from honcho.printer import Printer

from core.settings import CommonSettings
from producers.settings import Settings as ProducerSettings
from warehouse.settings import Settings as WarehouseSettings


def _cmd(*args: str) -> str:
    # Children run through this interpreter so the stack works without an activated venv.
    return " ".join([sys.executable, "-m", "jobmarket", *args])


def processes(settings: CommonSettings, sample_count: int) -> dict[str, str]:
    procs: dict[str, str] = {}
    if settings.embedded_broker:
        procs["broker"] = _cmd("broker")
    procs["worker"] = _cmd("worker")
    procs["api"] = _cmd("api")
    procs["web"] = _cmd("web")
    # The warehouse: the sink, and dbt every WAREHOUSE_TRANSFORM_INTERVAL_S (and right after a backfill).
    procs["warehouse-sink"] = _cmd("warehouse-sink")
    procs["transform"] = _cmd("transform", "--every", str(WarehouseSettings().transform_interval_s))
    producer = ProducerSettings()
    # The real connectors in follow mode when their credentials are set, the offline sample feed otherwise.
    if producer.france_travail.configured:
        procs["producer-france-travail"] = _cmd("produce", "--source", "france-travail", "--follow")
    if producer.adzuna.configured:
        procs["producer-adzuna"] = _cmd("produce", "--source", "adzuna", "--follow")
    if not (producer.france_travail.configured or producer.adzuna.configured):
        procs["producer"] = _cmd("produce", "--source", "sample", "--count", str(sample_count), "--follow",
                                 "--interval", str(producer.follow_interval_s))
    return procs


def run_stack(settings: CommonSettings, sample_count: int) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    manager = Manager(Printer(sys.stdout))
    for name, cmd in processes(settings, sample_count).items():
        manager.add_process(name, cmd, env=env)
    manager.loop()
    return int(manager.returncode or 0)
