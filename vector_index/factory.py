from __future__ import annotations

from core.settings import CommonSettings
from vector_index.base import VectorIndex
from vector_index.collections import DEFAULT_ALIAS, AliasRecord, Collections, collection_name, open_collections


def ensure_alias(collections: Collections, model: str, dim: int) -> AliasRecord:
    """The alias's record; on a first start (no alias yet) creates the first collection for ``model`` and
    points the alias at it. An existing alias wins: its model, not ``model``, is what the index holds."""
    record = collections.current()
    if record is None:
        record = AliasRecord(collection=collection_name(collections.alias, model), model=model, dim=dim)
        collections.open(record.collection, dim, model).close()  # created (and released) before it is named
        collections.switch(record)
    return record


def open_index(settings: CommonSettings, dim: int, collection: str = DEFAULT_ALIAS,
               model: str = "unknown") -> VectorIndex:
    """The collection the alias ``collection`` names: a Qdrant server when ``QDRANT_URL`` is set, else the
    in-process engine under the data dir. Vectors of two models never mix: each model gets its own
    collection, and a switch of models is a switch of the alias (``vector_index.collections``)."""
    collections = open_collections(settings, collection)
    try:
        record = ensure_alias(collections, model, dim)
        return collections.open(record.collection, record.dim, record.model)
    finally:
        collections.close()
