from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from ml.embedding import Embedder, embed_offers
from schemas.events import Offer, Source, canonical_offer_id
from vector_index.edge import EdgeIndex

NOW = datetime(2026, 11, 1, tzinfo=UTC)

OFFERS = [
    ("S1", "Développeur Python data", "Lyon", "CDI", ["Python", "SQL", "Spark"],
     "Vous développez des pipelines de données en Python et SQL pour notre plateforme."),
    ("S2", "Infirmier de bloc opératoire", "Nantes", "CDD", ["Soins infirmiers"],
     "Vous assurez les soins au bloc opératoire d'une clinique."),
    ("S3", "Chauffeur poids lourd", "Lille", "CDI", ["Permis C"],
     "Transport de marchandises en région, livraison aux clients."),
    ("S4", "Data engineer Spark", "Paris", "CDI", ["Python", "Spark", "Kubernetes"],
     "Construction de la plateforme data, traitements Spark et déploiements Kubernetes."),
    ("S5", "Cuisinier en restaurant", "Bordeaux", "Saisonnier", ["Cuisine"],
     "Préparation des plats en cuisine d'un restaurant traditionnel pour la saison."),
]


def offer(source_id: str, title: str, city: str, contract: str, skills: list[str], description: str) -> Offer:
    return Offer(id=canonical_offer_id("sample", source_id), source=Source.SAMPLE, source_id=source_id,
                 source_refs=[f"sample:{source_id}"], title=title, city=city, contract_type=contract,  # type: ignore[arg-type]
                 skills=skills, description=description, fetched_at=NOW)


@pytest.fixture(scope="module")
def client(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data_dir: Path = tmp_path_factory.mktemp("api")
    index = EdgeIndex(data_dir / "index", embedder.dim)
    index.upsert(embed_offers([offer(*o) for o in OFFERS], embedder))
    # A closed port on purpose: the health test checks that a down broker is reported.
    settings = Settings.model_validate(
        {"JOBMARKET_DATA_DIR": data_dir, "run_indexer": False, "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"})
    with TestClient(create_app(settings, embedder=embedder, index=index)) as c:
        yield c
    index.close()
