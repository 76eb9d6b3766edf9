"""Pydantic v2 models for the records on JobMarket's topics.

Every record carries ``schema_version``; a breaking change bumps it together with the topic name
(``...-v2``) so old and new consumers can run side by side.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1
# A dead letter keeps at most this much of the original (base64 makes it 4/3 larger) and of its key,
# so it always fits in a Kafka record (1 MB by default); size and hash still describe the whole.
DEAD_LETTER_MAX_ORIGINAL = 256 * 1024
DEAD_LETTER_MAX_KEY = 1024
# Kafka header carrying ``Offer.version`` on enriched records; tombstones (no value) carry it only there.
VERSION_HEADER = "version"

# uuid5 namespace for canonical offer ids: ids are a pure function of the source reference, so a replay
# or a second worker computes the same id and upserts overwrite instead of duplicating.
OFFER_NAMESPACE = uuid.UUID("6f1c2d0e-8a51-4f0b-9b7e-3c1f6b2a9d10")


class Source(StrEnum):
    FRANCE_TRAVAIL = "france_travail"
    ADZUNA = "adzuna"
    SAMPLE = "sample"
    API = "api"  # written by a recruiter through the HTTP API (France Travail payload shape)


class ContractType(StrEnum):
    """One vocabulary for contracts across sources."""

    CDI = "CDI"
    CDD = "CDD"
    INTERIM = "Intérim"
    SAISONNIER = "Saisonnier"
    FREELANCE = "Libéral/Freelance"
    ALTERNANCE = "Alternance"
    STAGE = "Stage"
    AUTRE = "Autre"


class Seniority(StrEnum):
    DEBUTANT = "Débutant"
    JUNIOR = "Junior"
    CONFIRME = "Confirmé"
    SENIOR = "Senior"


def source_ref(source: str, source_id: str) -> str:
    """The message key of raw events: ``{source}:{source_id}``."""
    return f"{source}:{source_id}"


def canonical_offer_id(source: str, source_id: str) -> str:
    return str(uuid.uuid5(OFFER_NAMESPACE, source_ref(source, source_id)))


def header_version(headers: Any) -> int | None:
    """The ``version`` header of a record's headers (confluent's list of pairs, or a dict); None when absent
    or not an integer. Every consumer reads the version here, one way."""
    pairs = headers.items() if isinstance(headers, dict) else (headers or [])
    raw = next((v for k, v in pairs if k == VERSION_HEADER), None)
    if raw is None:
        return None
    try:
        return int(raw.decode("ascii", errors="replace") if isinstance(raw, bytes) else raw)
    except (TypeError, ValueError):
        return None


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)

    schema_version: int = SCHEMA_VERSION


class RawOfferEnvelope(_Event):
    """An offer exactly as a source returned it, with where and when it was fetched."""

    source: Source
    source_id: str = Field(min_length=1, max_length=128)
    fetched_at: datetime
    payload: dict[str, Any] = Field(description="The source's JSON object, untouched.")

    @property
    def key(self) -> str:
        return source_ref(self.source, self.source_id)


class OfferRemoval(_Event):
    """An offer withdrawn at its source (published on the removals topic, keyed like raw offers)."""

    source: Source
    source_id: str = Field(min_length=1, max_length=128)
    removed_at: datetime
    reason: str = "withdrawn at source"

    @property
    def key(self) -> str:
        return source_ref(self.source, self.source_id)


class Embedding(BaseModel):
    """A vector and the exact model that produced it (vectors of different models never mix)."""

    model_config = ConfigDict(extra="forbid")

    model: str
    dim: int
    values: list[float]


class Offer(_Event):
    """The canonical, enriched offer. Unparseable fields stay ``None``; the offer is still published."""

    id: str = Field(description="Stable canonical id (uuid).")
    source: Source
    source_id: str
    source_refs: list[str] = Field(description="Every `{source}:{source_id}` this offer was seen as.")
    title: str
    gender_mark: str | None = Field(default=None, description='e.g. "(H/F)", removed from title.')
    description: str = ""
    company: str | None = None
    contract_type: ContractType | None = None
    contract_label: str | None = None
    working_time: Literal["full_time", "part_time"] | None = None
    city: str | None = None
    insee_code: str | None = None
    postal_code: str | None = None
    departement_code: str | None = None
    departement_name: str | None = None
    region: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    seniority: Seniority | None = None
    experience_label: str | None = None
    rome_code: str | None = None
    rome_label: str | None = None
    rome_confidence: float | None = Field(default=None, ge=0, le=1)
    domain: str | None = None
    skills: list[str] = Field(default_factory=list)
    soft_skills: list[str] = Field(default_factory=list)
    remote: Literal["none", "hybrid", "full"] | None = None
    salary_min: float | None = Field(default=None, description="Annual, EUR.")
    salary_max: float | None = Field(default=None, description="Annual, EUR.")
    salary_label: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    fetched_at: datetime
    enriched_at: datetime = Field(default_factory=utcnow)
    version: int = Field(
        default=0, ge=0,
        description="Orders the records of one canonical id: strictly greater for each later change "
                    "(event time in microseconds, bumped past the previous version). Consumers keep the "
                    "highest; Kafka offsets are not an order (they restart when a topic is re-created).")
    embedding: Embedding | None = None

    def search_text(self) -> str:
        """What the embedder reads: the fields a candidate's query is likely to match."""
        parts = [self.title, self.rome_label or "", ", ".join(self.skills), self.city or "", self.description]
        return "\n".join(p for p in parts if p)


