"""Warehouse settings (env prefix ``WAREHOUSE_``; Snowflake credentials under their usual ``SNOWFLAKE_*`` names).

``WAREHOUSE=duckdb|snowflake`` picks the backend; unset, it is Snowflake when ``SNOWFLAKE_ACCOUNT`` is set
and the embedded DuckDB file under the data directory otherwise.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from core.settings import CommonSettings

REPO_ROOT = Path(__file__).resolve().parents[1]


class Backend(StrEnum):
    DUCKDB = "duckdb"
    SNOWFLAKE = "snowflake"


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="WAREHOUSE_", env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore", populate_by_name=True)

    backend: Backend | None = Field(default=None, validation_alias=_env("WAREHOUSE", "WAREHOUSE_BACKEND"),
                                    description="duckdb or snowflake; unset: snowflake iff SNOWFLAKE_ACCOUNT is set.")
    duckdb_path: Path | None = Field(default=None, description="Default: <data dir>/warehouse/jobmarket.duckdb.")
    raw_schema: str = Field(default="raw", description="Schema the sink writes (raw + canonical layers).")
    lock_timeout_s: float = Field(default=600.0, description="DuckDB: longest wait for the file lock.")

    # Snowflake: the usual variable names, so an existing profile/CI secret works as is.
    snowflake_account: str | None = Field(default=None, validation_alias=_env("SNOWFLAKE_ACCOUNT"))
    snowflake_user: str | None = Field(default=None, validation_alias=_env("SNOWFLAKE_USER"))
    snowflake_password: SecretStr | None = Field(default=None, validation_alias=_env("SNOWFLAKE_PASSWORD"))
    snowflake_private_key_path: Path | None = Field(default=None,
                                                    validation_alias=_env("SNOWFLAKE_PRIVATE_KEY_PATH"))
    snowflake_private_key_passphrase: SecretStr | None = Field(
        default=None, validation_alias=_env("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"))
    snowflake_database: str = Field(default="JOBMARKET", validation_alias=_env("SNOWFLAKE_DATABASE"))
    snowflake_warehouse: str | None = Field(default=None, validation_alias=_env("SNOWFLAKE_WAREHOUSE"))
    snowflake_role: str | None = Field(default=None, validation_alias=_env("SNOWFLAKE_ROLE"))
    snowflake_schema: str = Field(default="PUBLIC", validation_alias=_env("SNOWFLAKE_SCHEMA"),
                                  description="dbt's default schema; models go to BRONZE/SILVER/GOLD.")
    # Only for a Snowflake-compatible endpoint such as the fakesnow server (tests): host, port, protocol.
    snowflake_host: str | None = Field(default=None, validation_alias=_env("SNOWFLAKE_HOST"))
    snowflake_port: int | None = Field(default=None, validation_alias=_env("SNOWFLAKE_PORT"))
    snowflake_protocol: str = Field(default="https", validation_alias=_env("SNOWFLAKE_PROTOCOL"))
    snowflake_network_timeout_s: int = Field(default=60, validation_alias=_env("SNOWFLAKE_NETWORK_TIMEOUT"),
                                             description="Without it, a failing statement is retried forever.")

    # Sink (Kafka consumer).
    group_id: str = "jobmarket-warehouse-sink"
    session_timeout_ms: int = Field(default=6000, ge=1000, description="Consumer group session timeout (Tansu "
                                    "holds a group join about half of it; 6000 is Kafka's minimum by default).")
    batch_size: int = Field(default=2000, ge=1, description="Most messages written per batch.")
    batch_timeout_ms: int = Field(default=1000, ge=1, description="Longest wait to fill a batch.")
    max_bind_bytes: int = Field(default=8_000_000, ge=10_000,
                                description="Snowflake: JSON bytes bound per statement (16 MB is the limit).")
    retry_backoff_max_s: float = 30.0

    # dbt.
    dbt_project_dir: Path = REPO_ROOT / "dbt"
    dbt_target: str | None = Field(default=None, description="Default: duckdb, snowflake, or fakesnow when "
                                                                    "SNOWFLAKE_ACCOUNT=fakesnow.")
    dbt_threads: int | None = None
    dbt_timeout_s: float = 1800.0
    transform_interval_s: float = Field(default=300.0, gt=0, description="`jobmarket up`: seconds between builds.")
    transform_at_start: bool = Field(default=True, description="`jobmarket up`: build once at start (false: first "
                                                               "build after one interval or on the sink's request).")
    transform_after_rows: int = Field(default=1000, ge=1,
                                      description="`jobmarket up`: build early once the sink caught up after "
                                                  "writing this many rows (a backfill).")

    @property
    def effective_backend(self) -> Backend:
        if self.backend is not None:
            return self.backend
        return Backend.SNOWFLAKE if self.snowflake_account else Backend.DUCKDB

    @property
    def duckdb_file(self) -> Path:
        path = self.duckdb_path or self.data_dir / "warehouse" / "jobmarket.duckdb"
        path = path.resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def effective_dbt_target(self) -> str:
        if self.dbt_target:
            return self.dbt_target
        if self.effective_backend is Backend.DUCKDB:
            return "duckdb"
        return "fakesnow" if (self.snowflake_account or "").lower() == "fakesnow" else "snowflake"

    @property
    def transform_request_file(self) -> Path:
        """Touched by the sink after a backfill; the periodic transform builds early when it sees it."""
        return self.path("warehouse", "transform.request").resolve()
