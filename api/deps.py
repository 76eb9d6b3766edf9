"""Annotated dependency aliases, resolved from what the lifespan put on ``app.state``.

Every route that embeds a text uses ``ModelWorkerDep`` (``await worker.encode_query(text)``): the model
runs on one dedicated thread. Every paged route checks its page with ``check_page``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError

from api.model_worker import ModelWorker
from api.settings import Settings
from ml.embedding import Embedder
from vector_index.base import VectorIndex
from vector_index.indexer import Indexer

_RETRY = {"Retry-After": "5"}


def _index(request: Request) -> VectorIndex:
    index: VectorIndex | None = getattr(request.app.state, "index", None)
    if index is None:
        raise HTTPException(503, "the offer index is not open yet; retry in a few seconds", headers=_RETRY)
    return index


def _embedder(request: Request) -> Embedder:
    embedder: Embedder | None = getattr(request.app.state, "embedder", None)
    if embedder is None:
        raise HTTPException(503, "the embedding model is still loading; retry in a few seconds", headers=_RETRY)
    return embedder


def _model_worker(request: Request) -> ModelWorker:
    worker: ModelWorker | None = getattr(request.app.state, "model_worker", None)
    if worker is None or worker.embedder is None:
        raise HTTPException(503, "the embedding model is still loading; retry in a few seconds", headers=_RETRY)
    return worker


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _indexer(request: Request) -> Indexer | None:
    return getattr(request.app.state, "indexer", None)


IndexDep = Annotated[VectorIndex, Depends(_index)]
EmbedderDep = Annotated[Embedder, Depends(_embedder)]
ModelWorkerDep = Annotated[ModelWorker, Depends(_model_worker)]
SettingsDep = Annotated[Settings, Depends(_settings)]
IndexerDep = Annotated[Indexer | None, Depends(_indexer)]


def check_page(settings: Settings, page: int, size: int, *, loc: tuple[str, ...] = ("body",),
               size_field: str = "size") -> int:
    """``API_MAX_LIMIT`` and ``API_MAX_RESULT_WINDOW`` applied to a page; returns its offset. A page out
    of bounds is a 422 naming the field, like any validation error."""
    if size > settings.max_limit:
        raise RequestValidationError([{
            "loc": (*loc, size_field), "type": "less_than_equal",
            "msg": f"Input should be less than or equal to {settings.max_limit} (API_MAX_LIMIT)"}])
    offset = (page - 1) * size
    if offset + size > settings.max_result_window:
        raise RequestValidationError([{
            "loc": (*loc, "page"), "type": "less_than_equal",
            "msg": f"page * size may not exceed {settings.max_result_window} (API_MAX_RESULT_WINDOW)"}])
    return offset
