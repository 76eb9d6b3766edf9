"""The relevance evaluation set: candidate queries, graded labels and the offers they refer to.

Files (``bench/labels/relevance/``, versioned by the hash of their bytes):
- ``queries.jsonl``: one candidate profile per line (id, text, lang, style, target ``family``, core
  ``skills``, ``city``, ``seniority``, ``contract``), written by hand;
- ``labels.jsonl``: per query, ``{"query_id", "labels": {source_ref: grade}}`` for grades 1-3 (absent = 0),
  produced by :func:`grade` over the corpus (``python -m ml.relevance.build_labels``), then checked by hand.
  Offers are referenced by source reference (``adzuna:123``, ``sample:S0001A2``): no offer text is stored.

The corpus is the real offers of ``../shared/data`` (enriched with the production ``enrich``) plus the first
``SAMPLE_OFFERS`` offers of the project's sample feed. Without ../shared/data it is the sample part only,
and labels of absent offers are ignored.

Grades (see README in the labels folder):
3 = the query's job family, its core skills (when it names some), and no stated preference contradicted
    (city within 50 km, seniority at most one level apart, contract type);
2 = the job family and core skills, but a stated preference unmet or unknown on the offer;
1 = a neighbouring family (same group), or the family without any of the core skills;
0 = anything else.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from ml.lexical import analyze, fold
from ml.relevance.families import family_of, related
from ml.relevance.geo import NEAR_KM, CityLocator, distance_km
from ml.relevance.result import EvalSetInfo
from schemas.events import Offer, RawOfferEnvelope, Source, source_ref

REPO = Path(__file__).resolve().parents[2]
LABELS_DIR = REPO / "bench" / "labels" / "relevance"
QUERIES_FILE = LABELS_DIR / "queries.jsonl"
LABELS_FILE = LABELS_DIR / "labels.jsonl"
OVERRIDES_FILE = LABELS_DIR / "overrides.jsonl"  # grades changed by hand after reading the pair
SAMPLE_OFFERS = 800
SAMPLE_SEED = 42
EVALSET_NAME = "jobmarket-fr-relevance"
SPLITS = ("dev", "heldout", "all")
_SENIORITY_RANK = {"Débutant": 0, "Junior": 1, "Confirmé": 2, "Senior": 3}


def shared_data_dir() -> Path:
    env = os.environ.get("JOBMARKET_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


@dataclass(frozen=True)
class Query:
    id: str
    text: str
    lang: str
    style: str
    family: str
    skills: tuple[str, ...] = ()
    city: str | None = None
    seniority: str | None = None
    contract: str | None = None

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Query:
        return cls(id=d["id"], text=d["text"], lang=d["lang"], style=d["style"], family=d["family"],
                   skills=tuple(d.get("skills") or ()), city=d.get("city"), seniority=d.get("seniority"),
                   contract=d.get("contract"))


def split_of(query_id: str) -> str:
    """Deterministic by id: about half the queries are held out, and tuning never reads them."""
    return "heldout" if hashlib.sha256(query_id.encode()).digest()[0] % 2 else "dev"


@dataclass
class EvalSet:
    queries: list[Query]
    labels: dict[str, dict[str, int]]  # query id → {source ref: grade ≥ 1}
    offers: list[Offer]
    info: EvalSetInfo
    refs: list[str] = field(default_factory=list)  # offers[i]'s source ref

    def __post_init__(self) -> None:
        self._present = set(self.refs)

    def judged(self, query_id: str) -> dict[str, int]:
        """The query's labels restricted to offers present in this corpus."""
        return {r: g for r, g in self.labels.get(query_id, {}).items() if r in self._present}


def offer_ref(offer: Offer) -> str:
    return source_ref(offer.source, offer.source_id)


# --------------------------------------------------------------------------------------------- corpus


def _envelope(source: Source, source_id: str, payload: dict[str, Any]) -> RawOfferEnvelope:
    return RawOfferEnvelope(source=source, source_id=source_id, fetched_at=datetime(2025, 4, 16, tzinfo=UTC),
                            payload=payload)


def load_real_offers(data_dir: Path) -> list[Offer]:
    """Every offer of ../shared/data through the production enrichment (3,070 in April 2025)."""
    from stream_processors.enrichment import EnrichmentError, enrich

    ft = json.loads((data_dir / "france_travail" / "offres_search.json").read_text("utf-8"))["resultats"]
    az = json.loads((data_dir / "adzuna" / "jobs_search.json").read_text("utf-8"))["results"]
    out: list[Offer] = []
    for source, items in ((Source.FRANCE_TRAVAIL, ft), (Source.ADZUNA, az)):
        for payload in items:
            try:
                out.append(enrich(_envelope(source, str(payload["id"]), payload)))
            except EnrichmentError:
                continue
    return out


def load_sample_offers(count: int = SAMPLE_OFFERS) -> list[Offer]:
    from producers.sample import envelopes
    from producers.sample_feed import DEFAULT_NOW
    from stream_processors.enrichment import enrich

    return [enrich(e) for e in envelopes(0, count, SAMPLE_SEED, DEFAULT_NOW)]


