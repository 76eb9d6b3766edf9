"""Settings every service shares. Each service's own ``Settings`` subclasses ``CommonSettings``.

The shared fields use explicit environment names (``KAFKA_BOOTSTRAP_SERVERS``, ``JOBMARKET_DATA_DIR``...)
so they read the same whatever a service's own prefix is.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Field(
        default=Path("data"),
        validation_alias=AliasChoices("JOBMARKET_DATA_DIR"),
        description="All local state (index, warehouse file, databases, checkpoints) lives here.",
    )
    kafka_bootstrap_servers: str | None = Field(
        default=None,
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS"),
        description="An existing Kafka cluster; unset means the embedded broker on broker_port.",
    )
    kafka_fetch_max_wait_ms: int = Field(
        default=100,
        validation_alias=AliasChoices("KAFKA_FETCH_MAX_WAIT_MS"),
        description="Longest a consumer fetch waits for records. Tansu answers a waiting fetch near this "
                    "deadline rather than when a record lands, so it bounds each hop's latency there.",
    )
    broker_host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("BROKER_HOST"))
    broker_port: int = Field(default=9092, validation_alias=AliasChoices("BROKER_PORT"))
    qdrant_url: str | None = Field(default=None, validation_alias=AliasChoices("QDRANT_URL"))
    qdrant_api_key: str | None = Field(default=None, validation_alias=AliasChoices("QDRANT_API_KEY"))
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("LOG_LEVEL"))
    log_json: bool = Field(default=False, validation_alias=AliasChoices("LOG_JSON"))

    @property
    def bootstrap_servers(self) -> str:
        return self.kafka_bootstrap_servers or f"{self.broker_host}:{self.broker_port}"

    @property
    def embedded_broker(self) -> bool:
        return self.kafka_bootstrap_servers is None

    def path(self, *parts: str) -> Path:
        """A path under the data directory, created on first use."""
        p = self.data_dir.joinpath(*parts)
        p.parent.mkdir(parents=True, exist_ok=True)
        return p
