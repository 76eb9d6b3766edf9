"""The indexer tells a listener (the API's catalog) exactly what the index accepted, batch by batch."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.catalog import Catalog
from core.kafka import to_bytes
from tests.support.services import wait_until
from tests.vector_index.test_indexer import DIM, FlakyIndex, offer, produce
from vector_index.edge import EdgeIndex
from vector_index.indexer import Indexer

pytestmark = pytest.mark.slow


def test_catalog_follows_upserts_deletes_and_skips_refused_records(private_broker: str, tmp_path: Path) -> None:
    edge = EdgeIndex(tmp_path / "idx", DIM)
    kept, gone, refused = offer("H1", city="Lyon"), offer("H2", city="Nantes"), offer("H3", city="Paris")
    produce(private_broker, [(o.id.encode(), to_bytes(o)) for o in (kept, gone, refused)])
    catalog = Catalog(DIM)
    index = FlakyIndex(edge, refused=frozenset({refused.id}))
    indexer = Indexer(index, private_broker, "test-hook", max_outage_s=5, on_applied=catalog.apply)
    indexer.start()
    try:
        wait_until(lambda: kept.id in catalog and gone.id in catalog, 30, 0.1, "offers in the catalog")
        moved = offer("H1", city="Marseille")
        produce(private_broker, [(gone.id.encode(), None), (moved.id.encode(), to_bytes(moved))])
        wait_until(lambda: gone.id not in catalog, 30, 0.1, "the tombstone applied to the catalog")
        wait_until(lambda: indexer.stats.dead_lettered >= 1, 30, 0.1, "the refused offer dead-lettered")
    finally:
        indexer.stop()
        edge.close()
    assert refused.id not in catalog, "an offer the index refused never reaches the catalog"
    with catalog.reading():
        city = catalog.vocab["city"].values[int(catalog.column("city")[catalog.slot_of[kept.id]])]
    assert len(catalog) == 1 and city == "Marseille"
