"""``/health`` and ``/ready``, both answered from cached background checks: never blocking on a dead broker.

* ``/health`` (unchanged contract; what ``jobmarket up``, the tests and load balancers poll): is this API
  able to serve fresh offers right now? 503 as soon as any of broker, index, model or the indexer thread
  is down. Coarse, and what a supervisor restarts on when the indexer gives up.
* ``/ready``: one line per dependency — broker, index, model, warehouse, registry (MLflow), database —
  each ``ok`` (``null`` when that dependency is not configured here), ``required`` and a small detail.
  503 only when a REQUIRED one is down (``API_READY_REQUIRED``, default broker, index and model); the
  warehouse (stats), the registry (model listing) and the database (accounts, writes) are reported but
  optional by default: without them offers and recommendations are still served.

The public answers hold states and counts only; addresses and exception texts go to the log.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from api.deps import IndexerDep, SettingsDep
from api.models import DependencyStatus, HealthResponse, ReadyCheck, ReadyResponse
from api.probes import BackgroundCheck

log = structlog.get_logger(__name__)
router = APIRouter(tags=["health"])


def broker_status(state: Any) -> DependencyStatus:
    """The last broker check (``BackgroundCheck`` in ``api.probes``): up with its topic count, or why not."""
    probe: BackgroundCheck | None = getattr(state, "kafka_probe", None)
    if probe is None:
        return DependencyStatus(ok=False, detail={"state": "not checked yet"})
    result = probe.status()
    return DependencyStatus(ok=bool(result.ok), detail=result.detail)


@router.get("/health", response_model=HealthResponse, responses={503: {"model": HealthResponse}})
async def health(request: Request, response: Response, settings: SettingsDep, indexer: IndexerDep) -> HealthResponse:
    """Each dependency's state; 503 when one is down (load balancers read the status code)."""
    state = request.app.state
    deps: dict[str, DependencyStatus] = {"kafka": broker_status(state)}
    index = getattr(state, "index", None)
    if index is None:
        deps["index"] = DependencyStatus(ok=False, detail="not open")
    else:
        try:
            count = await run_in_threadpool(index.count)
            kind = "qdrant-server" if settings.qdrant_url else "in-process (qdrant-edge)"
            deps["index"] = DependencyStatus(ok=True, detail={"backend": kind, "offers": count})
        except Exception:
            log.exception("health: index count failed")
            deps["index"] = DependencyStatus(ok=False, detail="error (see the API log)")
    embedder = getattr(state, "embedder", None)
    deps["embedder"] = DependencyStatus(ok=embedder is not None, detail=getattr(embedder, "model_id", "loading"))
    if settings.run_indexer:
        if indexer is None:
            deps["indexer"] = DependencyStatus(ok=False, detail="not started")
        else:
            st, status = indexer.stats, indexer.state
            deps["indexer"] = DependencyStatus(ok=status in ("running", "retrying"), detail={
                "state": status, "upserted": st.upserted, "deleted": st.deleted, "dead_lettered": st.dead_lettered,
                "retries": st.retries, "errors": st.error_count, "last_batch_at": st.last_batch_at,
                "failing_since": st.failing_since})
    ok = all(d.ok for d in deps.values())
    if not ok:
        response.status_code = 503
    return HealthResponse(status="ok" if ok else "degraded", dependencies=deps)


READY_EXAMPLE = {"status": "ready", "checks": {
    "broker": {"ok": True, "required": True, "detail": {"topics": 9, "checked_s_ago": 1.2}},
    "index": {"ok": True, "required": True, "detail": {"backend": "in-process (qdrant-edge)", "offers": 305}},
    "model": {"ok": True, "required": True, "detail": {"model": "st:all-MiniLM-L6-v2@128"}},
    "warehouse": {"ok": True, "required": False, "detail": {"backend": "duckdb"}},
    "registry": {"ok": False, "required": False, "detail": {"state": "unreachable"}},
    "database": {"ok": None, "required": False, "detail": {"state": "not configured"}}}}


@router.get("/ready", response_model=ReadyResponse,
            responses={200: {"content": {"application/json": {"example": READY_EXAMPLE}}},
                       503: {"model": ReadyResponse, "description": "A required dependency is down."}})
async def ready(request: Request, response: Response, settings: SettingsDep) -> ReadyResponse:
    """Each dependency's readiness; 503 when a required one is down (see ``API_READY_REQUIRED``)."""
    state = request.app.state
    required = set(settings.ready_required)
    checks: dict[str, ReadyCheck] = {}
    kafka = broker_status(state)
    checks["broker"] = ReadyCheck(ok=kafka.ok, required="broker" in required,
                                  detail=kafka.detail if isinstance(kafka.detail, dict) else {"state": kafka.detail})
    embedder = getattr(state, "embedder", None)
    checks["model"] = ReadyCheck(ok=embedder is not None, required="model" in required,
                                 detail={"model": embedder.model_id} if embedder else {"state": "loading"})
    probes: dict[str, BackgroundCheck] = getattr(state, "ready_checks", {})
    for name in ("index", "warehouse", "registry", "database"):
        bg = probes.get(name)
        if bg is None:
            checks[name] = ReadyCheck(ok=False, required=name in required, detail={"state": "not checked yet"})
            continue
        result = bg.status()
        checks[name] = ReadyCheck(ok=result.ok, required=name in required, detail=result.detail)
    is_ready = all(c.ok for c in checks.values() if c.required)
    if not is_ready:
        response.status_code = 503
        response.headers["Retry-After"] = "5"
    return ReadyResponse(status="ready" if is_ready else "not ready", checks=checks)


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE_LATEST: {}},
                                                                  "description": "Prometheus text format."}})
async def metrics(request: Request) -> Response:
    """Prometheus metrics of this API process: requests by route template and status, latency histograms,
    requests in flight, model-call latency, query-cache hits, indexer counters."""
    api_metrics = request.app.state.metrics
    return Response(generate_latest(api_metrics.registry), media_type=CONTENT_TYPE_LATEST)
