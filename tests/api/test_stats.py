"""Gold tables through the API (a small DuckDB warehouse), its cache, a busy or missing warehouse, and
the rome soft-skills route that reads it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from api.stats_source import GOLD_TABLES, StatsSource, WarehouseUnavailable
from ml.embedding import Embedder
from warehouse import Settings as WarehouseSettings
from warehouse.duckdb import DuckDBWarehouse

GOLD_DDL: dict[str, tuple[str, list[tuple[Any, ...]]]] = {
    "top_cities": ("city_rank int, city varchar, departement_code varchar, region varchar, offer_count int, "
                   "share double", [(2, "Paris", "75", "Île-de-France", 5, 0.25), (1, "Lyon", "69", "ARA", 9, 0.45)]),
    "top_skills": ("skill_rank int, skill_id varchar, skill_name varchar, offer_count int, share_of_offers double",
                   [(1, "py", "Python", 7, 0.35)]),
    "top_companies": ("company_rank int, company_id varchar, company_name varchar, offer_count int, share double",
                      [(1, "a", "Acme", 3, 0.15)]),
    "top_domains": ("domain_rank int, domain varchar, offer_count int, share double", [(1, "Santé", 4, 0.2)]),
    "offers_by_contract": ("contract_type varchar, offer_count int, share double",
                           [("CDD", 6, 0.3), ("CDI", 14, 0.7)]),
    "offers_by_seniority": ("seniority varchar, offer_count int, share double, offers_with_salary int, "
                            "avg_salary_mid double", [("Junior", 8, 0.4, 2, 35000.0)]),
    "daily_offers": ("published_date date, offer_count int, france_travail_count int, adzuna_count int, "
                     "offers_7d_avg double, cumulative_offers int",
                     [("2026-11-02", 3, 1, 2, 1.5, 10), ("2026-11-01", 7, 4, 3, 1.0, 7)]),
    "salary_by_rome_region": ("rome_code varchar, region varchar, offers_with_salary int, avg_salary_min double, "
                              "avg_salary_max double, median_salary_mid decimal(12,2), min_salary_mid double, "
                              "max_salary_mid double", [("M1805", "Bretagne", 2, 38000, 45000, 41500.5, 40000, 43000)]),
    "soft_skills_by_rome": ("rome_code varchar, rome_label varchar, soft_skill_id varchar, soft_skill varchar, "
                            "offer_count int, rome_offer_count int, share_of_rome_offers double, rank_in_rome int",
                            [("M1805", "Développeur", "b", "Travail en équipe", 3, 5, 0.6, 2),
                             ("M1805", "Développeur", "a", "Autonomie", 4, 5, 0.8, 1),
                             ("J1506", "Infirmier", "c", "Rigueur", 1, 1, 1.0, 1)]),
}


def build_gold(path: Path, tables: dict[str, tuple[str, list[tuple[Any, ...]]]] = GOLD_DDL) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema if not exists gold")
        for name, (cols, rows) in tables.items():
            con.execute(f"create or replace table gold.{name} ({cols})")
            for row in rows:
                con.execute(f"insert into gold.{name} values ({', '.join('?' * len(row))})", list(row))
    finally:
        con.close()


def warehouse_file(data_dir: Path) -> Path:
    return data_dir / "warehouse" / "jobmarket.duckdb"


@pytest.fixture(scope="module")
def app_client(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path]]:
    data_dir = tmp_path_factory.mktemp("stats")
    build_gold(warehouse_file(data_dir))
    settings = Settings.model_validate({"JOBMARKET_DATA_DIR": data_dir, "run_indexer": False,
                                        "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"})
    from vector_index.edge import EdgeIndex

    index = EdgeIndex(data_dir / "index", embedder.dim)
    with TestClient(create_app(settings, embedder=embedder, index=index)) as c:
        yield c, data_dir
    index.close()


@pytest.mark.parametrize("name", sorted(GOLD_TABLES))
def test_every_gold_table_is_served_in_its_order(app_client: tuple[TestClient, Path], name: str) -> None:
    client, _ = app_client
    resp = client.get(f"/api/stats/{name}")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    rows = GOLD_DDL[name][1]
    assert body["name"] == name and len(body["rows"]) == len(rows) and body["stale"] is False
    if name == "top_cities":
        assert [r["city"] for r in body["rows"]] == ["Lyon", "Paris"]  # by rank, not insertion
    if name == "daily_offers":
        assert [r["published_date"] for r in body["rows"]] == ["2026-11-01", "2026-11-02"]
    if name == "salary_by_rome_region":
        assert body["rows"][0]["median_salary_mid"] == pytest.approx(41500.5)


def test_unknown_table_is_404_listing_the_valid_ones(app_client: tuple[TestClient, Path]) -> None:
    client, _ = app_client
    resp = client.get("/api/stats/users")
    assert resp.status_code == 404
    assert all(name in resp.json()["detail"] for name in GOLD_TABLES)
    assert client.get("/api/stats/soft_skills_by_rome").status_code == 404  # served by /api/rome only


def source(data_dir: Path, clock: list[float], ttl: float = 30.0) -> StatsSource:
    """A source on the DuckDB file under ``data_dir`` with a hand-moved clock and a short lock wait."""
    wh = DuckDBWarehouse(WarehouseSettings().model_copy(update={"data_dir": data_dir, "lock_timeout_s": 0.2}))
    return StatsSource(wh.query, wh.relation, ttl_s=ttl, clock=lambda: clock[0])


def test_answers_are_cached_for_the_ttl_then_refreshed(tmp_path: Path) -> None:
    build_gold(warehouse_file(tmp_path))
    clock = [0.0]
    stats = source(tmp_path, clock)
    first = stats.table("top_domains")
    build_gold(warehouse_file(tmp_path), {"top_domains": ("domain_rank int, domain varchar, offer_count int, "
                                                          "share double", [(1, "Industrie", 9, 1.0)])})
    clock[0] = 29.0
    assert stats.table("top_domains") is first
    clock[0] = 31.0
    assert stats.table("top_domains").rows[0]["domain"] == "Industrie"


def test_a_busy_warehouse_serves_the_last_answer_or_a_clear_503(tmp_path: Path) -> None:
    build_gold(warehouse_file(tmp_path))
    clock = [0.0]
    stats = source(tmp_path, clock)
    before = stats.table("top_skills")
    holder = DuckDBWarehouse(WarehouseSettings().model_copy(update={"data_dir": tmp_path}))
    with holder.exclusive():  # what the sink or a dbt build holds while it writes
        clock[0] = 100.0
        stale = stats.table("top_skills")
        assert stale.stale and stale.rows == before.rows
        with pytest.raises(WarehouseUnavailable, match="busy"):
            stats.table("top_cities")  # never read before: nothing to fall back on
    clock[0] = 200.0
    assert stats.table("top_skills").stale is False


def test_missing_warehouse_or_tables_say_so(tmp_path: Path) -> None:
    clock = [0.0]
    with pytest.raises(WarehouseUnavailable, match="no warehouse yet"):
        source(tmp_path, clock).table("top_cities")
    build_gold(warehouse_file(tmp_path), {})
    with pytest.raises(WarehouseUnavailable, match="not built yet"):
        source(tmp_path, clock).table("top_cities")


def test_soft_skills_of_a_rome_code(app_client: tuple[TestClient, Path]) -> None:
    client, _ = app_client
    body = client.get("/api/rome/m1805/soft-skills").json()
    assert body["rome_code"] == "M1805" and body["rome_label"] == "Développeur"
    assert [s["soft_skill"] for s in body["soft_skills"]] == ["Autonomie", "Travail en équipe"]
    known_without_rows = client.get("/api/rome/M1827/soft-skills")  # in the lexicon, no offers cite soft skills
    assert known_without_rows.status_code == 200 and known_without_rows.json()["soft_skills"] == []
    assert client.get("/api/rome/A9999/soft-skills").status_code == 404
    for bad in ("M18", "Z1234", "M1805x", "1805"):
        assert client.get(f"/api/rome/{bad}/soft-skills").status_code == 422, bad
