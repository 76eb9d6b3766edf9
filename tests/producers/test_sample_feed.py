"""The offline sample feed: deterministic, varied, and shaped like real France Travail search results."""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from producers.sample_feed import CITIES, DEFAULT_NOW, DOMAINS, JOBS, generate_offers

Offer = dict[str, Any]

# The formats France Travail uses in ``salaire.libelle`` ("Annuel de 32000.0 Euros à 36000.0 Euros sur 12.0
# mois", "Horaire de 11,88 Euros à 16,00 Euros", ...); test_salary_regex_matches_real_libelles checks that
# this regex accepts every libelle of the real offers.
SALARY_RE = re.compile(
    r"^(?P<period>Annuel|Mensuel|Horaire) de (?P<low>\d+(?:[.,]\d+)?) Euros"
    r"(?: à (?P<high>\d+(?:[.,]\d+)?) Euros)?(?: sur \d+(?:\.\d+)? mois)?$"
)
CONTRACT_LABELS = {
    "CDI": re.compile(r"^(Contrat à durée indéterminée|CDI)$"),
    "CDD": re.compile(r"^(Contrat à durée déterminée|CDD) - \d+ Mois$"),
    "MIS": re.compile(r"^(Mission intérimaire|Intérim) - \d+ (Mois|Jour\(s\))$"),
    "SAI": re.compile(r"^Travail saisonnier - \d+ Mois$"),
    "LIB": re.compile(r"^Profession libérale$"),
    "FRA": re.compile(r"^Franchise$"),
    "DIN": re.compile(r"^CDI intérimaire$"),
    "CCE": re.compile(r"^Profession commerciale$"),
}
EXPERIENCE_LABELS = {
    "D": re.compile(r"^Débutant accepté$"),
    "E": re.compile(r"^(Expérience exigée( de \d+ (An\(s\)|Mois))?|\d+ (An\(s\)|Mois))$"),
    "S": re.compile(r"^(Expérience souhaitée( de \d+ An\(s\))?|\d+ Mois)$"),
}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$")

# Fields of the documented ``/v2/offres/search`` offer that the shared export of real offers does not
# carry (it kept a subset of the fields), so they cannot be checked against it.
API_ONLY_KEYS = {"entreprise", "competences", "qualitesProfessionnelles", "formations", "langues", "permis",
                 "deplacementCode", "deplacementLibelle", "trancheEffectifEtab"}
API_ONLY_NESTED = {"lieuTravail": {"latitude", "longitude"}, "origineOffre": {"origine", "urlOrigine"}}
# The export's ``origineOffre.partenaire`` names the real publisher; the sample has none to name.
NOT_EMITTED_NESTED = {"origineOffre": {"partenaire"}}


def _parse_date(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _amount(text: str) -> float:
    return float(text.replace(",", "."))


def _plain_upper(name: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    plain = re.sub(r"[-']", " ", plain).upper()
    plain = re.sub(r"\bSAINTE\b", "STE", re.sub(r"\bSAINT\b", "ST", plain))
    m = re.fullmatch(r"(\w+) (\d+)(?:ER|E) ARRONDISSEMENT", plain)
    return f"{m[1]} {int(m[2]):02d}" if m else plain


@pytest.fixture(scope="module")
def offers() -> list[Offer]:
    return generate_offers(3000)


@pytest.fixture(scope="module")
def real_offers(shared_data: Path) -> list[Offer]:
    path = shared_data / "france_travail" / "offres_search.json"
    if not path.is_file():
        pytest.skip(f"real France Travail offers not available: {path} is absent")
    results: list[Offer] = json.loads(path.read_text(encoding="utf-8"))["resultats"]
    return results


# ------------------------------------------------------------------------------------ determinism


def test_same_arguments_give_the_same_offers() -> None:
    assert generate_offers(50, seed=7) == generate_offers(50, seed=7)
    assert generate_offers(20) == generate_offers(20, seed=42, start_index=0, now=DEFAULT_NOW)


def test_an_offer_depends_only_on_its_index_not_on_count() -> None:
    assert generate_offers(5, start_index=10) == generate_offers(15)[10:]
    assert generate_offers(1, start_index=1234)[0] == generate_offers(1300)[1234]


def test_the_seed_changes_the_content() -> None:
    a, b = generate_offers(30, seed=1), generate_offers(30, seed=2)
    assert [o["id"] for o in a] == [o["id"] for o in b]  # ids follow the index
    assert sum(x["description"] != y["description"] for x, y in zip(a, b, strict=True)) >= 25


def test_now_moves_only_the_dates() -> None:
    later = DEFAULT_NOW + timedelta(days=100, seconds=17)
    for x, y in zip(generate_offers(40), generate_offers(40, now=later), strict=True):
        dates = ("dateCreation", "dateActualisation")
        assert {k: v for k, v in x.items() if k not in dates} == {k: v for k, v in y.items() if k not in dates}
        assert _parse_date(y["dateCreation"]) - _parse_date(x["dateCreation"]) == timedelta(days=100, seconds=17)


def test_naive_now_is_taken_as_utc() -> None:
    naive = datetime(2026, 3, 1, 8, 30)
    assert generate_offers(5, now=naive) == generate_offers(5, now=naive.replace(tzinfo=UTC))


def test_invalid_arguments_are_refused() -> None:
    assert generate_offers(0) == []
    with pytest.raises(ValueError):
        generate_offers(-1)
    with pytest.raises(ValueError):
        generate_offers(1, start_index=-1)
    with pytest.raises(ValueError):
        generate_offers(2, start_index=36**6 - 1)  # the second id would need 7 base-36 digits


# ------------------------------------------------------------------------------------------ ids


def test_ids_are_unique_stable_and_recognisable_as_sample() -> None:
    many = generate_offers(5000)
    ids = [o["id"] for o in many]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"S[0-9A-Z]{6}", i) for i in ids)
    assert ids[:3] == ["S000000", "S000001", "S000002"]
    assert generate_offers(1, start_index=36**2 + 35)[0]["id"] == "S00010Z"
    for o in many[:200]:
        assert o["origineOffre"]["urlOrigine"] == f"https://sample.jobmarket.invalid/offres/{o['id']}"


