"""``jobmarket transform``: ``dbt build`` of the dbt/ project against the configured warehouse.

dbt runs as a subprocess of this interpreter (its own process: dbt keeps global state, and a crash or a
hang in a build cannot take the caller down). DuckDB has one writer at a time, so the build holds the
warehouse's exclusive lock; the sink waits for it between batches.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog

from warehouse import open_warehouse
from warehouse.base import Warehouse
from warehouse.settings import Settings

log = structlog.get_logger(__name__)


@dataclass
class DbtResult:
    args: list[str]
    returncode: int
    duration_s: float
    output: str = ""
    statuses: dict[str, int] = field(default_factory=dict)  # e.g. {"success": 20, "pass": 110}
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def dbt_paths(settings: Settings) -> tuple[Path, Path, Path]:
    """(project dir, target dir, log dir); artefacts live under the data directory, per dbt target."""
    base = (settings.data_dir / "dbt" / settings.effective_dbt_target).resolve()
    return settings.dbt_project_dir.resolve(), base / "target", base / "logs"


def dbt_env(settings: Settings, warehouse: Warehouse) -> dict[str, str]:
    project, target_path, log_path = dbt_paths(settings)
    env = {
        **os.environ,
        **warehouse.dbt_env(),
        "DBT_PROFILES_DIR": str(project),
        "DBT_PROJECT_DIR": str(project),
        "DBT_TARGET_PATH": str(target_path),
        "DBT_LOG_PATH": str(log_path),
        "DBT_TARGET": settings.effective_dbt_target,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
        "PYTHONUNBUFFERED": "1",
    }
    if settings.dbt_threads:
        env["DBT_THREADS"] = str(settings.dbt_threads)
    return env


def _summarise(result: DbtResult, target_path: Path) -> None:
    try:
        data: dict[str, Any] = json.loads((target_path / "run_results.json").read_text())
    except (OSError, ValueError):
        return
    statuses = Counter(str(r.get("status")) for r in data.get("results", []))
    result.statuses = dict(statuses)
    result.failures = [f"{r.get('unique_id')}: {(r.get('message') or '').strip()[:500]}"
                       for r in data.get("results", []) if r.get("status") in ("error", "fail", "runtime error")]


def run_dbt(args: list[str], settings: Settings | None = None, *, warehouse: Warehouse | None = None,
            capture: bool = True, lock: bool = True) -> DbtResult:
    """Run ``dbt ARGS`` for the configured warehouse. Needs no network (the project has no packages)."""
    settings = settings or Settings()
    own = warehouse is None
    wh = warehouse or open_warehouse(settings)
    _, target_path, _ = dbt_paths(settings)
    target_path.mkdir(parents=True, exist_ok=True)
    run_results = target_path / "run_results.json"
    run_results.unlink(missing_ok=True)
    cmd = [sys.executable, "-c", "from dbt.cli.main import cli; cli()", *args]
    started = time.monotonic()
    try:
        with wh.exclusive() if lock else nullcontext():
            proc = subprocess.run(cmd, env=dbt_env(settings, wh), cwd=settings.dbt_project_dir,
                                  capture_output=capture, text=True, timeout=settings.dbt_timeout_s, check=False)
    finally:
        if own:
            wh.close()
    output = ((proc.stdout or "") + (proc.stderr or "")) if capture else ""
    result = DbtResult(args=args, returncode=proc.returncode, duration_s=time.monotonic() - started, output=output)
    _summarise(result, target_path)
    return result


def transform(settings: Settings | None = None, *, select: str | None = None, full_refresh: bool = False,
              capture: bool = True) -> DbtResult:
    """``dbt build`` (seeds, models, data tests, unit tests) after making sure the sink's tables exist."""
    settings = settings or Settings()
    with open_warehouse(settings) as wh:
        wh.setup()
        args = ["build"]
        if select:
            args += ["--select", select]
        if full_refresh:
            args.append("--full-refresh")
        result = run_dbt(args, settings, warehouse=wh, capture=capture)
    log_fn = log.info if result.ok else log.error
    log_fn("dbt build finished", ok=result.ok, seconds=round(result.duration_s, 1),
           target=settings.effective_dbt_target, statuses=result.statuses, failures=result.failures[:10])
    return result


def run_periodically(settings: Settings | None = None, *, interval_s: float | None = None,
                     stop: threading.Event | None = None, poll_s: float = 2.0) -> None:
    """`jobmarket up`'s transform: a build every ``interval_s``, and early when the sink asks after a backfill.

    A failed build is logged and retried at the next tick; this loop never exits on its own (under honcho,
    one exiting process stops the whole stack).
    """
    settings = settings or Settings()
    interval = interval_s if interval_s is not None else settings.transform_interval_s
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    request = settings.transform_request_file
    last: float | None = None if settings.transform_at_start else time.monotonic()  # None: build now
    while not stop.is_set():
        requested = request.exists()
        if requested or last is None or time.monotonic() - last >= interval:
            request.unlink(missing_ok=True)
            try:
                transform(settings, capture=True)
            except Exception:  # keep the schedule alive whatever happened
                log.exception("transform failed")
            last = time.monotonic()
        stop.wait(poll_s)
