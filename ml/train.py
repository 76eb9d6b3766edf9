"""``jobmarket train``: run the relevance benchmark, log every result to MLflow, register the best
candidate as ``MatchingPipeline`` and move ``champion`` only past the gate.

Each :class:`BenchResult` becomes one run of experiment ``matching`` (params, held-out metrics, the eval
set as a dataset input whose digest is its version, its configuration and per-query nDCG@10 as
artifacts, tags ``kind``/``name``/``split``). The gate compares the candidate with the champion query by
query on the same eval set version: the champion's own logged per-query nDCG@10 when it was measured on
this version, else this run's measurement of the champion's configuration; with neither, it refuses.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from rich.console import Console
from rich.table import Table

from ml.registry import (
    CHAMPION,
    GATE_METRIC,
    PER_QUERY_ARTIFACT,
    GateDecision,
    champion_version,
    client,
    gate_decision,
    log_pipeline,
    run_dict,
    set_champion,
    tag_decision,
)
from ml.relevance.result import BenchResult, EvalSetInfo
from ml.tracking import TrackingSettings, ensure_experiment, server_ready, use_tracking_uri

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from mlflow import MlflowClient

log = structlog.get_logger(__name__)

GATE_SPLIT = "heldout"  # promotion is judged on queries tuning never saw
TABLE_METRICS = [("ndcg_at_10", "nDCG@10"), ("p_at_10", "P@10"), ("recall_at_50", "R@50"), ("mrr", "MRR"),
                 ("similarity_score", "sim"), ("diversity_score", "div"), ("encode_docs_per_s", "docs/s"),
                 ("query_latency_p50_ms", "p50 ms"), ("query_latency_p99_ms", "p99 ms")]
# The offers a registered pipeline matches against, and their vectors when already known.
Corpus = tuple[list[dict[str, str]], "npt.NDArray[np.float32] | None"]


@dataclass
class TrainOutcome:
    experiment_id: str
    run_ids: dict[str, str]  # result name → run id
    best: BenchResult | None
    version: str | None  # the registered MatchingPipeline version
    decision: GateDecision | None


def best_candidate(results: Sequence[BenchResult]) -> BenchResult | None:
    candidates = [r for r in results if r.kind == "candidate" and GATE_METRIC in r.metrics]
    return max(candidates, key=lambda r: r.metrics[GATE_METRIC], default=None)


def results_table(info: EvalSetInfo, results: Sequence[BenchResult], best: BenchResult | None = None) -> Table:
    table = Table(title=f"{info.name} {info.version} · split {info.split} · {info.n_queries} queries, "
                        f"{info.n_docs} offers", title_justify="left")
    table.add_column("configuration")
    table.add_column("kind")
    for _, label in TABLE_METRICS:
        table.add_column(label, justify="right")
    for r in sorted(results, key=lambda r: -r.metrics.get(GATE_METRIC, float("-inf"))):
        cells = [f"{r.metrics[k]:.3f}" if k in r.metrics and k.startswith(("ndcg", "p_", "recall", "mrr", "sim", "div"))
                 else f"{r.metrics[k]:.1f}" if k in r.metrics else "–" for k, _ in TABLE_METRICS]
        table.add_row(f"[bold]{r.name}[/bold]" if r is best else r.name, r.kind, *cells)
    return table


def _config_key(config: dict[str, Any]) -> str:
    """What makes two results the same pipeline (not the eval set version they were measured on)."""
    return json.dumps(config.get("pipeline", config), sort_keys=True, default=str)


def log_result(info: EvalSetInfo, result: BenchResult, experiment_id: str) -> str:
    """One run for one benchmark result; returns its run id."""
    import mlflow
    from mlflow.data.dataset_source_registry import resolve_dataset_source
    from mlflow.data.meta_dataset import MetaDataset

    tags = {"kind": result.kind, "name": result.name, "split": info.split, "eval_version": info.version}
    with mlflow.start_run(experiment_id=experiment_id, run_name=result.name, tags=tags) as run:
        mlflow.log_params({k: str(v)[:6000] for k, v in result.params.items()})
        mlflow.log_metrics(result.metrics)
        # The eval set's identity only (name, digest = its version): the files live in the repository.
        with warnings.catch_warnings():  # a local path resolves to two equivalent source classes
            warnings.simplefilter("ignore")
            source = resolve_dataset_source(info.path)
        dataset = MetaDataset(source, name=info.name, digest=info.version)  # type: ignore[abstract]
        mlflow.log_input(dataset, context=info.split)
        mlflow.log_dict(result.config, "config.json")
        mlflow.log_dict(result.per_query_ndcg, PER_QUERY_ARTIFACT)
        return str(run.info.run_id)


def champion_per_query(c: MlflowClient, info: EvalSetInfo, results: Sequence[BenchResult]
                       ) -> tuple[dict[str, float] | None, str | None]:
    """The champion's per-query nDCG@10 on this eval set version: (scores, None), or (None, why not)."""
    champion = champion_version(c)
    if champion is None or champion.run_id is None:
        return None, None
    run = c.get_run(champion.run_id)
    if run.data.tags.get("eval_version") == info.version and run.data.tags.get("split") == info.split:
        return {k: float(v) for k, v in run_dict(c, champion.run_id, PER_QUERY_ARTIFACT).items()}, None
    key = _config_key(run_dict(c, champion.run_id, "config.json"))
    same = [r for r in results if _config_key(r.config) == key]
    if same:
        return same[0].per_query_ndcg, None
    return None, (f"champion v{champion.version} was measured on eval set {run.data.tags.get('eval_version')} "
                  f"and its configuration is not in this run: no paired comparison")


