"""A deterministic input for the warehouse tests: raw envelopes and the canonical Offers they become.

Built by hand (the enrichment worker is tested elsewhere): the expected gold figures are computed here
in plain Python from the same list, so the tests compare dbt's SQL against an independent count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas.events import (
    ContractType,
    Offer,
    OfferRemoval,
    RawOfferEnvelope,
    Seniority,
    Source,
    canonical_offer_id,
)

CITIES = [
    ("Paris", "75056", "75001", "75", "Paris", "Île-de-France", 48.8566, 2.3522),
    ("Lyon", "69123", "69001", "69", "Rhône", "Auvergne-Rhône-Alpes", 45.764, 4.8357),
    ("Nantes", "44109", "44000", "44", "Loire-Atlantique", "Pays de la Loire", 47.2184, -1.5536),
    ("Rennes", "35238", "35000", "35", "Ille-et-Vilaine", "Bretagne", 48.1173, -1.6778),
]
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", None]
CONTRACTS = [ContractType.CDI, ContractType.CDI, ContractType.CDD, ContractType.INTERIM, None]
SENIORITIES = [Seniority.JUNIOR, Seniority.CONFIRME, Seniority.SENIOR, Seniority.DEBUTANT, None]
ROMES = [("M1805", "Développeur / Développeuse informatique", "Support à l'entreprise"),
         ("M1811", "Data engineer", "Support à l'entreprise"),
         ("H1206", "Ingénieur / Ingénieure R&D", "Industrie")]
SKILLS = [["Python", "SQL"], ["Java"], ["Python", "Kubernetes", "python"], [], ["SQL", "Gestion de projet"]]
SOFT = [["Travail en équipe", "Autonomie"], [], ["Rigueur"], ["Autonomie"]]
BASE_DAY = datetime(2025, 4, 1, 8, 0, tzinfo=UTC)
FETCHED_AT = datetime(2025, 4, 20, 12, 0, tzinfo=UTC)


@dataclass
class Dataset:
    raw: list[RawOfferEnvelope]
    offers: list[Offer]
    removed_ids: list[str]
    removals: list[OfferRemoval]

    @property
    def online(self) -> list[Offer]:
        gone = set(self.removed_ids)
        return [o for o in self.offers if o.id not in gone]


def make_dataset(n: int = 60, removed_every: int = 10) -> Dataset:
    raw: list[RawOfferEnvelope] = []
    offers: list[Offer] = []
    for i in range(n):
        source = Source.FRANCE_TRAVAIL if i % 3 == 0 else Source.ADZUNA
        source_id = f"FT{i:05d}" if source is Source.FRANCE_TRAVAIL else str(5_000_000 + i)
        city, insee, postal, dep, dep_name, region, lat, lon = CITIES[i % len(CITIES)]
        rome_code, rome_label, domain = ROMES[i % len(ROMES)]
        company = COMPANIES[i % len(COMPANIES)]
        if company and i % 7 == 0:
            company = f"  {company.upper()} "  # same employer, other spelling
        published = BASE_DAY + timedelta(days=i % 9, hours=i % 5)
        salary_min = 30000.0 + 1000 * (i % 6) if i % 4 != 3 else None
        salary_max = salary_min + 8000 if salary_min is not None and i % 5 != 2 else None
        title = f"Développeur {i}"
        payload: dict[str, Any]
        if source is Source.FRANCE_TRAVAIL:
            payload = {"id": source_id, "intitule": f"{title} (H/F)", "romeCode": rome_code, "romeLibelle": rome_label,
                       "typeContrat": "CDI", "experienceExige": "D", "dateCreation": published.isoformat(),
                       "lieuTravail": {"libelle": f"{dep} - {city}", "codePostal": postal, "commune": insee,
                                       "latitude": lat, "longitude": lon},
                       "entreprise": {"nom": company} if company else {},
                       "salaire": {"libelle": "Annuel de 32000.0 Euros à 36000.0 Euros sur 12.0 mois"}}
        else:
            payload = {"id": source_id, "title": title, "created": published.isoformat().replace("+00:00", "Z"),
                       "company": {"display_name": company}, "contract_type": "permanent",
                       "location": {"display_name": f"{city}, {region}", "area": ["France", region, dep_name, city]},
                       "latitude": lat, "longitude": lon, "salary_min": salary_min, "salary_max": salary_max}
        env = RawOfferEnvelope(source=source, source_id=source_id, fetched_at=FETCHED_AT, payload=payload)
        raw.append(env)
        offer_id = canonical_offer_id(source, source_id)
        offers.append(Offer(
            id=offer_id, source=source, source_id=source_id, source_refs=[env.key], title=title,
            gender_mark="(H/F)" if source is Source.FRANCE_TRAVAIL else None, description=f"Offre {i}",
            company=company, contract_type=CONTRACTS[i % len(CONTRACTS)], working_time="full_time",
            city=city, insee_code=insee if i % 8 != 5 else None, postal_code=postal, departement_code=dep,
            departement_name=dep_name, region=region, latitude=lat, longitude=lon,
            seniority=SENIORITIES[i % len(SENIORITIES)], rome_code=rome_code if i % 11 != 4 else None,
            rome_label=rome_label if i % 11 != 4 else None, rome_confidence=1.0 if i % 3 == 0 else 0.85,
            domain=domain if i % 11 != 4 else None, skills=SKILLS[i % len(SKILLS)], soft_skills=SOFT[i % len(SOFT)],
            remote="hybrid" if i % 2 else None, salary_min=salary_min, salary_max=salary_max,
            url=f"https://example.org/{source_id}", published_at=published, fetched_at=FETCHED_AT,
            enriched_at=FETCHED_AT + timedelta(minutes=1),
        ))
    removed = [o for k, o in enumerate(offers) if k % removed_every == removed_every - 1]
    removals = [OfferRemoval(source=o.source, source_id=o.source_id, removed_at=FETCHED_AT + timedelta(hours=1))
                for o in removed]
    return Dataset(raw=raw, offers=offers, removed_ids=[o.id for o in removed], removals=removals)


def expected_gold(ds: Dataset) -> dict[str, object]:
    """The gold figures computed independently of dbt."""
    online = ds.online
    contracts = Counter((o.contract_type.value if o.contract_type else "Non précisé") for o in online)
    seniority = Counter((o.seniority.value if o.seniority else "Non précisé") for o in online)
    companies = Counter(" ".join(o.company.split()).lower() for o in online if o.company and o.company.strip())
    skills = Counter(s.lower() for o in online for s in {x.strip().lower() for x in o.skills})
    days = Counter(o.published_at.date() for o in online if o.published_at)
    return {
        "fct_offers": len(online),
        "offers_by_contract": dict(contracts),
        "offers_by_seniority": dict(seniority),
        "companies": dict(companies),
        "skills": dict(skills),
        "daily": {d.isoformat(): c for d, c in sorted(days.items())},
    }
