"""What every index backend offers. Point ids are the canonical offer ids (uuids), so upserting a
replayed offer overwrites it in place."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from schemas.events import ContractType, Offer, Seniority

# Payload fields with an index (filters, facets); `source_refs` resolves `{source}:{source_id}` lookups.
KEYWORD_FIELDS = (
    "city", "departement_code", "region", "contract_type", "seniority", "domain", "rome_code", "skills",
    "source_refs", "remote",
)
DATETIME_FIELDS = ("published_at",)


class OfferFilters(BaseModel):
    """Exact-match filters a candidate can add to a search (all must hold)."""

    city: str | None = None
    departement_code: str | None = Field(default=None, max_length=3)
    region: str | None = None
    contract_type: ContractType | None = None
    seniority: Seniority | None = None
    domain: str | None = None
    rome_code: str | None = Field(default=None, max_length=5)
    skills: list[str] = Field(default_factory=list, max_length=20)
    remote: str | None = None

    def conditions(self) -> list[tuple[str, str]]:
        """(field, value) pairs; a list field contributes one condition per value."""
        out: list[tuple[str, str]] = []
        for name, value in self.model_dump(exclude_none=True).items():
            if isinstance(value, list):
                out.extend((name, str(v)) for v in value)
            else:
                out.append((name, str(value)))
        return out


@dataclass(frozen=True)
class ScoredOffer:
    offer: Offer
    score: float


def to_payload(offer: Offer) -> dict[str, Any]:
    payload = offer.model_dump(mode="json", exclude={"embedding"})
    payload["embedding_model"] = offer.embedding.model if offer.embedding else None
    return payload


def from_payload(payload: dict[str, Any]) -> Offer:
    data = dict(payload)
    data.pop("embedding_model", None)
    return Offer.model_validate(data)


class VectorIndex(Protocol):
    dim: int

    def upsert(self, offers: list[Offer]) -> None:
        """Offers must carry an embedding of ``dim`` values."""
        ...

    def delete(self, offer_ids: list[str]) -> None: ...

    def get(self, offer_id: str) -> Offer | None: ...

    def get_by_ref(self, ref: str) -> Offer | None:
        """By source reference ``{source}:{source_id}``."""
        ...

    def search(
        self, vector: npt.NDArray[np.float32], limit: int, filters: OfferFilters | None = None
    ) -> list[ScoredOffer]: ...

    def count(self) -> int: ...

    def optimize(self) -> None:
        """Build/refresh ANN structures (no-op where the engine does it itself)."""
        ...

    def close(self) -> None: ...


class BrowsableIndex(VectorIndex, Protocol):
    """A backend that can also hand back many offers at once (both shipped backends can)."""

    def get_many(self, offer_ids: list[str]) -> dict[str, Offer]:
        """Those of ``offer_ids`` that exist, by id; malformed ids are skipped."""
        ...

    def iter_offers(self, batch_size: int = 1000, with_vectors: bool = True) -> Iterator[Offer]:
        """Every offer (with its vector when asked), page by page."""
        ...
