"""In-process index on Qdrant's own engine (qdrant-edge-py): HNSW and payload indexes, no server.

The storage is locked by one process: the API process owns it and keeps it fresh from the enriched
topic (see ``vector_index.indexer``).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import qdrant_edge as qe

from schemas.events import Embedding, Offer
from vector_index.base import DATETIME_FIELDS, KEYWORD_FIELDS, OfferFilters, ScoredOffer, from_payload, to_payload


def _filter(filters: OfferFilters | None, extra: list[tuple[str, str]] | None = None) -> qe.Filter | None:
    conds = (filters.conditions() if filters else []) + (extra or [])
    if not conds:
        return None
    return qe.Filter(must=[qe.FieldCondition(key=k, match=qe.MatchValue(v)) for k, v in conds])


class EdgeIndex:
    def __init__(self, path: Path, dim: int) -> None:
        self.dim = dim
        path.mkdir(parents=True, exist_ok=True)
        config = qe.EdgeConfig(vectors=qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine))
        fresh = not any(path.iterdir())
        self._shard = qe.EdgeShard.create(str(path), config) if fresh else qe.EdgeShard.load(str(path))
        # Writers (the indexer thread) and optimize() are serialised; readers go straight to the engine.
        self._write_lock = threading.Lock()
        if fresh:
            with self._write_lock:
                for name in KEYWORD_FIELDS:
                    self._shard.update(qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Keyword))
                for name in DATETIME_FIELDS:
                    self._shard.update(
                        qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Datetime))

    def upsert(self, offers: list[Offer]) -> None:
        points = []
        for o in offers:
            if o.embedding is None or o.embedding.dim != self.dim:
                raise ValueError(f"offer {o.id} has no {self.dim}-d embedding")
            points.append(qe.Point(uuid.UUID(o.id), o.embedding.values, to_payload(o)))
        if points:
            with self._write_lock:
                self._shard.update(qe.UpdateOperation.upsert_points(points))

    def delete(self, offer_ids: list[str]) -> None:
        if offer_ids:
            with self._write_lock:
                self._shard.update(qe.UpdateOperation.delete_points([uuid.UUID(i) for i in offer_ids]))

    def get(self, offer_id: str) -> Offer | None:
        try:
            pid = uuid.UUID(offer_id)
        except ValueError:
            return None
        records = self._shard.retrieve([pid], with_payload=True, with_vector=False)
        return from_payload(dict(records[0].payload)) if records and records[0].payload else None

    def get_many(self, offer_ids: list[str]) -> dict[str, Offer]:
        """The offers among ``offer_ids`` that exist, by id, in one engine call (a search result page)."""
        pids: list[int | uuid.UUID | str] = []
        for i in offer_ids:
            try:
                pids.append(uuid.UUID(i))
            except ValueError:
                continue
        records = self._shard.retrieve(pids, with_payload=True, with_vector=False) if pids else []
        return {str(r.id): from_payload(dict(r.payload)) for r in records if r.payload}

    def iter_offers(self, batch_size: int = 1000, with_vectors: bool = True) -> Iterator[Offer]:
        """Every offer, page by page (the API's read model is filled from this at startup)."""
        offset: uuid.UUID | int | str | None = None
        while True:
            records, offset = self._shard.scroll(qe.ScrollRequest(
                offset=offset, limit=batch_size, with_payload=True, with_vector=with_vectors))
            for r in records:
                if not r.payload:
                    continue
                offer = from_payload(dict(r.payload))
                vector = r.vector
                if with_vectors and isinstance(vector, list) and all(isinstance(v, float) for v in vector[:1]):
                    values = [float(v) for v in vector]  # type: ignore[arg-type]  # dense: a flat list
                    offer.embedding = Embedding(model=str(r.payload.get("embedding_model") or ""), dim=len(values),
                                                values=values)
                yield offer
            if offset is None:
                return

    def get_by_ref(self, ref: str) -> Offer | None:
        records, _ = self._shard.scroll(
            qe.ScrollRequest(limit=1, filter=_filter(None, [("source_refs", ref)]), with_payload=True)
        )
        return from_payload(dict(records[0].payload)) if records and records[0].payload else None

    def search(
        self, vector: npt.NDArray[np.float32], limit: int, filters: OfferFilters | None = None
    ) -> list[ScoredOffer]:
        hits = self._shard.query(qe.QueryRequest(
            limit=limit, query=qe.Query.Nearest(vector.astype(np.float32).tolist()), with_payload=True,
            filter=_filter(filters),
        ))
        return [ScoredOffer(from_payload(dict(h.payload)), float(h.score)) for h in hits if h.payload]

    def count(self) -> int:
        return int(self._shard.count(qe.CountRequest(exact=True)))

    def optimize(self) -> None:
        with self._write_lock:
            self._shard.optimize()

    def close(self) -> None:
        with self._write_lock:
            self._shard.flush()
            self._shard.close()