def test_ids_cannot_collide_with_real_france_travail_ids(real_offers: list[Offer]) -> None:
    # Real ids start with a digit ("191FJMB", "5157520"); sample ids with "S".
    assert all(len(o["id"]) == 7 and o["id"][0].isdigit() for o in real_offers)


# ------------------------------------------------------------------------------------- coverage


def test_coverage_of_jobs_places_contracts_and_experience(offers: list[Offer]) -> None:
    domain_of = {j.rome: j.domain for j in JOBS}
    romes = {o["romeCode"] for o in offers}
    assert len(romes) >= 40
    assert len({domain_of[r] for r in romes}) >= 8
    assert len({r[0] for r in romes}) >= 8  # ROME "grands domaines" (A agriculture, F BTP, J santé, ...)
    assert len({o["lieuTravail"]["commune"] for o in offers}) >= 50
    assert {o["typeContrat"] for o in offers} >= {"CDI", "CDD", "MIS", "SAI", "LIB", "FRA", "DIN"}
    assert {o["experienceExige"] for o in offers} == {"D", "S", "E"}
    assert {o["natureContrat"] for o in offers} == {
        "Contrat travail", "Contrat apprentissage", "Cont. professionnalisation"}
    assert {o["alternance"] for o in offers} == {True, False}
    assert {o.get("dureeTravailLibelleConverti") for o in offers} == {"Temps plein", "Temps partiel", None}
    no_amount = sum("libelle" not in o["salaire"] for o in offers) / len(offers)
    assert 0.1 < no_amount < 0.35


def test_skills_are_varied_and_fit_the_domain(offers: list[Offer]) -> None:
    domain_of = {j.rome: j.domain for j in JOBS}
    skills_by_domain: dict[str, set[str]] = {}
    for o in offers:
        skills_by_domain.setdefault(domain_of[o["romeCode"]], set()).update(c["libelle"] for c in o["competences"])
    assert skills_by_domain["informatique"] >= {"Python", "SQL", "Java", "Kubernetes", "Docker", "AWS", "Spark",
                                                "React"}
    assert "Python" not in skills_by_domain["hôtellerie-restauration"]
    assert all(len(s) >= 8 for s in skills_by_domain.values())


def test_it_and_data_offers_are_frequent(offers: list[Offer]) -> None:
    domain_of = {j.rome: j.domain for j in JOBS}
    share = sum(domain_of[o["romeCode"]] == "informatique" for o in offers) / len(offers)
    assert 0.18 <= share <= 0.28


def test_the_demo_query_finds_python_data_offers() -> None:
    # The default feed publishes 300 offers; "développeur python data" must find several good matches.
    feed = generate_offers(300)
    titles = [o["intitule"].lower() for o in feed]
    assert sum("python" in t for t in titles) >= 5
    assert sum("data" in t for t in titles) >= 10
    assert sum("python" in t and ("développeur" in t or "data" in t) for t in titles) >= 4


# --------------------------------------------------------------------------------------- fields


def test_titles_mostly_carry_a_gender_mark(offers: list[Offer]) -> None:
    marked = sum(bool(re.search(r"\b(H/F|F/H)\b", o["intitule"])) for o in offers)
    assert marked / len(offers) > 0.8


