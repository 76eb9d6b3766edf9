"""Producer settings.

``Settings`` (env prefix ``PRODUCER_``) holds what every connector shares; each real source has its own
settings class read from explicit environment names (``FRANCE_TRAVAIL_*``, ``ADZUNA_*``), so a user with
credentials points the connectors at production by exporting the variables the APIs' docs talk about.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.settings import CommonSettings


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class FranceTravailSettings(BaseSettings):
    """France Travail « Offres d'emploi v2 » (OAuth2 client credentials)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    client_id: str | None = Field(default=None, validation_alias=_env("FRANCE_TRAVAIL_CLIENT_ID"))
    client_secret: SecretStr | None = Field(default=None, validation_alias=_env("FRANCE_TRAVAIL_CLIENT_SECRET"))
    token_url: str = Field(
        default="https://entreprise.francetravail.fr/connexion/oauth2/access_token?realm=/partenaire",
        validation_alias=_env("FRANCE_TRAVAIL_TOKEN_URL"),
    )
    api_url: str = Field(
        default="https://api.francetravail.io/partenaire/offresdemploi",
        validation_alias=_env("FRANCE_TRAVAIL_API_URL"),
        description="API base; the connector calls {api_url}/v2/offres/search.",
    )
    scope: str = Field(default="api_offresdemploiv2 o2dsoffre", validation_alias=_env("FRANCE_TRAVAIL_SCOPE"))
    requests_per_second: float = Field(
        default=3.0, ge=0, validation_alias=_env("FRANCE_TRAVAIL_REQUESTS_PER_SECOND"),
        description="Client-side rate limit (0: unlimited).",
    )
    page_size: int = Field(default=150, ge=1, le=150, validation_alias=_env("FRANCE_TRAVAIL_PAGE_SIZE"))
    max_results: int = Field(
        default=3150, ge=1, validation_alias=_env("FRANCE_TRAVAIL_MAX_RESULTS"),
        description="How deep the API pages one query (range start <= 3000, end <= 3149): windows holding "
        "more are split in time until each fits.",
    )
    token_refresh_margin_s: float = Field(default=60.0, ge=0,
                                          validation_alias=_env("FRANCE_TRAVAIL_TOKEN_REFRESH_MARGIN_S"))
    poll_interval_s: float = Field(default=60.0, gt=0, validation_alias=_env("FRANCE_TRAVAIL_POLL_INTERVAL_S"),
                                   description="Seconds between polls with --follow (unless --interval).")
    backfill_days: float = Field(default=1.0, gt=0, validation_alias=_env("FRANCE_TRAVAIL_BACKFILL_DAYS"),
                                 description="First backfill when neither --since nor a checkpoint is given.")
    reconcile_interval_s: float = Field(
        default=3600.0, ge=0, validation_alias=_env("FRANCE_TRAVAIL_RECONCILE_INTERVAL_S"),
        description="A full sweep (which also detects withdrawn offers) runs at least this often.",
    )
    reconcile_horizon_days: float = Field(
        default=31.0, gt=0, validation_alias=_env("FRANCE_TRAVAIL_RECONCILE_HORIZON_DAYS"),
        description="How far back a full sweep re-reads (offers created earlier are no longer tracked).",
    )
    # Optional search filters (the API's own parameter syntax, e.g. departement="75,92").
    departement: str | None = Field(default=None, validation_alias=_env("FRANCE_TRAVAIL_DEPARTEMENT"))
    code_rome: str | None = Field(default=None, validation_alias=_env("FRANCE_TRAVAIL_CODE_ROME"))
    type_contrat: str | None = Field(default=None, validation_alias=_env("FRANCE_TRAVAIL_TYPE_CONTRAT"))
    mots_cles: str | None = Field(default=None, validation_alias=_env("FRANCE_TRAVAIL_MOTS_CLES"))
    commune: str | None = Field(default=None, validation_alias=_env("FRANCE_TRAVAIL_COMMUNE"),
                                description="INSEE code(s).")

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret and self.client_secret.get_secret_value())

    def filters(self) -> dict[str, str]:
        raw = {"departement": self.departement, "codeROME": self.code_rome, "typeContrat": self.type_contrat,
               "motsCles": self.mots_cles, "commune": self.commune}
        return {k: v for k, v in raw.items() if v}


