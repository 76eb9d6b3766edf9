"""Typed offer ids, validated before any backend sees them.

An offer id is either the canonical id (a UUID) or a source reference ``{source}:{source_id}`` with
``source`` one of ``schemas.events.Source`` and ``source_id`` 1-128 characters of ``[A-Za-z0-9._~-]``
(what the sources use: ``191FJMB``, ``5135389874``, ``S000001``). Anything else is a 422 on every index
backend — never a backend error turned into a retryable 503.

Use in a route (the path parameter must be named ``offer_id``)::

    @router.get("/{offer_id}")
    async def get_offer(offer_id: OfferIdDep, index: IndexDep) -> ...:
        offer = index.get_by_ref(offer_id.value) if offer_id.is_ref else index.get(offer_id.value)
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path

from schemas.events import Source

SOURCE_ID_MAX = 128
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_SOURCE_ID = rf"[A-Za-z0-9._~-]{{1,{SOURCE_ID_MAX}}}"


def _pattern() -> str:
    sources = "|".join(re.escape(s.value) for s in Source)
    return rf"^(?:{_UUID}|(?:{sources}):{_SOURCE_ID})$"


OFFER_ID_PATTERN = _pattern()
_OFFER_ID = re.compile(OFFER_ID_PATTERN)


@dataclass(frozen=True)
class OfferId:
    value: str  # canonical uuid (lower-case, hyphenated) or "{source}:{source_id}"
    is_ref: bool

    @property
    def source(self) -> Source | None:
        return Source(self.value.partition(":")[0]) if self.is_ref else None


def parse_offer_id(text: str) -> OfferId:
    """Raises ``ValueError`` for anything that is not a canonical id or a known source's reference."""
    if not _OFFER_ID.fullmatch(text):
        sources = ", ".join(s.value for s in Source)
        raise ValueError(f"an offer id is a UUID or '{{source}}:{{source_id}}' with source in: {sources}")
    if ":" in text:
        return OfferId(text, is_ref=True)
    return OfferId(str(uuid.UUID(text)), is_ref=False)


OfferIdPath = Annotated[str, Path(
    pattern=OFFER_ID_PATTERN, max_length=200,
    description="Canonical id (UUID) or source reference `{source}:{source_id}`.",
    examples=["france_travail:191FJMB", "adzuna:5135389874", "0b3c4f0e-7a51-5f0b-9b7e-3c1f6b2a9d10"])]


def _offer_id(offer_id: OfferIdPath) -> OfferId:
    return parse_offer_id(offer_id)  # the pattern already held: this only normalises


OfferIdDep = Annotated[OfferId, Depends(_offer_id)]
