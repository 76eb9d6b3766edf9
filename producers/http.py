"""HTTP discipline shared by the connectors: one client, a rate limit, retries with backoff, Retry-After.

Every request goes through :meth:`HttpFetcher.call`: the rate limiter first, then the request; timeouts,
transport errors, 5xx, 429 and malformed bodies are retried (exponential backoff with jitter, or the
server's ``Retry-After``); when the attempts run out a :class:`~producers.errors.PageFetchError` names
the request, the attempts and the last failure, and the caller leaves its checkpoint where it was.
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import structlog
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from producers.errors import MalformedPageError, PageFetchError
from producers.metrics import SourceMetrics

log = structlog.get_logger(__name__)

# httpx logs every request URL at INFO, and Adzuna's key travels in the query string.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)

T = TypeVar("T")
SECRET_PARAMS = frozenset({"app_key", "app_id", "client_secret", "access_token"})
USER_AGENT = "jobmarket-producer/0.1 (+https://github.com/jobmarket)"


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    retry_after_max_s: float = 300.0
    timeout_s: float = 30.0


class Retryable(Exception):
    """Raised inside a request handler for an answer worth trying again (5xx, 429, malformed body)."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None,
                 malformed: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.malformed = malformed


def redact(url: str | httpx.URL) -> str:
    """The URL without credentials in its query string (safe to log)."""
    parts = urlsplit(str(url))
    query = [(k, "***" if k in SECRET_PARAMS else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="/*,:")))


def parse_retry_after(value: str | None, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> float | None:
    """``Retry-After`` as seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now()).total_seconds())


def body_excerpt(resp: httpx.Response, limit: int = 300) -> str:
    try:
        text = resp.text
    except Exception:  # undecodable body
        return "<binary body>"
    text = " ".join(text.split())
    return text[:limit] + ("…" if len(text) > limit else "")


def retry_on_status(resp: httpx.Response) -> None:
    """Raise :class:`Retryable` for 429 and 5xx answers."""
    if resp.status_code == 429:
        raise Retryable(f"HTTP 429 Too Many Requests: {body_excerpt(resp)}", status=429,
                        retry_after=parse_retry_after(resp.headers.get("Retry-After")))
    if resp.status_code >= 500:
        raise Retryable(f"HTTP {resp.status_code}: {body_excerpt(resp)}", status=resp.status_code,
                        retry_after=parse_retry_after(resp.headers.get("Retry-After")))


class RateLimiter:
    """At most ``rate`` requests per second (evenly spaced); ``rate <= 0`` means unlimited."""

    def __init__(self, rate: float, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._sleep = sleep
        self._clock = clock
        self._next = clock()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            now = self._clock()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            self._sleep(delay)


class HttpFetcher:
    """Rate-limited, retried requests for one source."""

    def __init__(
        self,
        source: str,
        *,
        policy: RetryPolicy,
        rate: float,
        metrics: SourceMetrics,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.source = source
        self.policy = policy
        self.metrics = metrics
        self._sleep = sleep
        self.limiter = RateLimiter(rate, sleep=sleep)
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(policy.timeout_s, connect=min(10.0, policy.timeout_s)),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=True,
        )
        self._backoff = wait_exponential_jitter(initial=policy.backoff_initial_s, max=policy.backoff_max_s,
                                                jitter=policy.backoff_initial_s)

    def close(self) -> None:
        self.client.close()

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, Retryable) and exc.retry_after is not None:
            return min(exc.retry_after, self.policy.retry_after_max_s)
        return float(self._backoff(state))

    def _before_sleep(self, what: str) -> Callable[[RetryCallState], None]:
        def hook(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            reason = "timeout" if isinstance(exc, Retryable) and exc.status is None and not exc.malformed else (
                "malformed" if isinstance(exc, Retryable) and exc.malformed else
                str(exc.status) if isinstance(exc, Retryable) else "error")
            self.metrics.retry(reason)
            sleep_s = state.next_action.sleep if state.next_action else 0.0
            log.warning("request failed, retrying", source=self.source, request=what, attempt=state.attempt_number,
                        error=str(exc), retry_in_s=round(sleep_s, 3))
        return hook

    def call(self, what: str, send: Callable[[httpx.Client], httpx.Response],
             handle: Callable[[httpx.Response], T]) -> T:
        """Send a request (rate-limited) and hand the answer to ``handle``, retrying what is retryable.

        ``handle`` raises :class:`Retryable` for an answer worth retrying and any other exception to
        give up at once; what it returns is returned.
        """
        retrying = Retrying(
            stop=stop_after_attempt(self.policy.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(Retryable),
            sleep=self._sleep,
            before_sleep=self._before_sleep(what),
            reraise=True,
        )
        attempts = 0
        try:
            for attempt in retrying:
                with attempt:
                    attempts = attempt.retry_state.attempt_number
                    self.limiter.acquire()
                    try:
                        resp = send(self.client)
                    except httpx.TimeoutException as exc:
                        raise Retryable(f"timeout: {type(exc).__name__}") from exc
                    except httpx.TransportError as exc:
                        raise Retryable(f"transport error: {type(exc).__name__}: {exc}") from exc
                    return handle(resp)
        except Retryable as exc:
            kind = "malformed" if exc.malformed else "http"
            self.metrics.error(kind)
            error_cls = MalformedPageError if exc.malformed else PageFetchError
            err = error_cls(self.source, what, str(exc), status=exc.status, attempts=attempts)
            log.error("request gave up", source=self.source, request=what, attempts=attempts, error=str(exc))
            raise err from exc
        raise AssertionError("unreachable")  # pragma: no cover
