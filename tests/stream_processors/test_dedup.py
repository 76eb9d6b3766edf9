from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from schemas.events import Offer, canonical_offer_id
from stream_processors import dedup

T0 = datetime(2026, 10, 1, tzinfo=UTC)
T1 = datetime(2026, 10, 5, tzinfo=UTC)


def offer(source: str, source_id: str, title: str = "Développeur Python", company: str | None = "Acme SAS",
          city: str | None = "Lyon", updated: datetime = T0, **fields: object) -> Offer:
    return Offer(id=canonical_offer_id(source, source_id), source=source, source_id=source_id,  # type: ignore[arg-type]
                 source_refs=[f"{source}:{source_id}"], title=title, company=company, city=city,
                 updated_at=updated, fetched_at=updated, **fields)  # type: ignore[arg-type]


def unit(*values: float) -> npt.NDArray[np.float32]:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


class Store:
    """Both tables as one dict, written the way the worker writes them."""

    def __init__(self) -> None:
        self.data: dict[str, object] = {}

    def get(self, key: str) -> dict[str, object] | None:
        value = self.data.get(key)
        return value if isinstance(value, dict) else None

    def group(self, fp: str) -> dedup.Group:
        return dedup.Group(fp, self.get(fp), self.get, "m", 0.9)

    def finish(self, group: dedup.Group) -> list[dedup.Change]:
        changes, state, members = group.finish()
        for key, value in [(group.fp, state), *members.items()]:
            if value is None:
                self.data.pop(key, None)
            else:
                self.data[key] = value
        assert all(isinstance(c, dedup.Change) for c in changes)
        return [c for c in changes if isinstance(c, dedup.Change)]


def test_fingerprint_ignores_case_accents_legal_forms_and_arrondissements() -> None:
    a = offer("france_travail", "1", title="Développeur PYTHON", company="ACME SAS", city="Lyon 7e Arrondissement")
    b = offer("adzuna", "2", title="developpeur python", company="Acme", city="LYON")
    assert dedup.fingerprint(a) == dedup.fingerprint(b)
    assert dedup.fingerprint(a) != dedup.fingerprint(offer("adzuna", "3", city="Paris"))


def test_same_fingerprint_and_similar_embedding_merge_keeping_fresher_data() -> None:
    ft = offer("france_travail", "1", updated=T0, salary_min=32000.0, contract_type="CDI")
    az = offer("adzuna", "9", updated=T1, description="fresher text")
    fp, store = dedup.fingerprint(ft), Store()
    g = store.group(fp)
    g.upsert(ft, unit(1, 0, 0), dedup.micros(T0), 0)
    [first] = store.finish(g)
    g = store.group(fp)
    g.upsert(az, unit(0.99, 0.1, 0), dedup.micros(T1), 1)
    [second] = store.finish(g)
    assert len(store.data[fp]["clusters"]) == 1  # type: ignore[index]
    assert first.cluster_id == second.cluster_id == dedup.cluster_id("france_travail:1")  # named by its founder
    merged = second.offer
    assert merged is not None
    assert merged.source_refs == ["adzuna:9", "france_travail:1"]
    assert merged.description == "fresher text"  # the fresher member wins...
    assert merged.salary_min == 32000.0 and merged.contract_type == "CDI"  # ...gaps are filled from the other
    assert merged.embedding is not None and merged.embedding.dim == 3


def test_same_fingerprint_but_different_content_stays_apart() -> None:
    a, b = offer("france_travail", "1", company=None), offer("france_travail", "2", company=None)
    fp, store = dedup.fingerprint(a), Store()
    g = store.group(fp)
    g.upsert(a, unit(1, 0, 0), 1, 0)
    g.upsert(b, unit(0, 1, 0), 1, 1)
    changes = store.finish(g)
    assert len(store.data[fp]["clusters"]) == 2  # type: ignore[index]
    assert [c.cluster_id for c in changes] == [dedup.cluster_id("france_travail:1"),
                                               dedup.cluster_id("france_travail:2")]


def test_a_member_that_drifts_away_leaves_its_cluster() -> None:
    a, b = offer("adzuna", "1"), offer("adzuna", "2")
    fp, store = dedup.fingerprint(a), Store()
    g = store.group(fp)
    g.upsert(a, unit(1, 0), 1, 0)
    g.upsert(b, unit(1, 0.01), 1, 1)
    store.finish(g)
    g = store.group(fp)
    g.upsert(b, unit(0, 1), 2, 2)
    changes = store.finish(g)
    by_id = {c.cluster_id: c.offer.source_refs for c in changes if c.offer is not None}
    assert by_id == {dedup.cluster_id("adzuna:1"): ["adzuna:1"], dedup.cluster_id("adzuna:2"): ["adzuna:2"]}
    assert all(c.offer is not None for c in changes)  # no id lost on the way


