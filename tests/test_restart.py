"""A restart of the real embedded stack (`jobmarket up`) finds everything as it was.

The embedded broker keeps topics in memory only; `jobmarket up` archives every record and the groups'
offsets (history/) and puts them back into the new broker before the services start. So after a stop and
a start on the same data directory the topics hold their records again, every service resumes where it
stopped (nothing is processed or embedded twice), and the worker still knows every offer: a removal of an
offer published before the restart is applied without the offer being published again. The warehouse
orders rows by version, not offset (issue 9, point 1), so an update after the restart lands too.

An offer edited at its source keeps its canonical id (issue 13): after the restart offer C, seen only
before it, is retitled (a new dedup fingerprint), and an Adzuna listing of offer D (same title, company,
city and text) arrives; C stays under its id with its new title everywhere (enriched topic, index,
warehouse), D becomes one offer holding both source refs, and nothing else is re-published.

Run 1 publishes a few sample offers and is stopped once the warehouse holds them; run 2 on the same data
directory (fresh ports: a broker that outlived run 1 could not answer in its place) publishes nothing of
its own. This test then publishes an update of offer A and a removal of offer B, both seen only before
the restart.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from core.broker import wait_for_port
from producers.publisher import OfferPublisher
from schemas.events import OfferRemoval, RawOfferEnvelope, Source
from schemas.topics import ENRICHED_OFFERS
from stream_processors import dedup
from stream_processors.enrichment import enrich
from tests.conftest import REPO, free_port
from tests.support.services import wait_until
from warehouse.duckdb import DuckDBWarehouse
from warehouse.settings import Backend, Settings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

SAMPLE_COUNT = 20  # enough offers that the two chosen ones sit past offset 2 of their partition
STOP_GRACE_S = 20.0
READY_TIMEOUT_S = 360.0  # two models to load and a dbt build on a loaded 2-core machine
# Variables of the caller's environment that would point the stack elsewhere than its own embedded parts.
FOREIGN_ENV = ("KAFKA_BOOTSTRAP_SERVERS", "QDRANT_URL", "WAREHOUSE", "WAREHOUSE_BACKEND", "WAREHOUSE_DUCKDB_PATH",
               "SNOWFLAKE_ACCOUNT", "FRANCE_TRAVAIL_CLIENT_ID", "FRANCE_TRAVAIL_CLIENT_SECRET", "ADZUNA_APP_ID",
               "ADZUNA_APP_KEY", "MLFLOW_TRACKING_URI")


@dataclass
class Stack:
    proc: subprocess.Popen[bytes]
    broker_port: int
    api_port: int
    log_path: Path

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.broker_port}"

    def tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def story(self, lines: int = 80) -> str:
        """The worker's own account (batches, warnings, recovery) and the supervisor's: what a stall needs
        to be understood, which the interleaved tail of every service's log hides."""
        keep = ("batch ", "never seen", "warning", "error", "Recovery]: Worker ready", "rebalanc", "Traceback",
                "system ")
        story = [line for line in self.log_path.read_text(errors="replace").splitlines()
                 if (" worker " in line or " system " in line) and any(k in line for k in keep)]
        return "\n".join(story[-lines:])


