"""Why an offer was recommended, computed from the data of both sides (never the score restated).

``explain`` compares a candidate's query with one offer: skills (stated, or found in the free text by
the enrichment's skill extractor) against the offer's, the query's words found in the offer (same
analyzer as the lexical index: French stemming, accents folded), the distance between the two places,
seniority and contract fit, and how fresh the offer is. ``reasons`` says the same in short French lines.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from api.models import ContractFit, Explanation, Freshness, LevelFit, LocationFit, SkillsFit
from api.places import Place, haversine_km
from ml.lexical import analyze, tokens
from schemas.events import ContractType, Offer, Seniority
from stream_processors.enrichment.skills import from_text
from stream_processors.enrichment.text import fold

LEVELS = [Seniority.DEBUTANT, Seniority.JUNIOR, Seniority.CONFIRME, Seniority.SENIOR]
MAX_OFFER_TEXT = 4000  # the lexical match reads this much of a description (bounded work per result)
MAX_LISTED = 6


@dataclass(frozen=True)
class CandidateQuery:
    text: str = ""
    skills: list[str] = field(default_factory=list)  # as stated; the text's are added by candidate_skills
    place: Place | None = None
    radius_km: float | None = None
    contract_types: list[ContractType] = field(default_factory=list)
    seniority: Seniority | None = None


def candidate_skills(text: str, stated: list[str]) -> list[str]:
    """Stated skills first, then those the extractor finds in the text; duplicates (folded) dropped."""
    out: list[str] = []
    seen: set[str] = set()
    for skill in [*stated, *from_text(text)]:
        key = fold(skill).strip()
        if key and key not in seen:
            seen.add(key)
            out.append(skill.strip())
    return out


def _mentions(folded_text: str, term: str) -> bool:
    return re.search(rf"(?<![\w+#]){re.escape(fold(term))}(?![\w+#])", folded_text) is not None


def skills_fit(query_text: str, have: list[str], offer: Offer) -> SkillsFit:
    have_keys = {fold(s) for s in have}
    folded_query = fold(query_text)
    matched: list[str] = []
    missing: list[str] = []
    for skill in offer.skills:
        # A skill the offer names in its own words ("Soins infirmiers") counts when the query says it.
        (matched if fold(skill) in have_keys or _mentions(folded_query, skill) else missing).append(skill)
    return SkillsFit(matched=matched, missing=missing, candidate=have)


class _TermCache:
    """Index terms of recently explained offers, by (id, version): the same offers come back often."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._cache: OrderedDict[tuple[str, int], frozenset[str]] = OrderedDict()
        self._lock = threading.Lock()

    def terms(self, offer: Offer) -> frozenset[str]:
        key = (offer.id, offer.version)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        text = "\n".join([offer.title, offer.rome_label or "", " ".join(offer.skills),
                          offer.description[:MAX_OFFER_TEXT]])
        terms = frozenset(analyze(text))
        with self._lock:
            self._cache[key] = terms
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return terms


_TERMS = _TermCache()


def lexical_terms(query_text: str, offer: Offer) -> list[str]:
    """The query's words (as written, once each) whose stemmed term occurs in the offer."""
    offer_terms = _TERMS.terms(offer)
    out: list[str] = []
    seen: set[str] = set()
    for word, term in tokens(query_text):
        low = word.lower()
        if term in offer_terms and low not in seen:
            seen.add(low)
            out.append(low)
    return out


def location_fit(place: Place | None, radius_km: float | None, offer: Offer) -> LocationFit:
    if place is None:
        return LocationFit(query_city=None, offer_city=offer.city, distance_km=None, same_city=None,
                           same_departement=None)
    distance = None
    if place.located and offer.latitude is not None and offer.longitude is not None:
        assert place.latitude is not None and place.longitude is not None
        distance = round(haversine_km(place.latitude, place.longitude, offer.latitude, offer.longitude), 1)
    same_city = fold(place.city) == fold(offer.city) if offer.city else None
    same_dep = place.departement_code == offer.departement_code if offer.departement_code else None
    within = None
    if radius_km is not None:
        within = distance <= radius_km if distance is not None else (True if same_city else None)
    return LocationFit(query_city=place.city, offer_city=offer.city, distance_km=distance, same_city=same_city,
                       same_departement=same_dep, within_radius=within)


