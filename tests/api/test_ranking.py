"""The served ranking (pure): dense and BM25 lists fused as the recipe says, then re-ranked by the profile."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from api.ranking import fuse, lexical_query, matches_filters, rank
from ml.relevance.configs import PipelineConfig, best_recipe
from ml.relevance.rerank import Profile
from schemas.events import ContractType, Offer, Source
from vector_index.base import OfferFilters, ScoredOffer

RECIPE = best_recipe("use")
LYON = (45.764, 4.8357)


def _offer(n: int, title: str, city: str = "Lyon", lat: float = 45.76, lon: float = 4.84,
           contract: ContractType | None = ContractType.CDI) -> Offer:
    return Offer(id=f"00000000-0000-0000-0000-{n:012d}", source=Source.FRANCE_TRAVAIL, source_id=str(n),
                 source_refs=[f"france_travail:{n}"], title=title, description=title, city=city, latitude=lat,
                 longitude=lon, contract_type=contract, fetched_at=datetime(2026, 11, 1, tzinfo=UTC))


def test_an_offer_only_bm25_finds_is_recommended() -> None:
    dense = [ScoredOffer(_offer(1, "Chef de projet"), 0.62), ScoredOffer(_offer(2, "Comptable"), 0.55)]
    only_words = _offer(3, "Développeur COBOL")
    ranking = rank(dense, [(only_words.id, 7.5)], {only_words.id: only_words}, None, RECIPE, Profile())
    assert only_words.id in [d for d, _ in ranking.ranked]
    assert ranking.ranked[0][0] == dense[0].offer.id  # score fusion: the best of each list stays on top


def test_a_lexical_hit_that_fails_the_filters_or_left_the_index_is_dropped() -> None:
    paris = _offer(4, "Développeur", city="Paris", lat=48.85, lon=2.35)
    ranking = rank([ScoredOffer(_offer(1, "Développeur"), 0.7)], [(paris.id, 5.0), ("gone", 4.0)], {paris.id: paris},
                   OfferFilters(city="Lyon"), RECIPE, Profile())
    assert [d for d, _ in ranking.ranked] == [_offer(1, "x").id]


def test_the_profile_moves_near_offers_of_the_same_job_above_far_ones() -> None:
    far = ScoredOffer(_offer(5, "Infirmier", city="Lille", lat=50.63, lon=3.06), 0.80)
    near = ScoredOffer(_offer(6, "Infirmier", city="Lyon"), 0.78)
    other_job = ScoredOffer(_offer(7, "Boulanger", city="Lyon"), 0.30)
    plain = rank([far, near, other_job], [], {}, None, RECIPE, Profile())
    assert [d for d, _ in plain.ranked][:2] == [far.offer.id, near.offer.id]
    located = rank([far, near, other_job], [], {}, None, RECIPE, Profile(point=LYON))
    order = [d for d, _ in located.ranked]
    assert order[0] == near.offer.id and order[-1] == other_job.offer.id  # distance cannot lift another job


def test_the_contract_signal_prefers_the_requested_contract() -> None:
    cdd = ScoredOffer(_offer(8, "Vendeur", contract=ContractType.CDD), 0.70)
    cdi = ScoredOffer(_offer(9, "Vendeur", contract=ContractType.CDI), 0.69)
    weak = ScoredOffer(_offer(12, "Caissier", contract=ContractType.CDI), 0.30)  # spans the min-max scale
    ranking = rank([cdd, cdi, weak], [], {}, None, RECIPE, Profile(contract="CDI"))
    assert ranking.ranked[0][0] == cdi.offer.id


def test_a_lexical_hit_reports_its_cosine_when_its_vector_is_known() -> None:
    hit = _offer(10, "Data engineer")
    q = np.asarray([1.0, 0.0], dtype=np.float32)
    ranking = rank([], [(hit.id, 3.0)], {hit.id: hit}, None, RECIPE, Profile(),
                   {hit.id: np.asarray([0.6, 0.8], dtype=np.float32)}, q)
    assert abs(ranking.similarity[hit.id] - 0.6) < 1e-6


def test_rrf_and_dense_only_recipes() -> None:
    dense, lexical = [("a", 0.9), ("b", 0.8)], [("b", 9.0), ("c", 1.0)]
    assert next(d for d, _ in fuse(dense, lexical, PipelineConfig("rrf", encoder="use", lexical=True))) == "b"
    assert fuse(dense, lexical, PipelineConfig("dense", encoder="use")) == dense


def test_the_city_leaves_the_words_only_when_it_is_a_facet() -> None:
    assert lexical_query("infirmier à Lyon", "Lyon", RECIPE) == "infirmier"
    assert lexical_query("infirmier à Lyon", "Lyon", PipelineConfig("x", encoder="use")) == "infirmier à Lyon"


def test_filters_on_list_fields_need_every_value() -> None:
    offer = _offer(11, "Dev").model_copy(update={"skills": ["Python", "SQL"]})
    assert matches_filters(offer, OfferFilters(skills=["Python"]))
    assert not matches_filters(offer, OfferFilters(skills=["Python", "Java"]))


def test_scores_are_a_fit_between_0_and_1() -> None:
    near = ScoredOffer(_offer(13, "Infirmier", city="Lyon"), 0.80)
    far = ScoredOffer(_offer(14, "Infirmier", city="Lille", lat=50.63, lon=3.06), 0.60)
    other = ScoredOffer(_offer(15, "Boulanger"), 0.30)
    # No profile: the best first-stage match is a full fit.
    assert rank([near, far, other], [], {}, None, RECIPE, Profile()).ranked[0][1] == 1.0
    # With a city and a contract, the best match that is near and of that contract is a full fit too.
    scores = dict(rank([near, far, other], [], {}, None, RECIPE, Profile(point=LYON, contract="CDI")).ranked)
    assert scores[near.offer.id] == 1.0 and 0.0 <= scores[other.offer.id] < scores[far.offer.id] < 1.0


def test_a_deep_page_keeps_more_than_the_re_ranked_head() -> None:
    hits = [ScoredOffer(_offer(100 + i, f"Poste {i}"), 0.9 - i * 0.001) for i in range(150)]
    assert len(rank(hits, [], {}, None, RECIPE, Profile()).ranked) == RECIPE.candidates
    assert len(rank(hits, [], {}, None, RECIPE, Profile(), limit=131).ranked) == 131