class DedupCommand(_Event):
    """Internal: an enriched offer (or a removal) routed by its dedup fingerprint.

    Keyed by ``fingerprint`` so every candidate duplicate meets on one partition, where the merge
    stage keeps the clusters in a changelog-backed table.
    """

    op: Literal["upsert", "remove"]
    ref: str = Field(description="`{source}:{source_id}` of the record this command is about.")
    fingerprint: str
    offer: Offer | None = None
    event_time: datetime | None = Field(
        default=None,
        description="When the change happened at its source (a removal's removed_at; for an upsert the "
                    "offer's fetched_at is used): the floor of the version the merged offer gets.")
    moved: bool = Field(
        default=False,
        description="The ref's fingerprint changed (its title, company or city was edited at its source): "
                    "the remove from the old fingerprint and the upsert into the new one both carry it, and "
                    "the ref takes its canonical id along (only the new fingerprint's group publishes it).")


class DeadLetter(_Event):
    """A record a stage could not process, with the original bytes so nothing is lost."""

    stage: str
    error: str
    topic: str
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    original_b64: str = Field(description="The original message value, base64 (its first "
                                          f"{DEAD_LETTER_MAX_ORIGINAL} bytes when larger).")
    original_size: int = Field(default=0, ge=0, description="Length of the whole original value, bytes.")
    original_sha256: str = Field(default="", description="SHA-256 of the whole original value (hex).")
    original_truncated: bool = Field(default=False, description="True when original_b64 holds only a prefix.")
    failed_at: datetime = Field(default_factory=utcnow)

    @classmethod
    def for_message(
        cls,
        *,
        stage: str,
        error: str,
        topic: str,
        value: bytes | None,
        key: bytes | str | None = None,
        partition: int | None = None,
        offset: int | None = None,
    ) -> DeadLetter:
        # Capped so a dead letter always fits in one Kafka record: an oversized original must never
        # make the dead-letter topic itself refuse the record (and crash-loop the stage writing it).
        if isinstance(key, bytes):
            key = key.decode("utf-8", errors="replace")
        value = value or b""
        kept = value[:DEAD_LETTER_MAX_ORIGINAL]
        return cls(
            stage=stage,
            error=error[:2000],
            topic=topic,
            partition=partition,
            offset=offset,
            key=key[:DEAD_LETTER_MAX_KEY] if key is not None else None,
            original_b64=base64.b64encode(kept).decode("ascii"),
            original_size=len(value),
            original_sha256=hashlib.sha256(value).hexdigest(),
            original_truncated=len(kept) < len(value),
        )

    @property
    def original(self) -> bytes:
        return base64.b64decode(self.original_b64)
