"""Offers for the stand-ins: generated (core cases) or the real ones from ../shared/data."""

from __future__ import annotations

import itertools
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from producers.sample_feed import generate_offers

# Generated France Travail ids depend only on the index: hand every test its own block so records of
# different tests never share a key on the session's shared topics.
_BLOCKS = itertools.count(1)
BLOCK = 50_000


def ft_generated(count: int, now: datetime | None = None) -> list[dict[str, Any]]:
    """``count`` France-Travail-shaped offers created within the 30 days before ``now``, fresh ids."""
    start = next(_BLOCKS) * BLOCK
    assert count <= BLOCK
    return generate_offers(count, seed=7, start_index=start, now=now or datetime.now(UTC))


_ADZUNA_IDS = itertools.count(9_000_000_000, 100_000)
CITIES = [("Paris, Ile-de-France", ["France", "Ile-de-France", "Paris"], 48.8566, 2.3522),
          ("Lyon, Auvergne-Rhône-Alpes", ["France", "Auvergne-Rhône-Alpes", "Rhône", "Lyon"], 45.764, 4.8357),
          ("Nantes, Pays de la Loire", ["France", "Pays de la Loire", "Loire-Atlantique", "Nantes"], 47.2184, -1.5536)]
TITLES = ["Développeur Python (H/F)", "Data Engineer", "Ingénieur DevOps", "Chef de projet digital",
          "Technicien de maintenance", "Comptable fournisseurs"]
CATEGORIES = ["Emplois Informatique", "Emplois Ingénierie", "Emplois Comptabilité & Finance"]


def adzuna_generated(count: int, now: datetime | None = None, days: float = 20.0) -> list[dict[str, Any]]:
    """``count`` Adzuna-shaped jobs (as ``/jobs/fr/search`` returns them, ``adref`` excepted), fresh ids."""
    base = next(_ADZUNA_IDS)
    now = now or datetime.now(UTC)
    rng = random.Random(base)
    out = []
    for i in range(count):
        created = (now - timedelta(seconds=rng.uniform(60, days * 86400))).replace(microsecond=0)
        city, area, lat, lon = rng.choice(CITIES)
        job: dict[str, Any] = {
            "__CLASS__": "Adzuna::API::Response::Job",
            "id": str(base + i),
            "title": rng.choice(TITLES),
            "description": "Nous recherchons un profil motivé pour rejoindre notre équipe… " * 3,
            "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "company": {"__CLASS__": "Adzuna::API::Response::Company", "display_name": f"Entreprise {i % 97}"},
            "location": {"__CLASS__": "Adzuna::API::Response::Location", "display_name": city, "area": area},
            "latitude": lat,
            "longitude": lon,
            "category": {"__CLASS__": "Adzuna::API::Response::Category", "label": rng.choice(CATEGORIES),
                         "tag": "it-jobs"},
            "redirect_url": f"https://www.adzuna.fr/details/{base + i}?utm_medium=api&utm_source=standin",
            "salary_is_predicted": "0",
        }
        if rng.random() < 0.6:
            job["contract_type"] = rng.choice(["permanent", "contract"])
        if rng.random() < 0.5:
            job["salary_min"] = rng.randrange(30_000, 50_000, 1000)
            job["salary_max"] = job["salary_min"] + 8000
        out.append(job)
    return out


def real_france_travail(shared_data: Path) -> list[dict[str, Any]]:
    offers: list[dict[str, Any]] = json.loads(
        (shared_data / "france_travail" / "offres_search.json").read_text(encoding="utf-8"))["resultats"]
    return offers


def real_adzuna(shared_data: Path) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = json.loads(
        (shared_data / "adzuna" / "jobs_search.json").read_text(encoding="utf-8"))["results"]
    return jobs
