from __future__ import annotations

from typing import Any

import pytest

from stream_processors.enrichment.locations import find_commune, from_adzuna, from_france_travail
from stream_processors.enrichment.referential import referential


def ft(libelle: str | None, postal: str | None = None, commune: str | None = None) -> tuple[Any, ...]:
    loc = from_france_travail({"lieuTravail": {"libelle": libelle, "codePostal": postal, "commune": commune}})
    return loc.city, loc.insee_code, loc.postal_code, loc.departement_code


def test_referential_is_complete() -> None:
    ref = referential()
    assert len([c for c in ref.communes.values() if c.kind == "C"]) > 34_000
    assert len(ref.departements) >= 101
    assert {"Île-de-France", "Corse", "La Réunion", "Mayotte"} <= set(ref.regions.values())
    assert ref.region_name("2A") == "Corse"
    assert ref.region_name("972") == "Martinique"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("75 - Paris 13e Arrondissement", "75013", "75113"), ("Paris", "75113", "75013", "75")),
        (("75 - PARIS 11", "75011", "75111"), ("Paris", "75111", "75011", "75")),
        (("69 - LYON 02", "69002", "69382"), ("Lyon", "69382", "69002", "69")),
        (("44 - Pont-Saint-Martin", None, None), ("Pont-Saint-Martin", "44130", "44860", "44")),
        (("31 - RAMONVILLE ST AGNE", "31520", "31446"), ("Ramonville-Saint-Agne", "31446", "31520", "31")),
        (("972 - LE LAMENTIN", "97232", "97213"), ("Le Lamentin", "97213", "97232", "972")),
        (("13", None, "13055"), ("Marseille", "13055", None, "13")),
        (("80 - Somme", None, None), (None, None, None, "80")),
        (("75 - Paris (Dept.", None, None), ("Paris", "75056", None, "75")),
        (("France", None, None), (None, None, None, None)),
        (("PARIS 13", None, None), ("Paris", "75113", "75013", "75")),
        (("13 - Marseille 8e Arrondissement", None, None), ("Marseille", "13208", "13008", "13")),
        ((None, "67000", None), (None, None, "67000", "67")),
    ],
)
def test_france_travail(args: tuple[str | None, ...], expected: tuple[Any, ...]) -> None:
    assert ft(*args) == expected


def test_france_travail_region_and_names() -> None:
    loc = from_france_travail({"lieuTravail": {"libelle": "2A - AJACCIO", "codePostal": "20000"}})
    assert (loc.city, loc.departement_code, loc.departement_name, loc.region) == (
        "Ajaccio", "2A", "Corse-du-Sud", "Corse")
    loc = from_france_travail({"lieuTravail": {"libelle": "44 - NANTES", "latitude": 47.2, "longitude": -1.55}})
    assert (loc.latitude, loc.longitude) == (47.2, -1.55)


def az(area: list[str], **extra: Any) -> tuple[Any, ...]:
    payload = {"location": {"area": area, "display_name": ", ".join(reversed(area[1:]))}, **extra}
    loc = from_adzuna(payload, extra.get("title", ""), extra.get("description", ""))
    return loc.city, loc.departement_code, loc.region


