from __future__ import annotations

import pytest

from schemas.events import ContractType, Seniority
from stream_processors.enrichment import seniority


@pytest.mark.parametrize(
    ("label", "years"),
    [("3 An(s)", 3.0), ("36 Mois", 3.0), ("6 Mois", 0.5), ("Expérience exigée de 1 An(s)", 1.0),
     ("Débutant accepté", None), ("Expérience exigée", None), (None, None)],
)
def test_years_from_france_travail_label(label: str | None, years: float | None) -> None:
    assert seniority.years_from_ft_label(label) == years


@pytest.mark.parametrize(
    ("years", "level"),
    [(0.5, Seniority.DEBUTANT), (1, Seniority.JUNIOR), (2, Seniority.JUNIOR), (3, Seniority.CONFIRME),
     (5, Seniority.CONFIRME), (6, Seniority.SENIOR), (10, Seniority.SENIOR)],
)
def test_thresholds(years: float, level: Seniority) -> None:
    assert seniority.from_years(years) is level


@pytest.mark.parametrize(
    ("text", "years"),
    [("Vous justifiez d'au moins 6 ans d'expérience sur des projets PHP", 6),
     ("minimum 5 ans d'expérience professionnelle", 5),
     ("vous avez entre 3 et 8 ans d'expérience en développement", 3),
     ("3 à 5 ans d'expérience", 3), ("5+ years of experience with Python", 5),
     ("au minimum 8 années d'expérience réussies", 8),
     ("Depuis plus de 50 ans, GIF EMPLOI", None), ("une entreprise de 35 ans", None)],
)
def test_years_from_text(text: str, years: float | None) -> None:
    assert seniority.years_from_text(text) == years


def test_title_cues_and_the_higher_level_wins() -> None:
    assert seniority.infer("Développeur Senior", "") is Seniority.SENIOR
    assert seniority.infer("Lead Dev Java Angular", "", ft_code="E", ft_label="3 An(s)") is Seniority.SENIOR
    assert seniority.infer("Développeur Ruby expérimenté", "", ft_code="E", ft_label="2 An(s)") \
        is Seniority.CONFIRME
    assert seniority.infer("Développeur C#.NET Confirmé", "", ft_code="D") is Seniority.CONFIRME
    assert seniority.infer("Développeur Junior Fullstack", "", ft_label="1 An(s)") is Seniority.JUNIOR


def test_fallbacks() -> None:
    assert seniority.infer("Développeur JAVA", "", ft_code="D", ft_label="Débutant accepté") is Seniority.DEBUTANT
    assert seniority.infer("Développeur Windev", "", ft_code="E", ft_label="Expérience exigée") is None
    assert seniority.infer("Technicien", "", contract=ContractType.STAGE) is Seniority.DEBUTANT
    assert seniority.infer("Technicien", "Profil : jeune diplômé accepté") is Seniority.DEBUTANT
    assert seniority.infer("Technicien", "") is None


def test_future_director_is_not_a_director() -> None:
    assert seniority.infer("Futur Directeur de magasin", "") is None
    assert seniority.infer("Directeur de magasin", "") is Seniority.SENIOR
