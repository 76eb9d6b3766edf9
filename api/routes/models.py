"""``GET /api/models``: the registered ``MatchingPipeline`` versions, their held-out metrics and aliases, and
the model that serves now. A registry that is down is reported (``registry: "unreachable"``), never a 500:
serving does not depend on it."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from ml.registry import CHAMPION, MODEL_NAME, list_versions
from ml.tracking import TrackingSettings

router = APIRouter(prefix="/api/models", tags=["models"])

# What the list shows of each run (the benchmark logs more; the UI on MLFLOW_PORT has everything).
SHOWN_METRICS = ("ndcg_at_10", "p_at_10", "recall_at_50", "mrr", "similarity_score", "mean_similarity",
                 "diversity_score", "encode_docs_per_s", "query_latency_p50_ms", "query_latency_p99_ms")


class ServingModel(BaseModel):
    model_id: str | None = Field(description="The encoder embedding queries now (None while it loads).")
    version: str | None = Field(default=None, description="Its registered version, when it came from the registry.")
    source: Literal["registry", "default"] | None = Field(
        default=None, description="`registry`: the champion; `default`: the benchmark's winner, packaged.")
    recipe: str | None = Field(default=None, description="The ranking configuration served with it.")


class ModelVersionView(BaseModel):
    version: str
    aliases: list[str]
    configuration: str | None = Field(description="The benchmark configuration registered.")
    eval_version: str | None = Field(description="The eval set version its metrics were measured on.")
    metrics: dict[str, float] = Field(description="Held-out metrics of its benchmark run.")
    gate_decision: str | None = None
    gate_reason: str | None = None
    created_at_ms: int | None = None
    serving: bool = False


class ModelsResponse(BaseModel):
    model_name: str = MODEL_NAME
    registry: Literal["ok", "unreachable"]
    champion: str | None = Field(default=None, description="The version the `champion` alias points at.")
    serving: ServingModel
    versions: list[ModelVersionView] = Field(default_factory=list)


@router.get("", response_model=ModelsResponse)
async def list_models(request: Request) -> ModelsResponse:
    """Registered matching pipelines, newest first, and which model serves."""
    state = request.app.state
    embedder = getattr(state, "embedder", None)
    serving_version = getattr(embedder, "version", None)
    pipeline = getattr(embedder, "pipeline", None)
    serving = ServingModel(model_id=getattr(embedder, "model_id", None),
                           version=str(serving_version) if serving_version is not None else None,
                           source=getattr(embedder, "source", None), recipe=getattr(pipeline, "name", None))
    tracking = TrackingSettings()
    versions = await run_in_threadpool(list_versions, tracking.tracking_uri, tracking.lookup_timeout_s)
    if versions is None:
        return ModelsResponse(registry="unreachable", serving=serving)
    views = [ModelVersionView(
        version=v.version, aliases=v.aliases, configuration=v.tags.get("config_name") or v.run_name,
        eval_version=v.tags.get("eval_version"),
        metrics={k: v.metrics[k] for k in SHOWN_METRICS if k in v.metrics},
        gate_decision=v.tags.get("gate_decision"), gate_reason=v.tags.get("gate_reason"),
        created_at_ms=v.created_at_ms, serving=v.version == serving.version) for v in versions]
    champion = next((v.version for v in views if CHAMPION in v.aliases), None)
    return ModelsResponse(registry="ok", champion=champion, serving=serving, versions=views)
