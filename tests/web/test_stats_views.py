from __future__ import annotations

from web.stats_views import daily_figure, daily_series, salary_rows, soft_skill_rows


def test_soft_skill_rows_carry_the_description_of_each_skill() -> None:
    rows = soft_skill_rows({"rome_code": "M1805", "soft_skills": [
        {"soft_skill": "AUTONOMIE", "offer_count": 4, "share_of_rome_offers": 0.8},
        {"soft_skill": "Jonglage", "offer_count": 1, "share_of_rome_offers": None}]})
    assert [r["code"] for r in rows] == ["M1805", "M1805"]
    assert rows[0]["description"].startswith("Capacité à prendre en charge son activité")
    assert rows[0]["part"] == "80 %" and rows[0]["offres"] == 4
    assert rows[1]["description"] == "—" and rows[1]["part"] == "0 %"


DAILY = [{"published_date": "2026-11-03", "offer_count": 5, "france_travail_count": 2, "adzuna_count": 1,
          "offers_7d_avg": 1.5},
         {"published_date": "2026-11-01", "offer_count": 3, "france_travail_count": 3, "adzuna_count": 0,
          "offers_7d_avg": 0.43},
         {"published_date": "2026-11-02", "offer_count": 4, "france_travail_count": 0, "adzuna_count": 0,
          "offers_7d_avg": 1.0}]


def test_daily_series_orders_days_and_counts_the_other_sources() -> None:
    s = daily_series(DAILY)
    assert s["dates"] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert s["france_travail_count"] == [3, 0, 2] and s["adzuna_count"] == [0, 0, 1] and s["autres"] == [0, 4, 2]
    assert daily_series(DAILY, days=2)["dates"] == ["2026-11-02", "2026-11-03"]


def test_daily_figure_leaves_out_sources_without_offers() -> None:
    names = [t.name for t in daily_figure([r | {"adzuna_count": 0} for r in DAILY]).data]
    assert names == ["France Travail", "Autres sources", "Moyenne sur 7 jours"]


def test_salary_rows_round_to_whole_euros_and_keep_missing_ones_empty() -> None:
    rows = salary_rows([{"rome_code": "M1805", "region": "Bretagne", "offers_with_salary": 2,
                         "median_salary_mid": 41499.6, "avg_salary_min": 38000.0, "avg_salary_max": None}])
    assert rows == [{"code": "M1805", "metier": "—", "region": "Bretagne", "offres": 2, "median": 41500,
                     "min_moyen": 38000, "max_moyen": None}]
