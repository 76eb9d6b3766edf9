from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from stream_processors.enrichment import rome

SHARED = Path(os.environ.get("JOBMARKET_SHARED_DATA", Path(__file__).resolve().parents[4] / "shared" / "data"))


@pytest.mark.parametrize(
    ("title", "code"),
    [
        ("Développeur Fullstack Java - Angular Confirmé", "M1805"),
        ("Ingénieur(e) DevOps F/H", "M1827"),
        ("Data Engineer - (H/F) - En alternance", "M1811"),
        ("Technicien de laboratoire H/F", "H1503"),
        ("Soudeur TIG", "H2913"),
        ("Conducteur de ligne (H/F)", "H2102"),
        ("Infirmier de nuit", "J1506"),
        ("Alternance - UX Designer", "E1206"),
        ("Mécanicien PL (H/F)", "I1613"),
    ],
)
def test_titles_map_to_rome(title: str, code: str) -> None:
    got, label, confidence = rome.infer(title)
    assert got == code
    assert label
    assert confidence is not None and 0 < confidence <= 1


def test_unknown_titles_stay_unknown() -> None:
    assert rome.infer("Xyzzy") == (None, None, None)


def test_france_travail_code_is_trusted() -> None:
    payload = {"romeCode": "M1805", "romeLibelle": "Développeur / Développeuse informatique"}
    assert rome.from_france_travail(payload, "x", "") == ("M1805", "Développeur / Développeuse informatique", 1.0)
    assert rome.from_france_travail({"romeCode": "bad"}, "Soudeur", "")[0] == "H2913"


def test_domains() -> None:
    assert rome.domain_of("M1805") == "Support à l'entreprise"
    assert rome.domain_of("F1201") == "Construction, bâtiment et travaux publics"
    assert rome.domain_of(None) is None
    assert set(rome.DOMAINS) == set("ABCDEFGHIJKLMN")


@pytest.mark.skipif(not (SHARED / "referentials" / "rome_metiers.csv").exists(),
                    reason="../shared/data/referentials/rome_metiers.csv is absent")
def test_lexicon_codes_and_labels_exist_in_rome() -> None:
    with (SHARED / "referentials" / "rome_metiers.csv").open(encoding="utf-8") as f:
        official = {row["code_rome"]: row["libelle"] for row in csv.DictReader(f)}
    for _, code, label, _ in rome._LEXICON:
        assert official.get(code) == label, code