@pytest.mark.parametrize(
    ("area", "expected"),
    [
        (["France", "Ile-de-France", "Paris"], ("Paris", "75", "Île-de-France")),
        (["France", "Paris", "13e Arrondissement"], ("Paris", "75", "Île-de-France")),
        (["France", "Lyon", "1er-Arrondissement"], ("Lyon", "69", "Auvergne-Rhône-Alpes")),
        (["France", "Occitanie", "Hérault"], (None, "34", "Occitanie")),
        (["France", "Grand-Est", "Aube"], (None, "10", "Grand Est")),  # not the commune Aube (57)
        (["France", "Nouvelle-Aquitaine", "Vienne"], (None, "86", "Nouvelle-Aquitaine")),
        (["France", "Vienne", "Roussillon"], ("Roussillon", "38", "Auvergne-Rhône-Alpes")),
        (["France", "Nanterre", "Courbevoie"], ("Courbevoie", "92", "Île-de-France")),
        (["France", "Reims", "Reims 1er Canton"], ("Reims", "51", "Grand Est")),
        (["France", "Aix-en-Provence", "Aix en Provence Sud-Ouest"], ("Aix-en-Provence", "13",
                                                                      "Provence-Alpes-Côte d'Azur")),
        (["France", "Toulouse", "Rangueuil"], ("Toulouse", "31", "Occitanie")),  # a district
        (["France", "Montbrison", "Boën"], ("Boën-sur-Lignon", "42", "Auvergne-Rhône-Alpes")),  # renamed
        (["France", "Cherbourg-Octeville", "Tourlaville"], ("Cherbourg-en-Cotentin", "50", "Normandie")),
        (["France", "Saint-Denis", "La Courneuve"], ("La Courneuve", "93", "Île-de-France")),
        (["France", "Evry", "Evry-Nord"], ("Évry-Courcouronnes", "91", "Île-de-France")),
        (["France", "Centre", "Loir-et-Cher"], (None, "41", "Centre-Val de Loire")),
        (["France", "Ile-de-France"], (None, None, "Île-de-France")),
        (["France", "France"], (None, None, None)),
        ([], (None, None, None)),
    ],
)
def test_adzuna_area(area: list[str], expected: tuple[Any, ...]) -> None:
    assert az(area) == expected


def test_adzuna_coordinates_are_dropped_for_the_whole_country() -> None:
    loc = from_adzuna({"location": {"area": ["France", "France"]}, "latitude": 46.6, "longitude": 2.4})
    assert loc.latitude is None
    loc = from_adzuna({"location": {"area": ["France", "Ile-de-France", "Paris"]}, "latitude": 48.86,
                       "longitude": 2.34})
    assert (loc.latitude, loc.longitude) == (48.86, 2.34)


def test_adzuna_stated_workplace_beats_the_geocoding() -> None:
    resume = "RésuméGarde d'enfant (H/F), 44240 Suce Sur Erdre, CDD, Temps partiel.Salaire : 11,65 € par heure"
    assert az(["France", "La Chapelle-sur-Erdre", "Grandchamps-des-Fontaines"], description=resume)[:2] == (
        "Sucé-sur-Erdre", "44")
    assert az(["France", "Avesnes-sur-Helpe", "Berlaimont"],
              description="Notre client situé à FEIGNIES est une entreprise")[:2] == ("Feignies", "59")
    assert az(["France", "Nanterre", "Asnières-sur-Seine"],
              title="Directeur d'Agence - Franchisé (H/F) (Basé à Courbevoie)")[:2] == ("Courbevoie", "92")
    assert az(["France", "Pau", "Pau-Est"], description="un technicien à Idron - 64320.")[:2] == ("Idron", "64")
    # an agency's own address is not the workplace
    assert az(["France", "Nice", "Nice 13e Canton"], description="Notre agence : 31 rue de la Buffa 06000 NICE")[
        :2] == ("Nice", "06")
    # "poste à pourvoir" is no place
    assert az(["France", "Ile-de-France", "Paris"], description="Un poste à pourvoir rapidement")[:2] == (
        "Paris", "75")


def test_adzuna_abroad() -> None:
    assert az(["France", "Ile-de-France", "Paris"], title="Stage Ingénieur Hardware (H/F) - Canada") == (
        None, None, None)


def test_find_commune_prefers_the_biggest_homonym_and_respects_departements() -> None:
    assert find_commune("Saint-Denis").insee == "97411"  # type: ignore[union-attr]
    assert find_commune("Saint-Denis", {"93"}).insee == "93066"  # type: ignore[union-attr]
    assert find_commune("Nowhere-sur-Rien") is None
