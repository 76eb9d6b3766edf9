from __future__ import annotations

import pytest

from stream_processors.enrichment import salary


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Annuel de 32000.0 Euros à 36000.0 Euros sur 12.0 mois", (32000.0, 36000.0)),
        ("Annuel de 25000,00 Euros", (25000.0, 25000.0)),
        ("Mensuel de 2000 Euros sur 13.0 mois", (26000.0, 26000.0)),
        ("Mensuel de 5000.0 Euros à 8000.0 Euros sur 12.0 mois", (60000.0, 96000.0)),
        # the known quirk: yearly amounts filed as monthly
        ("Mensuel de 50000.0 Euros à 52000.0 Euros sur 12.0 mois", (50000.0, 52000.0)),
        ("Mensuel de 486,00 Euros à 1801,00 Euros", (5832.0, 21612.0)),
        ("Horaire de 11,88 Euros à 16,00 Euros", (19091.16, 25712.0)),
        ("Horaire de 12.5 Euros à 14.0 Euros sur 12.0 mois", (20087.5, 22498.0)),
        ("Selon profil", (None, None)),
        ("Annuel de 1 Euros", (None, None)),
        (None, (None, None)),
    ],
)
def test_france_travail_labels(label: str | None, expected: tuple[float | None, float | None]) -> None:
    assert salary.parse_ft_label(label) == expected


def test_hourly_convention_is_1607_hours() -> None:
    assert salary.HOURS_PER_YEAR == 1607
    assert salary.parse_ft_label("Horaire de 10 Euros") == (16070.0, 16070.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rémunération : 28000€ à 35000€ brut /an selon profil", (28000.0, 35000.0)),
        ("Salaire : 25 000 à 36 000 € par an", (25000.0, 36000.0)),
        ("Salaire : 11,65 € par heure", (18721.55, 18721.55)),
        ("Salaire : 2 200 à 2 400 € par mois", (26400.0, 28800.0)),
        ("Rémunération : à partir de 45 000,00€ par an", (45000.0, None)),
        ("Salaire entre 35k et 45k selon profil", (35000.0, 45000.0)),
        ("Rémunération : 75 à 80k€ brut annuel + 2k€ de prime", (75000.0, 80000.0)),
        ("Rémunération : Environ 940€ net / mois", (None, None)),
        ("Une prime parrainage de 100€", (None, None)),
        ("Tickets Restaurant 11,50€", (None, None)),
    ],
)
def test_salary_in_free_text(text: str, expected: tuple[float | None, float | None]) -> None:
    assert salary.parse_text(text) == expected


def test_france_travail_prefers_the_structured_field() -> None:
    payload = {"salaire": {"libelle": "Annuel de 35000.0 Euros à 50000.0 Euros sur 12.0 mois"}}
    assert salary.from_france_travail(payload, "Salaire entre 40k et 50k")[:2] == (35000.0, 50000.0)
    assert salary.from_france_travail({}, "Salaire entre 40k et 50k")[:2] == (40000.0, 50000.0)


@pytest.mark.parametrize(
    ("raw", "kwargs", "expected"),
    [
        ((35000, 45000), {}, (35000.0, 45000.0)),
        ((11, 14), {}, (17677.0, 22498.0)),  # hourly
        ((1800, 2500), {}, (21600.0, 30000.0)),  # monthly
        ((45, 45000), {}, (45000.0, 45000.0)),  # "45" is 45 k€
        ((50, 65), {}, (50000.0, 65000.0)),  # k€, no salaried hourly rate is that high
        ((40, 80), {"freelance": True}, (64280.0, 128560.0)),
        ((800, 1400), {"stipend": True}, (9600.0, 16800.0)),  # internship stipend
        ((800, 1400), {}, (None, None)),
        ((420000, 504000), {}, (35000.0, 42000.0)),  # 12 × an annual amount
        ((1, 1), {}, (None, None)),
        ((150000, None), {}, (150000.0, 150000.0)),
    ],
)
def test_adzuna_amounts(raw: tuple[float, float | None], kwargs: dict[str, bool],
                        expected: tuple[float | None, float | None]) -> None:
    payload = {"salary_min": raw[0], "salary_max": raw[1]}
    got = salary.from_adzuna(payload, freelance=kwargs.get("freelance", False), stipend=kwargs.get("stipend", False))
    assert got[:2] == expected


def test_adzuna_falls_back_to_the_description() -> None:
    text = "RésuméCouvreur (H/F), 21850 Saint Apollinaire, CDI, Temps plein.Salaire : 30 000 à 35 000 € par an"
    assert salary.from_adzuna({}, description=text)[:2] == (30000.0, 35000.0)