def level_fit(requested: Seniority | None, offered: Seniority | None) -> LevelFit:
    if requested is None or offered is None:
        return LevelFit(requested=requested, offered=offered, fit="unknown")
    gap = LEVELS.index(offered) - LEVELS.index(requested)
    fit: Literal["exact", "close", "above", "below"] = (
        "exact" if gap == 0 else "close" if abs(gap) == 1 else "above" if gap > 0 else "below")
    return LevelFit(requested=requested, offered=offered, fit=fit)


def contract_fit(requested: list[ContractType], offered: ContractType | None) -> ContractFit:
    fit = offered in requested if requested and offered is not None else None
    return ContractFit(requested=list(requested), offered=offered, fit=fit)


def freshness(offer: Offer, now: datetime) -> Freshness:
    when = offer.published_at or offer.fetched_at
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return Freshness(published_at=offer.published_at, days=max(0, (now - when).days))


def explain(query: CandidateQuery, offer: Offer, now: datetime, have: list[str] | None = None) -> Explanation:
    """``have``: the candidate's skills when already computed for this query (one extraction per request)."""
    have = have if have is not None else candidate_skills(query.text, query.skills)
    return Explanation(
        skills=skills_fit(query.text, have, offer),
        lexical_terms=lexical_terms(query.text, offer),
        location=location_fit(query.place, query.radius_km, offer),
        seniority=level_fit(query.seniority, offer.seniority),
        contract=contract_fit(query.contract_types, offer.contract_type),
        freshness=freshness(offer, now),
    )


def _listed(items: list[str]) -> str:
    more = f" (+{len(items) - MAX_LISTED})" if len(items) > MAX_LISTED else ""
    return ", ".join(items[:MAX_LISTED]) + more


def reasons(e: Explanation) -> list[str]:
    """The explanation in short lines a candidate reads."""
    out: list[str] = []
    if e.skills.matched:
        out.append("compétences en commun : " + _listed(e.skills.matched))
    if e.skills.missing and e.skills.candidate:
        out.append("compétences demandées que vous n'avez pas citées : " + _listed(e.skills.missing))
    matched_keys = {fold(s) for s in e.skills.matched}
    words = [w for w in e.lexical_terms if fold(w) not in matched_keys]
    if words:
        out.append("mots de votre recherche présents dans l'offre : " + _listed(words))
    loc = e.location
    if loc.distance_km is not None and loc.query_city:
        out.append(f"à {loc.distance_km:.0f} km de {loc.query_city}" if loc.distance_km >= 1
                   else f"à {loc.query_city}")
    elif loc.same_city:
        out.append(f"à {loc.offer_city}, votre ville")
    elif loc.same_departement:
        out.append(f"dans votre département ({loc.offer_city})")
    lv = e.seniority
    if lv.offered is not None and lv.requested is not None:
        out.append({"exact": f"niveau {lv.offered.value}, comme le vôtre",
                    "close": f"niveau {lv.offered.value}, proche du vôtre ({lv.requested.value})",
                    "above": f"niveau {lv.offered.value}, au-dessus du vôtre ({lv.requested.value})",
                    "below": f"niveau {lv.offered.value}, en dessous du vôtre ({lv.requested.value})",
                    }[lv.fit])
    c = e.contract
    if c.offered is not None:
        if c.fit is True:
            out.append(f"contrat {c.offered.value}, comme souhaité")
        elif c.fit is False:
            out.append(f"contrat {c.offered.value} (vous cherchez : {', '.join(t.value for t in c.requested)})")
    days = e.freshness.days
    if days is not None:
        out.append("publiée aujourd'hui" if days == 0 else "publiée hier" if days == 1
                   else f"publiée il y a {days} jours")
    return out
