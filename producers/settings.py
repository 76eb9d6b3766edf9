from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from jobmarket.settings import CommonSettings


class Settings(CommonSettings):
    """Producer settings (env prefix ``PRODUCER_``)."""

    model_config = SettingsConfigDict(env_prefix="PRODUCER_", env_file=".env", extra="ignore")

    sample_seed: int = 42
    sample_count: int = 300
    follow_interval_s: float = 30.0
    # How many new sample offers each follow cycle publishes (a trickle, so the feed stays fresh).
    sample_follow_count: int = 5
    flush_timeout_s: float = 30.0
