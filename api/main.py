"""The FastAPI application. ``create_app`` wires the index, the embedder and the indexer thread."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.routes import health, offers, recommendations
from api.settings import Settings
from core.kafka import ensure_topics
from ml.embedding import Embedder, default_embedder
from vector_index import VectorIndex, open_index
from vector_index.indexer import Indexer

log = structlog.get_logger(__name__)


def create_app(settings: Settings | None = None, embedder: Embedder | None = None,
               index: VectorIndex | None = None) -> FastAPI:
    s = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = s
        model: Embedder = embedder if embedder is not None else await run_in_threadpool(default_embedder)
        app.state.embedder = model
        idx = index or open_index(s, model.dim, s.collection)
        app.state.index = idx
        indexer = None
        if s.run_indexer:
            await run_in_threadpool(ensure_topics, s.bootstrap_servers)
            indexer = Indexer(idx, s.bootstrap_servers, s.indexer_group, fetch_max_wait_ms=s.kafka_fetch_max_wait_ms)
            indexer.start()
            app.state.indexer = indexer
        log.info("api ready", model=model.model_id, offers=idx.count())
        try:
            yield
        finally:
            if indexer:
                indexer.stop()
            if index is None:  # we opened it, we close it
                idx.close()

    app = FastAPI(title="JobMarket API", version="0.1.0", lifespan=lifespan,
                  description="Offers and near-real-time recommendations for candidates.")
    app.state.settings = s

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Log the bug with its trace, but answer something a client can act on.
        log.exception("unhandled error", path=request.url.path)
        return JSONResponse(status_code=503, content={"detail": "temporarily unavailable; please retry"})

    app.include_router(health.router)
    app.include_router(offers.router)
    app.include_router(recommendations.router)
    return app
