"""Index on a Qdrant server (``QDRANT_URL``), through qdrant-client. Used by docker-compose."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
from qdrant_client import QdrantClient, models

from schemas.events import Embedding, Offer
from vector_index.base import DATETIME_FIELDS, KEYWORD_FIELDS, OfferFilters, ScoredOffer, from_payload, to_payload


def _filter(conds: list[tuple[str, str]]) -> models.Filter | None:
    if not conds:
        return None
    return models.Filter(must=[models.FieldCondition(key=k, match=models.MatchValue(value=v)) for k, v in conds])


class QdrantServerIndex:
    def __init__(self, url: str, collection: str, dim: int, api_key: str | None = None,
                 client: QdrantClient | None = None, metadata: dict[str, Any] | None = None) -> None:
        self.dim = dim
        self.collection = collection
        # ``client`` lets tests drive this exact code with qdrant-client's in-memory mode (then it is
        # shared, and closing this index leaves it open).
        self._owns_client = client is None
        self._client = client or QdrantClient(url=url, api_key=api_key, timeout=10)
        # Create once; never recreate at startup (that would wipe the index on every deploy).
        # ``metadata`` (e.g. the model of its vectors) is recorded with a collection it creates.
        if not self._client.collection_exists(collection):
            self._client.create_collection(
                collection, vectors_config=models.VectorParams(size=dim, distance=models.Distance.COSINE),
                metadata=metadata)
            for name in KEYWORD_FIELDS:
                self._client.create_payload_index(collection, name, models.PayloadSchemaType.KEYWORD)
            for name in DATETIME_FIELDS:
                self._client.create_payload_index(collection, name, models.PayloadSchemaType.DATETIME)

    def upsert(self, offers: list[Offer]) -> None:
        points = []
        for o in offers:
            if o.embedding is None or o.embedding.dim != self.dim:
                raise ValueError(f"offer {o.id} has no {self.dim}-d embedding")
            points.append(models.PointStruct(id=o.id, vector=o.embedding.values, payload=to_payload(o)))
        if points:
            self._client.upsert(self.collection, points=points, wait=True)

    def delete(self, offer_ids: list[str]) -> None:
        if offer_ids:
            self._client.delete(self.collection, points_selector=models.PointIdsList(points=list(offer_ids)),
                                wait=True)

    def get(self, offer_id: str) -> Offer | None:
        try:
            records = self._client.retrieve(self.collection, ids=[offer_id], with_payload=True)
        except ValueError:  # not a uuid
            return None
        return from_payload(records[0].payload) if records and records[0].payload else None

    def get_many(self, offer_ids: list[str]) -> dict[str, Offer]:
        """The offers among ``offer_ids`` that exist, by id, in one request."""
        ids = []
        for i in offer_ids:
            try:
                ids.append(str(uuid.UUID(i)))
            except ValueError:
                continue
        records = self._client.retrieve(self.collection, ids=ids, with_payload=True) if ids else []
        return {str(r.id): from_payload(r.payload) for r in records if r.payload}

    def iter_offers(self, batch_size: int = 1000, with_vectors: bool = True) -> Iterator[Offer]:
        """Every offer, page by page (the API's read model is filled from this at startup)."""
        offset: models.ExtendedPointId | None = None
        while True:
            records, offset = self._client.scroll(self.collection, limit=batch_size, offset=offset,
                                                  with_payload=True, with_vectors=with_vectors)
            for r in records:
                if not r.payload:
                    continue
                offer = from_payload(r.payload)
                if with_vectors and isinstance(r.vector, list):
                    values = [float(v) for v in r.vector if isinstance(v, (int, float))]
                    offer.embedding = Embedding(model=str(r.payload.get("embedding_model") or ""), dim=len(values),
                                                values=values)
                yield offer
            if offset is None:
                return

    def get_by_ref(self, ref: str) -> Offer | None:
        records, _ = self._client.scroll(self.collection, scroll_filter=_filter([("source_refs", ref)]),
                                         limit=1, with_payload=True)
        return from_payload(records[0].payload) if records and records[0].payload else None

    def search(
        self, vector: npt.NDArray[np.float32], limit: int, filters: OfferFilters | None = None
    ) -> list[ScoredOffer]:
        res = self._client.query_points(self.collection, query=vector.astype(np.float32).tolist(), limit=limit,
                                        query_filter=_filter(filters.conditions() if filters else []),
                                        with_payload=True)
        return [ScoredOffer(from_payload(p.payload), float(p.score)) for p in res.points if p.payload]

    def count(self) -> int:
        return int(self._client.count(self.collection, exact=True).count)

    def optimize(self) -> None:
        """The server runs its own optimizers."""

    def close(self) -> None:
        if self._owns_client:
            self._client.close()
