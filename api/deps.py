"""Annotated dependency aliases, resolved from what the lifespan put on ``app.state``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from api.settings import Settings
from ml.embedding import Embedder
from vector_index.base import VectorIndex
from vector_index.indexer import Indexer


def _index(request: Request) -> VectorIndex:
    index: VectorIndex | None = getattr(request.app.state, "index", None)
    if index is None:
        raise HTTPException(503, "the offer index is not open yet; retry in a few seconds")
    return index


def _embedder(request: Request) -> Embedder:
    embedder: Embedder | None = getattr(request.app.state, "embedder", None)
    if embedder is None:
        raise HTTPException(503, "the embedding model is still loading; retry in a few seconds")
    return embedder


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _indexer(request: Request) -> Indexer | None:
    return getattr(request.app.state, "indexer", None)


IndexDep = Annotated[VectorIndex, Depends(_index)]
EmbedderDep = Annotated[Embedder, Depends(_embedder)]
SettingsDep = Annotated[Settings, Depends(_settings)]
IndexerDep = Annotated[Indexer | None, Depends(_indexer)]
