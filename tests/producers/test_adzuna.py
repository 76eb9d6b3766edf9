"""Adzuna connector against the local stand-in (generated jobs; the 3,000 real ones in test_produce_cli)."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request

from producers.emitter import CycleStats
from producers.errors import AuthenticationError, MalformedPageError, PageFetchError
from producers.publisher import OfferPublisher
from schemas.events import Source
from schemas.topics import RAW_OFFERS, REMOVALS
from tests.producers.harness import Wired, az_settings, now_ms, producer_settings, read_topic, wire
from tests.producers.standins.adzuna import AdzunaStandIn
from tests.producers.standins.common import Fault
from tests.producers.standins.data import adzuna_generated

AZ = Source.ADZUNA.value
Start = Callable[[Any], str]


def on_page(page: int) -> Callable[[Request], bool]:
    return lambda r: r.url.path.endswith(f"/search/{page}")


def connector(tmp_path: Path, bootstrap: str, publisher: OfferPublisher, url: str, **az: Any) -> Wired:
    settings = producer_settings(tmp_path, bootstrap, adzuna=az_settings(url, **az))
    return wire(Source.ADZUNA, settings, publisher)


def assert_published_once(bootstrap: str, since_ms: int, expected: set[str]) -> list[Any]:
    records = read_topic(bootstrap, RAW_OFFERS.name, source=AZ, since_ms=since_ms, expect=expected)
    counts = Counter(r.source_id for r in records)
    assert set(counts) == expected, f"missing {len(expected - set(counts))}, extra {len(set(counts) - expected)}"
    assert max(counts.values()) == 1, f"published twice: {[k for k, v in counts.items() if v > 1][:5]}"
    return records


def test_multi_page_backfill_publishes_every_job_once(start: Start, kafka_bootstrap: str,
                                                      publisher: OfferPublisher, tmp_path: Path) -> None:
    jobs = adzuna_generated(230)
    standin = AdzunaStandIn(jobs)
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin))
    t0 = now_ms()
    stats = w.connector.run_cycle()
    assert stats.kind == "backfill" and stats.pages == 5 and stats.published == 230
    assert standin.pages_served == Counter({1: 1, 2: 1, 3: 1, 4: 1, 5: 1})  # stopped on count, no empty page
    records = assert_published_once(kafka_bootstrap, t0, {j["id"] for j in jobs})
    by_id = {j["id"]: j for j in jobs}
    for r in records:
        payload = r.value["payload"]
        assert r.key == f"adzuna:{r.source_id}"  # the id only: adref never enters a key
        assert payload["adref"]  # the payload is published untouched, adref included
        assert {k: v for k, v in payload.items() if k != "adref"} == by_id[r.source_id]
    state = w.checkpoint()
    assert state["backfill"] is None and state["watermark"] == max(j["created"] for j in jobs)


def test_stops_on_an_empty_page(start: Start, kafka_bootstrap: str, publisher: OfferPublisher,
                                tmp_path: Path) -> None:
    jobs = adzuna_generated(120)
    standin = AdzunaStandIn(jobs)
    standin.count_bias = 400  # a count that overstates what the pages hold: the empty page 4 ends the sweep
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin))
    stats = w.connector.run_cycle()
    assert stats.pages == 4 and stats.fetched == 120
    assert 5 not in standin.pages_served


def test_rerun_with_new_adref_publishes_nothing_twice(start: Start, kafka_bootstrap: str,
                                                      publisher: OfferPublisher, tmp_path: Path) -> None:
    jobs = adzuna_generated(120)
    standin = AdzunaStandIn(jobs)
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin), reconcile_interval_s=0)
    w.connector.run_cycle()
    again = w.connector.run_cycle()  # every adref differs from the first sweep's
    assert again.kind == "reconcile" and again.fetched == 120 and again.published == 0 and again.removals == 0


def test_429_waits_for_retry_after(start: Start, kafka_bootstrap: str, publisher: OfferPublisher,
                                   tmp_path: Path) -> None:
    jobs = adzuna_generated(150)
    standin = AdzunaStandIn(jobs)
    standin.faults.add(Fault(429, '{"exception": "TOO_MANY_REQUESTS"}', {"Retry-After": "1"}, match=on_page(2)))
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin))
    t0, began = now_ms(), time.monotonic()
    w.connector.run_cycle()
    assert time.monotonic() - began >= 0.95
    assert standin.log.count("/search/2", status=429) == 1
    assert_published_once(kafka_bootstrap, t0, {j["id"] for j in jobs})


def test_500_that_recovers(start: Start, kafka_bootstrap: str, publisher: OfferPublisher, tmp_path: Path) -> None:
    jobs = adzuna_generated(150)
    standin = AdzunaStandIn(jobs)
    standin.faults.add(Fault(502, "<html>Bad Gateway</html>", times=3, match=on_page(3)))
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin))
    t0 = now_ms()
    w.connector.run_cycle()
    assert_published_once(kafka_bootstrap, t0, {j["id"] for j in jobs})


def test_500_that_does_not_recover_then_resume(start: Start, kafka_bootstrap: str, publisher: OfferPublisher,
                                               tmp_path: Path) -> None:
    jobs = adzuna_generated(250)
    standin = AdzunaStandIn(jobs)
    fault = standin.faults.add(Fault(500, '{"exception": "INTERNAL"}', times=None, match=on_page(3)))
    url = start(standin)
    w = connector(tmp_path, kafka_bootstrap, publisher, url)
    t0 = now_ms()
    with pytest.raises(PageFetchError) as err:
        w.connector.run_cycle()
    assert "adzuna" in str(err.value) and "page 3" in str(err.value) and "HTTP 500" in str(err.value)
    state = w.checkpoint()
    assert state["backfill"]["next_page"] == 3, "the checkpoint must stay on the page that failed"

    fault.times = 0
    restarted = connector(tmp_path, kafka_bootstrap, publisher, url)
    stats = restarted.connector.run_cycle()
    assert stats.kind == "backfill (resumed)"
    assert standin.pages_served[1] == 1  # resumed one page before the failure, not from the top
    records = read_topic(kafka_bootstrap, RAW_OFFERS.name, source=AZ, since_ms=t0, expect={j["id"] for j in jobs})
    assert {r.source_id for r in records} == {j["id"] for j in jobs}


def test_malformed_page(start: Start, kafka_bootstrap: str, publisher: OfferPublisher, tmp_path: Path) -> None:
    jobs = adzuna_generated(150)
    standin = AdzunaStandIn(jobs)
    standin.faults.add(Fault(200, '{"count": 150, "results": "oops"}', times=None, match=on_page(2)))
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin))
    with pytest.raises(MalformedPageError, match="results"):
        w.connector.run_cycle()
    assert w.checkpoint()["backfill"]["next_page"] == 2


def test_jobs_without_id_are_reported_not_published(start: Start, kafka_bootstrap: str,
                                                    publisher: OfferPublisher, tmp_path: Path) -> None:
    jobs = adzuna_generated(10)
    broken = {k: v for k, v in jobs[0].items() if k != "id"}
    standin = AdzunaStandIn(jobs[1:])
    standin.faults.add(Fault(200, '{"count": 10, "mean": 0, "results": [' + json.dumps(broken) + "]}",
                             match=on_page(1)))
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin), results_per_page=50)
    stats = w.connector.run_cycle()
    assert stats.invalid == 1


def test_bad_keys_fail_clearly(start: Start, kafka_bootstrap: str, publisher: OfferPublisher,
                               tmp_path: Path) -> None:
    standin = AdzunaStandIn(adzuna_generated(5))
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin), app_key="wrong")
    with pytest.raises(AuthenticationError, match="ADZUNA_APP_KEY"):
        w.connector.run_cycle()
    assert standin.search_calls == 1  # a refusal is not retried


class Crash(Exception):
    pass


def test_crash_after_n_pages_then_restart(start: Start, kafka_bootstrap: str, publisher: OfferPublisher,
                                          tmp_path: Path) -> None:
    jobs = adzuna_generated(500)
    standin = AdzunaStandIn(jobs)
    url = start(standin)
    t0 = now_ms()

    def crash_after_4_pages(stats: CycleStats) -> None:
        if stats.pages == 4:
            raise Crash()

    with pytest.raises(Crash):
        connector(tmp_path, kafka_bootstrap, publisher, url).connector.run_cycle(progress=crash_after_4_pages)
    # Two jobs are withdrawn while the producer is down: the pages after them shift up by two.
    standin.remove(_newest_ids(jobs, 2))
    stats = connector(tmp_path, kafka_bootstrap, publisher, url).connector.run_cycle()
    assert stats.kind == "backfill (resumed)"
    records = read_topic(kafka_bootstrap, RAW_OFFERS.name, source=AZ, since_ms=t0, expect=standin.ids)
    assert {r.source_id for r in records} >= standin.ids, "gap after the restart"
    assert standin.pages_served[1] == 1 and standin.pages_served[4] == 2


def _newest_ids(jobs: list[dict[str, Any]], n: int) -> list[str]:
    return [j["id"] for j in sorted(jobs, key=lambda j: (j["created"], j["id"]), reverse=True)[:n]]


def test_withdrawn_jobs_become_removal_events(start: Start, kafka_bootstrap: str, publisher: OfferPublisher,
                                              tmp_path: Path) -> None:
    jobs = adzuna_generated(200)
    standin = AdzunaStandIn(jobs)
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin), reconcile_interval_s=0)
    w.connector.run_cycle()
    oldest = min(jobs, key=lambda j: j["created"])["id"]
    gone = sorted(j["id"] for j in jobs[::20] if j["id"] != oldest)
    standin.remove(gone)
    t0 = now_ms()
    stats = w.connector.run_cycle()
    assert stats.kind == "reconcile" and stats.removals == len(gone)
    records = read_topic(kafka_bootstrap, REMOVALS.name, source=AZ, since_ms=t0, expect=set(gone))
    assert sorted(r.source_id for r in records) == gone
    assert w.connector.run_cycle().removals == 0


def test_incremental_poll_reads_only_the_newest_pages(start: Start, kafka_bootstrap: str,
                                                      publisher: OfferPublisher, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    jobs = adzuna_generated(400, now=now - timedelta(hours=2))
    standin = AdzunaStandIn(jobs, now=now + timedelta(minutes=1))
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin))
    w.connector.run_cycle()
    fresh = adzuna_generated(30, now=now, days=0.0005)  # created in the last minute
    standin.add(fresh)
    t0 = now_ms()
    stats = w.connector.run_cycle()
    assert stats.kind == "incremental" and stats.pages == 1 and stats.published == 30
    assert_published_once(kafka_bootstrap, t0, {j["id"] for j in fresh})


def test_checkpoint_waits_for_the_broker(start: Start, tmp_path: Path) -> None:
    from producers.publisher import DeliveryError
    from tests.conftest import free_port

    standin = AdzunaStandIn(adzuna_generated(60))
    dead = OfferPublisher(f"127.0.0.1:{free_port()}", **{"message.timeout.ms": 800})  # nothing listens there
    settings = producer_settings(tmp_path, "unused", adzuna=az_settings(start(standin)), flush_timeout_s=5)
    w = wire(Source.ADZUNA, settings, dead)
    with pytest.raises(DeliveryError):
        w.connector.run_cycle()
    assert w.checkpoint() == {}, "checkpoint advanced although the broker acknowledged nothing"


def test_run_source_shows_progress_and_a_one_line_summary(start: Start, kafka_bootstrap: str,
                                                          publisher: OfferPublisher, tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from producers.run import run_source

    standin = AdzunaStandIn(adzuna_generated(130))
    settings = producer_settings(tmp_path, kafka_bootstrap, adzuna=az_settings(start(standin)))
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    assert run_source(Source.ADZUNA, settings, console=console, publisher=publisher) == 0
    text = out.getvalue()
    assert "3 pages" in text and "130 offers" in text and "offers/s" in text
    assert "adzuna backfill: 3 pages, 130 offers fetched, 130 published, 0 unchanged, 0 removals" in text


def test_job_with_a_lone_surrogate_is_cleaned_and_published(start: Start, kafka_bootstrap: str,
                                                            publisher: OfferPublisher, tmp_path: Path) -> None:
    jobs = adzuna_generated(60)
    newest = max(jobs, key=lambda j: (j["created"], j["id"]))  # page 1, first result
    newest["title"] = "Data \udbff Engineer"  # goes out as the JSON escape "\udbff"
    standin = AdzunaStandIn(jobs)
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin))
    t0 = now_ms()
    stats = w.connector.run_cycle()
    assert stats.cleaned == 1 and stats.invalid == 0 and stats.published == 60
    records = assert_published_once(kafka_bootstrap, t0, {j["id"] for j in jobs})
    assert next(r.value["payload"]["title"] for r in records if r.source_id == newest["id"]) == "Data \ufffd Engineer"
    assert w.checkpoint()["backfill"] is None


def test_degraded_or_empty_answer_during_reconciliation_removes_nothing(
        start: Start, kafka_bootstrap: str, publisher: OfferPublisher, tmp_path: Path) -> None:
    jobs = adzuna_generated(200)
    standin = AdzunaStandIn(jobs)
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin), reconcile_interval_s=0)
    w.connector.run_cycle()
    standin.faults.add(Fault(200, '{"count": 0, "mean": 0, "results": []}', match=on_page(1)))
    assert w.connector.run_cycle().removals == 0  # an empty answer
    oldest = sorted(jobs, key=lambda j: j["created"])[:3]
    standin.faults.add(Fault(200, json.dumps({"count": 3, "mean": 0, "results": oldest}), match=on_page(1)))
    stats = w.connector.run_cycle()  # three old jobs where 200 live: most of the span looks withdrawn
    assert stats.removals == 0 and stats.held == 197
    back = w.connector.run_cycle()  # the next sweep returns them all: nothing removed, no suspect left
    assert back.removals == 0 and back.held == 0 and not w.connector.emitter.live.suspects


def test_mass_disappearance_is_removed_once_a_second_sweep_agrees(start: Start, kafka_bootstrap: str,
                                                                  publisher: OfferPublisher, tmp_path: Path) -> None:
    jobs = adzuna_generated(200)
    standin = AdzunaStandIn(jobs)
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin), reconcile_interval_s=0)
    w.connector.run_cycle()
    oldest = min(jobs, key=lambda j: j["created"])["id"]
    gone = sorted(j["id"] for j in jobs if j["id"] != oldest)[:150]
    standin.remove(gone)
    t0 = now_ms()
    first = w.connector.run_cycle()
    assert first.removals == 0 and first.held == 150
    second = w.connector.run_cycle()
    assert second.removals == 150 and second.held == 0
    records = read_topic(kafka_bootstrap, REMOVALS.name, source=AZ, since_ms=t0, expect=set(gone))
    assert sorted(r.source_id for r in records) == gone
