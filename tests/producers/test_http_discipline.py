"""The shared HTTP discipline: rate limit, Retry-After, retries on timeouts, redaction, change detection."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from producers.emitter import fingerprint
from producers.errors import PageFetchError
from producers.http import HttpFetcher, RateLimiter, RetryPolicy, parse_retry_after, redact, retry_on_status
from producers.metrics import RETRIES, SourceMetrics


def test_retry_after_as_seconds_or_http_date() -> None:
    assert parse_retry_after("3") == 3.0
    now = datetime(2025, 4, 15, 12, 0, tzinfo=UTC)
    date = email.utils.format_datetime(now + timedelta(seconds=7), usegmt=True)
    assert parse_retry_after(date, now=lambda: now) == pytest.approx(7.0)
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None


def test_credentials_are_redacted_from_urls() -> None:
    url = "https://api.adzuna.com/v1/api/jobs/fr/search/1?app_id=abc&app_key=SECRET&what=data"
    shown = redact(url)
    assert "SECRET" not in shown and "abc" not in shown and "what=data" in shown


def test_rate_limiter_spaces_requests() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(round(s, 6))
        now[0] += s

    limiter = RateLimiter(10, sleep=sleep, clock=lambda: now[0])
    for _ in range(4):
        limiter.acquire()
    assert slept == [0.1, 0.1, 0.1]
    assert RateLimiter(0).interval == 0.0


def fetcher(handler: httpx.MockTransport, slept: list[float], retry_after_max_s: float = 300.0) -> HttpFetcher:
    policy = RetryPolicy(max_attempts=3, backoff_initial_s=0.01, backoff_max_s=0.02,
                         retry_after_max_s=retry_after_max_s)
    return HttpFetcher("unit", policy=policy, rate=0, metrics=SourceMetrics("unit"),
                       client=httpx.Client(transport=handler), sleep=slept.append)


def ok_json(resp: httpx.Response) -> object:
    retry_on_status(resp)
    return resp.json()


def test_timeouts_are_retried_then_succeed() -> None:
    calls = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) < 3:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json={"ok": True})

    before = RETRIES.labels("unit", "timeout")._value.get()
    slept: list[float] = []
    got = fetcher(httpx.MockTransport(handle), slept).call("page", lambda c: c.get("http://x/"), ok_json)
    assert got == {"ok": True} and len(calls) == 3 and len(slept) == 2
    assert RETRIES.labels("unit", "timeout")._value.get() - before == 2


def test_retry_after_is_capped_and_failure_is_clear() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "3600"}, text="quota")

    slept: list[float] = []
    with pytest.raises(PageFetchError) as err:
        fetcher(httpx.MockTransport(handle), slept, retry_after_max_s=0.5).call(
            "search page 9", lambda c: c.get("http://x/"), ok_json)
    assert slept == [0.5, 0.5]
    assert "unit: search page 9 failed after 3 attempt(s): HTTP 429" in str(err.value)


def test_adref_does_not_count_as_a_change() -> None:
    job = {"id": "1", "title": "Data engineer", "adref": "abc"}
    volatile = frozenset({"adref"})
    assert fingerprint(job, volatile) == fingerprint({**job, "adref": "xyz"}, volatile)
    assert fingerprint(job, volatile) != fingerprint({**job, "title": "Data scientist"}, volatile)
