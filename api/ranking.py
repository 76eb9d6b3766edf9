"""The served recommendation ranking: the benchmark's winning recipe (``ml.relevance``), on live offers.

First stage: the query's nearest offers by the served encoder (the index, with the request's exact-match
filters) and its best BM25 matches (the catalog's lexical index), fused as the recipe says (min-max score
fusion with BM25 at 0.7 for the winner). Then the profile's city, contract and seniority re-rank the head
(``ml.relevance.rerank``): a signal moves good matches, it cannot lift an offer of another job above them.
This is the code path ``bench/relevance.py`` measures, so the served figures are the measured ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ml.relevance.configs import PipelineConfig
from ml.relevance.expansion import expand_query
from ml.relevance.fusion import rrf, score_fusion
from ml.relevance.rerank import Profile, newest_by_source, rerank
from ml.relevance.texts import without_city
from schemas.events import Offer
from vector_index.base import OfferFilters, ScoredOffer, to_payload

Ranked = list[tuple[str, float]]


@dataclass(frozen=True)
class Ranking:
    """Offer ids best first, each with its final score and its cosine with the query (None: not known)."""

    ranked: Ranked
    offers: dict[str, Offer]
    similarity: dict[str, float]


def matches_filters(offer: Offer, filters: OfferFilters | None) -> bool:
    """The index's exact-match semantics, for offers that came from the lexical side."""
    if filters is None:
        return True
    payload = to_payload(offer)
    for name, value in filters.conditions():
        have = payload.get(name)
        if isinstance(have, list):
            if value not in {str(v) for v in have}:
                return False
        elif have is None or str(have) != value:
            return False
    return True


def lexical_query(text: str, city: str | None, pipeline: PipelineConfig) -> str:
    """The words BM25 matches: without the profile's city when the recipe treats it as a facet (otherwise
    "… à Lyon" pulls every offer of Lyon, whatever the job, into the list)."""
    return without_city(text, city) if pipeline.city_as_facet else text


def bm25_query(text: str, city: str | None, pipeline: PipelineConfig) -> str:
    """``lexical_query``, plus the French words of English job words and the occupation words of the work a
    candidate describes, when the recipe says so (``ml.relevance.expansion``): BM25 only; the dense query
    and the explanations keep the candidate's own words."""
    words = lexical_query(text, city, pipeline)
    return expand_query(words) if pipeline.expand_query else words


def fuse(dense: Ranked, lexical: Ranked, pipeline: PipelineConfig) -> Ranked:
    if not pipeline.lexical or not lexical:
        return list(dense)
    if not dense:
        return list(lexical)
    weights = [pipeline.dense_weight, pipeline.lexical_weight]
    if pipeline.fusion == "rrf":
        return rrf([dense, lexical], pipeline.rrf_k, weights)
    return score_fusion([dense, lexical], weights)


def rank(dense_hits: Sequence[ScoredOffer], lexical_hits: Ranked, lexical_offers: Mapping[str, Offer],
         filters: OfferFilters | None, pipeline: PipelineConfig, profile: Profile,
         vectors: Mapping[str, npt.NDArray[np.float32]] | None = None,
         query_vector: npt.NDArray[np.float32] | None = None, limit: int = 0) -> Ranking:
    """Fuse, then re-rank, the two first-stage lists (pure: the route fetches both).

    ``lexical_offers`` are the offers behind ``lexical_hits`` (those not in the index any more are
    dropped, as are those failing ``filters``); ``vectors`` lets a lexical-only hit report its cosine.
    The recipe re-ranks its ``candidates`` head; ``limit`` keeps more when a deep page needs them.
    """
    offers: dict[str, Offer] = {h.offer.id: h.offer for h in dense_hits}
    similarity = {h.offer.id: float(h.score) for h in dense_hits}
    lexical: Ranked = []
    for doc, score in lexical_hits:
        offer = offers.get(doc) or lexical_offers.get(doc)
        if offer is None or not matches_filters(offer, filters):
            continue
        offers[doc] = offer
        lexical.append((doc, score))
        if doc not in similarity and vectors is not None and query_vector is not None and doc in vectors:
            similarity[doc] = float(vectors[doc] @ query_vector)
    dense: Ranked = [(h.offer.id, float(h.score)) for h in dense_hits]
    if pipeline.threshold is not None:
        dense = [(d, s) for d, s in dense if s >= pipeline.threshold]
    fused = fuse(dense, lexical, pipeline)[: max(pipeline.candidates, limit, 1)]
    if pipeline.rerank and fused:
        fused = rerank(fused, offers, profile, pipeline.rerank, newest_by_source(list(offers.values())))
        ceiling = best_possible(pipeline, profile)
        fused = [(doc, score / ceiling) for doc, score in fused]
    return Ranking(fused, offers, similarity)


def best_possible(pipeline: PipelineConfig, profile: Profile) -> float:
    """The re-ranked score of the best first-stage match that fits every signal the profile turns on:
    dividing by it puts scores in 0..1 ("how well it fits", shown as a percentage on the site)."""
    active = {"distance": profile.point is not None, "contract": bool(profile.contract),
              "seniority": bool(profile.seniority), "freshness": True}
    return 1.0 + sum(w for name, w in pipeline.rerank.items() if active.get(name, False) and w > 0)
