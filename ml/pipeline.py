"""``MatchingPipeline``: the registered pyfunc, with the seed's signature (TEXT → match_index, similarity_score).

``match_index`` is the row of the best offer in the corpus the model was logged with and
``similarity_score`` that offer's cosine with the query. The configuration (the benchmark's: ``pipeline`` and
``embedding``) travels as ``config.json``, the corpus as ``corpus.jsonl`` (id, embedded text, BM25 text)
with its vectors (``vectors.npy``), so loading the model encodes nothing.
This module imports mlflow: only the registry imports it, lazily.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.pyfunc import PythonModel
from mlflow.types import ColSpec, Schema

from ml.embedding import Embedder, build_embedder
from ml.relevance.expansion import expand_query
from ml.relevance.fusion import rrf, score_fusion
from ml.settings import EmbeddingSettings

CONFIG_ARTIFACT = "config.json"
SIGNATURE = ModelSignature(inputs=Schema([ColSpec("string", "TEXT")]),
                           outputs=Schema([ColSpec("long", "match_index"), ColSpec("double", "similarity_score")]))


def embedder_for(config: Mapping[str, Any]) -> Embedder | None:
    """The encoder a benchmark configuration names (its ``embedding`` settings); None for lexical only."""
    spec = config.get("embedding") or {}
    if not spec:
        return None
    fields = {k: v for k, v in spec.items() if k in EmbeddingSettings.model_fields}
    return build_embedder(EmbeddingSettings.model_validate(fields))


class Matcher:
    """The benchmark's first stage for one query: dense cosine (with the seed's threshold when set) and/or
    BM25, fused as configured (``pipeline``: lexical, fusion, weights, rrf_k, candidates). Re-ranking needs
    a candidate profile (city, contract...) that a bare TEXT does not carry, so it is not applied here."""

    def __init__(self, config: Mapping[str, Any], docs: Sequence[Mapping[str, str]], embedder: Embedder | None,
                 vectors: npt.NDArray[np.float32] | None = None) -> None:
        p = dict(config.get("pipeline") or {})
        self.embedder, self.n = embedder, len(docs)
        self.depth = int(p.get("knn") or p.get("candidates") or 100)
        self.threshold = float(p["threshold"]) if p.get("threshold") is not None else None
        self.fusion, self.rrf_k = str(p.get("fusion", "rrf")), int(p.get("rrf_k", 60))
        self.weights = [float(p.get("dense_weight", 1.0)), float(p.get("lexical_weight", 1.0))]
        self.expand = bool(p.get("expand_query"))  # occupation and French words (ml.relevance.expansion)
        self.vectors = None
        if embedder is not None:
            self.vectors = vectors if vectors is not None and len(vectors) == self.n else \
                embedder.encode([d["text"] for d in docs])
        self.bm25 = None
        if p.get("lexical"):
            from ml.lexical import Bm25Index

            self.bm25 = Bm25Index()
            for i, d in enumerate(docs):
                self.bm25.upsert(str(i), d.get("lexical") or d["text"])

    def match(self, text: str) -> tuple[int, float]:
        """(row of the best offer, its cosine, or its fused score without an encoder); (-1, best cosine)
        when nothing passes the threshold."""
        if self.n == 0:
            return -1, 0.0
        lists: list[list[tuple[str, float]]] = []
        sims = None
        if self.embedder is not None and self.vectors is not None:
            sims = self.vectors @ self.embedder.encode_query(text)
            top = np.argsort(-sims)[: self.depth]
            dense = [(str(i), float(sims[i])) for i in top]
            if self.threshold is not None:
                dense = [(d, s) for d, s in dense if s >= self.threshold]
            lists.append(dense)
        if self.bm25 is not None:
            lists.append(self.bm25.search(expand_query(text) if self.expand else text, self.depth))
        if len(lists) == 2:
            ranked = rrf(lists, self.rrf_k, self.weights) if self.fusion == "rrf" else score_fusion(lists, self.weights)
        else:
            ranked = lists[0] if lists else []
        if not ranked:
            return -1, float(sims.max()) if sims is not None else 0.0
        best = int(ranked[0][0])
        return best, float(sims[best]) if sims is not None else float(ranked[0][1])


class MatchingPipeline(PythonModel):
    def load_context(self, context: Any) -> None:
        art = context.artifacts
        config = json.loads(Path(art["config"]).read_text(encoding="utf-8"))
        lines = Path(art["corpus"]).read_text(encoding="utf-8").splitlines()
        docs = [json.loads(line) for line in lines]
        vectors = np.load(art["vectors"]) if "vectors" in art else None
        self.matcher = Matcher(config, docs, embedder_for(config), vectors)

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        matches = [self.matcher.match(str(t)) for t in model_input["TEXT"].tolist()]
        return pd.DataFrame({"match_index": pd.Series([m[0] for m in matches], dtype="int64"),
                             "similarity_score": pd.Series([m[1] for m in matches], dtype="float64")})
