"""Prometheus metrics of one app, on a registry of its own (tests build many apps in one process).

Requests are labelled by route TEMPLATE (``/api/offres/{offer_id}``), never the raw path: ids in label
values would grow the series without bound. A path no route matches counts as ``<unmatched>``, a request
refused before routing (body too large, overloaded) as ``<rejected>`` (and in ``requests_rejected`` by reason).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED = "<unmatched>"
_LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_MODEL_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
# Publish → indexed: ~1 s per hop on Tansu (fetch waits), minutes while a backlog drains.
FRESHNESS_BUCKETS = (0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)


class IndexerCollector(Collector):
    """Reads the indexer's counters at scrape time (the indexer keeps them; nothing to double-count)."""

    def __init__(self, indexer: Callable[[], Any]) -> None:
        self._indexer = indexer

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        indexer = self._indexer()
        if indexer is None:
            return
        st = indexer.stats
        for name, value, doc in (("upserted", st.upserted, "Offers written to the index."),
                                 ("deleted", st.deleted, "Offers removed from the index."),
                                 ("dead_lettered", st.dead_lettered, "Records the index refused (sent to the DLQ)."),
                                 ("retries", st.retries, "Index writes retried after a transient error."),
                                 ("batches", st.batches, "Batches applied."),
                                 ("errors", st.error_count, "Errors seen by the indexer.")):
            yield CounterMetricFamily(f"jobmarket_indexer_{name}", doc, value=value)
        up = GaugeMetricFamily("jobmarket_indexer_up", "1 while the indexer runs or retries, 0 once it stopped.")
        up.add_metric([], 1.0 if indexer.state in ("running", "retrying") else 0.0)
        yield up


class ApiMetrics:
    def __init__(self, indexer: Callable[[], Any] | None = None) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("jobmarket_api_requests", "HTTP requests answered.",
                                ["method", "route", "status"], registry=r)
        self.latency = Histogram("jobmarket_api_request_duration_seconds", "Time to answer a request.",
                                 ["method", "route", "status"], buckets=_LATENCY_BUCKETS, registry=r)
        self.in_flight = Gauge("jobmarket_api_requests_in_flight", "Requests being served now.", registry=r)
        self.rejected = Counter("jobmarket_api_requests_rejected", "Requests refused before any work.",
                                ["reason"], registry=r)
        self.model_latency = Histogram("jobmarket_api_model_call_seconds", "Model calls on the model thread "
                                       "(queue wait excluded).", ["kind"], buckets=_MODEL_BUCKETS, registry=r)
        self.query_cache = Counter("jobmarket_api_query_cache", "Query-vector cache lookups.", ["result"],
                                   registry=r)
        self.freshness = Histogram("jobmarket_offer_freshness_seconds", "From an offer change's publication "
                                   "(its fetched_at; a removal's removed_at) to the index applying it.",
                                   buckets=FRESHNESS_BUCKETS, registry=r)
        if indexer is not None:
            r.register(IndexerCollector(indexer))


REJECTED = "<rejected>"
REJECTED_KEY = "jobmarket.rejected"  # scope key a guard sets when it answers before routing


def route_template(scope: Scope) -> str:
    """The matched route's path template; ``<rejected>`` for a request a guard refused before routing
    (too large, overloaded), ``<unmatched>`` for a path no route serves."""
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str):
        return path
    return REJECTED if scope.get(REJECTED_KEY) else UNMATCHED


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets if the app raises before answering
        started = time.perf_counter()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_status)
        finally:
            self.metrics.in_flight.dec()
            labels = (scope.get("method", ""), route_template(scope), str(status))
            self.metrics.requests.labels(*labels).inc()
            self.metrics.latency.labels(*labels).observe(time.perf_counter() - started)
