from __future__ import annotations

import pytest

from stream_processors.enrichment import remote, skills


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Développeur PHP/Symfony", ["PHP", "Symfony"]),
        ("JavaScript, TypeScript et Java", ["Java", "JavaScript", "TypeScript"]),
        ("Développeur C#.NET Confirmé", ["C#", ".NET"]),
        ("C++ et C#", ["C#", "C++"]),
        ("bases PostgreSQL, MongoDB et SQL Server", ["SQL Server", "PostgreSQL", "MongoDB"]),
        ("Environnement : PHP, Laravel, Go, MySQL 5", ["PHP", "Laravel", "Go", "MySQL"]),
        ("Maîtrise de Python, R et Git indispensable", ["Python", "R", "Git"]),
        ("Power BI, Excel (VBA avancé)", ["VBA", "Power BI", "Excel"]),
        ("Docker, Kubernetes, AWS/Azure, GCP", ["Docker", "Kubernetes", "AWS", "Azure", "GCP"]),
        ("méthodologie Agile (Scrum, Kanban)", ["Scrum", "Agile"]),
        ("Gestion de projet et anglais courant", ["Gestion de projet", "Anglais"]),
        ("fluent English required", ["Anglais"]),
        # precision: no match inside other words or for ambiguous short names
        ("un travail excellent, let's go, une vue sur mer, un tableau de bord, la vie en rose", []),
        ("Une structure agile en pleine croissance", []),
        ("Nous sommes un groupe allemand", []),
        ("des cours particuliers d'anglais en interne", []),
        ("outils de gestion de projet pour suivre l'avancement", []),
        ("React et Angular", ["React", "Angular"]),
        ("Le stagiaire devra réagir vite", []),
        ("Windows 10/11 et Active Directory", ["Windows", "Active Directory"]),
    ],
)
def test_lexicon(text: str, expected: list[str]) -> None:
    assert skills.from_text(text) == expected


def test_competences_are_passed_through_and_deduplicated() -> None:
    comps = [{"libelle": "Concevoir une application"}, {"libelle": "Concevoir une application"}, {"x": 1}, 3]
    assert skills.hard_skills("Dev Python", "", comps) == ["Concevoir une application", "Python"]
    assert skills.soft_skills([{"libelle": "Autonomie"}, {"libelle": "Rigueur"}, None]) == ["Autonomie", "Rigueur"]
    assert skills.soft_skills("not a list") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Télétravail : 2 à 3 jours par semaine", "hybrid"),
        ("Une politique de travail hybride", "hybrid"),
        ("Poste en full remote", "full"),
        ("télétravail à 100%", "full"),
        ("Freelance Recruiter - Work Remote Worldwide", "full"),
        ("Pas de télétravail possible", "none"),
        ("Véhicule hybride fourni", None),
        ("Rien à signaler", None),
    ],
)
def test_remote(text: str, expected: str | None) -> None:
    assert remote.detect(text) == expected
