"""The faust worker against a real broker: crash safety, scaling, dedup and removals.

Each test gets a broker of its own (``private_broker`` is overridden per test here: a worker with a new
app id reads its input topics from the beginning, so a shared broker made each test re-process every
earlier test's offers), and whole-topic counts are exact.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import pytest

from producers.publisher import OfferPublisher
from producers.sample import envelopes as sample_envelopes
from producers.sample_feed import generate_offers
from schemas.events import DeadLetter, DedupCommand, Offer, OfferRemoval, RawOfferEnvelope, Source
from schemas.topics import DEAD_LETTERS, DEDUP, ENRICHED_OFFERS
from stream_processors.enrichment import enrich
from stream_processors.metrics import BrokerReader
from tests.conftest import tansu_broker
from tests.support.enriched import live_offers, refs_of, versions
from tests.support.services import consume_all, service, wait_until

pytestmark = pytest.mark.slow


def envelopes(start: int, count: int) -> list[RawOfferEnvelope]:
    return sample_envelopes(start, count, seed=3, now=datetime.now(UTC))


def publish(bootstrap: str, items: list[RawOfferEnvelope | OfferRemoval]) -> None:
    publisher = OfferPublisher(bootstrap)
    for item in items:
        if isinstance(item, OfferRemoval):
            publisher.publish_removal(item)
        else:
            publisher.publish(item)
    publisher.flush()


@pytest.fixture
def private_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with tansu_broker(tmp_path_factory.mktemp("tansu-test")) as bootstrap:
        yield bootstrap


@pytest.fixture
def worker_env(private_broker: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    app_id = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:40]
    return {"KAFKA_BOOTSTRAP_SERVERS": private_broker, "JOBMARKET_DATA_DIR": str(tmp_path),
            "WORKER_APP_ID": app_id, "WORKER_BATCH_SIZE": "16"}


@pytest.fixture
def workers(worker_env: dict[str, str], tmp_path: Path) -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


def start_worker(stack: ExitStack, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return stack.enter_context(service(["worker"], env, log))


def where(bootstrap: str, refs: set[str], group: str) -> str:
    """Where the missing refs stopped: routed to the dedup topic? ever published, even if overwritten since?
    And how far the worker's group committed on the dedup topic (past them: skipped; short of them: stuck)."""
    commands = [m for m in consume_all(bootstrap, DEDUP.name) if m.value() is not None]
    routed = [(m.partition(), m.offset()) for m in commands if DedupCommand.model_validate_json(m.value()).ref in refs]
    published = [m.offset() for m in consume_all(bootstrap, ENRICHED_OFFERS.name)
                 if m.value() is not None and refs & set(Offer.model_validate_json(m.value()).source_refs)]
    reader = BrokerReader(bootstrap, timeout_s=5)
    try:
        committed = {p: o for (t, p), o in sorted(reader.committed(group).items()) if t == DEDUP.name}
    finally:
        reader.close()
    dead = [f"{d.stage}@{d.topic}/{d.partition}:{d.offset}: {d.error}"
            for d in (DeadLetter.model_validate_json(m.value()) for m in consume_all(bootstrap, DEAD_LETTERS.name)
                      if m.value() is not None)]
    return (f"dedup commands at {routed}, enriched records at offsets {published}, "
            f"committed on {DEDUP.name} {committed}, dead letters {dead}")


def log_story(*logs: Path) -> str:
    """The workers' batch and warning lines, to tell a skipped record from a stuck one."""
    keep = ("batch merged", "warning", "error", "Seek", "Assigned", "revoked")
    return "\n".join(f"{log.name}: {line}" for log in logs if log.exists()
                     for line in log.read_text(errors="replace").splitlines() if any(k in line for k in keep))


def test_kill_9_mid_stream_loses_nothing_and_duplicates_nothing(private_broker: str, worker_env: dict[str, str],
                                                                tmp_path: Path) -> None:
    # Enough that a fast, idle machine cannot merge them all between two polls before the kill.
    batch = envelopes(10_000, 400)
    publish(private_broker, list(batch))
    expected = {e.key for e in batch}
    with ExitStack() as stack:
        first = start_worker(stack, worker_env, tmp_path / "worker-1.log")
        # Kill as soon as part of the stream is through: mid-batch, with tables and offsets in flight.
        wait_until(lambda: len(refs_of(live_offers(private_broker))) >= 20, 120, interval=0.2,
                   what="first offers enriched")
        first.kill()
        first.wait()
        assert len(refs_of(live_offers(private_broker))) < len(expected), "killed too late to prove anything"
    with ExitStack() as stack:
        start_worker(stack, worker_env, tmp_path / "worker-2.log")
        try:
            wait_until(lambda: set(refs_of(live_offers(private_broker))) >= expected, 120, interval=1,
                       what="every offer enriched after the restart")
        except TimeoutError as exc:
            missing = expected - set(refs_of(live_offers(private_broker)))
            seen = where(private_broker, missing, worker_env["WORKER_APP_ID"])
            story = log_story(tmp_path / "worker-1.log", tmp_path / "worker-2.log")
            raise AssertionError(f"lost after kill -9: {sorted(missing)}; {seen}\n{story}") from exc
        time.sleep(2)  # anything late and doubled would show up now
        refs = refs_of(live_offers(private_broker))
    assert sorted(refs) == sorted(expected), "each published offer lives in exactly one canonical offer"


