from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from core.settings import CommonSettings


class Settings(CommonSettings):
    """API settings (env prefix ``API_``)."""

    model_config = SettingsConfigDict(env_prefix="API_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    # The API process owns the in-process index and keeps it fresh from the enriched topic.
    run_indexer: bool = True
    indexer_group: str = "jobmarket-api-indexer"
    collection: str = "offers"
    max_limit: int = 100
    # How long the indexer retries a failing index (timeouts, connection errors) before it gives up:
    # then /health answers 503 and the process exits non-zero for its supervisor to restart it.
    indexer_max_outage_s: float = 300.0
    # /health answers from a background Kafka check (one client, every few seconds), never blocking.
    health_kafka_interval_s: float = 5.0
    health_kafka_timeout_s: float = 2.0
