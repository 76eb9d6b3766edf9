"""The worker's batch logic without a broker: records and table values in, outputs and table writes out."""

from __future__ import annotations

import json
import random
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from core.kafka import to_bytes
from producers.sample import envelopes
from schemas.events import DedupCommand, Offer, OfferRemoval, RawOfferEnvelope, canonical_offer_id
from schemas.topics import DEDUP, RAW_OFFERS, REMOVALS
from stream_processors import batches, dedup, pipeline
from stream_processors.pipeline import RawRecord

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def record(topic: str, key: str, value: bytes, offset: int = 0) -> RawRecord:
    return RawRecord(topic=topic, partition=0, offset=offset, key=key.encode(), value=value)


def raw(envelope: RawOfferEnvelope) -> RawRecord:
    return record(RAW_OFFERS.name, envelope.key, to_bytes(envelope))


def removal(ref: str, at: datetime) -> RawRecord:
    source, source_id = ref.split(":", 1)
    return record(REMOVALS.name, ref, to_bytes(OfferRemoval(source=source, source_id=source_id,  # type: ignore[arg-type]
                                                            removed_at=at)))


def offer(ref: str, text: str = "same job", title: str = "Vendeur", fetched: datetime = T0) -> Offer:
    source, source_id = ref.split(":", 1)
    return Offer(id=canonical_offer_id(source, source_id), source=source, source_id=source_id,  # type: ignore[arg-type]
                 source_refs=[ref], title=title, city="Paris", description=text, fetched_at=fetched)


def upsert(o: Offer) -> DedupCommand:
    return DedupCommand(op="upsert", ref=o.source_refs[0], fingerprint=dedup.fingerprint(o), offer=o)


def remove(ref: str, fp: str, at: datetime | None = None) -> DedupCommand:
    return DedupCommand(op="remove", ref=ref, fingerprint=fp, event_time=at)


class FakeModel:
    """Fixed vectors: the same description gives the same vector, different ones are far apart."""

    model_id = "fake"
    salt = b""  # another model: other vectors for the same texts

    def __init__(self, fail_on: str | None = None) -> None:
        self.fail_on, self.calls = fail_on, 0

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        self.calls += 1
        if self.fail_on is not None and any(self.fail_on in t for t in texts):
            raise RuntimeError("the encoder choked")
        rows = []
        for t in texts:
            v = np.random.default_rng(zlib.crc32(self.salt + t.split("\n")[-1].encode())).normal(size=64)
            rows.append(v / np.linalg.norm(v))
        return np.array(rows, dtype=np.float32)


class NewModel(FakeModel):
    """Another model: other vectors for the same texts, the same ones for the same description."""

    model_id = "fake-v2"
    salt = b"v2:"


class Tables:
    """The worker's three tables as dicts, read and written the way app.py does."""

    def __init__(self, model: FakeModel | None = None) -> None:
        self.refs: dict[str, str] = {}
        self.clusters: dict[str, Any] = {}
        self.members: dict[str, Any] = {}
        self.model = model or FakeModel()

    def route(self, records: Sequence[RawRecord]) -> batches.Routed:
        routed = batches.route_batch(records, self.refs.get)
        for ref, (_, fp) in routed.writes.items():
            apply(self.refs, ref, fp)
        return routed

    def merge(self, commands: Sequence[DedupCommand | RawRecord]) -> batches.Merged:
        records = [c if isinstance(c, RawRecord) else record(DEDUP.name, c.fingerprint, to_bytes(c), i)
                   for i, c in enumerate(commands)]
        merged = batches.merge_batch(records, self.clusters.get, self.members.get, self.model.encode,
                                     self.model.model_id, 0.9)
        for fp, (i, state) in merged.cluster_writes.items():
            assert records[i].key == fp.encode()  # written from a record of its own fingerprint (partition)
            apply(self.clusters, fp, state)
        for key, (i, member) in merged.member_writes.items():
            assert key.startswith(records[i].key.decode() + "|")  # type: ignore[union-attr]
            apply(self.members, key, member)
        return merged


