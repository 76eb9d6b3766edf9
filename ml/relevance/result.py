"""What a benchmark run reports (M2's MLflow logging and the promotion gate read these)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class EvalSetInfo:
    version: str  # content hash of the queries and labels files
    name: str
    n_queries: int
    n_docs: int
    split: str
    path: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BenchResult:
    name: str  # "bm25", "dense:use-multilingual", "hybrid:use+bm25+rerank", "seed:minilm-knn-0.75", ...
    kind: str  # "baseline" | "candidate"
    params: dict[str, str | int | float] = field(default_factory=dict)
    # ndcg_at_10, p_at_10, recall_at_50, mrr, similarity_score, mean_similarity, diversity_score,
    # encode_docs_per_s, query_latency_p50_ms, query_latency_p99_ms
    metrics: dict[str, float] = field(default_factory=dict)
    per_query_ndcg: dict[str, float] = field(default_factory=dict)  # query id → nDCG@10
    config: dict[str, object] = field(default_factory=dict)  # everything needed to rebuild the pipeline

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