class AdzunaSettings(BaseSettings):
    """Adzuna job search API (app id + key as query parameters)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    app_id: str | None = Field(default=None, validation_alias=_env("ADZUNA_APP_ID"))
    app_key: SecretStr | None = Field(default=None, validation_alias=_env("ADZUNA_APP_KEY"))
    api_url: str = Field(default="https://api.adzuna.com/v1/api", validation_alias=_env("ADZUNA_API_URL"))
    country: str = Field(default="fr", validation_alias=_env("ADZUNA_COUNTRY"))
    results_per_page: int = Field(default=50, ge=1, le=50, validation_alias=_env("ADZUNA_RESULTS_PER_PAGE"))
    max_days_old: int = Field(
        default=30, ge=1, validation_alias=_env("ADZUNA_MAX_DAYS_OLD"),
        description="Backfill horizon when no --since is given.",
    )
    requests_per_second: float = Field(
        default=0.4, ge=0, validation_alias=_env("ADZUNA_REQUESTS_PER_SECOND"),
        description="Client-side rate limit (0: unlimited); Adzuna's free tier allows 25 calls a minute.",
    )
    poll_interval_s: float = Field(default=1800.0, gt=0, validation_alias=_env("ADZUNA_POLL_INTERVAL_S"),
                                   description="Seconds between polls with --follow (unless --interval).")
    reconcile_interval_s: float = Field(
        default=86400.0, ge=0, validation_alias=_env("ADZUNA_RECONCILE_INTERVAL_S"),
        description="A full sweep (which also detects withdrawn offers) runs at least this often; "
        "each one costs count/results_per_page calls of the daily quota.",
    )
    what: str | None = Field(default=None, validation_alias=_env("ADZUNA_WHAT"))
    where: str | None = Field(default=None, validation_alias=_env("ADZUNA_WHERE"))
    category: str | None = Field(default=None, validation_alias=_env("ADZUNA_CATEGORY"))

    @property
    def configured(self) -> bool:
        return bool(self.app_id and self.app_key and self.app_key.get_secret_value())

    def filters(self) -> dict[str, str]:
        raw = {"what": self.what, "where": self.where, "category": self.category}
        return {k: v for k, v in raw.items() if v}


class Settings(CommonSettings):
    """Producer settings (env prefix ``PRODUCER_``)."""

    model_config = SettingsConfigDict(env_prefix="PRODUCER_", env_file=".env", extra="ignore")

    sample_seed: int = 42
    sample_count: int = 300
    follow_interval_s: float = 30.0
    # How many new sample offers each follow cycle publishes (a trickle, so the feed stays fresh).
    sample_follow_count: int = 5
    flush_timeout_s: float = 30.0

    # Real connectors: incremental polls, HTTP discipline, metrics.
    lookback_s: float = Field(
        default=3600.0, ge=0,
        description="Each incremental poll re-reads this much before the watermark (late-indexed offers).",
    )
    http_timeout_s: float = 30.0
    http_max_attempts: int = Field(default=5, ge=1)
    http_backoff_initial_s: float = Field(default=0.5, ge=0)
    http_backoff_max_s: float = Field(default=30.0, ge=0)
    http_retry_after_max_s: float = Field(default=300.0, ge=0)
    metrics_host: str = Field(default="127.0.0.1", description="Where --metrics-port listens (0.0.0.0 in a container).")
    failure_backoff_max_s: float = Field(
        default=900.0, ge=0,
        description="With --follow, a failed cycle doubles the wait before the next one, up to this.",
    )
    # Reconciliation guard: an empty or degraded answer must not pass for a mass withdrawal.
    removal_guard_fraction: float = Field(
        default=0.5, gt=0, le=1,
        description="A read that would remove more than this fraction of the offers tracked in its window "
        "removes nothing until a later read agrees (1: never held back).",
    )
    removal_guard_min: int = Field(
        default=5, ge=1, description="Fewer removals than this in one window are never held back by the guard.",
    )

    france_travail: FranceTravailSettings = Field(default_factory=FranceTravailSettings)
    adzuna: AdzunaSettings = Field(default_factory=AdzunaSettings)
