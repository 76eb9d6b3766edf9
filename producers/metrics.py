"""Prometheus metrics of the producers, per source; served by ``jobmarket produce --metrics-port``."""

from __future__ import annotations

import time

from prometheus_client import Counter, Gauge, start_http_server

OFFERS_FETCHED = Counter("jobmarket_producer_offers_fetched", "Offers read from a source (before dedup).",
                         ["source"])
OFFERS_PUBLISHED = Counter("jobmarket_producer_offers_published", "Offers published to the raw topic.",
                           ["source"])
REMOVALS_PUBLISHED = Counter("jobmarket_producer_removals_published",
                             "Offers withdrawn at the source, published to the removals topic.", ["source"])
OFFERS_CLEANED = Counter("jobmarket_producer_offers_cleaned",
                         "Offers whose text held lone UTF-16 surrogates, replaced by U+FFFD before publishing.",
                         ["source"])
REMOVALS_HELD = Counter("jobmarket_producer_removals_held",
                        "Removals held back because one read missed too many offers at once (suspects).",
                        ["source"])
PAGES = Counter("jobmarket_producer_pages", "Result pages read from a source.", ["source"])
RETRIES = Counter("jobmarket_producer_retries", "Requests retried (reason: HTTP status, timeout, malformed).",
                  ["source", "reason"])
ERRORS = Counter("jobmarket_producer_errors",
                 "Failures: requests given up, invalid offers, truncated windows, failed cycles (kind cycle: a "
                 "source or delivery error; cycle_unexpected: any other exception).",
                 ["source", "kind"])
WINDOW_SPLITS = Counter("jobmarket_producer_window_splits",
                        "Time windows split because they held more offers than the API pages.", ["source"])
LAST_SUCCESS = Gauge("jobmarket_producer_last_success_timestamp_seconds",
                     "Unix time of the last cycle whose offers were all published and checkpointed.", ["source"])


class SourceMetrics:
    """The metrics above, bound to one source."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.fetched = OFFERS_FETCHED.labels(source)
        self.published = OFFERS_PUBLISHED.labels(source)
        self.removals = REMOVALS_PUBLISHED.labels(source)
        self.cleaned = OFFERS_CLEANED.labels(source)
        self.held = REMOVALS_HELD.labels(source)
        self.pages = PAGES.labels(source)
        self.splits = WINDOW_SPLITS.labels(source)
        self._last_success = LAST_SUCCESS.labels(source)

    def retry(self, reason: str) -> None:
        RETRIES.labels(self.source, reason).inc()

    def error(self, kind: str) -> None:
        ERRORS.labels(self.source, kind).inc()

    def success(self, when: float | None = None) -> None:
        self._last_success.set(when if when is not None else time.time())


def serve_metrics(port: int, host: str = "127.0.0.1") -> None:
    """Expose ``/metrics`` on ``host:port`` from a daemon thread."""
    start_http_server(port, addr=host)
