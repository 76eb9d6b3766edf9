from __future__ import annotations

import pytest

from stream_processors.enrichment.titles import split_gender_mark


@pytest.mark.parametrize(
    ("raw", "title", "mark"),
    [
        ("Développeur Java (H/F)", "Développeur Java", "(H/F)"),
        ("Développeur Windev H/F", "Développeur Windev", "H/F"),
        ("Développeur informatique (F/H)", "Développeur informatique", "(F/H)"),
        ("CONSEILLER CVC / ELECTRICITE H/F/X", "CONSEILLER CVC / ELECTRICITE", "H/F/X"),
        ("Assistant qhse h/f", "Assistant qhse", "h/f"),
        ("Directeur du développement (H / F)", "Directeur du développement", "(H / F)"),
        ("Software Engineer (m/w/d)", "Software Engineer", "(m/w/d)"),
        ("Contrôleur qualité (H-F)", "Contrôleur qualité", "(H-F)"),
        ("Lead Quest Designer (F/H/NB)", "Lead Quest Designer", "(F/H/NB)"),
        ("Directeur agence franchise FH", "Directeur agence franchise", "FH"),
        # two marks: both removed, the first kept; separators left dangling are cleaned up
        ("Développeur Junior Fullstack F/H - Informatique de gestion (H/F)",
         "Développeur Junior Fullstack - Informatique de gestion", "F/H"),
        ("Alternance Chargé Marketing Client - - Paris (F/H)", "Alternance Chargé Marketing Client - Paris",
         "(F/H)"),
        ("MECANICIEN TP / PL(H/F)", "MECANICIEN TP / PL", "(H/F)"),
        # a mark cut off by the source
        ("Technicien(ne) plateforme d'essais systèmes énergétiques (H/",
         "Technicien(ne) plateforme d'essais systèmes énergétiques", "(H/"),
    ],
)
def test_gender_marks_are_removed_and_kept(raw: str, title: str, mark: str) -> None:
    assert split_gender_mark(raw) == (title, mark)


@pytest.mark.parametrize(
    "raw",
    ["B2B/B2C Sales", "Ingénieur(e) DevOps", "Analyste-programmeur / Analyste-programmeuse", "Chef d'équipe",
     "CAO/DAO", "Technicien HF/VHF"],
)
def test_titles_without_marks_are_untouched(raw: str) -> None:
    assert split_gender_mark(raw) == (raw, None)
