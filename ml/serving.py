"""Which matching configuration serves: the registry's ``champion``, else the benchmark's winner.

A served configuration is an encoder, the text of an offer it embeds (a ``ml.relevance.texts`` template)
and the ranking recipe (``ml.relevance.configs.PipelineConfig``: BM25 fusion and re-ranking weights). The
worker embeds offers with it, the API embeds queries with it and ranks with its recipe.

Vectors of one encoder over two different texts do not compare well, so the text template is part of
the model id every vector carries (``"use-multilingual-v3|title_skills_desc300"``): the dedup, the index
and the API only ever compare vectors whose ids are equal, and ``encoder_for_model_id`` rebuilds the
encoder a collection was built with from that id alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import structlog

from ml.embedding import PACKAGED_PREFIX, Embedder, build_embedder
from ml.relevance.configs import PipelineConfig, best_recipe
from ml.relevance.texts import TEMPLATES, passage_text
from ml.settings import EmbeddingSettings
from schemas.events import Offer

log = structlog.get_logger(__name__)

TEMPLATE_SEP = "|"
# The benchmark's winner per encoder backend (bench/labels/relevance/README.md): what serves without a
# champion. The encoder itself comes from ``EmbeddingSettings`` (default: USE multilingual, the winner).
PACKAGED_MINILM = "all-MiniLM-L6-v2"
_SPEC_OF_BACKEND = {"use-multilingual": "use", "e5-small": "e5", "sentence-transformers": "minilm"}


@dataclass
class ServingEncoder:
    """An encoder plus the offer text it embeds and the ranking recipe that goes with it (an ``Embedder``)."""

    inner: Embedder
    template: str
    pipeline: PipelineConfig
    version: str | None = None  # the registry's MatchingPipeline version; None: the packaged default
    source: Literal["registry", "default"] = "default"
    model_id: str = field(init=False)
    dim: int = field(init=False)

    def __post_init__(self) -> None:
        if self.template not in TEMPLATES:
            raise ValueError(f"unknown text template {self.template!r}: one of {sorted(TEMPLATES)}")
        self.model_id = f"{self.inner.model_id}{TEMPLATE_SEP}{self.template}"
        self.dim = self.inner.dim

    def passage(self, offer: Offer) -> str:
        return passage_text(offer, self.template)

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return self.inner.encode(texts)

    def encode_query(self, text: str) -> npt.NDArray[np.float32]:
        return self.inner.encode_query(text)

    def describe(self) -> dict[str, Any]:
        return {"model_id": self.model_id, "encoder": self.inner.model_id, "template": self.template,
                "version": self.version, "source": self.source, "pipeline": self.pipeline.name}


def _recipe(settings: EmbeddingSettings) -> PipelineConfig:
    spec = _SPEC_OF_BACKEND.get(settings.backend, "use")
    if settings.backend == "sentence-transformers" and settings.model != f"{PACKAGED_PREFIX}{PACKAGED_MINILM}":
        spec = f"st:{settings.model}"
    recipe = best_recipe(spec)
    if settings.text_template != recipe.template:
        recipe = PipelineConfig(**{**recipe.to_dict(), "template": settings.text_template,
                                   "name": f"{recipe.name}@{settings.text_template}"})
    return recipe


def default_encoder(settings: EmbeddingSettings | None = None, inner: Embedder | None = None) -> ServingEncoder:
    """The configured encoder (``EMBEDDING_*``) with the benchmark's winning recipe for it."""
    s = settings or EmbeddingSettings()
    return ServingEncoder(inner or build_embedder(s), s.text_template, _recipe(s))


def from_config(config: Mapping[str, Any], version: str | None = None) -> ServingEncoder:
    """A registered configuration (``{"pipeline": PipelineConfig, "embedding": EmbeddingSettings fields}``).

    A lexical-only champion still needs vectors for the index and the dedup: it gets the default encoder.
    """
    pipeline = PipelineConfig.from_dict(dict(config.get("pipeline") or {}))
    spec = {k: v for k, v in (config.get("embedding") or {}).items() if k in EmbeddingSettings.model_fields}
    settings = EmbeddingSettings()
    if spec:
        settings = settings.model_copy(update={**spec, "text_template": pipeline.template})
    return ServingEncoder(build_embedder(settings), settings.text_template, pipeline, version=version,
                          source="registry")


def serving_encoder(settings: EmbeddingSettings | None = None) -> ServingEncoder:
    """The champion when the registry has one (``EMBEDDING_SOURCE=registry``, the default), else the
    default; an unreachable registry is waited for up to ``EMBEDDING_REGISTRY_WAIT_S`` (0 unless
    `jobmarket up` starts one beside this service), then logged and served around."""
    s = settings or EmbeddingSettings()
    if s.source == "registry":
        from ml.registry import champion_config  # imports mlflow: only when a registry is asked
        from ml.tracking import TrackingSettings

        found = champion_config(TrackingSettings().tracking_uri, timeout_s=s.registry_timeout_s,
                                wait_s=s.registry_wait_s)
        if found is not None:
            version, config = found
            try:
                served = from_config(config, version)
                log.info("serving the registry's champion", **served.describe())
                return served
            except Exception as exc:  # a champion this code cannot build must not stop the service
                log.warning("the champion cannot be served: serving the default", version=version, error=str(exc))
    served = default_encoder(s)
    log.info("serving the default model", **served.describe())
    return served


def encoder_for_model_id(model_id: str, settings: EmbeddingSettings | None = None) -> ServingEncoder:
    """The encoder that produced vectors tagged ``model_id`` (``<encoder id>|<template>``), e.g. to embed
    queries for a collection built by another model than the configured one."""
    encoder_id, _, template = model_id.partition(TEMPLATE_SEP)
    base = settings or EmbeddingSettings()
    fields: dict[str, Any] = {"text_template": template or "search_text"}
    if encoder_id == "use-multilingual-v3":
        fields["backend"] = "use-multilingual"
    elif encoder_id == "e5-small-multilingual-q4":
        fields["backend"] = "e5-small"
    elif encoder_id.startswith("st:"):
        name, _, length = encoder_id[3:].rpartition("@")
        if name == PACKAGED_MINILM:
            name = f"{PACKAGED_PREFIX}{name}"
        fields.update(backend="sentence-transformers", model=name,
                      max_seq_length=int(length) if length.isdigit() else base.max_seq_length)
    else:
        raise ValueError(f"no encoder is known for model id {model_id!r}")
    s = base.model_copy(update=fields)
    served = default_encoder(s)
    if served.model_id != model_id:
        raise ValueError(f"model id {model_id!r} rebuilt as {served.model_id!r}")
    return served
