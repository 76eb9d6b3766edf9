"""France Travail « Offres d'emploi v2 » connector.

``GET {api}/v2/offres/search`` pages with ``range=first-last`` (at most 150 per call): 206 for a partial
answer, 200 when everything is in it, 204 when nothing matches; the total is read from
``Content-Range: offres 0-149/1234``. The API refuses ranges past its cap (first index > 3000, last
> 3149), so a time window holding more is split (``minCreationDate``/``maxCreationDate``, both always
given, ``yyyy-MM-dd'T'hh:mm:ss'Z'``) until every window fits: nothing is silently cut.

Windows are read oldest first; each complete window is flushed, reconciled (withdrawn offers → removal
events) and only then checkpointed (``watermark`` = end of the last complete window), so a restart
resumes at the first incomplete window. A window's removal is confirmed by ``GET /v2/offres/{id}`` first
(204 or 404: gone; 200: still live, kept), and a window that would lose most of its offers at once (a 204
or an empty page by mistake) removes nothing until a later read agrees (see :mod:`producers.removals`).
Windows overlap at their boundaries; keys are idempotent and the emitter does not republish an unchanged
offer.
"""

from __future__ import annotations

import itertools
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import structlog

from producers.emitter import CycleStats, OfferEmitter
from producers.errors import AuthenticationError, Interrupted, PageFetchError
from producers.http import HttpFetcher, Retryable, body_excerpt, retry_on_status
from producers.oauth import ClientCredentialsToken
from producers.settings import FranceTravailSettings, Settings
from schemas.events import Source

log = structlog.get_logger(__name__)

T = TypeVar("T")
SOURCE = Source.FRANCE_TRAVAIL
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
CONTENT_RANGE = re.compile(r"(\d+)\s*-\s*(\d+)\s*/\s*(\d+)")
ONE_SECOND = timedelta(seconds=1)

ProgressHook = Callable[[CycleStats], None]


