"""France Travail connector against the local stand-in (generated offers; real ones in test_produce_cli)."""

from __future__ import annotations

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
from tests.producers.harness import Wired, ft_settings, now_ms, producer_settings, read_topic, wire
from tests.producers.standins.common import Fault
from tests.producers.standins.data import ft_generated
from tests.producers.standins.france_travail import FranceTravailStandIn

FT = Source.FRANCE_TRAVAIL.value
Start = Callable[[Any], str]


def on_range(first: int) -> Callable[[Request], bool]:
    return lambda r: r.url.path.endswith("/search") and r.query_params.get("range", "").startswith(f"{first}-")


def connector(tmp_path: Path, bootstrap: str, publisher: OfferPublisher, url: str, **ft: Any) -> Wired:
    settings = producer_settings(tmp_path, bootstrap, france_travail=ft_settings(url, **ft))
    return wire(Source.FRANCE_TRAVAIL, settings, publisher)


def assert_published_once(bootstrap: str, since_ms: int, expected: set[str]) -> list[Any]:
    records = read_topic(bootstrap, RAW_OFFERS.name, source=FT, since_ms=since_ms, expect=expected)
    counts = Counter(r.source_id for r in records)
    assert set(counts) == expected, f"missing {len(expected - set(counts))}, extra {len(set(counts) - expected)}"
    assert max(counts.values()) == 1, f"published twice: {[k for k, v in counts.items() if v > 1][:5]}"
    return records


def test_multi_page_backfill_publishes_every_offer_once(start: Start, kafka_bootstrap: str,
                                                        publisher: OfferPublisher, tmp_path: Path) -> None:
    offers = ft_generated(700)
    standin = FranceTravailStandIn(offers)
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin))
    t0 = now_ms()
    stats = w.connector.run_cycle()
    assert stats.kind == "backfill"
    assert stats.pages == 5 and stats.published == 700 and stats.splits == 0
    records = assert_published_once(kafka_bootstrap, t0, {o["id"] for o in offers})
    by_id = {o["id"]: o for o in offers}
    for r in records[:50]:  # the envelope carries the payload untouched
        assert r.value["payload"] == by_id[r.source_id]
        assert r.value["source"] == FT and r.key == f"{FT}:{r.source_id}"
    state = w.checkpoint()
    assert state["backfill"] is None and state["watermark"] and state["last_full_sweep_at"]
    assert standin.log.count("/search", status=400) == 0


def test_window_past_the_cap_is_split_until_every_window_fits(start: Start, kafka_bootstrap: str,
                                                              publisher: OfferPublisher, tmp_path: Path) -> None:
    offers = ft_generated(1000)
    standin = FranceTravailStandIn(offers, max_first=150, max_last=299)  # this API pages 300 results deep
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin), max_results=300)
    t0 = now_ms()
    stats = w.connector.run_cycle()
    assert stats.splits >= 1 and stats.windows >= 4 and stats.truncated == 0
    assert standin.log.count("/search", status=400) == 0  # never asked past the cap
    assert_published_once(kafka_bootstrap, t0, {o["id"] for o in offers})


def test_real_cap_3000_3149_with_4000_offers(start: Start, kafka_bootstrap: str, publisher: OfferPublisher,
                                             tmp_path: Path) -> None:
    offers = ft_generated(4000)
    standin = FranceTravailStandIn(offers)  # the real limits: first index <= 3000, last <= 3149
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin))
    t0 = now_ms()
    stats = w.connector.run_cycle()
    assert stats.splits >= 1 and stats.published == 4000
    assert standin.log.count("/search", status=400) == 0
    assert_published_once(kafka_bootstrap, t0, {o["id"] for o in offers})


def test_token_refreshed_before_expiry_and_once_on_401(start: Start, kafka_bootstrap: str,
                                                       publisher: OfferPublisher, tmp_path: Path) -> None:
    offers = ft_generated(900)
    standin = FranceTravailStandIn(offers, token_ttl_s=0.4)
    url = start(standin)
    w = connector(tmp_path, kafka_bootstrap, publisher, url, requests_per_second=15)
    t0 = now_ms()
    w.connector.run_cycle()  # 6 pages at 15/s: ~0.4 s, the token's whole life
    assert standin.token_calls >= 2, "the token was never refreshed"
    assert standin.unauthorized == 0, "refreshed ahead of expiry: the API never saw a stale token"
    assert_published_once(kafka_bootstrap, t0, {o["id"] for o in offers})

    # The server drops every token mid-run: one 401, one new token, the page retried, nothing lost.
    standin.token_ttl_s = 3600
    more = ft_generated(600)
    standin.add(more)
    w2 = connector(tmp_path / "second", kafka_bootstrap, publisher, url)
    calls_before = standin.token_calls

    def revoke_after_two_pages(stats: CycleStats) -> None:
        if stats.pages == 2:
            standin.revoke_tokens()

    t1 = now_ms()
    w2.connector.run_cycle(progress=revoke_after_two_pages)
    assert standin.unauthorized == 1
    assert standin.token_calls - calls_before == 2  # the first one, then one after the 401
    assert_published_once(kafka_bootstrap, t1, {o["id"] for o in offers + more})


