"""Both backends hand back many offers at once: a page by ids, and every offer with its vector."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from qdrant_client import QdrantClient

from tests.vector_index.test_edge import DIM, make_offer
from vector_index.base import BrowsableIndex
from vector_index.edge import EdgeIndex
from vector_index.qdrant_server import QdrantServerIndex


@pytest.fixture(params=["edge", "qdrant-server"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BrowsableIndex]:
    idx: BrowsableIndex
    if request.param == "edge":
        idx = EdgeIndex(tmp_path / "idx", DIM)
    else:
        idx = QdrantServerIndex("unused", "offers", DIM, client=QdrantClient(location=":memory:"))
    yield idx
    idx.close()


def test_get_many_and_iter_offers(index: BrowsableIndex) -> None:
    rng = np.random.default_rng(3)
    offers = [make_offer(i, rng) for i in range(25)]
    index.upsert(offers)
    wanted = [offers[3].id, offers[17].id, "not-a-uuid", make_offer(99, rng).id]
    got = index.get_many(wanted)
    assert set(got) == {offers[3].id, offers[17].id} and got[offers[17].id].title == "offre 17"
    listed = {o.id: o for o in index.iter_offers(batch_size=7)}
    assert set(listed) == {o.id for o in offers}
    for o in offers:
        emb, orig = listed[o.id].embedding, o.embedding
        assert emb is not None and orig is not None and emb.model == "test"
        np.testing.assert_allclose(emb.values, orig.values, rtol=1e-5, atol=1e-6)
    index.delete([offers[0].id])
    assert len(list(index.iter_offers(with_vectors=False))) == 24
