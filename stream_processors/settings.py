from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from core.settings import CommonSettings


class Settings(CommonSettings):
    """Worker settings (env prefix ``WORKER_``)."""

    model_config = SettingsConfigDict(env_prefix="WORKER_", env_file=".env", extra="ignore")

    app_id: str = "jobmarket-enricher"
    # Embedding is the expensive step: a batch amortises the model call; `batch_within_s` bounds the
    # latency a lone offer waits for company.
    batch_size: int = 64
    batch_within_s: float = 0.1
    # Routing is cheap (parse + enrich): a short window only bounds the per-batch overhead.
    route_within_s: float = 0.05
    # faust's default (60 s) holds every group join ~30 s on Tansu; 6 s makes a worker ready in ~5 s.
    session_timeout_s: float = 6.0
    # Same fingerprint AND cosine >= this: one job. Reposts and cross-source copies score ~0.95-1.0.
    dedup_similarity: float = 0.9
    # Each changelog record in its own batch: Tansu reports a batch's high watermark early and faust
    # would stop table recovery short (GUIDE §1). Real Kafka users may raise it.
    producer_max_batch_size: int = 1
    web_port: int = 6066
    web_enabled: bool = False
    # Prometheus /metrics of this worker on 127.0.0.1 (``WORKER_METRICS_PORT``; 0: off). `jobmarket up`
    # runs one worker on this default and `jobmarket status` reads it there; a second worker on the same
    # host finds the port taken and runs without metrics (give each its own port).
    metrics_port: int = 9101
    metrics_host: str = "127.0.0.1"  # 0.0.0.0 in a container a Prometheus scrapes from outside
    # How long one scrape may wait for the broker when it reads the group's lag.
    metrics_lag_timeout_s: float = 2.0
    # A stage idle this long while its input holds uncommitted records (twice in a row, checked every
    # `stall_check_interval_s`) ends the worker so its supervisor restarts it (stream_processors/watchdog.py).
    # 0: off.
    stall_after_s: float = 90.0
    stall_check_interval_s: float = 10.0
    # The worker embeds with the model of the collection the API serves (the alias ``follow_collection``,
    # read every ``follow_interval_s``): after a rollout, offers arrive in the new vector space and the
    # indexer has nothing to re-embed. Empty: the model chosen at start, until a restart.
    follow_collection: str = "offers"
    follow_interval_s: float = 5.0