def test_bad_credentials_fail_clearly(start: Start, kafka_bootstrap: str, publisher: OfferPublisher,
                                      tmp_path: Path) -> None:
    standin = FranceTravailStandIn(ft_generated(10))
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin), client_secret="wrong")
    with pytest.raises(AuthenticationError, match="FRANCE_TRAVAIL_CLIENT_SECRET"):
        w.connector.run_cycle()
    assert standin.search_calls == 0 and w.checkpoint() == {}


def test_429_waits_for_retry_after(start: Start, kafka_bootstrap: str, publisher: OfferPublisher,
                                   tmp_path: Path) -> None:
    offers = ft_generated(400)
    standin = FranceTravailStandIn(offers)
    standin.faults.add(Fault(429, '{"message": "Too many requests"}', {"Retry-After": "1"}, match=on_range(150)))
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin))
    t0, began = now_ms(), time.monotonic()
    w.connector.run_cycle()
    assert time.monotonic() - began >= 0.95, "Retry-After: 1 was not honoured"
    assert standin.log.count("/search", status=429) == 1
    assert_published_once(kafka_bootstrap, t0, {o["id"] for o in offers})


def test_500_that_recovers(start: Start, kafka_bootstrap: str, publisher: OfferPublisher, tmp_path: Path) -> None:
    offers = ft_generated(400)
    standin = FranceTravailStandIn(offers)
    standin.faults.add(Fault(500, "Internal Server Error", times=2, match=on_range(150)))
    standin.faults.add(Fault(503, "Service Unavailable", times=1, match=on_range(300)))
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin))
    t0 = now_ms()
    stats = w.connector.run_cycle()
    assert stats.published == 400
    assert_published_once(kafka_bootstrap, t0, {o["id"] for o in offers})


def test_500_that_does_not_recover_leaves_the_checkpoint(start: Start, kafka_bootstrap: str,
                                                          publisher: OfferPublisher, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    offers = ft_generated(300, now=now - timedelta(hours=2))
    standin = FranceTravailStandIn(offers)
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin))
    w.connector.run_cycle()
    before = w.checkpoint()

    fresh = [{**o, "dateCreation": (now - timedelta(milliseconds=1000 + 50 * i)).isoformat().replace("+00:00", "Z")}
             for i, o in enumerate(ft_generated(400))]  # created in the last 21 s: inside the next poll
    standin.add(fresh)
    fault = standin.faults.add(Fault(500, "Internal Server Error", times=None, match=on_range(150)))
    t0 = now_ms()
    with pytest.raises(PageFetchError) as err:
        w.connector.run_cycle()
    message = str(err.value)
    assert "france_travail" in message and "range 150-299" in message and "HTTP 500" in message
    assert "4 attempt" in message and err.value.status == 500
    assert w.checkpoint() == before, "checkpoint advanced past a page that failed"

    fault.times = 0
    w.connector.run_cycle()  # the next cycle redoes the window
    records = read_topic(kafka_bootstrap, RAW_OFFERS.name, source=FT, since_ms=t0, expect={o["id"] for o in fresh})
    assert {r.source_id for r in records} >= {o["id"] for o in fresh}


def test_malformed_page_is_retried_then_fails_clearly(start: Start, kafka_bootstrap: str,
                                                      publisher: OfferPublisher, tmp_path: Path) -> None:
    offers = ft_generated(400)
    standin = FranceTravailStandIn(offers)
    standin.faults.add(Fault(206, '{"resultats": [{"id": "X"', {"Content-Range": "offres 150-299/400"},
                             times=1, match=on_range(150)))
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin))
    t0 = now_ms()
    w.connector.run_cycle()  # a truncated body once: retried
    assert_published_once(kafka_bootstrap, t0, {o["id"] for o in offers})

    standin2 = FranceTravailStandIn(ft_generated(400))
    standin2.faults.add(Fault(206, '{"resultats": []}', times=None, match=on_range(150)))  # no Content-Range
    w2 = connector(tmp_path / "2", kafka_bootstrap, publisher, start(standin2))
    with pytest.raises(MalformedPageError, match="Content-Range"):
        w2.connector.run_cycle()
    assert w2.checkpoint() == {}


