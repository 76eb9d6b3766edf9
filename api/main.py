"""The FastAPI application. ``create_app`` wires the index, the embedder and the indexer thread."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.accounts import start_accounts, stop_accounts
from api.errors import document_problems, install_problem_handlers, internal_error
from api.metrics import ApiMetrics, MetricsMiddleware
from api.middleware import BodySizeLimitMiddleware, ConcurrencyLimitMiddleware
from api.model_worker import ModelWorker
from api.probes import BackgroundCheck, database_check, index_check, kafka_check, mlflow_check, warehouse_check
from api.read_deps import build_catalog
from api.routes import auth as auth_routes
from api.routes import candidates as candidate_routes
from api.routes import health, offers, recommendations
from api.routes import models as model_routes
from api.routes import offer_writes as offer_write_routes
from api.routes import rome as rome_routes
from api.routes import stats as stats_routes
from api.serving import PinServingMiddleware, Rollout, Serving, ServingState, reembedder, resolve_serving
from api.settings import Settings
from core.kafka import ensure_topics
from ml.embedding import Embedder, default_embedder
from ml.serving import encoder_for_model_id
from ml.tracking import TrackingSettings
from vector_index import VectorIndex
from vector_index.collections import AliasRecord, indexer_group, open_collections
from vector_index.indexer import Indexer

log = structlog.get_logger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # anything else is replaced: it goes into logs


class RequestIdMiddleware:
    """Gives every request an id (the client's ``X-Request-ID`` when sane), binds it to the request's
    logs, echoes it on the response, and turns an unhandled exception into a logged 500 carrying it.

    A bug is a 500, never a 503: "retry later" would hide it from clients and from alerting.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID_HEADER.lower().encode(), b"").decode("latin-1")
        request_id = given if _CLIENT_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, request_id)
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception:
                log.exception("unhandled error", request_id=request_id, method=scope.get("method"),
                              path=scope.get("path"))
                if started:  # too late for a clean answer; the server closes the connection
                    raise
                resp = internal_error(scope.get("path"), request_id)
                resp.headers[REQUEST_ID_HEADER] = request_id
                await resp(scope, receive, send)


def _start_ready_checks(app: FastAPI, s: Settings) -> dict[str, BackgroundCheck]:
    """/ready's background checks (each on its own thread, bounded; the route reads their last result)."""
    every, timeout = s.ready_check_interval_s, s.ready_check_timeout_s
    checks = {
        "index": BackgroundCheck("index", index_check(app.state, s.qdrant_url), every, timeout),
        "warehouse": BackgroundCheck("warehouse", warehouse_check(s.data_dir, timeout), 3 * every, timeout),
        "registry": BackgroundCheck("registry", mlflow_check(TrackingSettings().tracking_uri, timeout), every,
                                    timeout),
        "database": BackgroundCheck("database", database_check(app.state), every, timeout),
    }
    for check in checks.values():
        check.start()
    return checks


def create_app(settings: Settings | None = None, embedder: Embedder | None = None,
               index: VectorIndex | None = None, on_fatal: Callable[[str], None] | None = None) -> FastAPI:
    """``on_fatal(reason)`` is called, from a background thread, when the app cannot recover by itself
    (the indexer gave up); ``python -m api`` uses it to stop the server and exit non-zero."""
    s = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = s
        probe = BackgroundCheck("broker", kafka_check(s.bootstrap_servers, s.health_kafka_timeout_s),
                                s.health_kafka_interval_s, s.health_kafka_timeout_s)
        probe.start()
        app.state.kafka_probe = probe
        try:
            await run_in_threadpool(start_accounts, app, s)  # relational store, migrated to head
            # Every model call, loading included, runs on the worker's one thread (tokenizers are not thread-safe).
            worker = app.state.model_worker = ModelWorker(cache_size=s.query_cache_size, metrics=app.state.metrics)
            record: AliasRecord | None = None
            if index is not None:  # handed in (tests): served as is, outside any alias
                model: Embedder = embedder if embedder is not None else await worker.call(default_embedder,
                                                                                           kind="load")
                idx = index
            else:  # the collection the alias names, and the encoder of ITS model (api/serving.py)
                collections = open_collections(s, s.collection)
                alias, model = await worker.call(resolve_serving, collections, embedder, default_embedder,
                                                 encoder_for_model_id, kind="load")
                idx, record = collections.open(alias.collection, alias.dim, alias.model), alias
            worker.embedder = model
            catalog = await run_in_threadpool(build_catalog, idx, model.dim)  # search/facets read model
            state.serving = Serving(model, idx, catalog, record.collection if record else None, owned=index is None)
            indexer, rollout = None, None
            if s.run_indexer:
                await run_in_threadpool(ensure_topics, s.bootstrap_servers)
                managed: dict[str, Any] = {}
                if record is not None:  # follows the alias; re-embeds what another model embedded
                    rollout = Rollout(state, collections, worker, s.indexer_group, encoder_for_model_id,
                                      build_catalog)
                    managed = {"model": record.model, "reembed": reembedder(worker, model),
                               "start_at": record.built_to, "watch": rollout.watch}
                group = indexer_group(s.indexer_group, record.collection) if record else s.indexer_group
                indexer = Indexer(idx, s.bootstrap_servers, group,
                                  fetch_max_wait_ms=s.kafka_fetch_max_wait_ms,
                                  max_outage_s=s.indexer_max_outage_s, on_failure=on_fatal,
                                  on_applied=catalog.apply, on_indexed=app.state.metrics.freshness.observe,
                                  **managed)
                indexer.start()
                app.state.indexer = indexer
            log.info("api ready", model=model.model_id, offers=idx.count(),
                     collection=record.collection if record else None)
            app.state.ready_checks = _start_ready_checks(app, s)
            try:
                yield
            finally:
                if indexer:
                    indexer.stop()
                if rollout is not None:
                    rollout.close()
                served = state.current()
                if served is not None and served.owned:  # we opened it, we close it
                    served.index.close()
        finally:
            await run_in_threadpool(probe.stop)
            await run_in_threadpool(stop_accounts, app)
            for check in getattr(app.state, "ready_checks", {}).values():
                check.stop(0.1)
            if getattr(app.state, "model_worker", None) is not None:
                await run_in_threadpool(app.state.model_worker.close)

    app = FastAPI(title="JobMarket API", version="0.1.0", lifespan=lifespan,
                  description="Offers and near-real-time recommendations for candidates.")
    # index, catalog and encoder: one bundle, pinned per request (api/serving.py)
    state = app.state = ServingState()
    app.state.settings = s
    install_problem_handlers(app)
    document_problems(app, s.max_limit)
    metrics = app.state.metrics = ApiMetrics(indexer=lambda: getattr(app.state, "indexer", None))
    app.add_middleware(PinServingMiddleware, current=state.current)  # innermost: pinned once admitted
    app.add_middleware(ConcurrencyLimitMiddleware, limit=s.max_concurrency, wait_s=s.concurrency_wait_s,
                       on_reject=metrics.rejected.labels("overloaded").inc)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=s.max_body_bytes,  # declared or chunked: a 413
                       on_reject=metrics.rejected.labels("body_too_large").inc)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(RequestIdMiddleware)
    app.include_router(health.router)
    app.include_router(offers.router)
    app.include_router(recommendations.router)
    app.include_router(model_routes.router)
    app.include_router(auth_routes.router)
    app.include_router(candidate_routes.router)
    app.include_router(offer_write_routes.router)
    app.include_router(rome_routes.router)
    app.include_router(stats_routes.router)
    return app
