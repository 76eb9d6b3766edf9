"""One small end-to-end run of the benchmark on the sample-feed part, with the real MiniLM."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ml.embedding import Embedder
from ml.relevance.configs import PipelineConfig
from ml.relevance.evalset import load_evalset, load_sample_offers
from ml.relevance.metrics import ndcg_at_k
from ml.relevance.runner import run_benchmark, subsample, without_city

METRICS = {"ndcg_at_10", "p_at_10", "recall_at_50", "mrr", "similarity_score", "mean_similarity",
           "diversity_score", "encode_docs_per_s", "query_latency_p50_ms", "query_latency_p99_ms"}


@pytest.mark.slow
def test_runner_measures_baselines_and_a_hybrid_on_the_sample_part(embedder: Embedder, tmp_path: Path) -> None:
    offers = load_sample_offers(150)
    configs = [
        PipelineConfig("bm25", "baseline", lexical=True),
        PipelineConfig("dense:minilm", "baseline", encoder="minilm"),
        PipelineConfig("seed:minilm-knn-0.75", "baseline", encoder="minilm", knn=10, threshold=0.75),
        PipelineConfig("hybrid:minilm+bm25+rerank", encoder="minilm", lexical=True,
                       rerank={"distance": 0.3, "contract": 0.1}, city_as_facet=True),
        PipelineConfig("hybrid:minilm+bm25+rerank+prf", encoder="minilm", lexical=True,
                       rerank={"distance": 0.3, "contract": 0.1}, city_as_facet=True, feedback_docs=5,
                       feedback_weight=1.0),
    ]
    info, results = run_benchmark("heldout", configs, cache_dir=tmp_path, progress=False, offers=offers,
                                  encoders={"minilm": embedder})
    evalset = load_evalset("heldout", offers=offers)
    assert info.version == evalset.info.version and info.n_docs == 150 and info.n_queries > 20
    assert [r.name for r in results] == [c.name for c in configs]
    for r in results:
        assert set(r.metrics) == METRICS
        assert 0.0 <= r.metrics["ndcg_at_10"] <= 1.0
        assert set(r.per_query_ndcg) == {q.id for q in evalset.queries}
        assert r.config["evalset_version"] == info.version
    # every supervised ranking beats shuffling the corpus
    rng = random.Random(0)
    refs = evalset.refs
    random_ndcg = sum(ndcg_at_k(rng.sample(refs, len(refs)), evalset.judged(q.id)) for q in evalset.queries)
    random_ndcg /= len(evalset.queries)
    by_name = {r.name: r for r in results}
    for name in ("bm25", "dense:minilm", "hybrid:minilm+bm25+rerank", "hybrid:minilm+bm25+rerank+prf"):
        assert by_name[name].metrics["ndcg_at_10"] > random_ndcg + 0.1
    # feedback searches again with another vector: some rankings change
    with_prf, without = by_name["hybrid:minilm+bm25+rerank+prf"], by_name["hybrid:minilm+bm25+rerank"]
    assert with_prf.per_query_ndcg != without.per_query_ndcg
    assert by_name["dense:minilm"].metrics["similarity_score"] > 0
    assert by_name["dense:minilm"].config["embedding"] == {"backend": "sentence-transformers",
                                                           "model": "packaged:all-MiniLM-L6-v2"}
    # the seed's threshold keeps fewer results than plain dense kNN
    assert by_name["seed:minilm-knn-0.75"].metrics["recall_at_50"] <= by_name["dense:minilm"].metrics["recall_at_50"]
    # document vectors were cached on disk and a second run reads them back
    assert list(tmp_path.glob("*.npz"))
    _, again = run_benchmark("heldout", configs[1:2], cache_dir=tmp_path, progress=False, offers=offers,
                             encoders={"minilm": embedder})
    assert again[0].per_query_ndcg == by_name["dense:minilm"].per_query_ndcg


def test_subsample_is_deterministic() -> None:
    offers = load_sample_offers(40)
    a, b = subsample(offers, 10), subsample(list(reversed(offers)), 10)
    assert [o.id for o in a] == [o.id for o in b] and len(a) == 10
    assert subsample(offers, None) is offers


def test_the_profile_city_leaves_the_matched_text() -> None:
    assert without_city("soudeur en intérim près de Lyon", "Lyon") == "soudeur en intérim"
    assert without_city("software engineer job in Lyon", "Lyon") == "software engineer job"
    assert without_city("vendeur à Paris en CDI", "Paris") == "vendeur en CDI"
    assert without_city("Lyon", "Lyon") == "Lyon"  # never an empty query
    assert without_city("vendeur à Paris", None) == "vendeur à Paris"
