"""Rank fusion and re-ranking signals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ml.relevance.fusion import minmax, rrf, score_fusion
from ml.relevance.rerank import (
    Profile,
    contract_signal,
    distance_signal,
    freshness_signal,
    newest_by_source,
    rerank,
    seniority_signal,
)
from schemas.events import ContractType, Offer, Seniority, Source

NOW = datetime(2025, 4, 16, tzinfo=UTC)


def offer(i: str, **kw: object) -> Offer:
    base: dict[str, object] = {"id": i, "source": Source.SAMPLE, "source_id": i, "source_refs": [i], "title": "t",
                               "fetched_at": NOW}
    base.update(kw)
    return Offer.model_validate(base)


def test_rrf_rewards_documents_high_in_both_lists() -> None:
    dense = [("a", 0.9), ("b", 0.8), ("c", 0.7)]
    lexical = [("b", 12.0), ("d", 9.0), ("a", 1.0)]
    fused = rrf([dense, lexical], k=60)
    assert [d for d, _ in fused][:2] == ["b", "a"]
    assert dict(fused)["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert rrf([dense, lexical], weights=[1.0, 0.0])[0][0] == "a"


def test_score_fusion_normalises_each_list() -> None:
    assert minmax([("a", 10.0), ("b", 5.0), ("c", 0.0)]) == {"a": 1.0, "b": 0.5, "c": 0.0}
    assert minmax([("a", 3.0)]) == {"a": 1.0}
    fused = dict(score_fusion([[("a", 0.9), ("b", 0.1)], [("b", 30.0), ("a", 10.0)]], weights=[1.0, 0.5]))
    assert fused["a"] == pytest.approx(1.0)
    assert fused["b"] == pytest.approx(0.5)


def test_distance_signal_fades_with_kilometres() -> None:
    lyon = Profile(point=(45.764, 4.8357))
    assert distance_signal(lyon, offer("1", latitude=45.77, longitude=4.89)) == 1.0  # Villeurbanne
    far = distance_signal(lyon, offer("2", latitude=48.8566, longitude=2.3522))  # Paris, ~390 km
    assert far == 0.0
    mid = distance_signal(lyon, offer("3", latitude=45.1885, longitude=5.7245))  # Grenoble, ~95 km
    assert 0.0 < mid < 1.0
    assert distance_signal(lyon, offer("4")) == 0.3
    assert distance_signal(Profile(), offer("5", latitude=1.0, longitude=1.0)) == 0.0


def test_contract_and_seniority_fit() -> None:
    p = Profile(contract="CDI", seniority="Junior")
    assert contract_signal(p, offer("1", contract_type=ContractType.CDI)) == 1.0
    assert contract_signal(p, offer("2", contract_type=ContractType.INTERIM)) == 0.0
    assert contract_signal(p, offer("3")) == 0.3
    assert seniority_signal(p, offer("4", seniority=Seniority.DEBUTANT)) == 1.0
    assert seniority_signal(p, offer("5", seniority=Seniority.SENIOR)) == 0.0
    assert seniority_signal(p, offer("6")) == 0.5


def test_freshness_is_relative_to_the_newest_offer_of_the_source() -> None:
    new, old = offer("n", published_at=NOW), offer("o", published_at=NOW - timedelta(days=30))
    newest = newest_by_source([new, old])
    assert freshness_signal(new, newest) == pytest.approx(1.0)
    assert freshness_signal(old, newest) == pytest.approx(0.3679, abs=1e-3)


def test_rerank_lifts_the_nearby_offer_the_candidate_asked_for() -> None:
    offers = {"paris": offer("paris", latitude=48.8566, longitude=2.3522),
              "lyon": offer("lyon", latitude=45.764, longitude=4.8357), "other": offer("other")}
    ranked = [("paris", 0.9), ("lyon", 0.85), ("other", 0.5)]
    out = rerank(ranked, offers, Profile(point=(45.764, 4.8357)), {"distance": 0.6})
    assert [d for d, _ in out] == ["lyon", "paris", "other"]
    assert [d for d, _ in rerank(ranked, offers, Profile(), {"distance": 0.6})] == ["paris", "lyon", "other"]