def format_date(value: datetime) -> str:
    """The API's date format: ``yyyy-MM-dd'T'hh:mm:ss'Z'`` (UTC, whole seconds)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime(DATE_FORMAT)


def parse_date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def to_second(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class SearchPage:
    offers: list[dict[str, Any]]
    first: int
    last: int
    total: int
    status: int


class _Unauthorized(Exception):
    pass


class FranceTravailClient:
    """The API calls, each rate-limited, retried, and authorized with a cached token."""

    def __init__(self, settings: FranceTravailSettings, fetcher: HttpFetcher, token: ClientCredentialsToken) -> None:
        self.settings = settings
        self.fetcher = fetcher
        self.token = token
        self.base = settings.api_url.rstrip("/")

    def _get(self, what: str, path: str, params: dict[str, str], handle: Callable[[httpx.Response], T]) -> T:
        url = f"{self.base}{path}"

        def send(client: httpx.Client) -> httpx.Response:
            return client.get(url, params=params, headers={"Authorization": self.token.authorization()})

        def checked(resp: httpx.Response) -> T:
            if resp.status_code == 401:
                raise _Unauthorized()
            return handle(resp)

        try:
            return self.fetcher.call(what, send, checked)
        except _Unauthorized:
            log.info("token refused (401): fetching a new one and retrying once", source=SOURCE.value, request=what)
            self.token.invalidate()
        try:
            return self.fetcher.call(what, send, checked)
        except _Unauthorized:
            self.fetcher.metrics.error("auth")
            raise AuthenticationError(SOURCE.value, f"{what}: the API refused a freshly issued token (401); "
                                      "check the application's scopes (api_offresdemploiv2 o2dsoffre)") from None

    def search(self, start: datetime, end: datetime, first: int, last: int,
               filters: dict[str, str] | None = None) -> SearchPage:
        """One page of offers created in [start, end] (both dates are always sent, as the API requires)."""
        params = {"range": f"{first}-{last}", "minCreationDate": format_date(start),
                  "maxCreationDate": format_date(end), "sort": "1", **(filters or {})}
        what = f"search {params['minCreationDate']}..{params['maxCreationDate']} range {first}-{last}"

        def handle(resp: httpx.Response) -> SearchPage:
            retry_on_status(resp)
            if resp.status_code == 204:
                return SearchPage([], first, first - 1, 0, 204)
            if resp.status_code not in (200, 206):
                raise PageFetchError(SOURCE.value, what, f"refused (HTTP {resp.status_code}: {body_excerpt(resp)})",
                                     status=resp.status_code)
            try:
                body = resp.json()
            except ValueError as exc:
                raise Retryable(f"HTTP {resp.status_code} body is not JSON: {body_excerpt(resp, 120)}",
                                status=resp.status_code, malformed=True) from exc
            offers = body.get("resultats") if isinstance(body, dict) else None
            if not isinstance(offers, list):
                raise Retryable(f"HTTP {resp.status_code} body has no 'resultats' list: {body_excerpt(resp, 120)}",
                                status=resp.status_code, malformed=True)
            header = resp.headers.get("Content-Range", "")
            match = CONTENT_RANGE.search(header)
            if match:
                a, b, total = (int(g) for g in match.groups())
            elif resp.status_code == 206:
                raise Retryable(f"206 without a valid Content-Range ({header!r})", status=206, malformed=True)
            else:
                a, b, total = first, first + len(offers) - 1, first + len(offers)
            expected = min(b, total - 1) - a + 1
            if a != first or len(offers) != expected:
                raise Retryable(f"page holds {len(offers)} offers but Content-Range says {header!r} "
                                f"(asked {first}-{last})", status=resp.status_code, malformed=True)
            return SearchPage(offers, a, b, total, resp.status_code)

        return self._get(what, "/v2/offres/search", params, handle)

    def offer(self, offer_id: str) -> dict[str, Any] | None:
        """``GET /v2/offres/{id}``: the offer, or None when it is gone (204/404)."""
        what = f"offer {offer_id}"

        def handle(resp: httpx.Response) -> dict[str, Any] | None:
            retry_on_status(resp)
            if resp.status_code in (204, 404):
                return None
            if resp.status_code != 200:
                raise PageFetchError(SOURCE.value, what, f"HTTP {resp.status_code}: {body_excerpt(resp)}",
                                     status=resp.status_code)
            try:
                body = resp.json()
            except ValueError as exc:
                raise Retryable("offer body is not JSON", status=200, malformed=True) from exc
            if not isinstance(body, dict):
                raise Retryable("offer body is not an object", status=200, malformed=True)
            return body

        return self._get(what, f"/v2/offres/{offer_id}", {}, handle)

    def referential(self, name: str) -> list[dict[str, Any]]:
        """``GET /v2/referentiel/{name}`` (communes, departements, typesContrats, metiers...)."""
        what = f"referential {name}"

        def handle(resp: httpx.Response) -> list[dict[str, Any]]:
            retry_on_status(resp)
            if resp.status_code != 200:
                raise PageFetchError(SOURCE.value, what, f"HTTP {resp.status_code}: {body_excerpt(resp)}",
                                     status=resp.status_code)
            try:
                body = resp.json()
            except ValueError as exc:
                raise Retryable("referential body is not JSON", status=200, malformed=True) from exc
            if not isinstance(body, list):
                raise Retryable("referential body is not a list", status=200, malformed=True)
            return body

        return self._get(what, f"/v2/referentiel/{name}", {}, handle)


class FranceTravailConnector:
    """Backfill, incremental polls and reconciliation sweeps over creation-date windows."""

    source = SOURCE

    def __init__(
        self,
        client: FranceTravailClient,
        emitter: OfferEmitter,
        settings: Settings,
        *,
        stop: threading.Event | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client = client
        self.emitter = emitter
        self.settings = settings
        self.ft = settings.france_travail
        self.stop = stop or threading.Event()
        self.clock = clock
        self.page_size = min(self.ft.page_size, self.ft.max_results)
        # The API's cap: first index <= max_results - page_size (3000), last index <= max_results - 1 (3149).
        self.max_first = max(0, self.ft.max_results - self.page_size)
        self.max_last = self.ft.max_results - 1
        self._state: dict[str, Any] = {}
        self._progress: ProgressHook | None = None

    @property
    def stats(self) -> CycleStats:
        return self.emitter.stats

    def query(self) -> dict[str, Any]:
        return {"filters": self.ft.filters()}

    def _check_stop(self) -> None:
        if self.stop.is_set():
            raise Interrupted()

    def _plan(self, since: datetime | None, now: datetime) -> tuple[str, datetime]:
        """Which kind of cycle runs now, and from when; updates the in-memory state accordingly."""
        st = self._state
        wm = parse_date(st.get("watermark"))
        backfill = st.get("backfill") or None
        last_full = parse_date(st.get("last_full_sweep_at"))
        origin = parse_date(st.get("origin"))
        lookback = timedelta(seconds=self.settings.lookback_s)
        if since is not None:
            since = to_second(since)
            st["origin"] = format_date(min(origin, since) if origin else since)
            if backfill and parse_date(backfill.get("since")) == since and wm is not None:
                return "backfill (resumed)", max(since, wm - lookback)
            st["backfill"] = {"since": format_date(since)}
            return "backfill", since
        if backfill and wm is not None:
            bf_since = parse_date(backfill.get("since")) or wm
            return "backfill (resumed)", max(bf_since, wm - lookback)
        if wm is None:
            start = to_second(now - timedelta(days=self.ft.backfill_days))
            st["origin"] = format_date(start)
            st["backfill"] = {"since": format_date(start)}
            return "backfill", start
        if last_full is None or (now - last_full).total_seconds() >= self.ft.reconcile_interval_s:
            horizon = to_second(now - timedelta(days=self.ft.reconcile_horizon_days))
            return "reconcile", max(origin, horizon) if origin else horizon
        return "incremental", wm - lookback

    def run_cycle(self, since: datetime | None = None, progress: ProgressHook | None = None) -> CycleStats:
        store = self.emitter.store
        state = store.load(self.source.value)
        if state and state.get("query") != self.query():
            log.warning("search filters changed since the last run: starting a new backfill",
                        source=self.source.value, old=state.get("query"), new=self.query())
            state = {}
            self.emitter.live.reset()
        self._state = {**state, "query": self.query()}
        self._progress = progress
        now = to_second(self.clock())
        kind, start = self._plan(since, now)
        stats = self.emitter.start_cycle(kind)
        log.info("cycle starts", source=self.source.value, kind=kind, start=format_date(start), end=format_date(now))
        if kind == "reconcile":
            forgotten = self.emitter.live.forget_before(start)
            if forgotten:
                log.info("offers out of the reconciliation horizon are no longer tracked", count=forgotten)
        if start < now:
            self._window(start, now)
        self._state["backfill"] = None
        if kind != "incremental":
            self._state["last_full_sweep_at"] = format_date(now)
        self._state["watermark"] = format_date(max(parse_date(self._state.get("watermark")) or now, now))
        self.emitter.commit(self._state)
        self.emitter.metrics.success()
        stats.finished = time.monotonic()
        self._report()
        return stats

    def _report(self) -> None:
        if self._progress:
            self._progress(self.stats)

    def _window(self, start: datetime, end: datetime) -> None:
        """Read [start, end]; split it when it holds more offers than the API pages."""
        self._check_stop()
        first = self.client.search(start, end, 0, self.page_size - 1, self.ft.filters())
        self.stats.pages += 1
        self.emitter.metrics.pages.inc()
        truncated = False
        if first.total > self.ft.max_results:
            if end - start > ONE_SECOND:
                parts = self._split(start, end, first.total)
                self.stats.splits += 1
                self.emitter.metrics.splits.inc()
                log.info("window holds more than the API pages: splitting", source=self.source.value,
                         start=format_date(start), end=format_date(end), total=first.total, parts=len(parts) - 1)
                for a, b in itertools.pairwise(parts):
                    self._window(a, b)
                return
            truncated = True
            self.stats.truncated += 1
            self.emitter.metrics.error("truncated_window")
            log.error("a one-second window holds more offers than the API pages: only the first ones are read; "
                      "add filters (departement, codeROME...) to split it", source=self.source.value,
                      start=format_date(start), end=format_date(end), total=first.total,
                      readable=self.ft.max_results)
        self._read_window(start, end, first, truncated)

    def _split(self, start: datetime, end: datetime, total: int) -> list[datetime]:
        """Cut points (whole seconds, strictly increasing) into about total/(0.8*cap) parts, at least 2."""
        seconds = int((end - start).total_seconds())
        parts = max(2, math.ceil(total / (0.8 * self.ft.max_results)))
        parts = min(parts, seconds)
        cuts = [start]
        for i in range(1, parts):
            cut = start + timedelta(seconds=round(seconds * i / parts))
            if cuts[-1] < cut < end:
                cuts.append(cut)
        cuts.append(end)
        return cuts

    def _read_window(self, start: datetime, end: datetime, page: SearchPage, truncated: bool) -> None:
        returned: set[str] = set()
        while True:
            fetched_at = datetime.now(UTC)
            for item in page.offers:
                self._emit(item, returned, fetched_at)
            self._report()
            # Paging follows Content-Range (206 partial / 200 last is informative only).
            next_first = page.last + 1
            if not page.offers or next_first >= page.total:
                break
            if next_first > self.max_first:
                if not truncated:
                    truncated = True
                    self.stats.truncated += 1
                    self.emitter.metrics.error("truncated_window")
                    log.error("window grew past the API cap while paging: rest left to the next cycle",
                              source=self.source.value, start=format_date(start), end=format_date(end),
                              total=page.total)
                break
            self._check_stop()
            page = self.client.search(start, end, next_first, min(next_first + self.page_size - 1, self.max_last),
                                      self.ft.filters())
            self.stats.pages += 1
            self.emitter.metrics.pages.inc()
        if not truncated:
            # Offers published before, created in this window, that the source no longer returns.
            missing = self.emitter.live.missing(returned, after=start, before=end)
            if missing:
                self.emitter.reconcile(missing, self.emitter.live.count(after=start, before=end), self._gone)
        self.stats.windows += 1
        wm = parse_date(self._state.get("watermark"))
        self._state["watermark"] = format_date(max(wm, end) if wm else end)
        self.emitter.commit(self._state)
        self.emitter.metrics.success()

    def _gone(self, offer_id: str) -> bool:
        """Whether the API confirms the offer is withdrawn (by id: 204/404); a failed check keeps it."""
        self._check_stop()
        try:
            live = self.client.offer(offer_id)
        except PageFetchError as exc:
            log.warning("could not confirm a removal: kept until the next sweep", source=self.source.value,
                        source_id=offer_id, error=str(exc))
            return False
        if live is not None:
            log.info("offer missing from the search but still served by id: kept", source=self.source.value,
                     source_id=offer_id)
        return live is None

    def _emit(self, item: Any, returned: set[str], fetched_at: datetime) -> None:
        item = self.emitter.clean(item)
        sid = item.get("id") if isinstance(item, dict) else None
        if not isinstance(sid, str | int) or not str(sid).strip() or len(str(sid)) > 128:
            self.emitter.invalid("offer without a usable 'id'", item)
            return
        sid = str(sid)
        returned.add(sid)
        assert isinstance(item, dict)
        self.emitter.offer(sid, parse_date(item.get("dateCreation")), item, fetched_at)
