"""Backend selection from the environment, dbt's environment, the schedule of `jobmarket up`'s transform."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import warehouse.transform as transform_module
from core.settings import CommonSettings
from jobmarket.stack import processes
from warehouse import open_warehouse
from warehouse.duckdb import DuckDBWarehouse
from warehouse.settings import Backend, Settings
from warehouse.snowflake import SnowflakeWarehouse
from warehouse.transform import DbtResult, dbt_env, run_periodically


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("WAREHOUSE", "WAREHOUSE_BACKEND", "SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_PASSWORD",
                 "SNOWFLAKE_DATABASE", "SNOWFLAKE_ROLE", "SNOWFLAKE_WAREHOUSE", "WAREHOUSE_DBT_TARGET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JOBMARKET_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_duckdb_is_the_default_under_the_data_dir(tmp_path: Path) -> None:
    s = Settings()
    assert s.effective_backend is Backend.DUCKDB and s.effective_dbt_target == "duckdb"
    assert s.duckdb_file == (tmp_path / "warehouse" / "jobmarket.duckdb").resolve()
    assert isinstance(open_warehouse(s), DuckDBWarehouse)


def test_snowflake_when_an_account_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SNOWFLAKE_ACCOUNT", "xy12345.eu-west-1")
    monkeypatch.setenv("SNOWFLAKE_USER", "loader")
    monkeypatch.setenv("SNOWFLAKE_PASSWORD", "s3cret")
    monkeypatch.setenv("SNOWFLAKE_DATABASE", "ANALYTICS")
    s = Settings()
    assert s.effective_backend is Backend.SNOWFLAKE and s.effective_dbt_target == "snowflake"
    assert s.snowflake_password is not None and s.snowflake_password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(s)
    wh = open_warehouse(s)
    assert isinstance(wh, SnowflakeWarehouse)
    env = dbt_env(s, wh)
    assert env["DBT_TARGET"] == "snowflake" and env["SNOWFLAKE_DATABASE"] == "ANALYTICS"
    assert env["DBT_SEND_ANONYMOUS_USAGE_STATS"] == "false"
    assert Path(env["DBT_PROFILES_DIR"], "profiles.yml").exists()


def test_warehouse_variable_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SNOWFLAKE_ACCOUNT", "fakesnow")
    monkeypatch.setenv("WAREHOUSE", "duckdb")
    assert Settings().effective_backend is Backend.DUCKDB
    monkeypatch.setenv("WAREHOUSE", "snowflake")
    assert Settings().effective_dbt_target == "fakesnow"


def test_jobmarket_up_runs_the_sink_and_a_periodic_transform(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAREHOUSE_TRANSFORM_INTERVAL_S", "120")
    procs = {p.name: " ".join(p.argv) for p in processes(CommonSettings(), 10)}
    assert procs["warehouse-sink"].endswith("-m jobmarket warehouse-sink")
    assert procs["transform"].endswith("-m jobmarket transform --every 120.0")


def test_periodic_transform_builds_on_schedule_and_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings()
    stop = threading.Event()
    calls: list[float] = []

    def fake_transform(settings: Settings, **_: object) -> DbtResult:
        calls.append(0.0)
        if len(calls) == 1:
            settings.transform_request_file.touch()  # the sink finished a backfill meanwhile
        if len(calls) == 2:
            stop.set()
        return DbtResult(args=["build"], returncode=0, duration_s=0.0)

    monkeypatch.setattr(transform_module, "transform", fake_transform)
    worker = threading.Thread(target=run_periodically, args=(s,),
                              kwargs={"interval_s": 3600, "stop": stop, "poll_s": 0.01})
    worker.start()
    worker.join(5)
    assert not worker.is_alive()
    assert len(calls) == 2  # once at start, once on request: not after the hour
    assert not s.transform_request_file.exists()


def test_periodic_transform_can_skip_the_build_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings(transform_at_start=False)
    stop = threading.Event()
    calls: list[bool] = []

    def fake_transform(settings: Settings, **_: object) -> DbtResult:
        calls.append(requested.is_set())
        stop.set()
        return DbtResult(args=["build"], returncode=0, duration_s=0.0)

    requested = threading.Event()
    monkeypatch.setattr(transform_module, "transform", fake_transform)
    worker = threading.Thread(target=run_periodically, args=(s,),
                              kwargs={"interval_s": 3600, "stop": stop, "poll_s": 0.01})
    worker.start()
    stop.wait(0.3)  # several polls: no build at start
    requested.set()
    s.transform_request_file.touch()
    worker.join(5)
    assert not worker.is_alive()
    assert calls == [True]  # one build, on the sink's request