def record(info: EvalSetInfo, results: Sequence[BenchResult], uri: str, experiment: str = "matching",
           corpus_for: Callable[[dict[str, Any]], Corpus] | None = None, z: float = 2.0,
           console: Console | None = None) -> TrainOutcome:
    """Logs every result, registers the best candidate, applies the gate. ``corpus_for(config)`` gives the
    offers the registered pipeline matches against (see :data:`Corpus`)."""

    out = console or Console(stderr=True)
    with use_tracking_uri(uri):
        return _record(info, results, uri, experiment, corpus_for, z, out)


def _record(info: EvalSetInfo, results: Sequence[BenchResult], uri: str, experiment: str,
            corpus_for: Callable[[dict[str, Any]], Corpus] | None, z: float, out: Console) -> TrainOutcome:
    import mlflow

    experiment_id = ensure_experiment(experiment, uri)
    run_ids = {r.name: log_result(info, r, experiment_id) for r in results}
    best = best_candidate(results)
    out.print(results_table(info, results, best))
    if best is None:
        out.print("no candidate configuration among the results: nothing to register")
        return TrainOutcome(experiment_id, run_ids, None, None, None)
    c = client(uri)
    champion_scores, why_not = champion_per_query(c, info, results)
    had_champion = champion_version(c) is not None
    docs, vectors = corpus_for(best.config) if corpus_for else ([], None)
    with mlflow.start_run(run_id=run_ids[best.name]):
        model = log_pipeline(best.config, docs, vectors)
    version = str(model.registered_model_version)
    if info.split != GATE_SPLIT:
        decision = GateDecision(False, f"judged on split '{info.split}': only '{GATE_SPLIT}' can promote")
    elif why_not is not None:
        decision = GateDecision(False, why_not)
    elif had_champion and champion_scores is None:
        decision = GateDecision(False, "the champion's per-query scores are missing: no paired comparison")
    else:
        decision = gate_decision(best.per_query_ndcg, champion_scores, z)
    if decision.promote:
        set_champion(c, version)
    tag_decision(c, version, decision)
    c.set_model_version_tag("MatchingPipeline", version, "eval_version", info.version)
    c.set_model_version_tag("MatchingPipeline", version, "config_name", best.name)
    with mlflow.start_run(run_id=run_ids[best.name]):
        mlflow.set_tags({"registered_version": version, "gate_decision": "promoted" if decision.promote else "refused",
                         "gate_reason": decision.reason})
    verdict = (f"[green]{CHAMPION} → v{version}[/green]" if decision.promote
               else f"[yellow]{CHAMPION} unchanged[/yellow]")
    out.print(f"registered {best.name} as MatchingPipeline v{version}; {verdict}: {decision.reason}")
    return TrainOutcome(experiment_id, run_ids, best, version, decision)


def sample_corpus(config: dict[str, Any], count: int = 100) -> Corpus:
    """The registered pipeline's reference corpus: the project's own first ``count`` sample offers (no real
    offer is copied), embedded as the configuration says; their vectors come from the benchmark's cache."""
    from ml.pipeline import embedder_for
    from ml.relevance.encoders import VectorCache
    from ml.relevance.evalset import load_sample_offers, offer_ref
    from ml.relevance.runner import default_cache_dir
    from ml.relevance.texts import lexical_text, passage_text

    template = str((config.get("pipeline") or {}).get("template", "search_text"))
    offers = load_sample_offers(count)
    docs = [{"id": offer_ref(o), "text": passage_text(o, template), "lexical": lexical_text(o)} for o in offers]
    encoder = embedder_for(config)
    if encoder is None:
        return docs, None
    vectors, _ = VectorCache(default_cache_dir()).encode(encoder, [d["text"] for d in docs])
    return docs, vectors


def select_configs(names: list[str] | None) -> list[Any] | None:
    """The benchmark configurations named (all of them when ``names`` is None); unknown names are an error."""
    import os

    from ml.relevance.configs import default_configs

    if not names:
        return None
    known = {c.name: c for c in default_configs(with_e5=os.environ.get("RELEVANCE_E5") == "1" or
                                                 any("e5" in n for n in names))}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown configuration(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return [known[n] for n in names]


def train(split: str = "heldout", limit: int | None = None, configs: list[str] | None = None,
          settings: TrackingSettings | None = None, console: Console | None = None) -> TrainOutcome:
    from ml.relevance import runner

    s = settings or TrackingSettings()
    out = console or Console(stderr=True)
    selected = select_configs(configs)
    if not server_ready(s.tracking_uri, 2.0):
        raise RuntimeError(f"no MLflow tracking server answers at {s.tracking_uri}: start `jobmarket up` "
                           "(or set MLFLOW_TRACKING_URI, e.g. to sqlite:///path/mlflow.db)")
    info, results = runner.run_benchmark(split=split, configs=selected, offers_limit=limit)
    return record(info, results, s.tracking_uri, s.experiment, corpus_for=sample_corpus, console=out)
