"""The API's indexer: poison records dead-lettered, transient index errors retried, nothing lost."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from confluent_kafka import Consumer, Message, TopicPartition

from core.kafka import make_producer, to_bytes
from schemas.events import DeadLetter, Embedding, Offer, Source, canonical_offer_id
from schemas.topics import DEAD_LETTERS, ENRICHED_OFFERS
from tests.support.services import wait_until
from vector_index.base import OfferFilters, ScoredOffer
from vector_index.edge import EdgeIndex
from vector_index.indexer import ERRORS_KEPT, Indexer, IndexerStats, IndexWriter, drop_stale, plan_batch

DIM = 8
RNG = np.random.default_rng(7)


def offer(source_id: str, dim: int = DIM, **fields: object) -> Offer:
    v = RNG.normal(size=dim)
    data: dict[str, object] = {
        "id": canonical_offer_id("sample", source_id), "source": Source.SAMPLE, "source_id": source_id,
        "source_refs": [f"sample:{source_id}"], "title": f"offre {source_id}", "fetched_at": "2026-11-01T00:00:00Z",
        "embedding": Embedding(model="test", dim=dim, values=(v / np.linalg.norm(v)).tolist()), **fields}
    return Offer.model_validate(data)


def msg(key: str | bytes | None, value: Offer | bytes | None, offset: int = 0) -> Message:
    k = key.encode() if isinstance(key, str) else key
    v = to_bytes(value) if isinstance(value, Offer) else value
    return Message(topic=ENRICHED_OFFERS.name, partition=0, offset=offset, key=k, value=v)


class FlakyIndex:
    """The real edge index behind a wrapper: the first ``fail_first`` writes raise ``exc``, and writes
    touching a ``refused`` id always raise ValueError (what the index does with a record it rejects)."""

    def __init__(self, inner: EdgeIndex, fail_first: int = 0, exc: type[Exception] = TimeoutError,
                 refused: frozenset[str] = frozenset()) -> None:
        self.inner, self.dim = inner, inner.dim
        self.fail_left, self.exc, self.refused = fail_first, exc, refused
        self.calls = 0

    def _maybe_fail(self, ids: list[str]) -> None:
        self.calls += 1
        if self.fail_left > 0:
            self.fail_left -= 1
            raise self.exc("index timed out")
        if self.refused & set(ids):
            raise ValueError("bad point")

    def upsert(self, offers: list[Offer]) -> None:
        self._maybe_fail([o.id for o in offers])
        self.inner.upsert(offers)

    def delete(self, offer_ids: list[str]) -> None:
        self._maybe_fail(offer_ids)
        self.inner.delete(offer_ids)

    def count(self) -> int:
        return self.inner.count()

    def get(self, offer_id: str) -> Offer | None:
        return self.inner.get(offer_id)

    def get_by_ref(self, ref: str) -> Offer | None:
        return self.inner.get_by_ref(ref)

    def search(self, vector: npt.NDArray[np.float32], limit: int,
               filters: OfferFilters | None = None) -> list[ScoredOffer]:
        return self.inner.search(vector, limit, filters)

    def optimize(self) -> None:
        self.inner.optimize()

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[EdgeIndex]:
    index = EdgeIndex(tmp_path / "idx", DIM)
    yield index
    index.close()


def test_plan_rejects_each_kind_of_poison_with_a_reason_and_keeps_the_rest() -> None:
    good, gone = offer("G1"), offer("G2")
    batch = [
        msg(good.id, good, 0),
        msg("not-a-uuid", offer("X1", id="not-a-uuid"), 1),
        msg(b"k", b"\x00\xffgarbage", 2),
        msg(offer("X2").id, offer("X2", dim=DIM + 1), 3),
        msg(offer("X3").id, offer("X3", embedding=None), 4),
        msg("also-not-a-uuid", None, 5),
        msg(gone.id, None, 6),
    ]
    plan = plan_batch(batch, DIM)
    assert [o.id for o in plan.upserts] == [good.id]
    assert plan.deletes == [gone.id]
    reasons = {r.msg.offset(): r.reason for r in plan.rejected}
    assert set(reasons) == {1, 2, 3, 4, 5}
    assert "not a uuid" in reasons[1] and "undecodable" in reasons[2] and "the index takes 8" in reasons[3]
    assert "no embedding" in reasons[4] and "tombstone" in reasons[5]


def test_transient_index_errors_are_retried_and_nothing_is_lost(edge: EdgeIndex) -> None:
    flaky = FlakyIndex(edge, fail_first=3)
    stats = IndexerStats()
    offers = [offer(f"T{i}") for i in range(5)]
    plan = plan_batch([msg(o.id, o, i) for i, o in enumerate(offers)], DIM)
    refused = IndexWriter(flaky, stats, threading.Event(), max_outage_s=30, max_wait_s=0.05).apply(plan)
    assert refused == []
    assert stats.retries == 3 and stats.failing_since is None
    assert edge.count() == 5


def test_a_record_the_index_refuses_is_isolated_and_the_others_written(edge: EdgeIndex) -> None:
    offers = [offer(f"R{i}") for i in range(4)]
    flaky = FlakyIndex(edge, refused=frozenset({offers[2].id}))
    plan = plan_batch([msg(o.id, o, i) for i, o in enumerate(offers)], DIM)
    refused = IndexWriter(flaky, IndexerStats(), threading.Event(), max_outage_s=5).apply(plan)
    assert [(r.msg.offset(), "bad point" in r.reason) for r in refused] == [(2, True)]
    assert edge.count() == 3 and edge.get(offers[2].id) is None


def test_an_index_that_stays_down_makes_the_writer_give_up(edge: EdgeIndex) -> None:
    flaky = FlakyIndex(edge, fail_first=10**6, exc=ConnectionError)
    plan = plan_batch([msg(offer("D").id, offer("D"))], DIM)
    start = time.monotonic()
    with pytest.raises(ConnectionError):
        IndexWriter(flaky, IndexerStats(), threading.Event(), max_outage_s=0.5, max_wait_s=0.05).apply(plan)
    assert time.monotonic() - start < 5 and flaky.calls > 1


def test_error_history_is_bounded() -> None:
    stats = IndexerStats()
    for i in range(10 * ERRORS_KEPT):
        stats.record_error(f"error {i}")
    assert len(stats.errors) == ERRORS_KEPT and stats.error_count == 10 * ERRORS_KEPT
    assert stats.errors[-1] == f"error {10 * ERRORS_KEPT - 1}"


# --- against a real broker (Tansu) and the real edge index ---------------------------------------


def produce(bootstrap: str, records: list[tuple[bytes | None, bytes | None]]) -> None:
    producer = make_producer(bootstrap)
    for key, value in records:
        producer.produce(ENRICHED_OFFERS.name, key=key, value=value)
    assert producer.flush(10) == 0


def dead_letters(bootstrap: str, keys: set[str], timeout: float = 30) -> dict[str, DeadLetter]:
    """The index stage's dead letters for ``keys``, read from the start until all are there."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "dlq-reader", "enable.auto.commit": False})
    consumer.assign([TopicPartition(DEAD_LETTERS.name, 0, -2)])
    found: dict[str, DeadLetter] = {}
    deadline = time.monotonic() + timeout
    try:
        while keys - set(found) and time.monotonic() < deadline:
            m = consumer.poll(0.5)
            value = None if m is None or m.error() is not None else m.value()
            if value is None:
                continue
            dead = DeadLetter.model_validate_json(value)
            if dead.stage == "index" and dead.key in keys:
                found[dead.key] = dead
    finally:
        consumer.close()
    return found


