"""Adzuna connector.

``GET {api}/jobs/{country}/search/{page}?app_id&app_key&results_per_page=50&max_days_old=N&sort_by=date``
→ ``{"count": N, "mean": ..., "results": [...]}``, newest first. A sweep reads pages 1, 2, ... and stops on
an empty page or once ``count`` is reached; an incremental poll stops at the first page reaching offers
older than the watermark (minus the lookback). Every page is flushed, then checkpointed, so a killed
backfill resumes one page before where it stopped (offers withdrawn meanwhile shift the pages up).

``adref`` (a tracking token that changes on every call) is never part of a key nor of the change check.
Adzuna has no by-id endpoint: a sweep that would remove most of what it tracks removes nothing until a
later sweep agrees (see :mod:`producers.removals`).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import structlog

from producers.emitter import CycleStats, OfferEmitter
from producers.errors import AuthenticationError, Interrupted, PageFetchError
from producers.http import HttpFetcher, Retryable, body_excerpt, retry_on_status
from producers.settings import AdzunaSettings, Settings
from schemas.events import Source

log = structlog.get_logger(__name__)

SOURCE = Source.ADZUNA
# Fields that change between two calls for the same offer: left out of the change check, kept in the payload.
VOLATILE_FIELDS = ("adref", "redirect_url")
ProgressHook = Callable[[CycleStats], None]


def parse_date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class AdzunaPage:
    page: int
    results: list[dict[str, Any]]
    count: int


class AdzunaClient:
    def __init__(self, settings: AdzunaSettings, fetcher: HttpFetcher) -> None:
        self.settings = settings
        self.fetcher = fetcher
        self.base = settings.api_url.rstrip("/")

    def search(self, page: int, max_days_old: int) -> AdzunaPage:
        s = self.settings
        url = f"{self.base}/jobs/{s.country}/search/{page}"
        params = {
            "app_id": s.app_id or "",
            "app_key": s.app_key.get_secret_value() if s.app_key else "",
            "results_per_page": str(s.results_per_page),
            "max_days_old": str(max_days_old),
            "sort_by": "date",
            **s.filters(),
        }
        what = f"search page {page}"

        def send(client: httpx.Client) -> httpx.Response:
            return client.get(url, params=params)

        def handle(resp: httpx.Response) -> AdzunaPage:
            if resp.status_code in (401, 403):
                self.fetcher.metrics.error("auth")
                raise AuthenticationError(SOURCE.value, f"{what}: HTTP {resp.status_code} "
                                          f"({body_excerpt(resp, 150)}); check ADZUNA_APP_ID / ADZUNA_APP_KEY")
            retry_on_status(resp)
            if resp.status_code != 200:
                raise PageFetchError(SOURCE.value, what, f"refused (HTTP {resp.status_code}: {body_excerpt(resp)})",
                                     status=resp.status_code)
            try:
                body = resp.json()
            except ValueError as exc:
                raise Retryable(f"body is not JSON: {body_excerpt(resp, 120)}", status=200, malformed=True) from exc
            results = body.get("results") if isinstance(body, dict) else None
            count = body.get("count") if isinstance(body, dict) else None
            if not isinstance(results, list) or not isinstance(count, int) or isinstance(count, bool):
                raise Retryable(f"body lacks a 'results' list or an integer 'count': {body_excerpt(resp, 120)}",
                                status=200, malformed=True)
            if len(results) > s.results_per_page:
                raise Retryable(f"{len(results)} results on a page of {s.results_per_page}", status=200,
                                malformed=True)
            return AdzunaPage(page, results, count)

        return self.fetcher.call(what, send, handle)


class AdzunaConnector:
    source = SOURCE

    def __init__(
        self,
        client: AdzunaClient,
        emitter: OfferEmitter,
        settings: Settings,
        *,
        stop: threading.Event | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client = client
        self.emitter = emitter
        self.settings = settings
        self.az = settings.adzuna
        self.stop = stop or threading.Event()
        self.clock = clock

    @property
    def stats(self) -> CycleStats:
        return self.emitter.stats

    def query(self) -> dict[str, Any]:
        return {"country": self.az.country, "filters": self.az.filters()}

    def _plan(self, state: dict[str, Any], since: datetime | None, now: datetime) -> tuple[str, int, int]:
        """(kind, max_days_old, first page); updates ``state['backfill']`` for backfills."""
        backfill = state.get("backfill") or None
        wm = parse_date(state.get("watermark"))
        last_full = parse_date(state.get("last_full_sweep_at"))
        if since is not None:
            since_iso = iso(since)
            if backfill and backfill.get("since") == since_iso:
                return "backfill (resumed)", int(backfill["max_days_old"]), max(1, int(backfill["next_page"]) - 1)
            days = max(1, math.ceil((now - since).total_seconds() / 86400))
            state["backfill"] = {"since": since_iso, "max_days_old": days, "next_page": 1}
            return "backfill", days, 1
        if backfill:
            return "backfill (resumed)", int(backfill["max_days_old"]), max(1, int(backfill["next_page"]) - 1)
        if wm is None:
            state["backfill"] = {"since": None, "max_days_old": self.az.max_days_old, "next_page": 1}
            return "backfill", self.az.max_days_old, 1
        days = int(state.get("max_days_old") or self.az.max_days_old)
        if last_full is None or (now - last_full).total_seconds() >= self.az.reconcile_interval_s:
            return "reconcile", days, 1
        return "incremental", days, 1

    def run_cycle(self, since: datetime | None = None, progress: ProgressHook | None = None) -> CycleStats:
        store = self.emitter.store
        state = store.load(self.source.value)
        if state and state.get("query") != self.query():
            log.warning("search filters changed since the last run: starting a new backfill",
                        source=self.source.value, old=state.get("query"), new=self.query())
            state = {}
            self.emitter.live.reset()
        state = {**state, "query": self.query()}
        now = self.clock()
        kind, days, page_no = self._plan(state, since, now)
        stats = self.emitter.start_cycle(kind)
        wm = parse_date(state.get("watermark"))
        stop_before = wm - timedelta(seconds=self.settings.lookback_s) if kind == "incremental" and wm else None
        log.info("cycle starts", source=self.source.value, kind=kind, max_days_old=days, first_page=page_no)
        rpp = self.az.results_per_page
        from_top = page_no == 1
        returned: set[str] = set()
        oldest: datetime | None = None
        newest: datetime | None = wm
        while True:
            if self.stop.is_set():
                raise Interrupted()
            page = self.client.search(page_no, days)
            stats.pages += 1
            self.emitter.metrics.pages.inc()
            stats.pages_expected = max(math.ceil(page.count / rpp), page_no)
            fetched_at = datetime.now(UTC)
            page_oldest: datetime | None = None
            for raw in page.results:
                item = self.emitter.clean(raw)
                sid = item.get("id") if isinstance(item, dict) else None
                if not isinstance(sid, str | int) or not str(sid).strip() or len(str(sid)) > 128:
                    self.emitter.invalid("offer without a usable 'id'", item)
                    continue
                assert isinstance(item, dict)
                created = parse_date(item.get("created"))
                returned.add(str(sid))
                if created is not None:
                    page_oldest = created if page_oldest is None else min(page_oldest, created)
                    newest = created if newest is None else max(newest, created)
                self.emitter.offer(str(sid), created, item, fetched_at)
            if page_oldest is not None:
                oldest = page_oldest if oldest is None else min(oldest, page_oldest)
            done = (not page.results or page_no * rpp >= page.count
                    or (stop_before is not None and page_oldest is not None and page_oldest < stop_before))
            if state.get("backfill"):
                state["backfill"]["next_page"] = page_no + 1
            if newest is not None:
                state["watermark"] = iso(newest)
            self.emitter.commit(state)
            if progress:
                progress(stats)
            if done:
                break
            page_no += 1
        if from_top and oldest is not None:
            # Read from the newest offer down to ``oldest``: anything published before, created after it,
            # and not returned now was withdrawn. (Ties with ``oldest`` may sit on the next page: excluded.)
            missing = self.emitter.live.missing(returned, after=oldest, after_inclusive=False)
            if missing:
                self.emitter.reconcile(missing, self.emitter.live.count(after=oldest, after_inclusive=False))
            if kind != "incremental" and done:
                self.emitter.live.forget_before(oldest)
        state["backfill"] = None
        if kind != "incremental":
            state["last_full_sweep_at"] = iso(now)
            state["max_days_old"] = days
        self.emitter.commit(state)
        self.emitter.metrics.success()
        stats.finished = time.monotonic()
        if progress:
            progress(stats)
        return stats
