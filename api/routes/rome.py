"""ROME reference data: occupation codes, labels and domains, and the soft skills offers ask for per code."""

from __future__ import annotations

import re

import numpy as np
from fastapi import APIRouter, HTTPException
from starlette.concurrency import run_in_threadpool

from api.catalog import Catalog
from api.read_deps import CatalogDep, StatsDep
from api.schemas_search import RomeDomain, RomeEntry, RomeResponse, SoftSkill, SoftSkillsResponse
from api.stats_source import SOFT_SKILLS_TABLE, WarehouseUnavailable
from stream_processors.enrichment.rome import _LEXICON as ROME_LEXICON  # the enrichment's code → label table
from stream_processors.enrichment.rome import DOMAINS

router = APIRouter(prefix="/api/rome", tags=["reference data"])

_CODE = re.compile(r"[A-N]\d{4}")


def known_codes(catalog: Catalog) -> dict[str, str | None]:
    """Code → label: the enrichment's lexicon, completed by the codes live offers carry (France Travail's)."""
    codes: dict[str, str | None] = {code: label for _, code, label, _ in ROME_LEXICON}
    for code in catalog.vocab["rome_code"].values:
        if _CODE.fullmatch(code):
            codes[code] = catalog.rome_labels.get(code) or codes.get(code)
    return codes


def rome_entries(catalog: Catalog) -> list[RomeEntry]:
    with catalog.reading():
        codes = known_codes(catalog)
        col = catalog.column("rome_code")
        counts = np.bincount(col[catalog.live() & (col >= 0)], minlength=len(catalog.vocab["rome_code"].values))
        per_code = dict(zip(catalog.vocab["rome_code"].values, counts.tolist(), strict=True))
    return [RomeEntry(code=code, label=label, domain_code=code[0], domain=DOMAINS.get(code[0]),
                      offers=int(per_code.get(code, 0)))
            for code, label in sorted(codes.items())]


@router.get("", response_model=RomeResponse, summary="ROME codes, labels and domains")
async def list_rome(catalog: CatalogDep) -> RomeResponse:
    """Every ROME grand domaine, and every occupation code the platform knows (its enrichment lexicon and
    the codes of live offers), with how many live offers carry it."""
    entries = await run_in_threadpool(rome_entries, catalog)
    return RomeResponse(domains=[RomeDomain(code=c, label=label) for c, label in sorted(DOMAINS.items())],
                        codes=entries)


@router.get("/{code}/soft-skills", response_model=SoftSkillsResponse, summary="Soft skills asked for a ROME code",
            responses={404: {"description": "Unknown ROME code"}, 422: {"description": "Not a ROME code"},
                       503: {"description": "The warehouse cannot be read now"}})
async def soft_skills(code: str, catalog: CatalogDep, stats: StatsDep) -> SoftSkillsResponse:
    """The savoir-être the online offers of this occupation cite, most cited first (gold
    `soft_skills_by_rome`, refreshed by each dbt build)."""
    code = code.upper()
    if not _CODE.fullmatch(code):
        raise HTTPException(422, "a ROME code is a letter A to N and four digits, e.g. M1805")
    with catalog.reading():
        codes = known_codes(catalog)
    try:
        read = await run_in_threadpool(stats.table, SOFT_SKILLS_TABLE)
    except WarehouseUnavailable as exc:
        if code not in codes:
            raise HTTPException(404, f"unknown ROME code {code}") from exc
        raise HTTPException(503, str(exc)) from exc
    rows = [r for r in read.rows if r.get("rome_code") == code]
    if not rows and code not in codes:
        raise HTTPException(404, f"unknown ROME code {code}")
    label = next((r.get("rome_label") for r in rows if r.get("rome_label")), None) or codes.get(code)
    return SoftSkillsResponse(
        rome_code=code, rome_label=label, refreshed_at=read.refreshed_at,
        soft_skills=[SoftSkill(soft_skill=str(r["soft_skill"]), offer_count=int(r["offer_count"]),
                               share_of_rome_offers=r.get("share_of_rome_offers"),
                               rank_in_rome=r.get("rank_in_rome")) for r in rows])
