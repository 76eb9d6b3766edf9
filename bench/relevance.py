"""The relevance benchmark: every baseline and candidate configuration on one split of the eval set.

    python -m bench.relevance [--split dev|heldout] [--limit N] [--e5] [--only NAME ...] [--cache DIR]

Prints a table (one row per configuration, metrics of the chosen split) and one JSON line of the figures.
Document vectors are cached on disk (``$JOBMARKET_DATA_DIR/relevance_cache`` by default), keyed by model
and text hash, so a second run only encodes queries; ``--limit`` subsamples the corpus (deterministic)
for slow encoders such as e5 (``--e5``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ml.relevance.configs import default_configs
from ml.relevance.result import BenchResult, EvalSetInfo
from ml.relevance.runner import run_benchmark

COLUMNS = [("ndcg_at_10", "nDCG@10"), ("p_at_10", "P@10"), ("recall_at_50", "R@50"), ("mrr", "MRR"),
           ("similarity_score", "sim"), ("mean_similarity", "mean sim"), ("diversity_score", "div"),
           ("encode_docs_per_s", "docs/s"), ("query_latency_p50_ms", "p50 ms"), ("query_latency_p99_ms", "p99 ms")]


def print_table(info: EvalSetInfo, results: list[BenchResult]) -> None:
    from rich.console import Console
    from rich.table import Table

    best = max((r.metrics["ndcg_at_10"] for r in results), default=0.0)
    table = Table(title=f"{info.name} v{info.version} · split {info.split} · {info.n_queries} queries · "
                        f"{info.n_docs} offers")
    table.add_column("configuration")
    table.add_column("kind")
    for _, label in COLUMNS:
        table.add_column(label, justify="right")
    for r in sorted(results, key=lambda r: -r.metrics["ndcg_at_10"]):
        cells = [f"{r.metrics[k]:.3f}" if k not in ("encode_docs_per_s",) and "ms" not in k
                 else f"{r.metrics[k]:.1f}" for k, _ in COLUMNS]
        style = "bold green" if r.metrics["ndcg_at_10"] == best else None
        table.add_row(r.name, r.kind, *cells, style=style)
    Console(width=max(Console().width, 180)).print(table)


def figures(info: EvalSetInfo, results: list[BenchResult]) -> dict[str, object]:
    by_ndcg = sorted(results, key=lambda r: -r.metrics["ndcg_at_10"])
    singles = [r for r in results if r.kind == "baseline" and not r.name.startswith("seed:")]
    best_single = max(singles, key=lambda r: r.metrics["ndcg_at_10"]) if singles else None
    minilm = next((r for r in results if r.name == "dense:minilm"), None)
    out: dict[str, object] = {
        "bench": "relevance", "evalset": info.to_dict(),
        "results": {r.name: {k: round(v, 4) for k, v in r.metrics.items()} for r in results},
        "best": by_ndcg[0].name if by_ndcg else None,
    }
    if by_ndcg and best_single:
        out["best_minus_best_single"] = round(by_ndcg[0].metrics["ndcg_at_10"] - best_single.metrics["ndcg_at_10"], 4)
        out["best_single"] = best_single.name
    if by_ndcg and minilm:
        out["best_minus_minilm"] = round(by_ndcg[0].metrics["ndcg_at_10"] - minilm.metrics["ndcg_at_10"], 4)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--split", choices=["dev", "heldout", "all"], default="heldout")
    ap.add_argument("--limit", type=int, default=None, help="subsample the corpus to N offers")
    ap.add_argument("--e5", action="store_true", help="also multilingual-e5-small (slow: cache, or --limit)")
    ap.add_argument("--only", nargs="*", default=None, help="configuration names to run")
    ap.add_argument("--cache", type=Path, default=None)
    args = ap.parse_args()
    configs = default_configs(with_e5=args.e5)
    if args.only:
        configs = [c for c in configs if c.name in set(args.only)]
    info, results = run_benchmark(args.split, configs, args.limit, args.cache)
    print_table(info, results)
    print(json.dumps(figures(info, results), ensure_ascii=False))


if __name__ == "__main__":
    main()
