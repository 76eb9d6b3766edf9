"""What both stand-ins share: scripted faults, a request log, and running an ASGI app on a free port."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp

from tests.conftest import free_port

LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class SourceJSON(JSONResponse):
    """A body as the sources write it: UTF-8 text, except that a lone surrogate in a string (which UTF-8
    cannot carry) goes out as its ``\\uXXXX`` escape, valid JSON that ``json.loads`` turns back into it."""

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text).encode("utf-8")


@dataclass
class Fault:
    """Answer ``status`` (with ``body``/``headers``) to ``times`` matching requests (``None``: forever)."""

    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    times: int | None = 1
    match: Callable[[Request], bool] = lambda request: True
    skip: int = 0  # let this many matching requests through first
    hits: int = 0

    def response(self) -> Response:
        media = "application/json" if self.body.startswith(("{", "[")) else "text/plain"
        return Response(self.body, status_code=self.status, headers=self.headers, media_type=media)


class FaultPlan:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, request: Request) -> Response | None:
        with self._lock:
            for fault in self._faults:
                if (fault.times is None or fault.times > 0) and fault.match(request):
                    if fault.skip > 0:
                        fault.skip -= 1
                        continue
                    if fault.times is not None:
                        fault.times -= 1
                    fault.hits += 1
                    return fault.response()
        return None


@dataclass
class Served:
    path: str
    params: dict[str, str]
    status: int
    at: float


class RequestLog:
    def __init__(self) -> None:
        self.entries: list[Served] = []
        self._lock = threading.Lock()

    def add(self, request: Request, status: int) -> None:
        with self._lock:
            self.entries.append(Served(request.url.path, dict(request.query_params), status, time.monotonic()))

    def count(self, path_part: str, status: int | None = None) -> int:
        with self._lock:
            return sum(1 for e in self.entries if path_part in e.path and (status is None or e.status == status))


@contextmanager
def serve(app: ASGIApp) -> Iterator[str]:
    """Run ``app`` with uvicorn on a free loopback port in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                                           access_log=False, timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, name=f"standin-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("stand-in server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
