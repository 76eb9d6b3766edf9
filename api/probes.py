"""Background dependency checks for ``/ready``: each runs on its own thread every few seconds and the
route reads the last result, so a dead or slow dependency never blocks a request.

A check function returns a small public ``detail`` dict (no addresses, no exception texts: those go
to the log) or raises. A result older than ``stale_after_s`` counts as down: the check itself is stuck
(a connect without timeout, a lock never released), which is as bad as the dependency being down.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import structlog

log = structlog.get_logger(__name__)

NOT_CONFIGURED = "not configured"


class NotConfigured(Exception):
    """The dependency is not part of this deployment: reported with ``ok: null``, never as down."""


class Busy(Exception):
    """The dependency answers but is busy (e.g. the warehouse file locked by a long dbt build): up."""


@dataclass(frozen=True)
class CheckResult:
    ok: bool | None
    detail: dict[str, Any] = field(default_factory=dict)
    checked_at: float = 0.0  # time.monotonic()


class BackgroundCheck:
    def __init__(self, name: str, fn: Callable[[], dict[str, Any]], interval_s: float, timeout_s: float) -> None:
        self.name = name
        self._fn = fn
        self._interval_s = interval_s
        self.stale_after_s = 3 * interval_s + timeout_s
        self.last: CheckResult | None = None
        self.last_error: str | None = None  # for logs and tests, never for the public answer
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"ready-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 1.0) -> None:
        self._stop.set()
        self._thread.join(timeout_s)  # a check stuck in I/O is a daemon thread: it dies with the process

    def check(self) -> CheckResult:
        was_ok = self.last.ok if self.last else None
        try:
            result = CheckResult(True, self._fn(), time.monotonic())
        except NotConfigured as exc:
            result = CheckResult(None, {"state": NOT_CONFIGURED, **({"why": str(exc)} if str(exc) else {})},
                                 time.monotonic())
        except Busy:
            result = CheckResult(True, {"state": "busy"}, time.monotonic())
        except Exception as exc:
            self.last_error = repr(exc)[:500]
            if was_ok is not False:  # log transitions, not every check of a long outage
                log.warning("dependency check failed", dependency=self.name, error=self.last_error)
            state = "missing" if isinstance(exc, FileNotFoundError) else "unreachable"  # e.g. no warehouse yet
            result = CheckResult(False, {"state": state}, time.monotonic())
        else:
            if was_ok is False:
                log.info("dependency reachable again", dependency=self.name)
        self.last = result
        return result

    def _run(self) -> None:
        while not self._stop.is_set():
            self.check()
            self._stop.wait(self._interval_s)

    def status(self) -> CheckResult:
        last = self.last
        if last is None:
            return CheckResult(False, {"state": "not checked yet"})
        age = round(time.monotonic() - last.checked_at, 1)
        if age > self.stale_after_s:
            return CheckResult(False, {"state": "unknown (check is stale)", "checked_s_ago": age}, last.checked_at)
        return CheckResult(last.ok, {**last.detail, "checked_s_ago": age}, last.checked_at)


# ------------------------------------------------------------------------------------ check functions


def kafka_check(bootstrap: str, timeout_s: float) -> Callable[[], dict[str, Any]]:
    """The broker answers a metadata request. One AdminClient for the process's life: each client owns
    librdkafka threads and sockets, and a client per check leaked them."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})

    def check() -> dict[str, Any]:
        return {"topics": len(admin.list_topics(timeout=timeout_s).topics)}

    return check


def mlflow_check(uri: str | None, timeout_s: float) -> Callable[[], dict[str, Any]]:
    """An HTTP tracking server answers ``/health``; a local store (``sqlite:``, ``file:``, a path) is up
    when its file or folder exists."""

    def check() -> dict[str, Any]:
        if not uri:
            raise NotConfigured()
        if uri.startswith(("http://", "https://")):
            resp = httpx.get(f"{uri.rstrip('/')}/health", timeout=timeout_s)
            resp.raise_for_status()
            return {"kind": "tracking server"}
        from pathlib import Path

        path = uri.removeprefix("sqlite:///").removeprefix("file://").removeprefix("file:")
        if not Path(path).exists():
            raise FileNotFoundError("local tracking store missing")
        return {"kind": "local store"}

    return check


def warehouse_check(data_dir: Any, timeout_s: float) -> Callable[[], dict[str, Any]]:
    """``select 1`` on the configured warehouse (DuckDB file or Snowflake), connection and lock bounded."""

    def check() -> dict[str, Any]:
        from warehouse import open_warehouse
        from warehouse.settings import Settings as WarehouseSettings

        ws = WarehouseSettings.model_validate({"JOBMARKET_DATA_DIR": data_dir, "lock_timeout_s": timeout_s,
                                               "SNOWFLAKE_NETWORK_TIMEOUT": max(1, int(timeout_s))})
        wh = open_warehouse(ws)
        try:
            wh.query("select 1")
        except TimeoutError as exc:  # the DuckDB file lock is held by a writer (sink batch, dbt build)
            raise Busy() from exc
        finally:
            wh.close()
        return {"backend": str(ws.effective_backend)}

    return check


def database_check(app_state: Any) -> Callable[[], dict[str, Any]]:
    """``SELECT 1`` through the relational store the app opened (``app.state.store`` or ``db_engine``)."""

    def check() -> dict[str, Any]:
        store = getattr(app_state, "store", None)
        engine = getattr(app_state, "db_engine", None) or getattr(store, "engine", None)
        if engine is None:
            raise NotConfigured("no relational store opened by this app")
        from sqlalchemy import text

        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"dialect": str(engine.dialect.name)}

    return check


def index_check(app_state: Any, qdrant_url: str | None) -> Callable[[], dict[str, Any]]:
    def check() -> dict[str, Any]:
        index = getattr(app_state, "index", None)
        if index is None:
            raise RuntimeError("index not open")
        kind = "qdrant-server" if qdrant_url else "in-process (qdrant-edge)"
        return {"backend": kind, "offers": int(index.count())}

    return check
