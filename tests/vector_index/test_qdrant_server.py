"""The Qdrant-server backend, driven through qdrant-client's in-memory mode (same client API and
request models as against a real server; no server can be installed here)."""

from __future__ import annotations

import numpy as np
import pytest
from qdrant_client import QdrantClient

from schemas.events import ContractType
from tests.vector_index.test_edge import DIM, make_offer
from vector_index.base import OfferFilters
from vector_index.qdrant_server import QdrantServerIndex


@pytest.fixture
def index() -> QdrantServerIndex:
    return QdrantServerIndex("unused", "offers", DIM, client=QdrantClient(location=":memory:"))


def test_upsert_lookup_search_filter_delete(index: QdrantServerIndex) -> None:
    rng = np.random.default_rng(7)
    offers = [make_offer(i, rng, city="Lyon" if i % 2 else "Paris",
                         contract_type=ContractType.CDI if i < 5 else ContractType.CDD) for i in range(10)]
    index.upsert(offers)
    index.upsert(offers)
    assert index.count() == 10
    got = index.get(offers[3].id)
    assert got is not None and got.title == "offre 3"
    assert index.get("not-a-uuid") is None
    by_ref = index.get_by_ref("sample:S4")
    assert by_ref is not None and by_ref.id == offers[4].id
    target = offers[7]
    assert target.embedding is not None
    probe = np.array(target.embedding.values, dtype=np.float32)
    assert index.search(probe, 1)[0].offer.id == target.id
    lyon_cdd = index.search(probe, 10, OfferFilters(city="Lyon", contract_type=ContractType.CDD))
    assert {h.offer.id for h in lyon_cdd} == {o.id for o in offers if o.city == "Lyon" and o.contract_type == "CDD"}
    index.delete([offers[0].id])
    assert index.count() == 9 and index.get(offers[0].id) is None


def test_existing_collection_is_kept(index: QdrantServerIndex) -> None:
    rng = np.random.default_rng(8)
    index.upsert([make_offer(1, rng)])
    again = QdrantServerIndex("unused", "offers", DIM, client=index._client)  # a restart must not wipe it
    assert again.count() == 1
