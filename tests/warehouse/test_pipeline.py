"""End to end on both warehouses: topics (real broker) → sink → raw + canonical → dbt build → gold.

Each backend runs one scenario on its own broker, shared by the tests below (dbt builds cost seconds):
  1. publish a known input (raw events, removals, enriched offers with embeddings, tombstones) → sink → build;
  2. publish an update and a removal → sink → build again (silver merges incrementally);
  3. replay: a new consumer group re-reads every topic from the start while the worker's latest output is
     published once more (new offsets, new enriched_at) → sink → build: no table may change.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from schemas.events import ContractType, Offer
from tests.warehouse.fixtures_data import Dataset, expected_gold, make_dataset
from tests.warehouse.helpers import (
    RAW_TABLES,
    FakesnowServer,
    as_dict,
    drain,
    duckdb_settings,
    gold,
    private_broker,
    publish,
    snapshot,
    snowflake_settings,
)
from warehouse import Warehouse, open_warehouse
from warehouse.settings import Settings
from warehouse.sink import SinkStats
from warehouse.transform import DbtResult, dbt_paths, run_dbt, transform

pytestmark = pytest.mark.slow


@dataclass
class Scenario:
    backend: str
    settings: Settings
    wh: Warehouse
    initial: Dataset
    final: Dataset
    builds: list[DbtResult] = field(default_factory=list)
    raw_counts: dict[str, int] = field(default_factory=dict)
    removed_rows: int = 0
    records: list[dict[str, Any]] = field(default_factory=list)
    gold_first: dict[str, Any] = field(default_factory=dict)
    gold_final: dict[str, Any] = field(default_factory=dict)
    silver_count_after_update: int = 0
    updated_title: str | None = None
    merge_sql_second_build: str = ""
    replay_stats: SinkStats | None = None
    before_replay: dict[str, Any] = field(default_factory=dict)
    after_replay: dict[str, Any] = field(default_factory=dict)


def gold_figures(wh: Warehouse) -> dict[str, Any]:
    daily = {k: v for k, v in as_dict(wh, "gold", "daily_offers", "published_date", "offer_count").items()}
    return {
        "fct_offers": wh.count("gold", "fct_offers"),
        "offers_by_contract": as_dict(wh, "gold", "offers_by_contract", "contract_type", "offer_count"),
        "offers_by_seniority": as_dict(wh, "gold", "offers_by_seniority", "seniority", "offer_count"),
        "companies": {str(k).strip().lower(): v
                      for k, v in as_dict(wh, "gold", "top_companies", "company_name", "offer_count").items()},
        "skills": {str(k).lower(): v
                   for k, v in as_dict(wh, "gold", "top_skills", "skill_name", "offer_count").items()},
        "daily": daily,
    }


def _as_float(expected: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in expected.items():
        out[k] = {kk: float(vv) for kk, vv in v.items()} if isinstance(v, dict) else v
    return out


def run_scenario(backend: str, settings_for: Any, tmp: Path) -> Scenario:
    with private_broker(tmp) as bootstrap:
        settings: Settings = settings_for(bootstrap)
        ds = make_dataset()
        publish(bootstrap, raw=ds.raw, removals=ds.removals, offers=ds.offers, tombstones=ds.removed_ids)
        drain(settings)
        wh = open_warehouse(settings)
        sc = Scenario(backend=backend, settings=settings, wh=wh, initial=ds, final=ds)
        sc.raw_counts = {t: wh.count("raw", t) for t in RAW_TABLES}
        sc.removed_rows = len(wh.query(f"select offer_id from {wh.relation('raw', 'enriched_offers')} "
                                       "where is_removed"))
        sc.records = [json.loads(r["record"]) if isinstance(r["record"], str) else r["record"]
                      for r in wh.table("raw", "enriched_offers") if r["record"] is not None]
        sc.builds.append(transform(settings))
        sc.gold_first = gold_figures(wh)

        # 2. an offer changes, another is withdrawn → incremental merge into silver.
        first, second = ds.offers[0], ds.offers[1]
        updated = first.model_copy(update={"title": "Développeur 0 (mis à jour)", "contract_type": ContractType.STAGE,
                                           "enriched_at": first.enriched_at + timedelta(hours=2)})
        publish(bootstrap, offers=[updated], tombstones=[second.id])
        drain(settings)
        sc.builds.append(transform(settings))
        run_dir = dbt_paths(settings)[1] / "run" / "jobmarket" / "models" / "silver" / "offers.sql"
        sc.merge_sql_second_build = run_dir.read_text()
        sc.silver_count_after_update = wh.count("silver", "offers")
        sc.updated_title = wh.query(f"select title from {wh.relation('silver', 'offers')} where offer_id = ?",
                                    [first.id])[0]["title"]
        offers = [updated, *ds.offers[1:]]
        sc.final = Dataset(raw=ds.raw, offers=offers, removed_ids=[*ds.removed_ids, second.id], removals=ds.removals)

        # 3. replay: everything re-read from the start, and the worker's latest output published again.
        sc.before_replay = snapshot(wh)
        gone = set(sc.final.removed_ids)
        republished: list[Offer] = [o.model_copy(update={"enriched_at": o.enriched_at + timedelta(days=1)})
                                    for o in sc.final.offers if o.id not in gone]
        publish(bootstrap, raw=ds.raw, removals=ds.removals, offers=republished, tombstones=sorted(gone))
        sc.replay_stats = drain(settings.model_copy(update={"group_id": settings.group_id + "-replay"}))
        # every model rebuilt (`dbt run`: the data tests already passed twice above)
        sc.builds.append(run_dbt(["run"], settings, warehouse=wh))
        sc.after_replay = snapshot(wh)
        sc.gold_final = gold(wh)
        return sc


@pytest.fixture(scope="session")
def scenarios(tmp_path_factory: pytest.TempPathFactory,
              fakesnow_server: FakesnowServer) -> Iterator[dict[str, Scenario]]:
    """Both backends' scenarios, run side by side: each is mostly dbt subprocesses and waits on its own
    broker, so the pair takes little more than the longer one (CI has a time budget on 2 cores)."""
    duck, snow = tmp_path_factory.mktemp("pipeline-duckdb"), tmp_path_factory.mktemp("pipeline-snowflake")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            "duckdb": pool.submit(run_scenario, "duckdb", lambda bootstrap: duckdb_settings(duck, bootstrap), duck),
            "snowflake": pool.submit(run_scenario, "snowflake", lambda bootstrap: snowflake_settings(
                snow, bootstrap, fakesnow_server, "JM_PIPELINE"), snow),
        }
        out = {name: f.result() for name, f in futures.items()}
    yield out
    for sc in out.values():
        sc.wh.close()


@pytest.fixture(scope="session")
def duckdb_scenario(scenarios: dict[str, Scenario]) -> Scenario:
    return scenarios["duckdb"]


@pytest.fixture(scope="session")
def snowflake_scenario(scenarios: dict[str, Scenario]) -> Scenario:
    return scenarios["snowflake"]


@pytest.fixture(params=["duckdb", "snowflake"])
def scenario(request: pytest.FixtureRequest) -> Scenario:
    return request.getfixturevalue(f"{request.param}_scenario")


def test_raw_and_canonical_layers_hold_every_event_once(scenario: Scenario) -> None:
    ds = scenario.initial
    assert scenario.raw_counts == {"raw_offers": len(ds.raw), "raw_removals": len(ds.removals),
                                   "enriched_offers": len(ds.offers)}
    assert scenario.removed_rows == len(ds.removed_ids)
    # tombstoned rows keep their last record; no embedding ever reaches the warehouse
    assert len(scenario.records) == len(ds.offers)
    assert all("embedding" not in r for r in scenario.records)
    assert {r["id"] for r in scenario.records} == {o.id for o in ds.offers}


def test_first_build_passes_and_gold_matches_the_input(scenario: Scenario) -> None:
    build = scenario.builds[0]
    assert build.ok, build.failures or build.output[-3000:]
    assert build.statuses.get("pass", 0) > 100  # data tests + unit tests ran
    assert scenario.gold_first == _as_float(expected_gold(scenario.initial))


def test_second_build_merges_changes_into_silver(scenario: Scenario) -> None:
    build = scenario.builds[1]
    assert build.ok, build.failures or build.output[-3000:]
    assert "merge into" in scenario.merge_sql_second_build.lower()  # incremental, not a rebuild
    assert scenario.silver_count_after_update == len(scenario.initial.offers)  # updated in place
    assert scenario.updated_title == "Développeur 0 (mis à jour)"


def test_replaying_every_topic_changes_no_table(scenario: Scenario) -> None:
    assert scenario.builds[2].ok, scenario.builds[2].failures
    stats = scenario.replay_stats
    assert stats is not None and stats.messages > 2 * len(scenario.initial.raw)  # it did re-read everything
    assert stats.written == 0
    changed = [t for t in scenario.before_replay if scenario.before_replay[t] != scenario.after_replay[t]]
    assert changed == []
    assert len(scenario.after_replay["gold.fct_offers"]) == len(scenario.final.online)  # not trivially equal


def test_both_backends_build_the_same_gold(duckdb_scenario: Scenario, snowflake_scenario: Scenario) -> None:
    duck, snow = duckdb_scenario.gold_final, snowflake_scenario.gold_final
    assert all(duck[t] for t in duck), [t for t in duck if not duck[t]]
    assert [t for t in duck if duck[t] != snow[t]] == []
