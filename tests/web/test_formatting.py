from __future__ import annotations

from web.formatting import (
    count_label,
    date_label,
    distance_label,
    explanation_parts,
    freshness_label,
    salary_label,
    table_row,
)


def test_count_label() -> None:
    assert count_label(72) == "72 offre(s) trouvée(s)"


def test_salary_label_prefers_bounds_then_source_label() -> None:
    assert salary_label({"salary_min": 42000, "salary_max": 50000}) == "42\u202f000 € – 50\u202f000 €"
    assert salary_label({"salary_min": 30000}) == "30\u202f000 €"
    assert salary_label({"salary_label": "Selon profil"}) == "Selon profil"
    assert salary_label({}) is None


def test_freshness_and_distance() -> None:
    assert freshness_label(0) == "publiée aujourd'hui"
    assert freshness_label(1) == "publiée hier"
    assert freshness_label(5) == "publiée il y a 5 jours"
    assert distance_label({"distance_km": 12.4, "query_city": "Lyon"}) == "à 12 km de Lyon"
    assert distance_label({"same_city": True, "offer_city": "Lille"}) == "à Lille, votre ville"
    assert distance_label(None) is None


def test_explanation_parts_from_the_api_document() -> None:
    parts = explanation_parts({"skills": {"matched": ["Python"], "missing": ["Spark"]},
                               "freshness": {"days": 3}, "location": {"distance_km": 0.0, "query_city": "Lyon"}})
    assert parts == {"matched": ["Python"], "missing": ["Spark"], "distance": "à 0 km de Lyon",
                     "freshness": "publiée il y a 3 jours"}
    assert explanation_parts(None)["matched"] == []


def test_table_row_links_the_title_to_the_offer_page() -> None:
    row = table_row({"offer": {"id": "abc", "title": "Dev", "skills": ["Python", "SQL"]}})
    assert row["titre"] == "[Dev](/offre/abc)" and row["competences"] == "Python, SQL" and row["ville"] == "—"


def test_table_row_shows_publication_date_and_salary() -> None:
    row = table_row({"offer": {"id": "a", "title": "Dev", "published_at": "2026-11-03T09:00:00Z",
                               "salary_min": 30000, "salary_max": 30000}})
    assert row["publiee"] == "03/11/2026" and row["salaire"] == "30\u202f000 €"
    bare = table_row({"offer": {"id": "b", "title": "Dev"}})
    assert bare["publiee"] == "—" and bare["salaire"] == "—"
    assert date_label("2026-01-09") == "09/01/2026" and date_label(None) == "—"