def test_refused_request_is_not_retried(start: Start, kafka_bootstrap: str, publisher: OfferPublisher,
                                        tmp_path: Path) -> None:
    standin = FranceTravailStandIn(ft_generated(10))
    standin.faults.add(Fault(400, '{"codeHttp": 400, "message": "Valeur du paramètre « commune » incorrecte"}',
                             times=None, match=lambda r: r.url.path.endswith("/search")))
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin))
    with pytest.raises(PageFetchError, match="commune"):
        w.connector.run_cycle()
    assert standin.search_calls == 1


class Crash(Exception):
    pass


def test_crash_after_n_pages_then_restart_publishes_everything(start: Start, kafka_bootstrap: str,
                                                               publisher: OfferPublisher, tmp_path: Path) -> None:
    offers = ft_generated(1200)
    standin = FranceTravailStandIn(offers, max_first=150, max_last=299)
    url = start(standin)
    t0 = now_ms()

    def crash_after_6_pages(stats: CycleStats) -> None:
        if stats.pages >= 6:
            raise Crash()

    w = connector(tmp_path, kafka_bootstrap, publisher, url, max_results=300)
    with pytest.raises(Crash):
        w.connector.run_cycle(progress=crash_after_6_pages)
    state = w.checkpoint()
    assert state["backfill"] and state["watermark"], "windows completed before the crash are checkpointed"
    calls_first = standin.search_calls

    restarted = connector(tmp_path, kafka_bootstrap, publisher, url, max_results=300)  # a new process
    stats = restarted.connector.run_cycle()
    assert stats.kind == "backfill (resumed)"
    assert standin.search_calls - calls_first < calls_first + 5, "the restart did not resume from the checkpoint"
    records = read_topic(kafka_bootstrap, RAW_OFFERS.name, source=FT, since_ms=t0, expect={o["id"] for o in offers})
    assert {r.source_id for r in records} == {o["id"] for o in offers}, "gap after the restart"


def test_withdrawn_offers_become_removal_events(start: Start, kafka_bootstrap: str, publisher: OfferPublisher,
                                                tmp_path: Path) -> None:
    offers = ft_generated(500)
    standin = FranceTravailStandIn(offers)
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin), reconcile_interval_s=0)
    w.connector.run_cycle()
    gone = sorted(o["id"] for o in offers[::50])
    standin.remove(gone)
    t0 = now_ms()
    stats = w.connector.run_cycle()  # a reconciliation sweep (interval 0: every cycle)
    assert stats.kind == "reconcile" and stats.removals == len(gone) and stats.published == 0
    records = read_topic(kafka_bootstrap, REMOVALS.name, source=FT, since_ms=t0, expect=set(gone))
    assert sorted(r.source_id for r in records) == gone
    assert all(r.value["reason"] and r.value["removed_at"] for r in records)
    again = w.connector.run_cycle()
    assert again.removals == 0 and again.published == 0


def test_incremental_poll_publishes_only_new_offers(start: Start, kafka_bootstrap: str,
                                                    publisher: OfferPublisher, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    offers = ft_generated(300, now=now - timedelta(hours=1))
    standin = FranceTravailStandIn(offers)
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin))
    w.connector.run_cycle()
    fresh = [{**o, "dateCreation": (now - timedelta(seconds=5 + i)).strftime("%Y-%m-%dT%H:%M:%S.123Z")}
             for i, o in enumerate(ft_generated(12))]
    standin.add(fresh)
    t0 = now_ms()
    stats = w.connector.run_cycle()
    assert stats.kind == "incremental" and stats.pages == 1
    assert stats.published == 12
    assert_published_once(kafka_bootstrap, t0, {o["id"] for o in fresh})


def test_single_offer_and_referential(start: Start, kafka_bootstrap: str, publisher: OfferPublisher,
                                      tmp_path: Path) -> None:
    offers = ft_generated(3)
    standin = FranceTravailStandIn(offers)
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin))
    client = w.connector.client
    assert client.offer(offers[0]["id"]) == offers[0]
    assert client.offer("NOPE000") is None
    assert {r["code"] for r in client.referential("typesContrats")} >= {"CDI", "CDD"}