@pytest.mark.slow
def test_poison_records_go_to_the_dlq_and_the_next_good_ones_are_indexed(private_broker: str, edge: EdgeIndex) -> None:
    first, after = offer("P-good-1"), offer("P-good-2")
    bad_id = offer("P-bad-id", id="P-not-a-uuid")
    wrong_dim = offer("P-wrong-dim", dim=DIM * 2)
    produce(private_broker, [
        (first.id.encode(), to_bytes(first)),
        (b"P-not-a-uuid", to_bytes(bad_id)),
        (b"P-garbage", b"\x00\x01 not json"),
        (wrong_dim.id.encode(), to_bytes(wrong_dim)),
        (after.id.encode(), to_bytes(after)),
    ])
    indexer = Indexer(edge, private_broker, "test-poison", max_outage_s=5)
    indexer.start()
    try:
        wait_until(lambda: edge.get(first.id) and edge.get(after.id), 30, 0.2, "good offers indexed")
        dead = dead_letters(private_broker, {"P-not-a-uuid", "P-garbage", wrong_dim.id})
    finally:
        indexer.stop()
    assert set(dead) == {"P-not-a-uuid", "P-garbage", wrong_dim.id}
    assert "not a uuid" in dead["P-not-a-uuid"].error
    assert "undecodable" in dead["P-garbage"].error and dead["P-garbage"].original == b"\x00\x01 not json"
    assert "the index takes 8" in dead[wrong_dim.id].error
    assert all(d.topic == ENRICHED_OFFERS.name and d.offset is not None for d in dead.values())
    assert indexer.failure is None and indexer.stats.dead_lettered >= 3