def apply(table: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        table.pop(key, None)
    else:
        table[key] = json.loads(json.dumps(value))  # what a changelog round trip keeps


def live(merged: batches.Merged) -> dict[str, Offer | None]:
    return {p.key: p.offer for p in merged.published}


def test_several_commands_for_one_fingerprint_in_one_batch_publish_each_cluster_once() -> None:
    tables = Tables()
    a1, b, a2 = offer("sample:a"), offer("sample:b"), offer("sample:a", fetched=T0 + timedelta(hours=1))
    c = offer("sample:c", text="another job")
    fp = dedup.fingerprint(a1)
    merged = tables.merge([upsert(a1), upsert(b), upsert(c), upsert(a2), remove("sample:b", fp)])
    assert merged.dead == [] and merged.embedded == 4
    published = live(merged)
    assert set(published) == {dedup.cluster_id("sample:a"), dedup.cluster_id("sample:c")}  # one record per cluster
    first = published[dedup.cluster_id("sample:a")]
    assert first is not None and first.source_refs == ["sample:a"] and first.fetched_at == a2.fetched_at
    assert list(tables.clusters) == [fp] and set(tables.members) == {f"{fp}|sample:a", f"{fp}|sample:c"}


def test_a_fingerprint_change_inside_a_batch_leaves_the_old_group() -> None:
    tables = Tables()
    first, renamed = envelopes(500, 1, seed=1, now=T0)[0], envelopes(500, 1, seed=1, now=T0 + timedelta(hours=1))[0]
    renamed.payload = {**renamed.payload, "intitule": "Chef de projet logistique (H/F)"}
    routed = tables.route([raw(first), raw(renamed)])
    assert [(c.op, c.moved) for c in routed.commands] == [("upsert", False), ("remove", True), ("upsert", True)]
    old_fp, new_fp = routed.commands[0].fingerprint, routed.commands[2].fingerprint
    assert old_fp != new_fp and routed.commands[1].fingerprint == old_fp
    assert routed.commands[1].event_time == renamed.fetched_at
    assert tables.refs == {first.key: new_fp}
    published = live(tables.merge(routed.commands))
    assert list(published) == [dedup.cluster_id(first.key)]  # one record, under the ref's id: no tombstone
    new = published[dedup.cluster_id(first.key)]
    assert new is not None and new.title.startswith("Chef de projet") and new.source_refs == [first.key]
    assert list(tables.clusters) == [new_fp]


def test_the_removal_of_an_unseen_ref_emits_and_writes_nothing() -> None:
    tables = Tables()
    routed = tables.route([removal("sample:never-seen", T0)])
    assert routed.commands == [] and routed.dead == [] and routed.writes == {}
    merged = tables.merge([remove("sample:never-seen", "vendeur||paris", T0)])
    assert merged.published == [] and merged.cluster_writes == {} and merged.member_writes == {}


def test_a_removal_routes_to_the_last_fingerprint_then_forgets_the_ref() -> None:
    tables = Tables()
    env = envelopes(600, 1, seed=1, now=T0)[0]
    fp = tables.route([raw(env)]).commands[0].fingerprint
    removed_at = T0 + timedelta(days=1)
    routed = tables.route([removal(env.key, removed_at)])
    assert routed.commands == [DedupCommand(op="remove", ref=env.key, fingerprint=fp, event_time=removed_at)]
    assert tables.refs == {}  # no state left behind for a gone offer


def test_dead_letters_mixed_with_good_records_cost_only_themselves(monkeypatch: pytest.MonkeyPatch) -> None:
    good = envelopes(700, 3, seed=1, now=T0)
    cursed = good[1].key
    real_enrich = pipeline.enrich

    def enrich(envelope: RawOfferEnvelope) -> Offer:
        if envelope.key == cursed:
            raise KeyError("a bug met an odd record")  # not an EnrichmentError: the old agent crashed here
        return real_enrich(envelope)

    monkeypatch.setattr(pipeline, "enrich", enrich)
    huge = b"x" * 3_000_000
    records = [record(RAW_OFFERS.name, "sample:junk", b"{not json"), *map(raw, good),
               record(RAW_OFFERS.name, "sample:huge", huge)]
    routed = Tables().route(records)
    assert [c.ref for c in routed.commands] == [good[0].key, good[2].key]
    by_key = {d.key: d for d in routed.dead}
    assert set(by_key) == {"sample:junk", cursed, "sample:huge"}
    assert by_key[cursed].stage == "enrich" and "KeyError" in by_key[cursed].error
    assert by_key[cursed].original == raw(good[1]).value
    big = by_key["sample:huge"]  # still recorded, and small enough for the dead-letter topic
    assert big.original_size == len(huge) and big.original_truncated and len(to_bytes(big)) < 1_000_000


def test_a_text_the_model_chokes_on_is_dead_lettered_alone() -> None:
    model = FakeModel(fail_on="BOOM")
    tables = Tables(model)
    ok1, bad, ok2 = offer("sample:1", "first job"), offer("sample:2", "BOOM"), offer("sample:3", "third job")
    garbage = record(DEDUP.name, "x", b"not a command", 9)
    merged = tables.merge([upsert(ok1), upsert(bad), garbage, upsert(ok2)])
    assert {p.offer.source_refs[0] for p in merged.published if p.offer} == {"sample:1", "sample:3"}
    assert sorted((d.stage, d.offset) for d in merged.dead) == [("dedup", 9), ("embed", 1)]
    assert DedupCommand.model_validate_json(merged.dead[-1].original).ref == "sample:2"
    assert model.calls == 4  # the batch once, then text by text
    assert not any(k.endswith("|sample:2") for k in tables.members)


def test_a_cluster_that_loses_its_last_member_is_tombstoned_and_its_state_deleted() -> None:
    tables = Tables()
    a, b = offer("sample:a"), offer("sample:b", fetched=T0 + timedelta(seconds=1))
    fp = dedup.fingerprint(a)
    tables.merge([upsert(a), upsert(b)])
    # the founder goes: its id is tombstoned, the rest is renamed after its smallest remaining ref
    founder_gone, kept = tables.merge([remove("sample:a", fp, T0)]).published
    assert founder_gone.key == dedup.cluster_id("sample:a") and founder_gone.offer is None
    assert kept.key == dedup.cluster_id("sample:b")
    assert kept.offer is not None and kept.offer.source_refs == ["sample:b"]
    gone_at = T0 + timedelta(days=2)
    [tombstone] = tables.merge([remove("sample:b", fp, gone_at)]).published
    assert tombstone == batches.Publish(dedup.cluster_id("sample:b"), None, dedup.micros(gone_at))
    assert tables.clusters == {} and tables.members == {}


def test_versions_follow_event_time_and_always_grow() -> None:
    tables = Tables()
    late, early = T0 + timedelta(hours=5), T0
    [first] = tables.merge([upsert(offer("sample:a", fetched=late))]).published
    assert first.version == dedup.micros(late) and first.offer is not None and first.offer.version == first.version
    # An older fetch (a replay, a slow source) still gets a higher version than what was published.
    [second] = tables.merge([upsert(offer("sample:a", fetched=early))]).published
    assert second.version == first.version + 1 == second.offer.version  # type: ignore[union-attr]
    fp = dedup.fingerprint(offer("sample:a"))
    assert tables.clusters[fp]["clusters"][0]["version"] == second.version
    [gone] = tables.merge([remove("sample:a", fp)]).published  # no event time: one past the last
    assert gone.version == second.version + 1


def test_two_thousand_offers_under_one_fingerprint_keep_every_stored_value_small() -> None:
    """A common title with no company: the state per key stays far below Kafka's 1 MB record limit."""
    tables = Tables()
    # Half reposts of one job (one big cluster), half distinct jobs (a cluster each).
    offers = [offer(f"sample:{i:05d}", "the same job" if i % 2 else f"job number {i}", title="Vendeur (H/F)")
              for i in range(2000)]
    fp = dedup.fingerprint(offers[0])
    largest = 0
    for start in range(0, len(offers), 64):
        merged = tables.merge([upsert(o) for o in offers[start:start + 64]])
        assert merged.dead == []
        written = [v for _, v in [*merged.cluster_writes.values(), *merged.member_writes.values()]]
        largest = max(largest, *(len(json.dumps(v)) for v in written))
    state = tables.clusters[fp]["clusters"]
    assert len(state) == 1001 and max(len(c["refs"]) for c in state) == 1000
    assert largest < 1_000_000 / 5, largest  # ~120 kB: refs, ids and versions only
    for start in range(0, len(offers), 64):
        assert tables.merge([remove(o.source_refs[0], fp) for o in offers[start:start + 64]]).dead == []
    assert tables.clusters == {} and tables.members == {}


# -- canonical ids do not follow title, company or city (issue 13) ---------------------------------------


class Views:
    """What two readers of the enriched topic hold: ``last`` applies records in the order they come (a
    reader that ignores versions), ``latest`` keeps the highest version per id (docs/consumers.md)."""

    def __init__(self) -> None:
        self.last: dict[str, Offer | None] = {}
        self.latest: dict[str, tuple[int, Offer | None]] = {}

    def apply(self, merged: batches.Merged) -> batches.Merged:
        for p in merged.published:
            self.last[p.key] = p.offer
            if p.key not in self.latest or p.version > self.latest[p.key][0]:
                self.latest[p.key] = (p.version, p.offer)
        return merged

    def live(self, by_version: bool = True) -> dict[str, tuple[str, list[str]]]:
        """id -> (title, source refs) of every live offer."""
        offers = {k: o for k, (_, o) in self.latest.items()} if by_version else self.last
        return {k: (o.title, o.source_refs) for k, o in offers.items() if o is not None}


def state_ids(tables: Tables) -> dict[str, list[str]]:
    """id -> refs of every cluster in the table, failing if two clusters share an id."""
    out: dict[str, list[str]] = {}
    for state in tables.clusters.values():
        for c in state["clusters"]:
            assert c["id"] not in out, f"two live clusters named {c['id']}"
            out[c["id"]] = c["refs"]
    return out


def merge_in_order(tables: Tables, views: Views, commands: Sequence[DedupCommand], order: str) -> None:
    """A retitle's two commands sit on two partitions: one batch, or either one first."""
    if order == "one batch":
        views.apply(tables.merge(commands))
        return
    for cmd in commands if order == "old group first" else reversed(commands):
        views.apply(tables.merge([cmd]))


ORDERS = ["one batch", "old group first", "new group first"]


def sample(ref: str, at: datetime, title: str = "Vendeur", text: str = "same job", **payload: Any
           ) -> RawOfferEnvelope:
    """A France Travail-shaped offer (not for Adzuna refs) whose embedding is set by ``text`` (FakeModel
    reads its last line)."""
    base = envelopes(800, 1, seed=3, now=T0)[0]
    source, source_id = ref.split(":", 1)
    return RawOfferEnvelope(source=source, source_id=source_id, fetched_at=at,  # type: ignore[arg-type]
                            payload={**base.payload, "id": source_id, "intitule": title, "description": text,
                                     **payload})


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("edit", ["title", "company", "city"])
def test_an_offer_edited_at_its_source_keeps_its_id(edit: str, order: str) -> None:
    tables, views = Tables(), Views()
    first = sample("sample:A", T0)
    views.apply(tables.merge(tables.route([raw(first)]).commands))
    [cid] = views.live()
    assert cid == dedup.cluster_id("sample:A")
    changes: dict[str, dict[str, Any]] = {
        "title": {"intitule": "Chef de rayon"}, "company": {"entreprise": {"nom": "Autre Enseigne"}},
        "city": {"lieuTravail": {"libelle": "75 - PARIS 11", "codePostal": "75011", "commune": "75111"}}}
    edited = sample("sample:A", T0 + timedelta(hours=1), **changes[edit])
    routed = tables.route([raw(edited)])
    assert [(c.op, c.moved) for c in routed.commands] == [("remove", True), ("upsert", True)]
    assert routed.commands[0].fingerprint != routed.commands[1].fingerprint
    merge_in_order(tables, views, routed.commands, order)
    [offer_] = [o for o in views.last.values() if o is not None]
    expected = {cid: (offer_.title, ["sample:A"])}
    assert views.live() == views.live(by_version=False) == expected  # both readers: one offer, same id
    assert offer_.fetched_at == edited.fetched_at and (edit != "title" or offer_.title == "Chef de rayon")
    assert state_ids(tables) == {cid: ["sample:A"]} and list(tables.clusters) == [routed.commands[1].fingerprint]


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("mover", ["france_travail:1", "france_travail:2"])
def test_a_retitle_that_splits_a_two_source_cluster_keeps_the_mover_its_id(mover: str, order: str) -> None:
    tables, views = Tables(), Views()
    ft, az = sample("france_travail:1", T0), sample("france_travail:2", T0 + timedelta(seconds=1))
    views.apply(tables.merge(tables.route([raw(ft), raw(az)]).commands))
    founder = dedup.cluster_id("france_travail:1")
    assert views.live() == {founder: ("Vendeur", ["france_travail:1", "france_travail:2"])}
    routed = tables.route([raw(sample(mover, T0 + timedelta(hours=1), title="Chef de rayon"))])
    merge_in_order(tables, views, routed.commands, order)
    stayer = next(r for r in ("france_travail:1", "france_travail:2") if r != mover)
    expected = {dedup.cluster_id(mover): ("Chef de rayon", [mover]),
                dedup.cluster_id(stayer): ("Vendeur", [stayer])}
    assert views.live() == views.live(by_version=False) == expected
    assert state_ids(tables) == {k: refs for k, (_, refs) in expected.items()}


@pytest.mark.parametrize("order", ORDERS)
def test_a_retitle_onto_an_existing_offer_merges_into_it_and_tombstones_the_carried_id(order: str) -> None:
    tables, views = Tables(), Views()
    views.apply(tables.merge(tables.route([raw(sample("sample:A", T0)),
                                           raw(sample("france_travail:Z", T0, title="Chef de rayon"))]).commands))
    assert set(views.live()) == {dedup.cluster_id("sample:A"), dedup.cluster_id("france_travail:Z")}
    routed = tables.route([raw(sample("sample:A", T0 + timedelta(hours=1), title="Chef de rayon"))])
    merge_in_order(tables, views, routed.commands, order)
    expected = {dedup.cluster_id("france_travail:Z"): ("Chef de rayon", ["france_travail:Z", "sample:A"])}
    assert views.live() == views.live(by_version=False) == expected
    assert views.last[dedup.cluster_id("sample:A")] is None
    assert state_ids(tables) == {k: refs for k, (_, refs) in expected.items()}


def test_replaying_a_merge_batch_changes_no_id_and_no_membership() -> None:
    tables, views = Tables(), Views()
    views.apply(tables.merge(tables.route([raw(sample("sample:A", T0)), raw(sample("sample:B", T0)),
                                           raw(sample("sample:C", T0, text="other job"))]).commands))
    later = T0 + timedelta(hours=1)
    routed = tables.route([raw(sample("sample:A", later, title="Chef de rayon")), raw(sample("sample:D", later)),
                           removal("sample:C", later)])
    first = views.apply(tables.merge(routed.commands))
    ids, members, live_before = state_ids(tables), dict(tables.members), views.live()
    again = views.apply(tables.merge(routed.commands))  # at-least-once: the same batch delivered twice
    assert state_ids(tables) == ids and tables.members == members
    assert views.live() == views.live(by_version=False) == live_before
    assert {p.key for p in again.published if p.offer is not None} <= {p.key for p in first.published}
    assert all(p.offer is not None for p in again.published)  # nothing tombstoned by the replay


def test_no_two_live_clusters_share_an_id_whatever_the_edits_and_the_partition_interleaving() -> None:
    """Random edits (title, content), removals and relistings of a few refs, routed in batches; the
    commands of each fingerprint are merged in their order but interleaved at random with the others
    (as partitions are). After each drain, the state and a versioned reader agree, ids are unique and
    each names one of its cluster's members."""
    rng = random.Random(13)
    tables, views = Tables(), Views()
    refs = [f"{src}:{i}" for i, src in enumerate(["sample", "api", "france_travail"] * 3)]
    titles, texts = ["Vendeur", "Chef de rayon", "Caissier"], ["same job", "other job"]
    clock = T0
    for _ in range(60):
        batch = []
        for ref in rng.sample(refs, rng.randint(1, 4)):
            clock += timedelta(seconds=1)
            if ref in tables.refs and rng.random() < 0.2:
                batch.append(removal(ref, clock))
            else:
                batch.append(raw(sample(ref, clock, title=rng.choice(titles), text=rng.choice(texts))))
        queues: dict[str, list[DedupCommand]] = {}
        for cmd in tables.route(batch).commands:
            queues.setdefault(cmd.fingerprint, []).append(cmd)
        while any(queues.values()):
            chunk = []
            for _ in range(rng.randint(1, 4)):
                if heads := [fp for fp, q in queues.items() if q]:
                    chunk.append(queues[rng.choice(heads)].pop(0))
            assert views.apply(tables.merge(chunk)).dead == []
        ids = state_ids(tables)
        assert all(cid in {dedup.cluster_id(r) for r in members} for cid, members in ids.items())
        assert sorted(r for members in ids.values() for r in members) == sorted(tables.refs)
        assert {k: refs_ for k, (_, refs_) in views.live().items()} == ids


def test_a_twin_arriving_after_a_model_change_still_joins_the_stored_offer() -> None:
    tables = Tables()
    a, b = offer("sample:a"), offer("adzuna:b")  # same title, company, city and text: one job on two sites
    fp = dedup.fingerprint(a)
    tables.merge([upsert(a)])
    tables.model = NewModel()  # the worker restarted with a new champion
    merged = tables.merge([upsert(b)])
    assert merged.dead == [] and merged.embedded == 2  # b, and a again with the new model
    published = live(merged)
    assert list(published) == [dedup.cluster_id("sample:a")]
    joined = published[dedup.cluster_id("sample:a")]
    assert joined is not None and joined.source_refs == ["adzuna:b", "sample:a"]
    assert {m["model"] for m in tables.members.values()} == {"fake-v2"}  # a is stored with its new vector
    again = tables.merge([upsert(offer("adzuna:b", fetched=T0 + timedelta(hours=1)))])
    assert again.embedded == 1  # a is not re-embedded a second time
    assert live(again)[dedup.cluster_id("sample:a")].source_refs == ["adzuna:b", "sample:a"]  # type: ignore[union-attr]
    assert set(tables.clusters) == {fp}


def test_a_stale_member_the_new_model_fails_on_sits_out_without_costing_the_batch() -> None:
    tables = Tables()
    tables.merge([upsert(offer("sample:a", text="poison"))])
    tables.model = NewModel()
    tables.model.fail_on = "poison"
    merged = tables.merge([upsert(offer("adzuna:b", text="other job"))])
    assert merged.dead == [] and merged.embedded == 2  # the stored member is no record of this batch
    assert set(live(merged)) == {dedup.cluster_id("adzuna:b")}
    assert tables.members[f"{dedup.fingerprint(offer('sample:a'))}|sample:a"]["model"] == "fake"  # left as it was


def test_offset_spans_name_each_partitions_runs_and_holes() -> None:
    recs = [RawRecord(topic="t", partition=p, offset=o, key=None, value=None)
            for p, o in [(0, 5), (0, 3), (0, 4), (1, 9), (0, 8), (1, 10), (0, 7)]]
    assert batches.offset_spans(recs) == {"t/0": "3-5,7-8", "t/1": "9-10"}
    assert batches.offset_spans([]) == {}