def test_descriptions_are_realistic(offers: list[Offer]) -> None:
    for o in offers:
        text = o["description"]
        assert 60 <= len(text.split()) <= 150, o["id"]
        assert "{" not in text and "}" not in text
        assert any(c["libelle"] in text for c in o["competences"])
    remote = sum("télétravail" in o["description"].lower() for o in offers)
    assert remote > 0.1 * len(offers)


def test_descriptions_agree_with_the_experience_asked(offers: list[Offer]) -> None:
    for o in offers:
        text = o["description"].lower()
        if o["experienceExige"] == "D":
            assert "débutant" in text or "junior" in text, o["id"]
        else:
            assert re.search(r"\d+ (ans?|mois) d'expérience|expérience (d'environ|de) \d+", text), o["id"]


def test_contract_and_experience_labels_match_their_codes(offers: list[Offer]) -> None:
    for o in offers:
        assert CONTRACT_LABELS[o["typeContrat"]].match(o["typeContratLibelle"]), o["typeContratLibelle"]
        assert EXPERIENCE_LABELS[o["experienceExige"]].match(o["experienceLibelle"]), o["experienceLibelle"]
        if o["alternance"]:
            assert o["natureContrat"] in ("Contrat apprentissage", "Cont. professionnalisation")
            assert o["experienceExige"] == "D"
        else:
            assert o["natureContrat"] == "Contrat travail"
        if "dureeTravailLibelle" in o:
            hours = int(re.match(r"(\d+)H", o["dureeTravailLibelle"])[1])  # type: ignore[index]
            assert o["dureeTravailLibelleConverti"] == ("Temps plein" if hours >= 35 else "Temps partiel")
            assert o["contexteTravail"]["horaires"] == [o["dureeTravailLibelle"]]


def test_dates_fall_in_the_30_days_before_now(offers: list[Offer]) -> None:
    for now, batch in ((DEFAULT_NOW, offers), (datetime(2025, 5, 2, 9, 15, 42, 123456, tzinfo=UTC),
                                               generate_offers(500, now=datetime(2025, 5, 2, 9, 15, 42, 123456,
                                                                                 tzinfo=UTC)))):
        for o in batch:
            assert DATE_RE.match(o["dateCreation"]) and DATE_RE.match(o["dateActualisation"])
            created, updated = _parse_date(o["dateCreation"]), _parse_date(o["dateActualisation"])
            assert now - timedelta(days=30) <= created <= updated <= now


def test_salaries_use_the_real_formats_and_sane_amounts(offers: list[Offer]) -> None:
    periods: Counter[str] = Counter()
    for o in offers:
        salary = o["salaire"]
        assert salary["devise"] == "EUR"
        if "libelle" not in salary:
            continue
        m = SALARY_RE.match(salary["libelle"])
        assert m, salary["libelle"]
        low = _amount(m["low"])
        high = _amount(m["high"]) if m["high"] else low
        assert low <= high
        periods[m["period"]] += 1
        if m["period"] == "Horaire":
            assert 11.88 <= low <= 30
        elif m["period"] == "Annuel":
            assert 20000 <= low <= 200000
    assert set(periods) == {"Annuel", "Mensuel", "Horaire"}


def test_salary_regex_matches_real_libelles(real_offers: list[Offer]) -> None:
    libelles = [o["salaire"]["libelle"] for o in real_offers if "libelle" in o.get("salaire", {})]
    assert libelles
    assert all(SALARY_RE.match(s) for s in libelles)


def test_competences_and_qualities_are_well_formed(offers: list[Offer]) -> None:
    for o in offers:
        assert 3 <= len(o["competences"]) <= 6
        for c in o["competences"]:
            assert re.fullmatch(r"\d{6}", c["code"]) and c["libelle"] and c["exigence"] in ("E", "S")
        assert len({c["libelle"] for c in o["competences"]}) == len(o["competences"])
        assert 2 <= len(o["qualitesProfessionnelles"]) <= 3
        for q in o["qualitesProfessionnelles"]:
            assert q["libelle"] and q["description"].endswith(".")


def test_offers_are_json_serialisable(offers: list[Offer]) -> None:
    assert json.loads(json.dumps(offers[:100], ensure_ascii=False)) == offers[:100]


def test_ten_thousand_offers_are_distinct() -> None:
    # Its speed is not asserted here (a timed unit test fails on a loaded machine): it is a bench's job.
    offers = generate_offers(10_000)
    assert len(offers) == 10_000 and len({o["id"] for o in offers}) == 10_000


# ------------------------------------------------------------------------------------- geography


