from __future__ import annotations

from confluent_kafka.admin import AdminClient
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from api.deps import IndexerDep, SettingsDep
from api.models import DependencyStatus, HealthResponse

router = APIRouter(tags=["health"])


def _kafka(bootstrap: str) -> DependencyStatus:
    try:
        topics = AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=2).topics
        return DependencyStatus(ok=True, detail={"bootstrap": bootstrap, "topics": len(topics)})
    except Exception as exc:
        return DependencyStatus(ok=False, detail=f"{bootstrap}: {exc}")


@router.get("/health", response_model=HealthResponse, responses={503: {"model": HealthResponse}})
async def health(request: Request, response: Response, settings: SettingsDep, indexer: IndexerDep) -> HealthResponse:
    """Each dependency's state; 503 when one is down (load balancers read the status code)."""
    state = request.app.state
    deps: dict[str, DependencyStatus] = {"kafka": await run_in_threadpool(_kafka, settings.bootstrap_servers)}
    index = getattr(state, "index", None)
    if index is None:
        deps["index"] = DependencyStatus(ok=False, detail="not open")
    else:
        try:
            count = await run_in_threadpool(index.count)
            kind = "qdrant-server" if settings.qdrant_url else "in-process (qdrant-edge)"
            deps["index"] = DependencyStatus(ok=True, detail={"backend": kind, "offers": count})
        except Exception as exc:
            deps["index"] = DependencyStatus(ok=False, detail=str(exc))
    embedder = getattr(state, "embedder", None)
    deps["embedder"] = DependencyStatus(ok=embedder is not None, detail=getattr(embedder, "model_id", "loading"))
    if settings.run_indexer:
        if indexer is None:
            deps["indexer"] = DependencyStatus(ok=False, detail="not started")
        else:
            st = indexer.stats
            deps["indexer"] = DependencyStatus(ok=indexer.alive, detail={
                "upserted": st.upserted, "deleted": st.deleted, "skipped": st.skipped,
                "last_batch_at": st.last_batch_at, "errors": st.errors[-3:]})
    ok = all(d.ok for d in deps.values())
    if not ok:
        response.status_code = 503
    return HealthResponse(status="ok" if ok else "degraded", dependencies=deps)