def test_tables_survive_a_restart_so_removals_reach_old_offers(private_broker: str, worker_env: dict[str, str],
                                                               tmp_path: Path) -> None:
    batch = envelopes(20_000, 12)
    publish(private_broker, list(batch))
    with ExitStack() as stack:
        start_worker(stack, worker_env, tmp_path / "worker-1.log")
        wait_until(lambda: {e.key for e in batch} <= set(refs_of(live_offers(private_broker))), 120,
                   what="offers enriched")
    # A fresh process: only the changelog-backed tables know which fingerprint each ref went to.
    gone = batch[:4]
    publish(private_broker, [OfferRemoval(source=e.source, source_id=e.source_id, removed_at=datetime.now(UTC))
                             for e in gone])
    with ExitStack() as stack:
        start_worker(stack, worker_env, tmp_path / "worker-2.log")
        wait_until(lambda: not {e.key for e in gone} & set(refs_of(live_offers(private_broker))), 120,
                   what="removed offers tombstoned")
        live = set(refs_of(live_offers(private_broker)))
    assert {e.key for e in batch[4:]} <= live
    # Every record, tombstones included, carries its version, and each id's last record carries its
    # highest: a consumer keeping the highest version ends where the topic does. (An unclean stop may
    # replay a batch against older table state and repeat earlier versions in the middle.)
    history = versions(private_broker)
    assert sum(offer is None for records in history.values() for _, offer in records) >= len(gone)
    for records in history.values():
        assert all(offer is None or offer.version == version for version, offer in records)
        assert records[-1][0] == max(v for v, _ in records), records
        assert records[0][0] >= int(batch[0].fetched_at.timestamp()) * 1_000_000


def test_two_workers_split_the_partitions(private_broker: str, worker_env: dict[str, str], tmp_path: Path) -> None:
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    batch = envelopes(30_000, 200)
    with ExitStack() as stack:
        for log in logs:
            start_worker(stack, worker_env, log)
        wait_until(lambda: all("Ready" in log.read_text(errors="replace") for log in logs), 120,
                   what="both workers ready")
        time.sleep(8)  # let the group settle on its final assignment
        publish(private_broker, list(batch))
        wait_until(lambda: {e.key for e in batch} <= set(refs_of(live_offers(private_broker))), 180,
                   what="every offer enriched")
    routed = [sum(int(n) for n in re.findall(r"batch routed\s.*?\brecords=(\d+)", log.read_text()))
              for log in logs]
    assert all(n > 0 for n in routed), f"one worker did no work: {routed}"
    assert sum(routed) >= len(batch)


def test_the_same_job_on_two_sources_is_one_offer(private_broker: str, worker_env: dict[str, str],
                                                  tmp_path: Path) -> None:
    base = generate_offers(1, seed=5, start_index=40_000)[0]
    ft = RawOfferEnvelope(source=Source.FRANCE_TRAVAIL, source_id="DUP0001", fetched_at=datetime.now(UTC),
                          payload={**base, "id": "DUP0001"})
    place = enrich(ft)  # Adzuna names places by name: city, département, région
    adzuna_payload = {
        "id": "9990001", "title": base["intitule"], "description": base["description"][:500],
        "created": base["dateCreation"], "company": {"display_name": base["entreprise"]["nom"]},
        "location": {"display_name": f"{place.city}, {place.departement_name}",
                     "area": ["France", place.region, place.departement_name, place.city]},
        "contract_type": "permanent", "redirect_url": "https://www.adzuna.fr/details/9990001",
    }
    az = RawOfferEnvelope(source=Source.ADZUNA, source_id="9990001", fetched_at=datetime.now(UTC),
                          payload=adzuna_payload)
    publish(private_broker, [ft, az])
    with ExitStack() as stack:
        start_worker(stack, worker_env, tmp_path / "worker.log")

        def merged() -> Offer | None:
            return next((o for o in live_offers(private_broker).values() if {ft.key, az.key} <= set(o.source_refs)),
                        None)

        offer = wait_until(merged, 120, what="one offer holding both source refs")
    assert offer.source_refs == sorted([ft.key, az.key])
    assert sum(ft.key in o.source_refs or az.key in o.source_refs for o in live_offers(private_broker).values()) == 1