def test_locations_are_consistent(offers: list[Offer]) -> None:
    by_insee = {c.insee: c for c in CITIES}
    for o in offers:
        place = o["lieuTravail"]
        city = by_insee[place["commune"]]
        assert place["codePostal"] == city.postal
        assert place["libelle"] in (f"{city.dept} - {city.name}", f"{city.dept} - {_plain_upper(city.name)}")
        assert (place["latitude"], place["longitude"]) == (city.lat, city.lon)
    styles = Counter(o["lieuTravail"]["libelle"].split(" - ", 1)[1].isupper() for o in offers)
    assert styles[True] > 500 and styles[False] > 500  # both spellings, like the real data


def test_city_table_codes_agree() -> None:
    assert len(CITIES) >= 50
    assert len({c.insee for c in CITIES}) == len(CITIES)
    for c in CITIES:
        assert re.fullmatch(r"\d{5}", c.postal), c
        assert c.insee.startswith(c.dept), c
        if c.dept in ("2A", "2B"):  # Corsica: letter départements, postal codes in 20xxx
            assert c.postal.startswith("20"), c
        elif len(c.dept) == 3:  # overseas: 97x
            assert c.postal.startswith(c.dept), c
            assert -22 < c.lat < 19 and -62 < c.lon < 56
        else:
            assert c.postal[:2] == c.dept, c
            assert 41 < c.lat < 51.2 and -5.2 < c.lon < 9.6, c


def test_city_table_matches_the_insee_referential(shared_data: Path) -> None:
    path = shared_data / "referentials" / "communes.csv"
    if not path.is_file():
        pytest.skip(f"INSEE referential not available: {path} is absent")
    with path.open(encoding="utf-8") as f:
        rows = {(r["code_insee"], r["code_postal"]): r for r in csv.DictReader(f)}
    for c in CITIES:
        row = rows.get((c.insee, c.postal))
        assert row is not None, f"{c.name}: no commune {c.insee} with postal code {c.postal}"
        assert row["code_departement"] == c.dept, c
        assert row["libelle"] == _plain_upper(c.name), (row["libelle"], c.name)


def test_rome_codes_and_labels_are_real(shared_data: Path) -> None:
    path = shared_data / "referentials" / "rome_metiers.csv"
    if not path.is_file():
        pytest.skip(f"ROME referential not available: {path} is absent")
    with path.open(encoding="utf-8") as f:
        labels = {r["code_rome"]: r["libelle"] for r in csv.DictReader(f)}
    assert len({j.rome for j in JOBS}) == len(JOBS)
    for job in JOBS:
        assert labels.get(job.rome) == job.label, job.rome
    assert set(DOMAINS) == {j.domain for j in JOBS}


# --------------------------------------------------------------------------------- real shape


def _value_type(value: Any) -> str:
    return "number" if isinstance(value, int | float) and not isinstance(value, bool) else type(value).__name__


def test_shape_matches_real_france_travail_offers(offers: list[Offer], real_offers: list[Offer]) -> None:
    real_keys = {k for o in real_offers for k in o}
    always = {k for k in real_keys if all(k in o for o in real_offers)}
    real_types: dict[str, set[str]] = {}
    real_nested: dict[str, dict[str, set[str]]] = {}
    for o in real_offers:
        for k, v in o.items():
            real_types.setdefault(k, set()).add(_value_type(v))
            if isinstance(v, dict):
                for nk, nv in v.items():
                    real_nested.setdefault(k, {}).setdefault(nk, set()).add(_value_type(nv))
    for o in offers:
        assert set(o) <= real_keys | API_ONLY_KEYS, set(o) - real_keys - API_ONLY_KEYS
        assert always <= set(o), always - set(o)
        for k, v in o.items():
            if k in real_types:
                assert {_value_type(v)} <= real_types[k], k
            if k in real_nested:
                assert isinstance(v, dict)
                nested = real_nested[k]
                assert set(v) <= set(nested) | API_ONLY_NESTED.get(k, set()), (k, set(v) - set(nested))
                for nk, nv in v.items():
                    if nk in nested:
                        assert {_value_type(nv)} <= nested[nk], (k, nk)
                    if isinstance(nv, list):
                        assert all(isinstance(x, str) for x in nv), (k, nk)
    # Nested keys every real offer has (``lieuTravail.libelle``, ``salaire.devise``, ...) are always emitted.
    for k, nested in real_nested.items():
        required = {nk for nk in nested if all(nk in o[k] for o in real_offers if k in o)}
        required -= NOT_EMITTED_NESTED.get(k, set())
        for o in offers:
            if k in o:
                assert required <= set(o[k]), (k, required - set(o[k]))
