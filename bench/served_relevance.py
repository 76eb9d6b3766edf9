"""Relevance of what SERVES: the eval set's queries through ``POST /api/recommendations`` of the real API.

    python -m bench.served_relevance [--split heldout|dev|all] [--limit N] [--text-only]

``bench/relevance.py`` measures configurations on the benchmark's own code; this measures the deployed
path end to end: the serving encoder (``ml.serving``) embeds the corpus into a real in-process Qdrant
index (qdrant-edge, HNSW), the API builds its read model (BM25) from it, and each query is one HTTP
request with the profile a candidate would give (text, city, contract, seniority). ``--text-only`` sends
the text alone, as a client that knows nothing of the profile fields would.

Prints nDCG@10, P@10, recall@50 and MRR, the request latency, and one JSON line of the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from rich.progress import track

from api.main import create_app
from api.settings import Settings
from ml.embedding import embed_offers
from ml.relevance.evalset import EvalSet, Query, load_corpus, load_evalset, offer_ref
from ml.relevance.metrics import ndcg_at_k, precision_at_k, recall_at_k, reciprocal_rank
from ml.serving import default_encoder
from schemas.events import ContractType
from vector_index.edge import EdgeIndex

DEPTH = 50  # results asked per query (recall@50)
CONTRACTS = {c.value.lower(): c.value for c in ContractType}


def request_body(q: Query, text_only: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"text": q.text, "size": DEPTH}
    if text_only:
        return body
    if q.city:
        body["city"] = q.city
    if q.contract and q.contract.lower() in CONTRACTS:
        body["contract_types"] = [CONTRACTS[q.contract.lower()]]
    if q.seniority:
        body["seniority"] = q.seniority
    return body


def build_index(evalset: EvalSet, path: Path) -> tuple[EdgeIndex, dict[str, str], Any]:
    encoder = default_encoder()
    offers = [o.model_copy(deep=True) for o in evalset.offers]
    for start in track(range(0, len(offers), 64), description=f"embedding with {encoder.model_id}"):
        embed_offers(offers[start:start + 64], encoder)
    index = EdgeIndex(path, encoder.dim)
    index.upsert(offers)
    index.optimize()
    return index, {o.id: offer_ref(o) for o in offers}, encoder


def run(split: str, limit: int | None, text_only: bool) -> dict[str, Any]:
    offers, real = load_corpus()
    if limit:
        offers = offers[:limit]
    evalset = load_evalset(split, offers=offers)
    with tempfile.TemporaryDirectory() as tmp:
        index, ref_of, encoder = build_index(evalset, Path(tmp) / "index")
        settings = Settings(data_dir=Path(tmp), run_indexer=False)
        app = create_app(settings, embedder=encoder, index=index)
        scores: dict[str, list[float]] = {"ndcg_at_10": [], "p_at_10": [], "recall_at_50": [], "mrr": []}
        latencies = []
        by_kind: dict[str, list[float]] = {}  # nDCG@10 per query style and per language
        with TestClient(app) as client:
            for q in track(evalset.queries, description=f"{len(evalset.queries)} queries"):
                labels = evalset.judged(q.id)
                if not labels:
                    continue
                t0 = time.perf_counter()
                resp = client.post("/api/recommendations", json=request_body(q, text_only))
                latencies.append(time.perf_counter() - t0)
                resp.raise_for_status()
                ranked = [ref_of.get(r["offer"]["id"], "") for r in resp.json()["results"]]
                scores["ndcg_at_10"].append(ndcg_at_k(ranked, labels, 10))
                for kind in (f"style:{q.style}", f"lang:{q.lang}"):
                    by_kind.setdefault(kind, []).append(scores["ndcg_at_10"][-1])
                scores["p_at_10"].append(precision_at_k(ranked, labels, 10))
                scores["recall_at_50"].append(recall_at_k(ranked, labels, 50))
                scores["mrr"].append(reciprocal_rank(ranked, labels))
        index.close()
    latencies.sort()
    return {"bench": "served_relevance", "split": split, "text_only": text_only, "model": encoder.model_id,
            "recipe": encoder.pipeline.name, "real_offers": real, "offers": len(evalset.offers),
            "queries": len(scores["ndcg_at_10"]), "eval_version": evalset.info.version,
            **{k: round(statistics.fmean(v), 4) if v else 0.0 for k, v in scores.items()},
            "ndcg_at_10_by": {k: {"queries": len(v), "ndcg_at_10": round(statistics.fmean(v), 4)}
                              for k, v in sorted(by_kind.items())},
            "latency_p50_ms": round(1000 * latencies[len(latencies) // 2], 1) if latencies else None,
            "latency_p99_ms": round(1000 * latencies[int(len(latencies) * 0.99)], 1) if latencies else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="heldout", choices=["dev", "heldout", "all"])
    parser.add_argument("--limit", type=int, default=None, help="only the first N offers of the corpus")
    parser.add_argument("--text-only", action="store_true", help="send the query text alone")
    args = parser.parse_args()
    out = run(args.split, args.limit, args.text_only)
    for key in ("ndcg_at_10", "p_at_10", "recall_at_50", "mrr", "latency_p50_ms", "latency_p99_ms"):
        print(f"{key:>16}: {out[key]}")
    for kind, figures in out["ndcg_at_10_by"].items():
        print(f"{kind:>24}: nDCG@10 {figures['ndcg_at_10']} ({figures['queries']} queries)")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
