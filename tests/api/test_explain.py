"""Explanations are computed from both sides' data: skills, words, places, levels, contracts, dates."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.explain import CandidateQuery, candidate_skills, explain, level_fit, reasons
from api.places import Place, PlaceLocator, centre_of, haversine_km, resolve_city
from schemas.events import ContractType, Offer, Seniority
from tests.api.fakes import NOW, offer

LYON = Place("Lyon", "69123", "69", 45.7640, 4.8357)

DATA_ENGINEER = offer(
    "E1", "Data engineer confirmé", description="Vous développez nos pipelines de données en Python et Spark.",
    skills=["Python", "Spark", "Kubernetes", "Soins infirmiers"], city="Villeurbanne", departement_code="69",
    latitude=45.7719, longitude=4.8902, seniority=Seniority.CONFIRME, contract_type=ContractType.CDI,
    published_at=NOW - timedelta(days=3))


def test_skills_matched_and_missing_from_stated_skills_and_from_the_free_text() -> None:
    q = CandidateQuery(text="Je cherche un poste de développeur, je connais pyspark et les soins infirmiers",
                       skills=["python"])
    e = explain(q, DATA_ENGINEER, NOW)
    # "python" stated (any case), Spark found in the text by the enrichment extractor ("pyspark"),
    # "Soins infirmiers" named by the offer in its own words and said in the query.
    assert e.skills.matched == ["Python", "Spark", "Soins infirmiers"]
    assert e.skills.missing == ["Kubernetes"]
    assert e.skills.candidate == ["python", "Spark"]


def test_candidate_skills_are_deduplicated_across_stated_and_extracted() -> None:
    assert candidate_skills("Python, SQL et Docker", ["PYTHON", "Excel"]) == ["PYTHON", "Excel", "SQL", "Docker"]


def test_lexical_terms_are_the_query_words_found_in_the_offer_after_stemming() -> None:
    e = explain(CandidateQuery(text="Développeurs pipeline données Java"), DATA_ENGINEER, NOW)
    # "pipeline" meets the offer's "pipelines" (one stem); "Java" is nowhere in the offer.
    assert "pipeline" in e.lexical_terms and "données" in e.lexical_terms
    assert "java" not in e.lexical_terms


def test_distance_radius_and_department_when_both_sides_have_a_place() -> None:
    e = explain(CandidateQuery(text="data", place=LYON, radius_km=10), DATA_ENGINEER, NOW)
    loc = e.location
    assert loc.query_city == "Lyon" and loc.offer_city == "Villeurbanne"
    assert loc.distance_km == pytest.approx(haversine_km(45.7640, 4.8357, 45.7719, 4.8902), abs=0.1)
    assert loc.distance_km is not None and 3 < loc.distance_km < 6  # Villeurbanne is next to Lyon
    assert loc.within_radius is True and loc.same_city is False and loc.same_departement is True
    far = explain(CandidateQuery(text="data", place=Place("Lille", "59350", "59", 50.6292, 3.0573), radius_km=50),
                  DATA_ENGINEER, NOW).location
    assert far.distance_km is not None and 500 < far.distance_km < 600
    assert far.within_radius is False and far.same_departement is False


def test_no_distance_is_invented_when_a_side_has_no_coordinates() -> None:
    unlocated = Place("Villeurbanne", "69266", "69")
    loc = explain(CandidateQuery(text="data", place=unlocated, radius_km=5), DATA_ENGINEER, NOW).location
    assert loc.distance_km is None and loc.same_city is True and loc.within_radius is True
    loc = explain(CandidateQuery(text="data"), DATA_ENGINEER, NOW).location
    assert loc.query_city is None and loc.distance_km is None and loc.within_radius is None


@pytest.mark.parametrize(("requested", "offered", "fit"), [
    (Seniority.CONFIRME, Seniority.CONFIRME, "exact"), (Seniority.JUNIOR, Seniority.CONFIRME, "close"),
    (Seniority.DEBUTANT, Seniority.SENIOR, "above"), (Seniority.SENIOR, Seniority.JUNIOR, "below"),
    (None, Seniority.SENIOR, "unknown"), (Seniority.SENIOR, None, "unknown"),
])
def test_seniority_fit(requested: Seniority | None, offered: Seniority | None, fit: str) -> None:
    assert level_fit(requested, offered).fit == fit


def test_contract_fit_and_freshness() -> None:
    e = explain(CandidateQuery(text="data", contract_types=[ContractType.CDD, ContractType.CDI]), DATA_ENGINEER,
                NOW)
    assert e.contract.fit is True and e.contract.offered == ContractType.CDI
    e = explain(CandidateQuery(text="data", contract_types=[ContractType.STAGE]), DATA_ENGINEER, NOW)
    assert e.contract.fit is False
    assert explain(CandidateQuery(text="data"), DATA_ENGINEER, NOW).contract.fit is None
    assert e.freshness.days == 3 and e.freshness.published_at == DATA_ENGINEER.published_at
    undated = offer("E2", "Cuisinier", fetched_at=NOW - timedelta(days=1, hours=2))
    assert explain(CandidateQuery(text="cuisine"), undated, NOW).freshness.days == 1


def test_reasons_say_the_explanation_in_french() -> None:
    q = CandidateQuery(text="développeur python pipelines", skills=["Spark"], place=LYON, radius_km=30,
                       contract_types=[ContractType.CDI], seniority=Seniority.JUNIOR)
    e = explain(q, DATA_ENGINEER, NOW)
    lines = reasons(e)
    assert "compétences en commun : Python, Spark" in lines
    assert any(line.startswith("compétences demandées que vous n'avez pas citées : Kubernetes") for line in lines)
    assert "mots de votre recherche présents dans l'offre : pipelines" in lines  # skills not repeated
    assert e.location.distance_km is not None and f"à {e.location.distance_km:.0f} km de Lyon" in lines
    assert "niveau Confirmé, proche du vôtre (Junior)" in lines
    assert "contrat CDI, comme souhaité" in lines and "publiée il y a 3 jours" in lines
    assert not any("proximité" in line or "0." in line for line in lines)  # not the score restated


def test_a_city_resolves_through_the_referential_and_is_placed_from_located_offers() -> None:
    assert resolve_city("lyon") == Place("Lyon", "69123", "69")
    assert resolve_city("Paris 13e arrondissement") == Place("Paris", "75056", "75")
    assert resolve_city("Nowhere-sur-Rien") is None
    in_lyon = [offer(f"L{i}", "x", city="Lyon", latitude=lat, longitude=lon)
               for i, (lat, lon) in enumerate([(45.76, 4.83), (45.77, 4.85), (45.75, 4.84), (48.85, 2.35)])]
    assert centre_of(in_lyon) == pytest.approx((45.765, 4.835))  # the median shrugs off the misplaced one
    asked: list[str] = []

    def offers_in(city: str) -> list[Offer]:
        asked.append(city)
        return in_lyon

    locator = PlaceLocator(offers_in)
    place = locator.locate("LYON ")
    assert place is not None and place.located and place.city == "Lyon"
    assert locator.locate("lyon") == place and asked == ["Lyon"]  # cached
    assert PlaceLocator(lambda city: []).locate("Lyon") == Place("Lyon", "69123", "69")  # known, not located
