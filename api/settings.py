from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import SettingsConfigDict

from core.settings import CommonSettings

ReadyCheckName = Literal["broker", "index", "model", "warehouse", "registry", "database"]


def _default_required() -> list[ReadyCheckName]:
    return ["broker", "index", "model"]


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

    # --- accounts and offer writes (api/security.py, api/store, api/routes/offer_writes.py) ---
    # API_ENV: outside "local" the app refuses to start with the default JWT secret.
    env: Literal["local", "production"] = "local"
    jwt_secret: str = "jobmarket-local-dev-secret-change-me"
    jwt_algorithm: str = "HS256"
    access_token_minutes: int = 30
    refresh_token_days: int = 14
    # Login attempts in a moving window ("N/minute"): every attempt counts per client IP, failed ones per account.
    login_limit_per_ip: str = "20/minute"
    login_limit_per_account: str = "5/minute"
    # The relational store (accounts, profiles, offer ownership); unset: SQLite under JOBMARKET_DATA_DIR.
    database_url: str | None = Field(default=None, validation_alias=AliasChoices("DATABASE_URL"))
    # An offer write waits this long for the broker's acknowledgement before answering 503.
    write_publish_timeout_s: float = 5.0
    # How long an API write is served from the API's own overlay while the pipeline has not indexed it.
    pending_write_ttl_s: float = 600.0

    @model_validator(mode="after")
    def _no_default_secret_outside_local(self) -> Settings:
        if self.env != "local" and self.jwt_secret == type(self).model_fields["jwt_secret"].default:
            raise ValueError(f"API_JWT_SECRET must be set to a secret of your own when API_ENV={self.env} "
                             "(the default is public: anyone could sign tokens)")
        if self.env != "local" and len(self.jwt_secret) < 32:
            raise ValueError("API_JWT_SECRET must be at least 32 characters outside local mode")
        return self

    @property
    def database(self) -> str:
        """SQLAlchemy URL of the relational store."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'jobmarket.db').resolve()}"

    # --- load and hostile input, readiness (api/middleware.py, api/model_worker.py, api/routes/health.py) ---
    # Largest request body (Content-Length or chunked); beyond it a 413 problem document.
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Requests served at once (probes and /metrics excepted); one over it waits up to concurrency_wait_s
    # for a slot, then gets a 503 with Retry-After (the server is overloaded, not the client too fast).
    max_concurrency: int = Field(default=64, ge=1)
    concurrency_wait_s: float = Field(default=1.0, ge=0)
    # Deepest result a paged list serves (page * size), whatever the page size.
    max_result_window: int = Field(default=1000, ge=1)
    # Query vectors kept by the model thread's LRU cache (the same search typed twice costs one model call).
    query_cache_size: int = Field(default=2048, ge=0)
    # /ready: which checks make it 503 when down; the others are reported only.
    ready_required: list[ReadyCheckName] = Field(default_factory=_default_required)
    ready_check_interval_s: float = Field(default=10.0, gt=0)
    ready_check_timeout_s: float = Field(default=2.0, gt=0)