def load_corpus(data_dir: Path | None = None, sample_count: int = SAMPLE_OFFERS) -> tuple[list[Offer], bool]:
    """(offers, whether the real part is included)."""
    data_dir = data_dir or shared_data_dir()
    real = (data_dir / "adzuna" / "jobs_search.json").is_file()
    offers = (load_real_offers(data_dir) if real else []) + load_sample_offers(sample_count)
    return offers, real


# ---------------------------------------------------------------------------------------------- files


def read_queries(path: Path = QUERIES_FILE) -> list[Query]:
    return [Query.from_json(json.loads(line)) for line in path.read_text("utf-8").splitlines() if line.strip()]


def read_labels(path: Path = LABELS_FILE) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            out[d["query_id"]] = {str(k): int(v) for k, v in d["labels"].items()}
    return out


def version_of(*paths: Path) -> str:
    """Content hash of the eval set files: any edit to a query or a label is a new version."""
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def load_evalset(split: str = "heldout", data_dir: Path | None = None, offers: list[Offer] | None = None,
                 queries_file: Path = QUERIES_FILE, labels_file: Path = LABELS_FILE) -> EvalSet:
    """The queries of ``split`` ("dev", "heldout" or "all") with labels, over the corpus available here."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}")
    if offers is None:
        offers, _ = load_corpus(data_dir)
    labels = read_labels(labels_file)
    refs = [offer_ref(o) for o in offers]
    present = set(refs)
    queries = [q for q in read_queries(queries_file)
               if (split == "all" or split_of(q.id) == split)
               and any(r in present for r in labels.get(q.id, {}))]  # a query with nothing to find says nothing
    info = EvalSetInfo(version=version_of(queries_file, labels_file), name=EVALSET_NAME, n_queries=len(queries),
                       n_docs=len(offers), split=split, path=str(queries_file.parent))
    return EvalSet(queries=queries, labels=labels, offers=offers, info=info, refs=refs)


# -------------------------------------------------------------------------------------------- grading


@lru_cache(maxsize=4096)
def _skill_terms(skill: str) -> frozenset[str]:
    return frozenset(analyze(skill))


def offer_terms(offer: Offer) -> frozenset[str]:
    return frozenset(analyze(" ".join([offer.title, " ".join(offer.skills), offer.description])))


def _has_skill(query: Query, terms: frozenset[str]) -> bool:
    return any(_skill_terms(s) and _skill_terms(s) <= terms for s in query.skills)


def _contract_ok(query: Query, offer: Offer) -> bool:
    if not query.contract:
        return True
    if offer.contract_type is None:
        return False
    return fold(offer.contract_type.value).startswith(fold(query.contract)[:4])


def _seniority_ok(query: Query, offer: Offer) -> bool:
    if not query.seniority or offer.seniority is None:
        return True  # offers rarely state it: unknown is not a contradiction
    return abs(_SENIORITY_RANK[query.seniority] - _SENIORITY_RANK[offer.seniority.value]) <= 1


def grade(query: Query, offer: Offer, locator: CityLocator, terms: frozenset[str] | None = None) -> int:
    fam = family_of(offer.title)
    if fam != query.family:
        return 1 if related(query.family, fam) else 0
    if query.skills and not _has_skill(query, terms if terms is not None else offer_terms(offer)):
        return 1
    near = True
    if query.city:
        d = distance_km(offer, locator.locate(query.city))
        near = d is not None and d <= NEAR_KM
    return 3 if near and _contract_ok(query, offer) and _seniority_ok(query, offer) else 2


def read_overrides(path: Path = OVERRIDES_FILE) -> dict[tuple[str, str], int]:
    if not path.is_file():
        return {}
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return {(r["query_id"], r["ref"]): int(r["grade"]) for r in rows}


def build_labels(queries: list[Query], offers: list[Offer],
                 overrides: dict[tuple[str, str], int] | None = None) -> dict[str, dict[str, int]]:
    """Rule grades for every (query, offer) pair, then the hand corrections on top."""
    locator = CityLocator(offers)
    terms = {offer_ref(o): offer_terms(o) for o in offers}
    fixes = overrides or {}
    out: dict[str, dict[str, int]] = {}
    for q in queries:
        graded = {offer_ref(o): grade(q, o, locator, terms[offer_ref(o)]) for o in offers}
        for (qid, ref), g in fixes.items():
            if qid == q.id and ref in graded:
                graded[ref] = g
        out[q.id] = {r: g for r, g in sorted(graded.items()) if g > 0}
    return out


def write_labels(labels: dict[str, dict[str, int]], path: Path = LABELS_FILE) -> None:
    with path.open("w", encoding="utf-8") as f:
        for qid, lab in labels.items():
            f.write(json.dumps({"query_id": qid, "labels": lab}, separators=(",", ":")) + "\n")
