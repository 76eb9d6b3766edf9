"""A faithful local stand-in for Adzuna's ``GET /v1/api/jobs/{country}/search/{page}``.

``app_id``/``app_key`` as query parameters (401 otherwise), ``results_per_page`` (max 50), ``max_days_old``
(counted back from the stand-in's ``now``: the real offers are from April 2025), ``sort_by=date`` (newest
first), ``what`` filter; body ``{"__CLASS__", "count", "mean", "results"}``; each result carries a fresh
``adref`` on every call, as Adzuna's do. Pages past the end are empty with the same ``count``.
"""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.producers.standins.common import FaultPlan, RequestLog, SourceJSON

SEARCH_PATH = "/v1/api/jobs/{country}/search/{page:int}"


def _created(offer: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(offer["created"]).replace("Z", "+00:00"))


class AdzunaStandIn:
    def __init__(self, offers: list[dict[str, Any]], *, app_id: str = "az-id", app_key: str = "az-key",
                 now: datetime | None = None) -> None:
        self.app_id = app_id
        self.app_key = app_key
        self.faults = FaultPlan()
        self.count_bias = 0  # Adzuna's count is an estimate: tests can make it overstate what the pages hold
        self.log = RequestLog()
        self._lock = threading.Lock()
        self._offers: dict[str, dict[str, Any]] = {}
        self.served_ids: Counter[str] = Counter()
        self.pages_served: Counter[int] = Counter()
        self.add(offers)
        self.now = now or (max((_created(o) for o in offers), default=datetime.now(UTC)) + timedelta(hours=1))
        self.app = Starlette(routes=[Route(SEARCH_PATH, self.search, methods=["GET"])])

    def add(self, offers: list[dict[str, Any]]) -> None:
        with self._lock:
            for o in offers:
                self._offers[str(o["id"])] = o
            self._sorted = sorted(self._offers.values(), key=lambda o: (_created(o), str(o["id"])), reverse=True)

    def remove(self, ids: list[str]) -> None:
        with self._lock:
            for i in ids:
                self._offers.pop(i, None)
            self._sorted = sorted(self._offers.values(), key=lambda o: (_created(o), str(o["id"])), reverse=True)

    @property
    def ids(self) -> set[str]:
        with self._lock:
            return set(self._offers)

    @property
    def search_calls(self) -> int:
        return self.log.count("/search/")

    async def search(self, request: Request) -> Response:
        response = self._search(request)
        self.log.add(request, response.status_code)
        return response

    def _search(self, request: Request) -> Response:
        q = request.query_params
        if q.get("app_id") != self.app_id or q.get("app_key") != self.app_key:
            return JSONResponse({"__CLASS__": "Adzuna::API::Response::Exception", "exception": "AUTH_FAIL",
                                 "display": "Authorisation failed", "doc": "https://api.adzuna.com/v1/doc"},
                                status_code=401)
        fault = self.faults.take(request)
        if fault is not None:
            return fault
        if request.path_params["country"] != "fr":
            return JSONResponse({"exception": "UNSUPPORTED_COUNTRY"}, status_code=400)
        page = int(request.path_params["page"])
        rpp = int(q.get("results_per_page", "10"))
        if page < 1 or not 1 <= rpp <= 50:
            return JSONResponse({"exception": "INVALID_PARAMETER", "display": "results_per_page"}, status_code=400)
        with self._lock:
            offers = list(self._sorted)
        if q.get("max_days_old"):
            oldest = self.now - timedelta(days=int(q["max_days_old"]))
            offers = [o for o in offers if _created(o) >= oldest]
        if q.get("what"):
            words = q["what"].lower().split()
            offers = [o for o in offers if all(w in (o.get("title", "") + " " + o.get("description", "")).lower()
                                               for w in words)]
        if q.get("sort_by") not in (None, "date"):
            return JSONResponse({"exception": "UNSUPPORTED_SORT"}, status_code=400)
        chunk = offers[(page - 1) * rpp: page * rpp]
        self.pages_served[page] += 1
        results = []
        for o in chunk:
            self.served_ids[str(o["id"])] += 1
            results.append({**o, "adref": secrets.token_urlsafe(24)})  # changes on every call
        salaries = [float(o["salary_min"]) for o in offers if isinstance(o.get("salary_min"), int | float)]
        mean = sum(salaries) / len(salaries) if salaries else 0.0
        return SourceJSON({"__CLASS__": "Adzuna::API::Response::JobSearchResults",
                           "count": len(offers) + self.count_bias, "mean": mean, "results": results})
