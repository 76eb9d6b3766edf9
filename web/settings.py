from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Web settings (env prefix ``WEB_``)."""

    model_config = SettingsConfigDict(env_prefix="WEB_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8050
    api_url: str = "http://127.0.0.1:8000"
    api_timeout_s: float = 10.0
    debug: bool = False
    refresh_s: float = 60.0  # how often the recommendations page asks for new offers
