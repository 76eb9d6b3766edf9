"""Pure ASGI guards against load and hostile bodies; their refusals are problem documents.

* ``BodySizeLimitMiddleware`` refuses a declared ``Content-Length`` over the limit before a byte is read,
  and counts a chunked body (no length) while the app reads it: past the limit the read raises a 413
  ``HTTPException``, which FastAPI passes through to the problem handlers. (FastAPI's own
  ``max_body_size`` answers in plain text, outside the problem handlers: not used.)
* ``ConcurrencyLimitMiddleware`` serves at most ``limit`` requests at once; one over it waits up to
  ``wait_s`` for a slot, then gets a 503 with ``Retry-After``. Probes and ``/metrics`` bypass it, so an
  overloaded instance still says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import BODY_TOO_LARGE, OVERLOADED, problem_response
from api.metrics import REJECTED_KEY

EXEMPT_PATHS = frozenset({"/health", "/ready", "/metrics"})


def _request_id(scope: Scope) -> str | None:
    rid = scope.get("state", {}).get("request_id")
    return rid if isinstance(rid, str) else None


class BodyTooLarge(HTTPException):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body may hold at most {max_bytes} bytes")


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, on_reject: Callable[[], None] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.on_reject = on_reject

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = Headers(scope=scope).get("content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
                status = 413 if declared.isdigit() else 400
                detail = (f"the request body may hold at most {self.max_bytes} bytes" if status == 413
                          else "malformed Content-Length")
                resp = problem_response(status, detail, type_=BODY_TOO_LARGE if status == 413 else "about:blank",
                                        instance=scope.get("path"), request_id=_request_id(scope),
                                        headers={"Connection": "close"})
                scope[REJECTED_KEY] = True
                if self.on_reject:
                    self.on_reject()
                await resp(scope, receive, send)
                return
            received = 0

            async def counted() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > self.max_bytes:
                        raise BodyTooLarge(self.max_bytes)
                return message

            await self.app(scope, counted, send)
            return
        await self.app(scope, receive, send)


class ConcurrencyLimitMiddleware:
    def __init__(self, app: ASGIApp, limit: int, wait_s: float,
                 on_reject: Callable[[], None] | None = None, exempt: frozenset[str] = EXEMPT_PATHS) -> None:
        self.app = app
        self.limit = limit
        self.wait_s = wait_s
        self.on_reject = on_reject
        self.exempt = exempt
        self._slots = asyncio.Semaphore(limit)

    async def _acquire(self) -> bool:
        if not self._slots.locked():
            await self._slots.acquire()  # free slot: returns at once
            return True
        if self.wait_s <= 0:
            return False
        try:
            await asyncio.wait_for(self._slots.acquire(), self.wait_s)
        except TimeoutError:
            return False
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.exempt:
            await self.app(scope, receive, send)
            return
        if not await self._acquire():
            scope[REJECTED_KEY] = True
            if self.on_reject:
                self.on_reject()
            resp = problem_response(503, f"the server is at its limit of {self.limit} requests in flight; retry",
                                    type_=OVERLOADED, instance=Request(scope).url.path,
                                    request_id=_request_id(scope), headers={"Retry-After": "1"})
            await resp(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release()
