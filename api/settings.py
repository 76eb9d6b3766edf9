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
