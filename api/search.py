"""Offer search over the catalog: filters as boolean masks, facets as counts over the whole result set,
relevance as BM25 and dense similarity fused by rank, then one page. Pure functions of the catalog.

Everything here runs under ``catalog.reading()``; the caller embeds the keywords before (the model has
its own thread) and fetches the page's offers after (from the index), outside the lock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from api.catalog import Catalog
from api.schemas_search import FacetCount, Facets, OfferSearch
from stream_processors.enrichment.locations import find_commune
from stream_processors.enrichment.referential import referential
from stream_processors.enrichment.rome import DOMAINS

Mask = npt.NDArray[np.bool_]

# The semantic half adds at most this many offers that share no word with the query, and only those
# at least this similar: enough to catch synonyms and paraphrases without padding every search.
SEMANTIC_TOP_K = 50
SEMANTIC_MIN_SIMILARITY = 0.25
LEXICAL_EXACT = 1000
LEXICAL_RANKED = 500
RRF_K = 60  # reciprocal rank fusion constant (Cormack et al.): flattens the head of both rankings
EARTH_RADIUS_KM = 6371.0088
FACET_SIZES = {"contract_types": None, "companies": 5, "domains": 10, "seniority": None, "cities": 10, "skills": 20}
_SLOT_BITS = 22  # sort keys pack (value, slot) into one int64: unique, so paging is stable


class SearchError(ValueError):
    """A search that cannot be answered as asked (the API turns it into a 422)."""


@dataclass
class SearchPage:
    ids: list[str]
    total: int
    facets: Facets
    scores: list[float | None] = field(default_factory=list)
    distances: list[float | None] = field(default_factory=list)


def haversine_km(lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64], lat0: float,
                 lon0: float) -> npt.NDArray[np.float64]:
    p1, p2 = np.radians(lat), math.radians(lat0)
    dphi, dlmb = p2 - p1, np.radians(lon0 - lon)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * math.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _codes_mask(column: npt.NDArray[np.int32], codes: list[int]) -> Mask:
    if not codes:
        return np.zeros(len(column), dtype=bool)
    if len(codes) == 1:
        return column == codes[0]
    return np.isin(column, np.asarray(codes, dtype=np.int32))


def city_names(city: str) -> list[str]:
    """The names a city is stored under: as typed, and the commune the referential resolves it to
    ("paris 13" → Paris, "St Etienne" → Saint-Étienne)."""
    names = [city]
    commune = find_commune(city)
    if commune is not None:
        names.append(referential().commune_of(commune).name)
    return names


def city_codes(cat: Catalog, city: str) -> list[int]:
    vocab = cat.vocab["city"]
    return sorted({c for name in city_names(city) for c in vocab.lookup(name)})


def city_center(cat: Catalog, city: str) -> tuple[float, float] | None:
    """Where a city is: the median coordinates of the live offers located there.

    The shipped referential has no coordinates (INSEE's COG carries none), and the sources give each
    offer's own: the offers in a city tell where it is, to well under a kilometre.
    """
    in_city = _codes_mask(cat.column("city"), city_codes(cat, city)) & cat.live()
    lat, lon = cat.lat[:cat.size][in_city], cat.lon[:cat.size][in_city]
    known = ~np.isnan(lat) & ~np.isnan(lon)
    if not known.any():
        return None
    return float(np.median(lat[known])), float(np.median(lon[known]))


def domain_labels(domain: str) -> list[str]:
    letter = domain.strip().upper()
    return [DOMAINS[letter]] if letter in DOMAINS else [domain]


def filter_mask(cat: Catalog, q: OfferSearch,
                center: tuple[float, float] | None = None) -> tuple[Mask, npt.NDArray[np.float64] | None]:
    """Live offers that pass every filter, and their distance to ``center`` for a radius search."""
    n = cat.size
    mask = cat.live().copy()
    distances = None
    if q.city and q.radius_km is not None:
        if center is None:
            raise SearchError(f"no coordinates known for city {q.city!r}: no located offer there")
        distances = haversine_km(cat.lat[:n], cat.lon[:n], *center)
        in_city = _codes_mask(cat.column("city"), city_codes(cat, q.city))
        # Offers in the city itself count even when their source gave no coordinates.
        distances = np.where(np.isnan(distances) & in_city, 0.0, distances)
        mask &= ~np.isnan(distances) & (distances <= q.radius_km)
    elif q.city:
        mask &= _codes_mask(cat.column("city"), city_codes(cat, q.city))
    if q.departement:
        mask &= _codes_mask(cat.column("departement_code"), cat.vocab["departement_code"].lookup(q.departement))
    if q.contract_types:
        codes = [c for t in q.contract_types for c in cat.vocab["contract_type"].lookup(t.value)]
        mask &= _codes_mask(cat.column("contract_type"), codes)
    if q.seniority:
        codes = [c for s in q.seniority for c in cat.vocab["seniority"].lookup(s.value)]
        mask &= _codes_mask(cat.column("seniority"), codes)
    if q.domain:
        codes = [c for label in domain_labels(q.domain) for c in cat.vocab["domain"].lookup(label)]
        mask &= _codes_mask(cat.column("domain"), codes)
    if q.rome_code:
        prefix = q.rome_code.upper()
        vocab = cat.vocab["rome_code"]
        codes = [c for c, v in enumerate(vocab.values) if v.upper().startswith(prefix)]
        mask &= _codes_mask(cat.column("rome_code"), codes)
    if q.remote:
        mask &= _codes_mask(cat.column("remote"), cat.vocab["remote"].lookup(q.remote))
    for skill in q.skills:
        codes = cat.skill_vocab.lookup(skill)
        has = np.zeros(n, dtype=bool)
        if codes:
            pairs = cat.pair_ok[:cat.n_pairs] & np.isin(cat.pair_code[:cat.n_pairs], codes)
            has[cat.pair_slot[:cat.n_pairs][pairs]] = True
        mask &= has
    if q.salary_min is not None:
        with np.errstate(invalid="ignore"):
            top = np.fmax(cat.salary_lo[:n], cat.salary_hi[:n])  # a one-sided range counts as its bound
            mask &= top >= q.salary_min
    if q.published_since is not None:
        since = q.published_since if q.published_since.tzinfo else q.published_since.replace(tzinfo=UTC)
        with np.errstate(invalid="ignore"):
            mask &= cat.published[:n] >= since.timestamp()
    return mask, distances


def _top(counts: npt.NDArray[np.int64], values: list[str], n: int | None) -> list[FacetCount]:
    nz = np.flatnonzero(counts)
    if n is not None and len(nz) > n:
        threshold = np.partition(counts[nz], len(nz) - n)[len(nz) - n]  # the n-th largest count
        nz = nz[counts[nz] >= threshold]  # ties at the cut are sorted by name below
    ranked = sorted(((int(counts[c]), values[c]) for c in nz.tolist()), key=lambda t: (-t[0], t[1]))
    return [FacetCount(value=v, count=c) for c, v in ranked[:n]]


def facets(cat: Catalog, mask: Mask) -> Facets:
    def column(name: str, size: int | None) -> list[FacetCount]:
        col = cat.column(name)
        values = cat.vocab[name].values
        counts = np.bincount(col[mask & (col >= 0)], minlength=len(values))
        return _top(counts, values, size)

    pairs = cat.pair_ok[:cat.n_pairs] & mask[cat.pair_slot[:cat.n_pairs]]
    skill_counts = np.bincount(cat.pair_code[:cat.n_pairs][pairs], minlength=len(cat.skill_vocab.values))
    return Facets(
        contract_types=column("contract_type", FACET_SIZES["contract_types"]),
        companies=column("company", FACET_SIZES["companies"]),
        domains=column("domain", FACET_SIZES["domains"]),
        seniority=column("seniority", FACET_SIZES["seniority"]),
        cities=column("city", FACET_SIZES["cities"]),
        skills=_top(skill_counts, cat.skill_vocab.values, FACET_SIZES["skills"]),
    )


def keyword_relevance(cat: Catalog, q_text: str, query_vector: npt.NDArray[np.float32] | None,
                      mask: Mask) -> tuple[Mask, npt.NDArray[np.float64]]:
    """(result set, fused score per slot): offers sharing a word with the query, plus the few most similar
    in meaning; scored by reciprocal rank fusion of their BM25 rank and their similarity rank.

    BM25 ranks every match when there are few; past ``LEXICAL_EXACT`` it ranks the best
    ``LEXICAL_RANKED`` and the other matches share the next rank (their RRF share is < 1/560 either
    way: similarity orders them), so a broad query never builds a Python object per match.
    """
    n = cat.size
    result = np.zeros(n, dtype=bool)
    fused = np.zeros(n)
    if cat.lexical is not None and cat.postings is not None:
        matched = cat.postings.match(q_text, cat.generation[:n], n) & mask
        count = int(matched.sum())
        if count:
            if count <= LEXICAL_EXACT:
                head = cat.lexical.search(q_text, limit=count, allowed=cat.ids_of(np.flatnonzero(matched)))
            else:
                head = cat.lexical.search(q_text, limit=LEXICAL_RANKED)
            slot_of = cat.slot_of
            head_slots = np.asarray([slot_of.get(doc_id, -1) for doc_id, _ in head], dtype=np.int64)
            head_slots = head_slots[head_slots >= 0]
            head_slots = head_slots[matched[head_slots]]
            lexical_rank = np.full(n, float(len(head_slots) + 1))
            lexical_rank[head_slots] = np.arange(1, len(head_slots) + 1)
            fused[matched] += 1.0 / (RRF_K + lexical_rank[matched])
            result |= matched
    if query_vector is not None:
        usable = mask & cat.has_vector[:n]
        rows = np.flatnonzero(usable)
        sims = np.full(n, -np.inf, dtype=np.float32)
        q = query_vector.astype(np.float32)
        # A selective filter: similarity of its rows only; a broad one: one pass over every vector is cheaper.
        sims[rows] = cat.vectors[rows] @ q if len(rows) * 3 < n else (cat.vectors[:n] @ q)[rows]
        candidates = rows[~result[rows] & (sims[rows] >= SEMANTIC_MIN_SIMILARITY)]
        if len(candidates) > SEMANTIC_TOP_K:
            candidates = candidates[np.argpartition(-sims[candidates], SEMANTIC_TOP_K - 1)[:SEMANTIC_TOP_K]]
        result[candidates] = True
        members = np.flatnonzero(result & usable)
        by_similarity = members[np.argsort(-sims[members], kind="stable")]
        fused[by_similarity] += 1.0 / (RRF_K + np.arange(1, len(by_similarity) + 1))
    return result, fused


def _page(slots: npt.NDArray[np.int64], key: npt.NDArray[np.int64], offset: int, size: int) -> npt.NDArray[np.int64]:
    """slots[offset:offset+size] ordered by ascending ``key`` (unique per slot), without a full sort."""
    end = offset + size
    if end < len(slots):
        keep = np.argpartition(key, end - 1)[:end]
        slots, key = slots[keep], key[keep]
    order = np.argsort(key, kind="stable")
    return slots[order][offset:end]


def _sort_key(primary: npt.NDArray[np.float64], slots: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Ascending int64 keys: ``primary`` (already oriented; NaN last) then slot."""
    finite = np.isfinite(primary)
    if finite.any():
        lo = primary[finite].min()
        scaled = np.where(finite, primary - lo, 0.0)
    else:
        scaled = np.zeros(len(primary))
    top = float(scaled.max()) if len(scaled) else 0.0
    # Integers up to 2^40: one second for dates, one euro for salaries, 1e-9 for scores.
    step = max(top / float(2**40 - 2), 1.0) if top > 2**40 else 1.0
    q = np.floor(scaled / step).astype(np.int64)
    q = np.where(finite, q, np.int64(2**40 - 1))
    return (q << _SLOT_BITS) | slots


def search(cat: Catalog, q: OfferSearch, size: int, query_vector: npt.NDArray[np.float32] | None = None,
           center: tuple[float, float] | None = None) -> SearchPage:
    """One page of ``q`` (``size`` already capped by the caller), with facets over every match."""
    if cat.size >= 2**_SLOT_BITS:
        raise SearchError("catalog too large for the sort keys")  # 4M slots: far beyond one API process
    mask, distances = filter_mask(cat, q, center)
    fused = None
    if q.keywords:
        mask, fused = keyword_relevance(cat, q.keywords, query_vector, mask)
    slots = np.flatnonzero(mask).astype(np.int64)
    offset = (q.page - 1) * size
    if q.sort == "salary":
        sal = np.fmax(cat.salary_lo[slots], cat.salary_hi[slots])
        mid = np.where(np.isnan(cat.salary_lo[slots]) | np.isnan(cat.salary_hi[slots]), sal,
                       (cat.salary_lo[slots] + cat.salary_hi[slots]) / 2)
        primary = -mid
    elif q.sort == "relevance" and fused is not None:
        primary = -np.round(fused[slots] * 1e9)
    else:
        primary = -np.floor(cat.published[slots])
    page_slots = _page(slots, _sort_key(primary, slots), offset, size).tolist()
    ids = [cat.ids[s] or "" for s in page_slots]
    return SearchPage(
        ids=ids, total=len(slots), facets=facets(cat, mask),
        scores=[round(float(fused[s]), 6) if fused is not None else None for s in page_slots],
        distances=[round(float(distances[s]), 2) if distances is not None else None for s in page_slots],
    )


def summary(cat: Catalog, now: datetime) -> tuple[int, int, dict[str, int], datetime | None]:
    """(offers, new since midnight UTC, per source, latest publication) of the live offers."""
    live = cat.live()
    published = cat.published[:cat.size][live]
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    src = cat.column("source")
    counts = np.bincount(src[live & (src >= 0)], minlength=len(cat.vocab["source"].values))
    per_source = {v: int(c) for v, c in zip(cat.vocab["source"].values, counts.tolist(), strict=True) if c}
    with np.errstate(invalid="ignore"):
        new_today = int((published >= midnight).sum())
    known = published[~np.isnan(published)]
    latest = datetime.fromtimestamp(float(known.max()), UTC) if len(known) else None
    return int(live.sum()), new_today, per_source, latest
