"""Re-ranking a first-stage list with what the candidate's profile says and the offer states.

Signals, each in [0, 1]:
- ``distance``: 1 within 50 km of the profile's city, fading to 0 at 250 km; 0.3 when the offer has no
  position; 0 when the profile names no city (the signal is then off);
- ``contract``: 1 for the profile's contract type, 0.3 when the offer does not say, 0 for another one;
- ``seniority``: 1 when at most one level apart, 0.5 when the offer does not say, 0 otherwise;
- ``freshness``: ``exp(-age / 30 days)``, age counted from the newest offer of the same source (sources
  were collected at different times; a global clock would only rank the sources).
The final score is the first-stage score min-max normalised over the candidates, multiplied by
``1 + Σ weight × signal``: a signal moves offers that are already good matches, it cannot lift an offer of
another job above them (added rather than multiplied, a nearby wrong job beat a distant right one on dev).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ml.lexical import fold
from ml.relevance.fusion import minmax
from ml.relevance.geo import NEAR_KM, haversine_km
from schemas.events import Offer

_RANK = {"Débutant": 0, "Junior": 1, "Confirmé": 2, "Senior": 3}


@dataclass(frozen=True)
class Profile:
    """The structured part of a candidate's query (from the profile form)."""

    point: tuple[float, float] | None = None
    contract: str | None = None
    seniority: str | None = None


def distance_signal(profile: Profile, offer: Offer) -> float:
    if profile.point is None:
        return 0.0
    if offer.latitude is None or offer.longitude is None:
        return 0.3
    d = haversine_km(profile.point, (offer.latitude, offer.longitude))
    return 1.0 if d <= NEAR_KM else max(0.0, 1.0 - (d - NEAR_KM) / 200.0)


def contract_signal(profile: Profile, offer: Offer) -> float:
    if not profile.contract:
        return 0.0
    if offer.contract_type is None:
        return 0.3
    return 1.0 if fold(offer.contract_type.value).startswith(fold(profile.contract)[:4]) else 0.0


def seniority_signal(profile: Profile, offer: Offer) -> float:
    if not profile.seniority:
        return 0.0
    if offer.seniority is None:
        return 0.5
    return 1.0 if abs(_RANK[profile.seniority] - _RANK[offer.seniority.value]) <= 1 else 0.0


def freshness_signal(offer: Offer, newest: Mapping[str, datetime]) -> float:
    when = offer.published_at or offer.updated_at
    ref = newest.get(offer.source.value)
    if when is None or ref is None:
        return 0.5
    return math.exp(-max((ref - when).total_seconds(), 0.0) / 86400.0 / 30.0)


def newest_by_source(offers: Sequence[Offer]) -> dict[str, datetime]:
    out: dict[str, datetime] = {}
    for o in offers:
        when = o.published_at or o.updated_at
        if when and (o.source.value not in out or when > out[o.source.value]):
            out[o.source.value] = when
    return out


def rerank(ranked: Sequence[tuple[str, float]], offers: Mapping[str, Offer], profile: Profile,
           weights: Mapping[str, float], newest: Mapping[str, datetime] | None = None) -> list[tuple[str, float]]:
    """Re-orders ``ranked`` (id, score) by normalised score × (1 + Σ weight × signal); ties by id."""
    base = minmax(ranked)
    newest = newest or {}
    out = []
    for doc, _ in ranked:
        o = offers[doc]
        boost = (weights.get("distance", 0.0) * distance_signal(profile, o)
                 + weights.get("contract", 0.0) * contract_signal(profile, o)
                 + weights.get("seniority", 0.0) * seniority_signal(profile, o)
                 + weights.get("freshness", 0.0) * freshness_signal(o, newest))
        out.append((doc, base[doc] * (1.0 + boost)))
    return sorted(out, key=lambda x: (-x[1], x[0]))