def test_offer_with_a_lone_surrogate_is_cleaned_and_published(start: Start, kafka_bootstrap: str,
                                                              publisher: OfferPublisher, tmp_path: Path) -> None:
    offers = ft_generated(20)
    newest = max(offers, key=lambda o: o["dateCreation"])  # served first (sort=1)
    newest["description"] = "Poste \ud800 à pourvoir"  # goes out as the JSON escape "\ud800"
    newest["entreprise"] = {**newest.get("entreprise", {}), "nom": "ACME \udc00"}
    standin = FranceTravailStandIn(offers)
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin))
    t0 = now_ms()
    stats = w.connector.run_cycle()
    assert stats.cleaned == 1 and stats.invalid == 0 and stats.published == 20
    records = assert_published_once(kafka_bootstrap, t0, {o["id"] for o in offers})
    payload = next(r.value["payload"] for r in records if r.source_id == newest["id"])
    assert payload["description"] == "Poste \ufffd à pourvoir" and payload["entreprise"]["nom"] == "ACME \ufffd"
    assert w.checkpoint()["watermark"]
    again = w.connector.run_cycle()  # the cleaned offer is recognised as unchanged, not republished
    assert again.published == 0


def test_empty_answer_during_reconciliation_removes_nothing(start: Start, kafka_bootstrap: str,
                                                            publisher: OfferPublisher, tmp_path: Path) -> None:
    offers = ft_generated(300)
    standin = FranceTravailStandIn(offers)
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin), reconcile_interval_s=0)
    w.connector.run_cycle()
    empty = standin.faults.add(Fault(204, times=None, match=lambda r: r.url.path.endswith("/search")))
    t0 = now_ms()
    stats = w.connector.run_cycle()  # every window answers 204 No Content
    assert stats.kind == "reconcile" and stats.removals == 0 and stats.held == 300
    assert standin.offer_calls() == 0  # held back before asking one by one
    empty.times = 0
    back = w.connector.run_cycle()  # the source answers again: every suspect is returned, none removed
    assert back.removals == 0 and back.held == 0 and back.fetched == 300
    assert not w.connector.emitter.live.suspects

    gone = sorted(o["id"] for o in offers[:3])
    standin.remove(gone)  # a real withdrawal is still removed, once the API confirms it by id
    stats = w.connector.run_cycle()
    assert stats.removals == 3 and stats.held == 0
    assert standin.offer_calls(204) == 3 and standin.offer_calls() == 3
    records = read_topic(kafka_bootstrap, REMOVALS.name, source=FT, since_ms=t0)
    assert sorted(r.source_id for r in records) == gone


def test_removal_candidates_still_served_by_id_are_kept(start: Start, kafka_bootstrap: str,
                                                        publisher: OfferPublisher, tmp_path: Path) -> None:
    offers = ft_generated(3)  # fewer than the guard's minimum: only the check by id protects them
    standin = FranceTravailStandIn(offers)
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin), reconcile_interval_s=0)
    w.connector.run_cycle()
    standin.faults.add(Fault(200, '{"resultats": []}', times=None, match=lambda r: r.url.path.endswith("/search")))
    stats = w.connector.run_cycle()  # an empty page where three offers live
    assert stats.removals == 0 and stats.held == 0
    assert standin.offer_calls(200) == 3  # each one asked, each one still served
    assert len(w.connector.emitter.live) == 3


def test_mass_disappearance_is_removed_once_a_second_sweep_agrees(start: Start, kafka_bootstrap: str,
                                                                  publisher: OfferPublisher, tmp_path: Path) -> None:
    offers = ft_generated(200)
    standin = FranceTravailStandIn(offers, gone_status=404)
    w = connector(tmp_path, kafka_bootstrap, publisher, start(standin), reconcile_interval_s=0)
    w.connector.run_cycle()
    gone = sorted(o["id"] for o in offers[:150])
    standin.remove(gone)
    t0 = now_ms()
    first = w.connector.run_cycle()
    assert first.removals == 0 and first.held == 150
    second = w.connector.run_cycle()
    assert second.removals == 150 and second.held == 0
    assert standin.offer_calls(404) == 150 == standin.offer_calls()  # each confirmed by id (404 here)
    records = read_topic(kafka_bootstrap, REMOVALS.name, source=FT, since_ms=t0, expect=set(gone))
    assert sorted(r.source_id for r in records) == gone
    assert w.connector.run_cycle().removals == 0
