from __future__ import annotations

from core.settings import CommonSettings
from vector_index.base import VectorIndex


def open_index(settings: CommonSettings, dim: int, collection: str = "offers") -> VectorIndex:
    """A Qdrant server when ``QDRANT_URL`` is set, else the in-process engine under the data dir.

    The in-process directory is per collection and dimension, so changing the embedding model starts
    a fresh index instead of mixing vectors of two models.
    """
    if settings.qdrant_url:
        from vector_index.qdrant_server import QdrantServerIndex

        return QdrantServerIndex(settings.qdrant_url, collection, dim, settings.qdrant_api_key)
    from vector_index.edge import EdgeIndex

    return EdgeIndex(settings.data_dir / "index" / f"{collection}-{dim}d", dim)
