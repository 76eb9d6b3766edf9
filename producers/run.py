"""``jobmarket produce``: run one source once (a backfill) or in follow mode, with progress and a summary.

SIGTERM and Ctrl-C stop between two requests (or during a wait); whatever was sent is flushed before the
process exits, and the checkpoint keeps pointing at the last complete stretch.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType
from typing import Any, Protocol

import structlog
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from producers.adzuna import VOLATILE_FIELDS, AdzunaClient, AdzunaConnector
from producers.checkpoints import CheckpointStore
from producers.emitter import CycleStats, OfferEmitter
from producers.errors import AuthenticationError, Interrupted, SourceError
from producers.france_travail import FranceTravailClient, FranceTravailConnector
from producers.http import HttpFetcher, RetryPolicy
from producers.metrics import SourceMetrics, serve_metrics
from producers.oauth import ClientCredentialsToken
from producers.publisher import DeliveryError, OfferPublisher
from producers.settings import Settings
from schemas.events import Source

log = structlog.get_logger(__name__)

SOURCES = {"france-travail": Source.FRANCE_TRAVAIL, "france_travail": Source.FRANCE_TRAVAIL,
           "adzuna": Source.ADZUNA, "sample": Source.SAMPLE}


class Connector(Protocol):
    source: Source

    def run_cycle(self, since: datetime | None = None,
                  progress: Callable[[CycleStats], None] | None = None) -> CycleStats: ...


def parse_since(value: str | None) -> datetime | None:
    """``--since`` as an aware UTC datetime (a date alone means its midnight UTC)."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def interruptible_sleep(stop: threading.Event) -> Callable[[float], None]:
    def sleep(seconds: float) -> None:
        if seconds > 0 and stop.wait(seconds):
            raise Interrupted()
        if stop.is_set():
            raise Interrupted()
    return sleep


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(max_attempts=settings.http_max_attempts, backoff_initial_s=settings.http_backoff_initial_s,
                       backoff_max_s=settings.http_backoff_max_s, retry_after_max_s=settings.http_retry_after_max_s,
                       timeout_s=settings.http_timeout_s)


def emitter_options(settings: Settings) -> dict[str, Any]:
    return {"flush_timeout_s": settings.flush_timeout_s, "removal_guard_fraction": settings.removal_guard_fraction,
            "removal_guard_min": settings.removal_guard_min}


def next_wait(interval: float, failures: int, cap: float) -> float:
    """Seconds before the next cycle: ``interval``, doubled for each failed cycle in a row, at most ``cap``
    (never less than ``interval``)."""
    if failures <= 0:
        return interval
    return min(interval * 2.0 ** min(failures - 1, 30), max(interval, cap))