def test_replaying_an_upsert_changes_nothing_but_the_version() -> None:
    a = offer("adzuna", "1")
    fp, store = dedup.fingerprint(a), Store()
    g = store.group(fp)
    g.upsert(a, unit(1, 0), 5, 0)
    [change] = store.finish(g)
    before = dict(store.data)
    g = store.group(fp)
    g.upsert(a, unit(1, 0), 5, 0)
    [again] = store.finish(g)
    assert again.cluster_id == change.cluster_id and again.version == change.version + 1
    assert store.data[fp]["clusters"][0]["refs"] == before[fp]["clusters"][0]["refs"]  # type: ignore[index]


def test_removal_republishes_the_rest_then_tombstones_the_last_and_deletes_its_state() -> None:
    a, b = offer("france_travail", "1"), offer("adzuna", "2", updated=T1)
    fp, store = dedup.fingerprint(a), Store()
    g = store.group(fp)
    g.upsert(a, unit(1, 0), dedup.micros(T0), 0)
    g.upsert(b, unit(1, 0.01), dedup.micros(T1), 1)
    store.finish(g)
    g = store.group(fp)
    g.remove("adzuna:2", 0, 2)
    [change] = store.finish(g)
    assert change.offer is not None and change.offer.source_refs == ["france_travail:1"]
    assert change.version == dedup.micros(T1) + 1 == change.offer.version  # never below the last one
    g = store.group(fp)
    g.remove("france_travail:1", dedup.micros(T1) + 10, 3)
    assert store.finish(g) == [dedup.Change(dedup.cluster_id("france_travail:1"), None, dedup.micros(T1) + 10)]
    assert store.data == {}  # the fingerprint's state and every member are deleted
    g = store.group(fp)
    g.remove("france_travail:1", 0, 4)  # a replayed removal emits nothing, writes nothing
    assert not g.changed and g.finish() == ([], None, {})


def test_input_state_is_not_mutated() -> None:
    a, b = offer("adzuna", "1"), offer("adzuna", "2")
    fp, store = dedup.fingerprint(a), Store()
    g = store.group(fp)
    g.upsert(a, unit(1, 0), 1, 0)
    store.finish(g)
    snapshot = repr(store.data)
    g = store.group(fp)
    g.upsert(b, unit(1, 0), 2, 1)
    g.remove("adzuna:1", 3, 2)
    g.finish()
    assert repr(store.data) == snapshot


def test_micros_counts_microseconds_since_the_epoch() -> None:
    assert dedup.micros(datetime(1970, 1, 1, 0, 0, 1, 5, tzinfo=UTC)) == 1_000_005
    assert dedup.micros(datetime(1970, 1, 1, 0, 0, 1, 5)) == 1_000_005  # naive: UTC
    assert dedup.micros(None) == 0


def test_a_state_in_the_former_inline_layout_is_moved_out_on_its_next_change() -> None:
    a, b = offer("adzuna", "1"), offer("adzuna", "2")
    fp, store = dedup.fingerprint(a), Store()
    old_member = {"offer": a.model_dump(mode="json", exclude={"embedding"}), "vector": dedup._encode(unit(1, 0)),
                  "model": "m"}
    store.data[fp] = {"clusters": [{"id": dedup.legacy_cluster_id(fp), "members": {"adzuna:1": old_member}}]}
    g = store.group(fp)
    g.upsert(b, unit(1, 0.01), 1, 0)
    [change] = store.finish(g)
    assert change.offer is not None and change.offer.source_refs == ["adzuna:1", "adzuna:2"]
    assert store.data[fp] == {"clusters": [{"id": dedup.legacy_cluster_id(fp), "version": 1,
                                            "refs": ["adzuna:1", "adzuna:2"]}]}
    assert store.data[dedup.member_key(fp, "adzuna:1")] == old_member


def live_ids(store: Store) -> list[str]:
    return [c["id"] for v in store.data.values() if isinstance(v, dict) and "clusters" in v
            for c in v["clusters"]]


def test_the_founder_that_drifts_away_takes_its_id_and_the_rest_is_renamed() -> None:
    a, b, c = offer("adzuna", "1"), offer("adzuna", "2"), offer("adzuna", "3")
    fp, store = dedup.fingerprint(a), Store()
    g = store.group(fp)
    g.upsert(a, unit(1, 0), 1, 0)
    g.upsert(c, unit(1, 0.01), 1, 1)
    g.upsert(b, unit(1, 0.02), 1, 2)
    [founded] = store.finish(g)
    assert founded.cluster_id == dedup.cluster_id("adzuna:1")
    g = store.group(fp)
    g.upsert(a, unit(0, 1), 2, 3)  # the founder's content is now another job
    changes = store.finish(g)
    by_id = {ch.cluster_id: ch.offer.source_refs for ch in changes if ch.offer is not None}
    # the founder keeps its id; the others are named after the smallest of them
    assert by_id == {dedup.cluster_id("adzuna:1"): ["adzuna:1"], dedup.cluster_id("adzuna:2"): ["adzuna:2", "adzuna:3"]}
    assert len(changes) == 2 and sorted(live_ids(store)) == sorted(by_id)


