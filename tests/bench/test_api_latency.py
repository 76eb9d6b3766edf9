"""The API latency bench's own logic (the bench itself runs outside the suite: minutes, 50,000 offers)."""

from __future__ import annotations

import pytest

from bench.api_latency import DIM, HashEmbedder, Requests, parse_args, percentiles, synthetic_offers


def test_arguments_and_their_checks() -> None:
    args = parse_args([])
    assert args.offers == 50_000 and args.clients == [1, 10, 50] and args.routes == ["search", "recommendations",
                                                                                        "get_by_id"]
    assert parse_args(["--clients", "2,4", "--routes", "search"]).clients == [2, 4]
    with pytest.raises(SystemExit):
        parse_args(["--routes", "search,nope"])


def test_synthetic_offers_are_valid_deterministic_and_clustered() -> None:
    a, b = list(synthetic_offers(60, seed=1)), list(synthetic_offers(60, seed=1))
    assert [o.id for o in a] == [o.id for o in b] and len({o.id for o in a}) == 60
    assert all(o.embedding is not None and o.embedding.dim == DIM and o.latitude is not None for o in a)
    assert a[0].embedding == b[0].embedding


def test_percentiles_and_requests() -> None:
    p = percentiles([i / 1000 for i in range(1, 101)])  # 1..100 ms
    assert p["p50"] == pytest.approx(50.5) and p["p99"] == pytest.approx(99.0, abs=0.05)
    reqs = Requests(1000, distinct_queries=3)
    assert len({reqs.text() for _ in range(50)}) <= 3
    unique = Requests(1000, distinct_queries=0)
    assert len({unique.text() for _ in range(50)}) == 50
    assert all(set(reqs.search()) <= {"size", "keywords", "contract_types", "city", "radius_km", "salary_min", "sort"}
               for _ in range(50))
    assert HashEmbedder().encode_query("x").shape == (DIM,)
