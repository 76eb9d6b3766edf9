"""enrich(): the contract with the worker, robustness against bad records, and accuracy on real offers."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from bench.enrichment_accuracy import TARGETS, load_labels, load_offers, score, shared_data_dir
from schemas.events import ContractType, Offer, RawOfferEnvelope, Seniority, Source
from stream_processors.enrichment import EnrichmentError, enrich

NOW = datetime(2025, 4, 16, tzinfo=UTC)
DATA = shared_data_dir()
needs_data = pytest.mark.skipif(not (DATA / "adzuna" / "jobs_search.json").exists(),
                                reason=f"real offers not found at {DATA} (../shared/data or $JOBMARKET_SHARED_DATA)")


def env(payload: Any, source: Source = Source.FRANCE_TRAVAIL, source_id: str = "X1") -> RawOfferEnvelope:
    return RawOfferEnvelope.model_construct(source=source, source_id=source_id, fetched_at=NOW, payload=payload)


FT_OFFER: dict[str, Any] = {
    "id": "191DRYD",
    "intitule": "Développeur Ruby expérimenté (H/F)",
    "description": "Contrat CDI. Vous maîtrisez Ruby, Docker et GitLab. Télétravail 2 jours par semaine.",
    "romeCode": "M1805",
    "romeLibelle": "Développeur / Développeuse informatique",
    "typeContrat": "CDI",
    "typeContratLibelle": "CDI",
    "natureContrat": "Contrat travail",
    "dureeTravailLibelleConverti": "Temps plein",
    "experienceExige": "E",
    "experienceLibelle": "2 An(s)",
    "dateCreation": "2025-04-15T20:10:35.697Z",
    "dateActualisation": "2025-04-15T20:10:35.996Z",
    "lieuTravail": {"libelle": "69 - LYON 02", "codePostal": "69002", "commune": "69382"},
    "salaire": {"libelle": "Annuel de 35000.0 Euros à 50000.0 Euros sur 12.0 mois"},
    "entreprise": {"nom": "ACME"},
    "competences": [{"code": "1", "libelle": "Développer une application", "exigence": "E"}],
    "qualitesProfessionnelles": [{"libelle": "Autonomie"}, {"libelle": "Rigueur"}],
}


def test_france_travail_offer() -> None:
    o = enrich(env(FT_OFFER, source_id="191DRYD"))
    assert isinstance(o, Offer)
    assert (o.title, o.gender_mark, o.company) == ("Développeur Ruby expérimenté", "(H/F)", "ACME")
    assert (o.contract_type, o.contract_label, o.working_time) == (ContractType.CDI, "CDI", "full_time")
    assert (o.city, o.insee_code, o.postal_code, o.departement_code) == ("Lyon", "69382", "69002", "69")
    assert (o.departement_name, o.region) == ("Rhône", "Auvergne-Rhône-Alpes")
    assert (o.seniority, o.experience_label) == (Seniority.CONFIRME, "2 An(s)")
    assert (o.salary_min, o.salary_max) == (35000.0, 50000.0)
    assert (o.rome_code, o.rome_confidence, o.domain) == ("M1805", 1.0, "Support à l'entreprise")
    assert o.skills == ["Développer une application", "Ruby", "Docker", "GitLab"]
    assert o.soft_skills == ["Autonomie", "Rigueur"]
    assert o.remote == "hybrid"
    assert o.published_at == datetime(2025, 4, 15, 20, 10, 35, 697000, tzinfo=UTC)
    assert o.source_refs == ["france_travail:191DRYD"]
    assert o.url and "191DRYD" in o.url
    # the id is a pure function of the source reference
    assert o.id == enrich(env(FT_OFFER, source_id="191DRYD")).id


def test_sample_feed_uses_the_france_travail_shape() -> None:
    o = enrich(env(FT_OFFER, source=Source.SAMPLE, source_id="s-1"))
    assert (o.source, o.city, o.contract_type) == (Source.SAMPLE, "Lyon", ContractType.CDI)


def test_adzuna_offer() -> None:
    payload = {
        "id": "5135389874", "title": "Motion Designer, Freelance", "description": "Work remote worldwide.",
        "created": "2025-04-08T14:01:47Z", "company": {"display_name": "1000heads"},
        "location": {"display_name": "Paris, Ile-de-France", "area": ["France", "Ile-de-France", "Paris"]},
        "latitude": 48.863839, "longitude": 2.344631, "category": {"label": "Emplois Création et Design"},
        "contract_type": "contract", "salary_min": 400, "salary_max": 500,
        "redirect_url": "https://www.adzuna.fr/details/5135389874",
    }
    o = enrich(env(payload, Source.ADZUNA, "5135389874"))
    assert (o.title, o.company, o.contract_type) == ("Motion Designer, Freelance", "1000heads",
                                                     ContractType.FREELANCE)
    assert (o.city, o.departement_code, o.latitude) == ("Paris", "75", 48.863839)
    assert (o.salary_min, o.salary_max) == (87200.0, 109000.0)  # a daily rate × 218 days
    assert (o.rome_code, o.domain) == ("E1207", "Communication, média et multimédia")
    assert o.rome_confidence is not None and o.rome_confidence < 1
    assert o.remote == "full"
    assert o.url == "https://www.adzuna.fr/details/5135389874"


@pytest.mark.parametrize(
    "payload",
    [None, [], "offer", 42, {}, {"intitule": None}, {"intitule": "   "}, {"intitule": ["a"]}, {"title": "x"}],
)
def test_records_that_cannot_become_offers(payload: Any) -> None:
    with pytest.raises(EnrichmentError):
        enrich(env(payload))
    assert issubclass(EnrichmentError, ValueError)


_JUNK: list[Any] = [None, "", " ", 0, -1, 1e308, float("nan"), True, [], {}, [None], {"x": None}, "∅",
                    "<b>&amp;</b>", "a" * 5000, {"libelle": None}, [{"libelle": 3}]]


def _mutate(payload: dict[str, Any], rng: random.Random, keep: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in payload.items():
        if key in keep or rng.random() < 0.3:
            out[key] = value
        elif isinstance(value, dict) and rng.random() < 0.5:
            out[key] = {k: rng.choice(_JUNK) for k in value}
        else:
            out[key] = rng.choice(_JUNK)
    return out


def test_fuzzed_records_never_raise_anything_but_enrichment_error() -> None:
    rng = random.Random(4)
    adzuna = {"title": "Dev", "description": "x", "location": {"area": ["France", "Paris"]},
              "salary_min": 1, "salary_max": 2, "contract_type": "contract", "latitude": 1, "created": "x"}
    for _ in range(400):
        for payload, source, title_key in ((FT_OFFER, Source.FRANCE_TRAVAIL, "intitule"),
                                           (adzuna, Source.ADZUNA, "title")):
            mutated = _mutate(payload, rng, {title_key} if rng.random() < 0.7 else set())
            try:
                o = enrich(env(mutated, source))
            except EnrichmentError:
                continue
            assert o.title


@needs_data
def test_every_real_offer_enriches_without_a_crash() -> None:
    offers = load_offers(DATA)
    assert len(offers) == 3070
    results: Counter[str] = Counter()
    for (source, source_id), payload in offers.items():
        o = enrich(RawOfferEnvelope(source=source, source_id=source_id, fetched_at=NOW, payload=payload))
        results["ok"] += 1
        results["located"] += o.departement_code is not None
        results["contract"] += o.contract_type is not None
    assert results["ok"] == 3070
    assert results["located"] > 0.9 * 3070
    assert results["contract"] > 0.75 * 3070


@needs_data
def test_accuracy_on_the_labelled_set_meets_the_targets() -> None:
    labels = load_labels()
    assert len(labels) >= 150
    assert sum(1 for x in labels if x["source"] == "france_travail") == 70
    assert sum(1 for x in labels if x["source"] == "adzuna") >= 100
    figures = score(labels, load_offers(DATA)).figures()
    for field, target in TARGETS.items():
        assert figures[field] >= target, (field, figures[field], target)