def _session_pids(sid: int) -> list[int]:
    """Processes of session ``sid``: the supervisor's children run in process groups of their own."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "(comm)": state ppid pgrp session ...
        if int(fields[3]) == sid:
            pids.append(int(entry.name))
    return pids


@contextmanager
def running_stack(data_dir: Path, name: str, sample_count: int) -> Iterator[Stack]:
    """`jobmarket up` in a session of its own; stopped with SIGTERM (SIGKILL after STOP_GRACE_S) on exit."""
    broker_port, api_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
    env.update({
        "JOBMARKET_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1",
        "BROKER_PORT": str(broker_port), "API_PORT": str(api_port), "WEB_PORT": str(free_port()),
        "WEB_API_URL": f"http://127.0.0.1:{api_port}", "WORKER_WEB_PORT": str(free_port()),
        "WAREHOUSE_BACKEND": "duckdb", "MLFLOW_PORT": str(free_port()),
        "PRODUCER_FOLLOW_INTERVAL_S": "3600",  # no follow-up sample offers while the test runs
        # dbt is not under test: a build takes ~2 min on a loaded 2-core machine and holds the warehouse
        # file meanwhile (the sink waits), so none at start, and the next one after the test.
        "WAREHOUSE_TRANSFORM_AT_START": "false", "WAREHOUSE_TRANSFORM_INTERVAL_S": "3600",
        "WAREHOUSE_TRANSFORM_AFTER_ROWS": "1000000",
        "WAREHOUSE_BATCH_TIMEOUT_MS": "300",
    })
    log_path = data_dir / f"{name}.log"
    with open(log_path, "wb") as log:
        # cwd: the data dir, so no .env of the checkout applies
        proc = subprocess.Popen([sys.executable, "-m", "jobmarket", "up", "--sample-count", str(sample_count)],
                                cwd=data_dir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    stack = Stack(proc, broker_port, api_port, log_path)
    try:
        wait_for_port("127.0.0.1", broker_port, timeout=60)
        yield stack
    finally:
        stop_stack(stack)


def stop_stack(stack: Stack) -> None:
    sid = stack.proc.pid
    if stack.proc.poll() is None:
        os.killpg(sid, signal.SIGTERM)
        try:
            stack.proc.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            os.killpg(sid, signal.SIGKILL)
            stack.proc.wait()
    # whatever the supervisor left behind (its children have process groups of their own)
    deadline = time.monotonic() + STOP_GRACE_S
    while (left := _session_pids(sid)) and time.monotonic() < deadline:
        for pid in left:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)


def warehouse(data_dir: Path) -> DuckDBWarehouse:
    # reads take the file's shared lock, between the sink's batches (a dbt build may hold it a while)
    return DuckDBWarehouse(Settings(data_dir=data_dir, backend=Backend.DUCKDB, lock_timeout_s=60))


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def canonical_rows(data_dir: Path) -> dict[str, dict[str, Any]]:
    wh = warehouse(data_dir)
    return {r["offer_id"]: {**r, "record": _json(r["record"])} for r in wh.table("raw", "enriched_offers")}


def raw_envelopes(data_dir: Path) -> dict[str, RawOfferEnvelope]:
    wh = warehouse(data_dir)
    rows = wh.query(f"select source, source_id, fetched_at, payload from {wh.relation('raw', 'raw_offers')} "
                    "where is_valid order by fetched_at")
    return {f"{r['source']}:{r['source_id']}": RawOfferEnvelope(
        source=Source(r["source"]), source_id=r["source_id"], fetched_at=r["fetched_at"].replace(tzinfo=UTC),
        payload=_json(r["payload"])) for r in rows}


def all_offers_loaded(data_dir: Path) -> bool:
    raw = raw_envelopes(data_dir)
    refs = {ref for row in canonical_rows(data_dir).values() if row["record"] for ref in row["record"]["source_refs"]}
    return len(raw) == SAMPLE_COUNT and set(raw) <= refs


def enriched_records(bootstrap: str) -> list[tuple[str, dict[str, Any] | None]]:
    """(key, value) of every record on the enriched topic so far (value None: a tombstone)."""
    topic = ENRICHED_OFFERS.name
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"restart-test-{uuid.uuid4().hex[:6]}",
                         "enable.auto.commit": False})
    try:
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(ENRICHED_OFFERS.partitions)])
        out: list[tuple[str, dict[str, Any] | None]] = []
        idle_until = time.monotonic() + 3
        while time.monotonic() < idle_until:
            for m in consumer.consume(100, timeout=0.5):
                if m.error() is None:
                    key, value = m.key(), m.value()
                    out.append(((key or b"").decode(), json.loads(value) if value is not None else None))
                    idle_until = time.monotonic() + 1
        return out
    finally:
        consumer.close()


def _multiset(records: list[tuple[str, dict[str, Any] | None]]) -> Counter[tuple[str, str]]:
    return Counter((k, json.dumps(v, sort_keys=True)) for k, v in records)


def last_per_key(records: list[tuple[str, dict[str, Any] | None]]) -> dict[str, dict[str, Any] | None]:
    """What a reader of the compacted topic holds: the last record of each key (None: removed)."""
    return dict(records)


def adzuna_twin(envelope: RawOfferEnvelope, source_id: str) -> RawOfferEnvelope:
    """The same job as a France Travail-shaped ``envelope``, listed on Adzuna: same title, company, city and
    text (Adzuna names places by name; the skills are spelled out so its text-only extraction finds them)."""
    base, place = envelope.payload, enrich(envelope)
    payload = {"id": source_id, "title": base["intitule"],
               "description": f"{base['description']}\nCompétences : {', '.join(place.skills)}.",
               "created": base["dateCreation"], "company": {"display_name": base["entreprise"]["nom"]},
               "location": {"display_name": f"{place.city}, {place.departement_name}",
                            "area": ["France", place.region, place.departement_name, place.city]},
               "contract_type": "permanent", "redirect_url": f"https://www.adzuna.fr/details/{source_id}"}
    return RawOfferEnvelope(source=Source.ADZUNA, source_id=source_id, fetched_at=datetime.now(UTC), payload=payload)


def twin_likeness(envelope: RawOfferEnvelope) -> float:
    """How alike an offer and its Adzuna twin embed, as far as the text can say without the model: the
    skills each source's parser finds (France Travail lists some the text never names). 0 when the twin's
    dedup fingerprint differs."""
    try:
        ft, az = enrich(envelope), enrich(adzuna_twin(envelope, "0"))
    except Exception:
        return 0.0
    if dedup.fingerprint(ft) != dedup.fingerprint(az):
        return 0.0
    a, b = {x.lower() for x in ft.skills}, {x.lower() for x in az.skills}
    return len(a & b) / len(a | b) if a | b else 1.0


def api_offer(stack: Stack, offer_id: str) -> dict[str, Any] | None:
    """The offer the API serves (from its index) by canonical id or source ref; None when it has none."""
    resp = httpx.get(f"http://127.0.0.1:{stack.api_port}/api/offres/{offer_id}", timeout=10)
    if resp.status_code == 404:
        return None
    resp.raise_for_status()
    offer: dict[str, Any] = resp.json()["offer"]
    return offer


def test_a_restart_keeps_the_history_and_later_changes_reach_the_warehouse(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()

    # -- run 1: the sample offers reach the warehouse ---------------------------------------------------------
    with running_stack(data_dir, "run1", SAMPLE_COUNT) as stack:
        try:
            wait_until(lambda: all_offers_loaded(data_dir), READY_TIMEOUT_S, interval=2,
                       what=f"{SAMPLE_COUNT} sample offers in the warehouse")
        except TimeoutError as exc:
            raise AssertionError(f"run 1 never loaded the offers: {exc}\n{stack.tail()}") from exc
        run1_enriched = enriched_records(stack.bootstrap)
    before = canonical_rows(data_dir)
    envelopes = raw_envelopes(data_dir)
    # offers of one source each, those furthest in their partitions: the records published after the
    # restart land at lower offsets (a rule gated on offsets drops them)
    single = sorted((r for r in before.values() if len(r["record"]["source_refs"]) == 1 and not r["is_removed"]),
                    key=lambda r: r["kafka_offset"], reverse=True)
    assert len(single) >= 4, before
    # D: the offer whose Adzuna twin is surely the same job for the embedding check too (see twin_likeness)
    d = max(single, key=lambda r: (twin_likeness(envelopes[r["record"]["source_refs"][0]]), r["offer_id"]))
    d_ref = d["record"]["source_refs"][0]
    assert twin_likeness(envelopes[d_ref]) >= 0.8, "no sample offer has a recognisable Adzuna twin"
    a, b, c = [r for r in single if r is not d][:3]
    a_ref, b_ref, c_ref = (r["record"]["source_refs"][0] for r in (a, b, c))
    ids = {"A": a["offer_id"], "B": b["offer_id"], "C": c["offer_id"], "D": d["offer_id"]}

    # -- run 2, same data directory: an update of A, B seen again then withdrawn, C retitled, D on Adzuna ----
    tag = uuid.uuid4().hex[:8]
    marker = f"Mise à jour après redémarrage {tag}."
    old_a = envelopes[a_ref]
    update = old_a.model_copy(update={"fetched_at": datetime.now(UTC),
                                      "payload": {**old_a.payload,
                                                  "description": f"{old_a.payload['description']}\n{marker}"}})
    old_c = envelopes[c_ref]
    old_title, new_title = c["record"]["title"], f"Coordinateur de projet {tag}"  # a title no offer has
    retitle = old_c.model_copy(update={"fetched_at": datetime.now(UTC),
                                       "payload": {**old_c.payload, "intitule": new_title}})
    az = adzuna_twin(envelopes[d_ref], str(uuid.uuid4().int % 10**10))
    with running_stack(data_dir, "run2", 0) as stack:
        def latest() -> dict[str, dict[str, Any] | None]:
            return last_per_key(enriched_records(stack.bootstrap))

        try:
            # the history is back before anything is published: run 1's enriched records, as they were
            wait_until(lambda: len(enriched_records(stack.bootstrap)) >= len(run1_enriched), 120, interval=1,
                       what="run 1's enriched records back on the new broker")
        except TimeoutError as exc:
            raise AssertionError(f"{exc}\n{stack.tail()}") from exc
        assert _multiset(enriched_records(stack.bootstrap)) == _multiset(run1_enriched)
        with OfferPublisher(stack.bootstrap) as publisher:
            publisher.publish(update)
            # B is not published again: the worker's memory of it came back with the history
            publisher.publish_removal(OfferRemoval(source=Source.SAMPLE, source_id=b["record"]["source_id"],
                                                   removed_at=datetime.now(UTC)))
            publisher.publish(retitle)
            publisher.publish(az)

        def published() -> bool:
            now = latest()
            new_a, new_c, new_d = (now.get(ids[k]) for k in "ACD")
            return (ids["B"] in now and now[ids["B"]] is None
                    and new_a is not None and marker in new_a["description"]
                    and new_c is not None and new_c["title"] == new_title
                    and new_d is not None and az.key in new_d["source_refs"])

        try:
            wait_until(published, READY_TIMEOUT_S, interval=1,
                       what="A's update, B's tombstone, C's new title and D's Adzuna twin on the enriched topic")
        except TimeoutError as exc:
            raise AssertionError(f"the worker did not publish them: {exc}\n{latest()}\n{stack.story()}") from exc
        time.sleep(3)  # anything else the worker would (wrongly) re-process shows up by now
        new_records = _multiset(enriched_records(stack.bootstrap)) - _multiset(run1_enriched)
        # nothing of run 1 re-processed or re-embedded: new records are only about A, B, C and D (at least
        # once: a batch the worker retries after a slow rebalance may repeat one with a higher version); C's
        # id is never tombstoned on the way, and no id is made for it or for D's twin
        assert {k for k, _ in new_records} == set(ids.values()), new_records
        assert all(json.loads(v) is not None for k, v in new_records if k == ids["C"]), new_records
        live = {k: v for k, v in latest().items() if v is not None}
        assert live[ids["C"]]["source_refs"] == [c_ref] and live[ids["D"]]["source_refs"] == sorted([d_ref, az.key])
        assert [k for k, v in live.items() if c_ref in v["source_refs"]] == [ids["C"]]  # the old title: nowhere
        assert [k for k, v in live.items() if az.key in v["source_refs"]] == [ids["D"]]

        # the API's index: C under its id with its new title, D's twin found under D's id
        def indexed() -> bool:
            by_id, by_ref, twin = api_offer(stack, ids["C"]), api_offer(stack, c_ref), api_offer(stack, az.key)
            return (by_id is not None and by_id["title"] == new_title and by_ref is not None
                    and by_ref["id"] == ids["C"] and twin is not None and twin["id"] == ids["D"])

        try:
            wait_until(indexed, READY_TIMEOUT_S, interval=1, what="the API to serve C and D as they are now")
        except TimeoutError as exc:
            raise AssertionError(f"{exc}\n{stack.tail()}") from exc
        found = httpx.post(f"http://127.0.0.1:{stack.api_port}/api/offres/search",
                           json={"keywords": old_title, "size": 50}, timeout=30).raise_for_status().json()["items"]
        assert not [i["offer"]["id"] for i in found if c_ref in i["offer"]["source_refs"]
                    and (i["offer"]["id"] != ids["C"] or i["offer"]["title"] == old_title)], found

        def applied() -> bool:
            rows = canonical_rows(data_dir)
            return (marker in rows[ids["A"]]["record"]["description"] and rows[ids["B"]]["is_removed"]
                    and rows[ids["C"]]["record"]["title"] == new_title
                    and az.key in rows[ids["D"]]["record"]["source_refs"])

        with suppress(TimeoutError):  # the assertions below say what is missing
            wait_until(applied, 60, interval=1, what="the warehouse to apply them")

    after = canonical_rows(data_dir)
    new_a, new_b = after[ids["A"]], after[ids["B"]]
    lineage = {k: (before[k]["kafka_offset"], after[k]["kafka_offset"], after[k].get("version"))
               for k in ids.values()}
    assert marker in new_a["record"]["description"], f"update lost (offset before, after, version): {lineage}"
    assert not new_a["is_removed"]
    assert new_b["is_removed"], f"removal lost (offset before, after, version): {lineage}"
    assert new_b["record"]["source_refs"] == [b_ref]  # the removed row keeps its last record
    # C keeps its id, with its new title; D holds both sources; no other live row holds their refs
    new_c, new_d = after[ids["C"]], after[ids["D"]]
    assert new_c["record"]["title"] == new_title and not new_c["is_removed"], lineage
    assert new_d["record"]["source_refs"] == sorted([d_ref, az.key]) and not new_d["is_removed"], lineage
    live_rows = {k: r["record"] for k, r in after.items() if not r["is_removed"] and r["record"]}
    assert [k for k, r in live_rows.items() if c_ref in r["source_refs"]] == [ids["C"]]
    assert [k for k, r in live_rows.items() if az.key in r["source_refs"]] == [ids["D"]]
    # every other offer is as it was
    others = set(before) - set(ids.values())
    assert set(after) == set(before)  # no new id anywhere
    assert {k: after[k]["record_hash"] for k in others} == {k: before[k]["record_hash"] for k in others}