def build_connector(source: Source, settings: Settings, publisher: OfferPublisher, store: CheckpointStore,
                    stop: threading.Event) -> tuple[Connector, HttpFetcher]:
    """The connector for a real source, wired to the publisher, the checkpoints and the stop flag."""
    metrics = SourceMetrics(source.value)
    sleep = interruptible_sleep(stop)
    policy = retry_policy(settings)
    connector: Connector
    if source is Source.FRANCE_TRAVAIL:
        ft = settings.france_travail
        if not ft.configured:
            raise AuthenticationError(source.value, "FRANCE_TRAVAIL_CLIENT_ID and FRANCE_TRAVAIL_CLIENT_SECRET "
                                      "must be set (register an application on francetravail.io)")
        assert ft.client_id and ft.client_secret
        fetcher = HttpFetcher(source.value, policy=policy, rate=ft.requests_per_second, metrics=metrics, sleep=sleep)
        token = ClientCredentialsToken(fetcher, token_url=ft.token_url, client_id=ft.client_id,
                                       client_secret=ft.client_secret, scope=ft.scope,
                                       refresh_margin_s=ft.token_refresh_margin_s)
        emitter = OfferEmitter(source, publisher, store, metrics, **emitter_options(settings))
        connector = FranceTravailConnector(FranceTravailClient(ft, fetcher, token), emitter, settings, stop=stop)
    elif source is Source.ADZUNA:
        az = settings.adzuna
        if not az.configured:
            raise AuthenticationError(source.value, "ADZUNA_APP_ID and ADZUNA_APP_KEY must be set "
                                      "(register at developer.adzuna.com)")
        fetcher = HttpFetcher(source.value, policy=policy, rate=az.requests_per_second, metrics=metrics, sleep=sleep)
        emitter = OfferEmitter(source, publisher, store, metrics, volatile_fields=VOLATILE_FIELDS,
                               **emitter_options(settings))
        connector = AdzunaConnector(AdzunaClient(az, fetcher), emitter, settings, stop=stop)
    else:
        raise ValueError(f"{source} has no HTTP connector")
    return connector, fetcher


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM/SIGINT set ``stop`` (a second Ctrl-C interrupts at once)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        log.info("shutdown requested: flushing", signal=signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, prev in previous.items():
            signal.signal(sig, prev)


class CycleProgress:
    """A rich progress bar (pages, offers, rate) for one cycle; silent for incremental polls."""

    def __init__(self, console: Console, enabled: bool) -> None:
        self.console = console
        self.enabled = enabled
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> CycleProgress:
        if self.enabled:
            self._progress = Progress(
                SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                TextColumn("{task.completed} pages"), TextColumn("{task.fields[offers]} offers"),
                TextColumn("{task.fields[rate]:.0f} offers/s"), TimeElapsedColumn(),
                console=self.console, transient=False)
            self._progress.start()
        return self

    def __call__(self, stats: CycleStats) -> None:
        if self._progress is None:
            return
        description = f"{stats.source} {stats.kind}"
        if self._task is None:
            self._task = self._progress.add_task(description, total=stats.pages_expected, offers=0, rate=0.0)
        self._progress.update(self._task, description=description, completed=stats.pages,
                              total=stats.pages_expected, offers=stats.fetched, rate=stats.rate)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def run_source(
    source: Source,
    settings: Settings,
    *,
    since: datetime | None = None,
    follow: bool = False,
    interval: float | None = None,
    console: Console | None = None,
    stop: threading.Event | None = None,
    publisher: OfferPublisher | None = None,
) -> int:
    """Run a real connector: one cycle, or cycles every ``interval`` seconds with ``follow``; exit code."""
    console = console or Console(stderr=True)
    stop = stop or threading.Event()
    store = CheckpointStore(settings.path("checkpoints", "x").parent)
    own_publisher = publisher is None
    publisher = publisher or OfferPublisher(settings.bootstrap_servers)
    try:
        connector, fetcher = build_connector(source, settings, publisher, store, stop)
    except AuthenticationError as exc:
        console.print(f"[red]{exc}[/red]")
        return 2
    if interval is None:
        interval = (settings.france_travail.poll_interval_s if source is Source.FRANCE_TRAVAIL
                    else settings.adzuna.poll_interval_s)
    code = 0
    failures = 0
    pending_since = since
    try:
        while True:
            try:
                with CycleProgress(console, enabled=console.is_terminal) as progress:
                    stats = connector.run_cycle(pending_since, progress)
                console.print(stats.summary(), highlight=False, soft_wrap=True)
                pending_since = None
                code = failures = 0
            except Interrupted:
                break
            except AuthenticationError as exc:
                console.print(f"[red]{exc}[/red]")
                code = 2
                break
            except (SourceError, DeliveryError) as exc:
                SourceMetrics(source.value).error("cycle")
                log.error("cycle failed; checkpoint left at the last complete stretch", source=source.value,
                          error=str(exc))
                console.print(f"[red]{source.value} cycle failed: {exc}[/red]")
                code, failures = 1, failures + 1
            except Exception as exc:  # one bad cycle must not end a follower: the next one redoes it
                SourceMetrics(source.value).error("cycle_unexpected")
                log.exception("cycle failed unexpectedly; checkpoint left at the last complete stretch",
                              source=source.value)
                console.print(f"{source.value} cycle failed unexpectedly: {exc!r}", style="red", markup=False)
                code, failures = 1, failures + 1
            if not follow or stop.wait(next_wait(interval, failures, settings.failure_backoff_max_s)):
                break
    finally:
        fetcher.close()
        if own_publisher:
            try:
                publisher.flush(settings.flush_timeout_s)
            except DeliveryError as exc:
                log.error("final flush failed", error=str(exc))
                code = code or 1
    if stop.is_set():
        console.print(f"{source.value}: stopped; everything sent was flushed, the next run resumes from the "
                      "last checkpoint", soft_wrap=True)
    return code


def produce(
    source: str,
    *,
    since: str | None = None,
    follow: bool = False,
    interval: float | None = None,
    metrics_port: int | None = None,
    settings: Settings | None = None,
    console: Console | None = None,
) -> int:
    """``jobmarket produce --source france-travail|adzuna``; returns the exit code."""
    from core.kafka import ensure_topics

    settings = settings or Settings()
    console = console or Console(stderr=True)
    src = SOURCES[source]
    if src is Source.SAMPLE:
        raise ValueError("the sample feed runs through producers.sample.publish_sample")
    if metrics_port is not None:
        serve_metrics(metrics_port, settings.metrics_host)
        log.info("metrics served", url=f"http://{settings.metrics_host}:{metrics_port}/metrics")
    ensure_topics(settings.bootstrap_servers)
    stop = threading.Event()
    started = time.monotonic()
    with stop_on_signals(stop):
        code = run_source(src, settings, since=parse_since(since), follow=follow, interval=interval,
                          console=console, stop=stop)
    log.debug("producer exits", source=src.value, code=code, elapsed_s=round(time.monotonic() - started, 1))
    return code
