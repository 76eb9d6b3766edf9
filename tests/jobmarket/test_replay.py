"""`jobmarket replay`'s pure parts (time bounds, compaction by version, copy idempotence) and the API's side of
a switch (one bundle swapped at once, requests pinned to the bundle they started on)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from api.model_worker import ModelWorker
from api.serving import Rollout, Serving, ServingState, _pinned, resolve_serving
from jobmarket.replay import Bounds, Compacted, Record, ReplayError, compact, copy_plan, origin
from schemas.events import VERSION_HEADER
from vector_index.collections import AliasRecord

T0 = int(datetime(2026, 11, 1, tzinfo=UTC).timestamp() * 1000)


def rec(key: str | None, value: bytes | None, version: int | None = None, offset: int = 0, partition: int = 0,
        ts: int | None = T0) -> Record:
    headers: list[tuple[str, bytes | None]] = [(VERSION_HEADER, str(version).encode())] if version is not None else []
    return Record(partition, offset, key.encode() if key else None, value, headers, ts)


def test_time_bounds_are_inclusive_and_decided_by_each_record() -> None:
    b = Bounds.of(from_time=datetime.fromtimestamp(T0 / 1000, UTC),
                  to_time=datetime.fromtimestamp((T0 + 1000) / 1000, UTC))
    assert [b.admits(0, t) for t in (T0 - 1, T0, T0 + 1000, T0 + 1001)] == [False, True, True, False]
    assert not b.admits(0, None)  # a record without a timestamp cannot be placed in time
    assert Bounds.of(from_offset=5).admits(5, None) and not Bounds.of(from_offset=5).admits(4, T0)
    assert Bounds().whole and Bounds().admits(0, None)


def test_naive_times_are_utc_and_contradictory_bounds_are_refused() -> None:
    assert Bounds.of(from_time=datetime(2026, 11, 1)).from_ms == T0
    with pytest.raises(ReplayError):
        Bounds.of(from_offset=1, from_time=datetime(2026, 11, 1))
    with pytest.raises(ReplayError):
        Bounds.of(from_time=datetime(2026, 11, 2), to_time=datetime(2026, 11, 1))


def test_compaction_keeps_the_highest_version_per_key_and_tombstones_delete() -> None:
    state: Compacted = compact([
        rec("a", b"{}", version=2, offset=0),
        rec("a", b"{}", version=1, offset=1),   # older version read later (a re-created topic): loses
        rec("b", b"{}", version=1, offset=2),
        rec("b", None, version=2, offset=3),    # removal
        rec("c", b"{}", version=3, offset=4),
        rec("c", b"{}", version=3, offset=5),   # same version: the later record wins
        rec(None, b"{}", version=9, offset=6),  # no key: not part of a compacted view
    ])
    assert {k: r.offset for k, r in state.live().items()} == {"a": 0, "c": 5}
    assert state.removed() == ["b"]


def test_a_copy_skips_the_records_already_in_the_target() -> None:
    records = [rec("a", b"1", offset=0), rec("b", b"2", offset=1, partition=2)]
    todo, skipped = copy_plan("src", records, {origin("src", records[0])})
    assert [r.offset for r in todo] == [1] and skipped == 1
    assert origin("src", records[1]) == b"src/2/1"
    assert copy_plan("src", records, {origin("src", r) for r in records}) == ([], 2)


# -- the API's bundle ------------------------------------------------------------------------------------


class FakeIndex:
    def __init__(self, dim: int) -> None:
        self.dim, self.closed = dim, False

    def count(self) -> int:
        return 0

    def close(self) -> None:
        self.closed = True


def bundle(model_id: str, dim: int = 4) -> Serving:
    embedder = SimpleNamespace(model_id=model_id, dim=dim, encode_query=lambda text: np.ones(dim, np.float32))
    return Serving(embedder, FakeIndex(dim), SimpleNamespace(name=model_id), f"c-{model_id}")  # type: ignore[arg-type]


def test_a_swap_is_one_bundle_and_a_request_in_flight_keeps_its_own() -> None:
    state = ServingState()
    worker = ModelWorker()
    old, new = bundle("m1"), bundle("m2", dim=8)
    state.serving = old
    worker.embedder = old.embedder
    rollout = Rollout(state, SimpleNamespace(token=lambda: None, close=lambda: None), worker, "g",
                      load_model=lambda m: None, build_catalog=lambda i, d: None, grace_s=0.2)  # type: ignore[arg-type,return-value]
    token = _pinned.set(old)  # a request that started before the switch
    try:
        rollout.swap(new)
        assert state.index is old.index and state.catalog is old.catalog and state.embedder is old.embedder
        assert worker.embedder is old.embedder  # its query vector matches the index it searches
    finally:
        _pinned.reset(token)
    assert (state.index, state.catalog, state.embedder, worker.embedder) == \
        (new.index, new.catalog, new.embedder, new.embedder)
    assert not old.index.closed  # type: ignore[attr-defined]  # in-flight requests may still read it
    time.sleep(0.4)
    assert old.index.closed and not new.index.closed  # type: ignore[attr-defined]
    rollout.close()
    worker.close()


def test_the_api_embeds_queries_with_the_collections_model_not_the_configured_one() -> None:
    loaded: list[str] = []

    class Alias:
        alias = "offers"

        def current(self) -> AliasRecord:
            return AliasRecord(collection="offers-v2", model="m2", dim=4)

    def load(model_id: str) -> Any:
        loaded.append(model_id)
        return SimpleNamespace(model_id=model_id, dim=4)

    configured = SimpleNamespace(model_id="m1", dim=4)
    record, model = resolve_serving(Alias(), configured, lambda: configured, load)  # type: ignore[arg-type]
    assert record.collection == "offers-v2" and model.model_id == "m2" and loaded == ["m2"]