def test_removing_the_founder_renames_the_rest_and_tombstones_its_id() -> None:
    a, b = offer("france_travail", "1"), offer("adzuna", "2", updated=T1)
    fp, store = dedup.fingerprint(a), Store()
    g = store.group(fp)
    g.upsert(a, unit(1, 0), dedup.micros(T0), 0)
    g.upsert(b, unit(1, 0.01), dedup.micros(T1), 1)
    [first] = store.finish(g)
    g = store.group(fp)
    g.remove("france_travail:1", dedup.micros(T1) + 5, 2)
    gone, kept = store.finish(g)
    assert gone == dedup.Change(dedup.cluster_id("france_travail:1"), None, dedup.micros(T1) + 5)
    assert kept.cluster_id == dedup.cluster_id("adzuna:2") and kept.offer is not None
    assert kept.offer.source_refs == ["adzuna:2"] and kept.version > first.version
    assert live_ids(store) == [dedup.cluster_id("adzuna:2")]


def test_a_moved_ref_takes_its_id_along_without_a_tombstone() -> None:
    """The old group of a retitled offer: alone, it leaves nothing behind; with mates, they are renamed."""
    a, b = offer("france_travail", "1"), offer("adzuna", "2")
    fp, store = dedup.fingerprint(a), Store()
    g = store.group(fp)
    g.upsert(a, unit(1, 0), 1, 0)
    store.finish(g)
    g = store.group(fp)
    g.remove("france_travail:1", 2, 1, moved=True)
    assert g.changed and store.finish(g) == [] and store.data == {}
    g = store.group(fp)
    g.upsert(a, unit(1, 0), 3, 2)
    g.upsert(b, unit(1, 0.01), 3, 3)
    store.finish(g)
    g = store.group(fp)
    g.remove("france_travail:1", 4, 4, moved=True)
    [renamed] = store.finish(g)
    assert renamed.cluster_id == dedup.cluster_id("adzuna:2") and renamed.offer is not None
    assert renamed.offer.source_refs == ["adzuna:2"]


def test_a_moved_ref_founds_a_cluster_under_its_own_id_or_tombstones_it_when_it_joins_one() -> None:
    a, z = offer("france_travail", "1", title="Chef de rayon"), offer("adzuna", "9", title="Chef de rayon")
    fp, store = dedup.fingerprint(a), Store()
    g = store.group(fp)
    g.upsert(a, unit(1, 0), 5, 0, moved=True)
    [alone] = store.finish(g)
    assert alone.cluster_id == dedup.cluster_id("france_travail:1") and alone.version == 5
    store = Store()
    g = store.group(fp)
    g.upsert(z, unit(1, 0), 3, 0)
    store.finish(g)
    g = store.group(fp)
    g.upsert(a, unit(1, 0.01), 5, 1, moved=True)
    gone, joined = store.finish(g)
    assert gone == dedup.Change(dedup.cluster_id("france_travail:1"), None, 5)
    assert joined.cluster_id == dedup.cluster_id("adzuna:9") and joined.offer is not None
    assert joined.offer.source_refs == ["adzuna:9", "france_travail:1"]
    g = store.group(fp)
    g.upsert(a, unit(1, 0.01), 5, 2, moved=True)  # replayed: already home, nothing tombstoned again
    [again] = store.finish(g)
    assert again.cluster_id == joined.cluster_id and again.offer is not None


def test_a_former_fingerprint_named_cluster_keeps_its_id_while_a_member_stays() -> None:
    a, b = offer("france_travail", "1"), offer("adzuna", "2")
    fp, store = dedup.fingerprint(a), Store()
    legacy = dedup.legacy_cluster_id(fp)
    for ref, o, v in (("france_travail:1", a, unit(1, 0)), ("adzuna:2", b, unit(1, 0.01))):
        store.data[dedup.member_key(fp, ref)] = {"offer": o.model_dump(mode="json", exclude={"embedding"}),
                                                 "vector": dedup._encode(v), "model": "m"}
    store.data[fp] = {"clusters": [{"id": legacy, "version": 7, "refs": ["adzuna:2", "france_travail:1"]}]}
    g = store.group(fp)
    g.remove("france_travail:1", 8, 0, moved=True)
    [kept] = store.finish(g)
    assert kept.cluster_id == legacy and kept.offer is not None and kept.offer.source_refs == ["adzuna:2"]
    g = store.group(fp)
    g.remove("adzuna:2", 9, 1, moved=True)  # a fingerprint-named id cannot travel: it is tombstoned here
    assert store.finish(g) == [dedup.Change(legacy, None, 9)]
