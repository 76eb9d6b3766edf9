"""Benchmark configurations: what is embedded, by which encoder, fused with BM25 or not, re-ranked or not."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class PipelineConfig:
    name: str
    kind: str = "candidate"  # "baseline" | "candidate"
    encoder: str | None = None  # minilm | use | e5 | st:<model>; None: lexical only
    template: str = "search_text"
    lexical: bool = False  # BM25 in the first stage
    fusion: str = "rrf"  # rrf | score (when dense and lexical)
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    rrf_k: int = 60
    rerank: dict[str, float] = field(default_factory=dict)  # distance / contract / seniority / freshness weights
    knn: int | None = None  # the seed: n_neighbors …
    threshold: float | None = None  # … and a minimum cosine
    candidates: int = 100  # depth of each first-stage list
    # The profile's city is a facet (re-ranking by distance), not words to match: "… à Lyon" otherwise pulls
    # every offer of Lyon, whatever the job, into the lexical and dense lists.
    city_as_facet: bool = False
    # Pseudo-relevance feedback (``ml.relevance.feedback``): the dense list is searched again with the query
    # moved towards the first pass's best ``feedback_docs`` offers, by ``feedback_weight``.
    feedback_docs: int = 0
    feedback_weight: float = 0.0
    # The lexical query gets the French words of English job words, and a first-person description of the
    # work the occupation words of its activities (``ml.relevance.expansion``).
    expand_query: bool = False

    def params(self) -> dict[str, str | int | float]:
        out: dict[str, str | int | float] = {
            "encoder": self.encoder or "none", "text_template": self.template if self.encoder else "none",
            "lexical": "bm25" if self.lexical else "none",
            "fusion": self.fusion if self.encoder and self.lexical else "none",
            "dense_weight": self.dense_weight, "lexical_weight": self.lexical_weight, "rrf_k": self.rrf_k,
            "candidates": self.candidates,
        }
        for k, v in sorted(self.rerank.items()):
            out[f"rerank_{k}"] = v
        if self.knn is not None:
            out["n_neighbors"] = self.knn
        if self.threshold is not None:
            out["threshold"] = self.threshold
        if self.city_as_facet:
            out["city_as_facet"] = 1
        if self.feedback_docs:
            out["feedback_docs"] = self.feedback_docs
            out["feedback_weight"] = self.feedback_weight
        if self.expand_query:
            out["expand_query"] = 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PipelineConfig:
        return cls(**d)


# Picked on the dev split (bench/labels/relevance/README.md): score fusion with BM25 at 0.7 beat RRF and
# the other weights; the title-first text beat the production text; distance, contract and seniority as
# multipliers helped profile queries once the city left the matched text; freshness did not help.
RERANK = {"distance": 0.8, "contract": 0.4, "seniority": 0.2}
BEST_TEXT = "title_skills_desc300"
# Feedback from the first pass's top 10 at weight 1 (tried 3-20 offers, weights 0.3-2 on dev: 5-15 and
# 1-2 within 0.01 of each other; 1 moves the query least among the best).
FEEDBACK_DOCS, FEEDBACK_WEIGHT = 10, 1.0


def baselines(encoders: tuple[str, ...] = ("minilm", "use")) -> list[PipelineConfig]:
    out = [PipelineConfig("bm25", "baseline", lexical=True)]
    out += [PipelineConfig(f"dense:{e}", "baseline", encoder=e) for e in encoders]
    out.append(PipelineConfig("seed:minilm-knn-0.75", "baseline", encoder="minilm", knn=10, threshold=0.75))
    return out


def reranked_recipe(encoder: str) -> PipelineConfig:
    """Hybrid first stage, re-ranked by the profile: the served recipe before feedback."""
    return PipelineConfig(f"hybrid:{encoder}:{BEST_TEXT}+bm25:score+rerank", encoder=encoder, template=BEST_TEXT,
                          lexical=True, fusion="score", lexical_weight=0.7, rerank=RERANK, city_as_facet=True)


def feedback_recipe(encoder: str) -> PipelineConfig:
    """The re-ranked recipe searched again from its first results."""
    return replace(reranked_recipe(encoder), name=f"hybrid:{encoder}:{BEST_TEXT}+bm25:score+rerank+prf",
                   feedback_docs=FEEDBACK_DOCS, feedback_weight=FEEDBACK_WEIGHT)


def best_recipe(encoder: str) -> PipelineConfig:
    """The configuration that won on dev, for one encoder: feedback, and occupation words for candidates
    who describe their work or write in English (dev 0.715 -> 0.740)."""
    base = feedback_recipe(encoder)
    return replace(base, name=f"{base.name}+occupations", expand_query=True)


def candidates(encoders: tuple[str, ...] = ("minilm", "use")) -> list[PipelineConfig]:
    out: list[PipelineConfig] = []
    for e in encoders:
        out.append(PipelineConfig(f"dense:{e}:{BEST_TEXT}", encoder=e, template=BEST_TEXT))
        out.append(PipelineConfig(f"hybrid:{e}+bm25", encoder=e, lexical=True))
        out.append(reranked_recipe(e))
        out.append(feedback_recipe(e))
        out.append(best_recipe(e))
    main = next((e for e in ("use", "e5") if e in encoders), encoders[-1])
    out.append(PipelineConfig(f"hybrid:{main}+bm25:score", encoder=main, lexical=True, fusion="score",
                              lexical_weight=0.7))
    out.append(PipelineConfig(f"hybrid:{main}:{BEST_TEXT}+bm25:score", encoder=main, template=BEST_TEXT,
                              lexical=True, fusion="score", lexical_weight=0.7))
    return out


def default_configs(with_e5: bool = False) -> list[PipelineConfig]:
    encoders = ("minilm", "use", "e5") if with_e5 else ("minilm", "use")
    return baselines(encoders) + candidates(encoders)
