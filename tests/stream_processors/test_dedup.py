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


def test_fingerprint_ignores_case_accents_legal_forms_and_arrondissements() -> None:
    a = offer("france_travail", "1", title="Développeur PYTHON", company="ACME SAS", city="Lyon 7e Arrondissement")
    b = offer("adzuna", "2", title="developpeur python", company="Acme", city="LYON")
    assert dedup.fingerprint(a) == dedup.fingerprint(b)
    assert dedup.fingerprint(a) != dedup.fingerprint(offer("adzuna", "3", city="Paris"))


def test_same_fingerprint_and_similar_embedding_merge_keeping_fresher_data() -> None:
    ft = offer("france_travail", "1", updated=T0, salary_min=32000.0, contract_type="CDI")
    az = offer("adzuna", "9", updated=T1, description="fresher text")
    fp = dedup.fingerprint(ft)
    state, first = dedup.upsert(None, fp, ft, unit(1, 0, 0), "m", 0.9)
    state, second = dedup.upsert(state, fp, az, unit(0.99, 0.1, 0), "m", 0.9)
    assert len(state["clusters"]) == 1
    assert first[0].cluster_id == second[-1].cluster_id == dedup.cluster_id(fp)
    merged = second[-1].offer
    assert merged is not None
    assert merged.source_refs == ["adzuna:9", "france_travail:1"]
    assert merged.description == "fresher text"  # the fresher member wins...
    assert merged.salary_min == 32000.0 and merged.contract_type == "CDI"  # ...gaps are filled from the other
    assert merged.embedding is not None and merged.embedding.dim == 3


def test_same_fingerprint_but_different_content_stays_apart() -> None:
    a, b = offer("france_travail", "1", company=None), offer("france_travail", "2", company=None)
    fp = dedup.fingerprint(a)
    state, _ = dedup.upsert(None, fp, a, unit(1, 0, 0), "m", 0.9)
    state, changes = dedup.upsert(state, fp, b, unit(0, 1, 0), "m", 0.9)
    assert len(state["clusters"]) == 2
    assert changes[-1].cluster_id == dedup.cluster_id(fp, "france_travail:2") != dedup.cluster_id(fp)


def test_replaying_an_upsert_changes_nothing() -> None:
    a = offer("adzuna", "1")
    fp = dedup.fingerprint(a)
    state, changes = dedup.upsert(None, fp, a, unit(1, 0), "m", 0.9)
    again, changes2 = dedup.upsert(state, fp, a, unit(1, 0), "m", 0.9)
    assert again["clusters"][0]["members"].keys() == state["clusters"][0]["members"].keys()
    assert [c.cluster_id for c in changes2] == [c.cluster_id for c in changes]


def test_removal_republishes_the_rest_then_tombstones_the_last() -> None:
    a, b = offer("france_travail", "1"), offer("adzuna", "2", updated=T1)
    fp = dedup.fingerprint(a)
    state, _ = dedup.upsert(None, fp, a, unit(1, 0), "m", 0.9)
    state, _ = dedup.upsert(state, fp, b, unit(1, 0.01), "m", 0.9)
    state, changes = dedup.remove(state, "adzuna:2")
    assert changes[0].offer is not None and changes[0].offer.source_refs == ["france_travail:1"]
    state, changes = dedup.remove(state, "france_travail:1")
    assert changes == [dedup.Change(dedup.cluster_id(fp), None)]
    assert state["clusters"] == []
    assert dedup.remove(state, "france_travail:1")[1] == []  # a replayed removal emits nothing new


def test_input_state_is_not_mutated() -> None:
    a, b = offer("adzuna", "1"), offer("adzuna", "2")
    fp = dedup.fingerprint(a)
    state, _ = dedup.upsert(None, fp, a, unit(1, 0), "m", 0.9)
    snapshot = repr(state)
    dedup.upsert(state, fp, b, unit(1, 0), "m", 0.9)
    dedup.remove(state, "adzuna:1")
    assert repr(state) == snapshot
