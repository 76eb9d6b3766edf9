from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from schemas.events import ContractType, Embedding, Offer, Source, canonical_offer_id
from vector_index.base import OfferFilters
from vector_index.edge import EdgeIndex

NOW = datetime(2026, 11, 1, tzinfo=UTC)
DIM = 8


def make_offer(i: int, rng: np.random.Generator, **fields: object) -> Offer:
    v = rng.normal(size=DIM).astype(np.float32)
    v /= np.linalg.norm(v)
    return Offer(id=canonical_offer_id("sample", f"S{i}"), source=Source.SAMPLE, source_id=f"S{i}",
                 source_refs=[f"sample:S{i}"], title=f"offre {i}", fetched_at=NOW,
                 embedding=Embedding(model="test", dim=DIM, values=v.tolist()), **fields)  # type: ignore[arg-type]


@pytest.fixture
def index(tmp_path: Path) -> EdgeIndex:
    return EdgeIndex(tmp_path / "idx", DIM)


def test_upsert_is_idempotent_and_lookups_work(index: EdgeIndex) -> None:
    rng = np.random.default_rng(0)
    offers = [make_offer(i, rng) for i in range(20)]
    index.upsert(offers)
    index.upsert(offers)  # a replay overwrites
    assert index.count() == 20
    got = index.get(offers[5].id)
    assert got is not None and got.title == "offre 5"
    by_ref = index.get_by_ref("sample:S7")
    assert by_ref is not None and by_ref.id == offers[7].id
    assert index.get("not-a-uuid") is None
    assert index.get_by_ref("sample:missing") is None


def test_search_ranks_the_exact_vector_first_and_filters(index: EdgeIndex) -> None:
    rng = np.random.default_rng(1)
    offers = [make_offer(i, rng, city="Lyon" if i % 3 == 0 else "Paris", contract_type="CDI" if i % 2 else "CDD",
                         skills=["Python", "SQL"] if i < 5 else ["Java"]) for i in range(30)]
    index.upsert(offers)
    target = offers[12]
    assert target.embedding is not None
    hits = index.search(np.array(target.embedding.values, dtype=np.float32), 5)
    assert hits[0].offer.id == target.id and hits[0].score == pytest.approx(1.0, abs=1e-4)
    lyon_cdd = index.search(np.array(target.embedding.values, dtype=np.float32), 30,
                            OfferFilters(city="Lyon", contract_type=ContractType.CDD))
    expected = {o.id for o in offers if o.city == "Lyon" and o.contract_type == "CDD"}
    assert {h.offer.id for h in lyon_cdd} == expected
    both_skills = index.search(np.array(target.embedding.values, dtype=np.float32), 30,
                               OfferFilters(skills=["Python", "SQL"]))
    assert {h.offer.id for h in both_skills} == {o.id for o in offers[:5]}


def test_delete_and_reopen_persists(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    idx = EdgeIndex(tmp_path / "idx", DIM)
    offers = [make_offer(i, rng) for i in range(10)]
    idx.upsert(offers)
    idx.delete([offers[0].id, offers[1].id])
    idx.close()
    reopened = EdgeIndex(tmp_path / "idx", DIM)
    assert reopened.count() == 8
    assert reopened.get(offers[0].id) is None


def test_rejects_offer_with_wrong_dimension(index: EdgeIndex) -> None:
    rng = np.random.default_rng(3)
    bad = make_offer(1, rng).model_copy(update={"embedding": Embedding(model="x", dim=3, values=[0.1, 0.2, 0.3])})
    with pytest.raises(ValueError, match="8-d embedding"):
        index.upsert([bad])


def test_reads_while_writing_from_another_thread(index: EdgeIndex) -> None:
    """The API reads while the indexer thread writes: neither may fail or see a torn record."""
    rng = np.random.default_rng(4)
    batches = [[make_offer(b * 50 + i, rng) for i in range(50)] for b in range(20)]
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for batch in batches:
                index.upsert(batch)
            index.optimize()
        except BaseException as exc:
            errors.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    probe = np.ones(DIM, dtype=np.float32) / np.sqrt(DIM)
    while writer.is_alive():
        for hit in index.search(probe, 5):
            assert hit.offer.title.startswith("offre ")
    writer.join()
    assert not errors
    assert index.count() == 1000