@pytest.mark.slow
def test_a_flaky_index_loses_nothing_and_the_indexer_keeps_running(private_broker: str, edge: EdgeIndex) -> None:
    offers = [offer(f"F{i}") for i in range(20)]
    produce(private_broker, [(o.id.encode(), to_bytes(o)) for o in offers])
    flaky = FlakyIndex(edge, fail_first=3, exc=ConnectionError)
    indexer = Indexer(flaky, private_broker, "test-flaky", max_outage_s=30, retry_max_wait_s=0.05)
    indexer.start()
    try:
        wait_until(lambda: all(edge.get(o.id) for o in offers), 30, 0.2, "every offer indexed")
        assert indexer.alive and indexer.state == "running"
    finally:
        indexer.stop()
    assert indexer.stats.retries >= 3 and indexer.failure is None


# -- ordering by version ----------------------------------------------------------------------------------------
def versioned(key: str, value: Offer | None, version: int, offset: int) -> Message:
    v = to_bytes(value) if value is not None else None
    return Message(topic=ENRICHED_OFFERS.name, partition=0, offset=offset, key=key.encode(), value=v,
                   headers=[("version", str(version).encode())])


def test_within_a_batch_the_highest_version_wins_not_the_last_read() -> None:
    new = offer("V1", title="titre corrigé", version=20)
    old = new.model_copy(update={"title": "ancien titre", "version": 10})
    plan = plan_batch([versioned(new.id, new, 20, 0), versioned(old.id, old, 10, 1)], DIM)
    assert [o.title for o in plan.upserts] == ["titre corrigé"] and plan.versions[new.id] == 20
    # A tombstone older than the upsert read before it does not delete it; a newer one does.
    assert plan_batch([versioned(new.id, new, 20, 0), versioned(new.id, None, 15, 1)], DIM).deletes == []
    assert plan_batch([versioned(new.id, new, 20, 0), versioned(new.id, None, 25, 1)], DIM).deletes == [new.id]


def test_writes_older_than_the_indexed_state_are_dropped(edge: EdgeIndex) -> None:
    indexed = offer("V2", title="état courant", version=30)
    edge.upsert([indexed])
    late = indexed.model_copy(update={"title": "état périmé", "version": 12})
    redelivered = offer("V3", version=5)
    edge.upsert([redelivered])
    plan = plan_batch([versioned(late.id, late, 12, 0), versioned(redelivered.id, redelivered, 5, 1),
                       versioned(canonical_offer_id("sample", "V4"), None, 3, 2)], DIM)
    stored = {pid: o.version for pid, o in edge.get_many(list(plan.versions)).items()}
    assert drop_stale(plan, {**stored, canonical_offer_id("sample", "V4"): 9}) == 2
    assert [o.id for o in plan.upserts] == [redelivered.id]  # an equal version is a redelivery: re-applied
    assert plan.deletes == [] and set(plan.sources) == {redelivered.id}
