"""The API's read model: columns stay in step with upserts and deletes, and load from the index."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from api.catalog import Catalog
from api.read_deps import build_catalog
from api.schemas_search import OfferSearch
from api.search import facets, filter_mask, search
from ml.lexical import Bm25Index
from schemas.events import Embedding, Offer, Source, canonical_offer_id
from vector_index.edge import EdgeIndex

DIM = 8
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def offer(n: int, city: str = "Lyon", skills: tuple[str, ...] = ("Python",), title: str = "Développeur",
          **fields: object) -> Offer:
    v = np.random.default_rng(n).normal(size=DIM)
    return Offer.model_validate({
        "id": canonical_offer_id("sample", f"C{n}"), "source": Source.SAMPLE, "source_id": f"C{n}",
        "source_refs": [f"sample:C{n}"], "title": title, "city": city, "skills": list(skills), "fetched_at": NOW,
        "embedding": Embedding(model="t", dim=DIM, values=(v / np.linalg.norm(v)).tolist()), **fields})


def cities(cat: Catalog, q: OfferSearch | None = None) -> dict[str, int]:
    with cat.reading():
        mask, _ = filter_mask(cat, q or OfferSearch())
        return {f.value: f.count for f in facets(cat, mask).cities}


def test_an_update_moves_the_offer_and_a_delete_frees_its_slot() -> None:
    cat = Catalog(DIM, lexical=Bm25Index())
    cat.upsert([offer(1), offer(2), offer(3, city="Paris", skills=("Java",))])
    assert cities(cat) == {"Lyon": 2, "Paris": 1}
    cat.upsert([offer(1, city="Paris", skills=("Java", "SQL"))])  # offer 1 moves and changes skills
    assert cities(cat) == {"Lyon": 1, "Paris": 2}
    with cat.reading():
        mask, _ = filter_mask(cat, OfferSearch(skills=["python"]))
        assert cat.ids_of(np.flatnonzero(mask)) == [offer(2).id]
        assert {f.value: f.count for f in facets(cat, mask).skills} == {"Python": 1}
    cat.delete([offer(2).id, "not-there"])
    assert len(cat) == 2 and offer(2).id not in cat and cities(cat) == {"Paris": 2}
    assert cat.resolve("sample:C2") is None and cat.resolve("sample:C3") == offer(3).id
    slots_before = cat.size
    cat.upsert([offer(4)])  # reuses the freed slot
    assert cat.size == slots_before and cities(cat) == {"Paris": 2, "Lyon": 1}
    with cat.reading():
        page = search(cat, OfferSearch(keywords="développeur"), 10)
    assert set(page.ids) == {offer(1).id, offer(3).id, offer(4).id} and page.total == 3


def test_many_updates_keep_skill_pairs_compact_and_right() -> None:
    cat = Catalog(DIM, capacity=4)
    for round_ in range(30):
        cat.upsert([offer(i, skills=(f"S{round_}", "Python")) for i in range(20)])
    assert cat.n_pairs <= 4 * 20 * 2, "dead pairs are compacted away"
    with cat.reading():
        mask, _ = filter_mask(cat, OfferSearch())
        skills = {f.value: f.count for f in facets(cat, mask).skills}
    assert skills == {"Python": 20, "S29": 20}


def test_it_loads_every_offer_with_its_vector_from_the_index(tmp_path: Path) -> None:
    index = EdgeIndex(tmp_path / "idx", DIM)
    try:
        offers = [offer(i, city="Lyon" if i % 2 else "Nantes") for i in range(2500)]
        index.upsert(offers)
        cat = build_catalog(index, DIM)
    finally:
        index.close()
    assert len(cat) == 2500 and cities(cat) == {"Lyon": 1250, "Nantes": 1250}
    target = offers[1234]
    assert target.embedding is not None
    with cat.reading():
        slot = cat.slot_of[target.id]
        assert cat.has_vector[:cat.size].all()
        np.testing.assert_allclose(cat.vectors[slot], target.embedding.values, rtol=1e-5)


def test_readers_and_a_writer_can_run_together() -> None:
    cat = Catalog(DIM, lexical=Bm25Index(), capacity=2)
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.is_set():
                with cat.reading():
                    page = search(cat, OfferSearch(keywords="développeur", size=5), 5)
                    assert page.total <= len(cat)
        except BaseException as exc:
            errors.append(exc)
            raise

    readers = [threading.Thread(target=read) for _ in range(2)]
    for t in readers:
        t.start()
    for i in range(300):  # grows the arrays many times under the readers
        cat.upsert([offer(i)])
        if i % 7 == 0:
            cat.delete([offer(i // 2).id])
    stop.set()
    for t in readers:
        t.join(10)
    assert not errors


def test_keyword_matches_follow_updates_and_broad_queries_count_every_match(monkeypatch: pytest.MonkeyPatch) -> None:
    cat = Catalog(DIM, lexical=Bm25Index())
    cat.upsert([offer(i, title="Développeur" if i < 20 else "Cuisinier") for i in range(30)])

    def total(words: str) -> int:
        with cat.reading():
            return search(cat, OfferSearch(keywords=words), 5).total

    assert total("développeurs") == 20 and total("cuisinier") == 10
    cat.upsert([offer(0, title="Cuisinier")])
    assert total("développeur") == 19 and total("cuisinier") == 11
    for round_ in range(40):  # stale postings pile up, then get compacted
        cat.upsert([offer(i, title=f"Cuisinier tour{round_}") for i in range(20, 30)])
    assert total("cuisinier") == 11 and total("tour0") == 0 and total("tour39") == 10
    assert cat.postings is not None and cat.postings.entries <= 2 * cat.postings.live_entries + 10_000
    monkeypatch.setattr("api.search.LEXICAL_EXACT", 3)  # the broad-query path: BM25 ranks a head only
    monkeypatch.setattr("api.search.LEXICAL_RANKED", 4)
    with cat.reading():
        page = search(cat, OfferSearch(keywords="développeur", sort="relevance"), 50)
    assert page.total == 19 and len(set(page.ids)) == 19
