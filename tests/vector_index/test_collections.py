"""Collections behind an alias (both backends), and the indexer's side of a rollout: re-embedding records
another model embedded, and knowing when a new collection has caught up."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from confluent_kafka import Message
from qdrant_client import QdrantClient

from core.kafka import to_bytes
from schemas.events import Embedding, Offer, Source, canonical_offer_id
from schemas.topics import ENRICHED_OFFERS
from vector_index.collections import (
    AliasRecord,
    Collections,
    EdgeCollections,
    ServerCollections,
    collection_name,
    read_alias,
    write_alias,
)
from vector_index.factory import ensure_alias
from vector_index.indexer import caught_up, plan_batch

DIM = 8


def offer(source_id: str, model: str = "old", dim: int = DIM) -> Offer:
    v = np.random.default_rng(abs(hash(source_id)) % 2**32).normal(size=dim)
    return Offer(id=canonical_offer_id("sample", source_id), source=Source.SAMPLE, source_id=source_id,
                 source_refs=[f"sample:{source_id}"], title=f"offre {source_id}",
                 fetched_at="2026-11-01T00:00:00Z",  # type: ignore[arg-type]
                 embedding=Embedding(model=model, dim=dim, values=(v / np.linalg.norm(v)).tolist()))


def msg(o: Offer, offset: int = 0) -> Message:
    return Message(topic=ENRICHED_OFFERS.name, partition=0, offset=offset, key=o.id.encode(), value=to_bytes(o))


def test_the_alias_file_is_replaced_atomically_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "offers.alias.json"
    assert read_alias(path) is None
    write_alias(path, AliasRecord(collection="offers-a", model="m1", dim=4, built_to={0: 3, 1: 7}))
    write_alias(path, AliasRecord(collection="offers-b", model="m2", dim=4, built_to={0: 5}))
    got = read_alias(path)
    assert got is not None and (got.collection, got.model, got.built_to) == ("offers-b", "m2", {0: 5})
    assert [p.name for p in tmp_path.iterdir()] == ["offers.alias.json"]  # no temporary file left behind


def test_collection_names_are_safe_directory_names() -> None:
    assert collection_name("offers", "use-multilingual-v3|title_skills_desc300") == \
        "offers-use-multilingual-v3-title_skills_desc300"
    assert "/" not in collection_name("offers", "st:../../etc@128")


def _backends(tmp_path: Path) -> list[Collections]:
    return [EdgeCollections(tmp_path / "index"), ServerCollections("unused", client=QdrantClient(location=":memory:"))]


@pytest.mark.parametrize("backend", [0, 1], ids=["edge", "server"])
def test_first_start_creates_a_collection_then_a_switch_moves_the_alias(tmp_path: Path, backend: int) -> None:
    collections = _backends(tmp_path)[backend]
    first = ensure_alias(collections, "m1", DIM)
    assert first.collection == "offers-m1" and collections.current() == first.model_copy(
        update={"switched_at": collections.current().switched_at})  # type: ignore[union-attr]
    assert ensure_alias(collections, "m2", DIM).model == "m1"  # an existing alias wins over the settings
    token = collections.token()

    index = collections.open("offers-v2", DIM, "m2")
    index.upsert([offer("a", model="m2")])
    index.close()
    collections.switch(AliasRecord(collection="offers-v2", model="m2", dim=DIM, built_to={0: 12, 3: 4}))

    now = collections.current()
    assert now is not None and (now.collection, now.model, now.dim, now.built_to) == ("offers-v2", "m2", DIM,
                                                                                      {0: 12, 3: 4})
    assert collections.token() != token
    again = collections.open(now.collection, now.dim, now.model)
    assert again.count() == 1 and again.get(offer("a").id) is not None
    again.close()


def test_a_record_of_another_model_is_reembedded_for_the_index() -> None:
    stale, fresh, superseded = offer("s"), offer("f", model="new"), offer("x")
    calls: list[list[str]] = []

    def reembed(offers: list[Offer]) -> list[Offer]:
        calls.append([o.id for o in offers])
        for o in offers:
            o.embedding = Embedding(model="new", dim=DIM, values=[1.0] + [0.0] * (DIM - 1))
        return offers

    newer = offer("x")
    newer.title = "newer"
    plan = plan_batch([msg(stale, 0), msg(fresh, 1), msg(superseded, 2), msg(newer, 3)], DIM, "new", reembed)
    assert calls == [[stale.id, newer.id]]  # winners only, in one model call; "fresh" already matches
    assert {o.id: o.embedding.model for o in plan.upserts if o.embedding} == {stale.id: "new", fresh.id: "new",
                                                                              newer.id: "new"}
    assert not plan.rejected


def test_without_a_target_model_records_are_taken_as_they_come() -> None:
    plan = plan_batch([msg(offer("s"))], DIM)
    assert [o.embedding.model for o in plan.upserts if o.embedding] == ["old"]


def test_an_offer_the_model_cannot_embed_is_rejected_alone() -> None:
    good, bad = offer("g"), offer("b")

    def reembed(offers: list[Offer]) -> list[Offer]:
        if any(o.id == bad.id for o in offers):
            raise RuntimeError("model choked")
        for o in offers:
            o.embedding = Embedding(model="new", dim=DIM, values=[0.0] * (DIM - 1) + [1.0])
        return offers

    plan = plan_batch([msg(good, 0), msg(bad, 1)], DIM, "new", reembed)
    assert [o.id for o in plan.upserts] == [good.id]
    assert len(plan.rejected) == 1 and "model choked" in plan.rejected[0].reason
    assert plan.rejected[0].msg.offset() == 1


def test_caught_up_needs_every_partition_at_its_end() -> None:
    assert caught_up({0: 10, 1: 5}, {0: 10, 1: 5})
    assert not caught_up({0: 10}, {0: 10, 1: 5})  # partition 1 never read
    assert not caught_up({0: 9, 1: 5}, {0: 10, 1: 5})
    assert caught_up({}, {})
