"""What a recruiter sends to create or change an offer, and its translation into a raw event.

An API offer travels the same pipeline as every other offer: the draft becomes a France-Travail-shaped
payload in a ``RawOfferEnvelope(source=api)``, so the worker's enricher reads it with the code it
already has for France Travail (and the sample feed). Nothing here talks to Kafka or the database.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from schemas.events import ContractType, Offer, RawOfferEnvelope, Seniority, Source, canonical_offer_id
from stream_processors.dedup import micros
from stream_processors.enrichment.enricher import enrich
from stream_processors.enrichment.referential import referential

Remote = Literal["none", "hybrid", "full"]

# ContractType → (France Travail typeContrat, natureContrat); an alternance is a CDD of apprenticeship there.
_FT_CONTRACT: dict[ContractType, tuple[str, str]] = {
    ContractType.CDI: ("CDI", "Contrat travail"),
    ContractType.CDD: ("CDD", "Contrat travail"),
    ContractType.INTERIM: ("MIS", "Contrat travail"),
    ContractType.SAISONNIER: ("SAI", "Contrat travail"),
    ContractType.FREELANCE: ("LIB", "Profession libérale"),
    ContractType.ALTERNANCE: ("CDD", "Contrat apprentissage"),
    ContractType.STAGE: ("STA", "Stage"),
    ContractType.AUTRE: ("", ""),
}
# Seniority → (experienceExige, experienceLibelle) the enricher maps back to the same level.
_FT_EXPERIENCE: dict[Seniority, tuple[str, str]] = {
    Seniority.DEBUTANT: ("D", "Débutant accepté"),
    Seniority.JUNIOR: ("E", "1 An(s)"),
    Seniority.CONFIRME: ("E", "3 An(s)"),
    Seniority.SENIOR: ("E", "6 An(s)"),
}
# A sentence the enricher's remote-work detector reads (it only looks at the text).
_REMOTE_SENTENCE: dict[str, str] = {
    "none": "Pas de télétravail : poste 100 % sur site.",
    "hybrid": "Télétravail partiel possible (hybride).",
    "full": "Poste en télétravail complet (100 % remote).",
}
_POSTAL = re.compile(r"\d{5}")
_ROME = re.compile(r"[A-N]\d{4}")
SALARY_MIN, SALARY_MAX = 3_000, 250_000  # what the enricher accepts as an annual gross salary


def _strip(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


class _DraftFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=3, max_length=200, examples=["Développeur Python (H/F)"])
    description: str = Field(default="", max_length=20_000,
                             examples=["Vous développez nos pipelines de données en Python et SQL."])
    company: str | None = Field(default=None, max_length=200, examples=["Acme Data"])
    city: str | None = Field(default=None, max_length=120, examples=["Lyon"],
                             description="Commune name; with or without a postal code, one of the two is required.")
    postal_code: str | None = Field(default=None, examples=["69003"])
    contract_type: ContractType | None = None
    seniority: Seniority | None = None
    skills: list[str] = Field(default_factory=list, max_length=30, examples=[["Python", "SQL"]])
    salary_min: float | None = Field(default=None, ge=SALARY_MIN, le=SALARY_MAX, description="Annual, EUR.")
    salary_max: float | None = Field(default=None, ge=SALARY_MIN, le=SALARY_MAX, description="Annual, EUR.")
    remote: Remote | None = None
    rome_code: str | None = Field(default=None, examples=["M1805"])
    url: HttpUrl | None = Field(default=None, description="Where candidates apply (the employer's page).")

    @field_validator("postal_code")
    @classmethod
    def _postal(cls, v: str | None) -> str | None:
        if v is not None and not _POSTAL.fullmatch(v):
            raise ValueError("postal_code must be 5 digits")
        return v

    @field_validator("rome_code")
    @classmethod
    def _rome(cls, v: str | None) -> str | None:
        if v is not None and not _ROME.fullmatch(v.upper()):
            raise ValueError("rome_code must look like M1805")
        return v.upper() if v else v

    @field_validator("skills")
    @classmethod
    def _skills(cls, v: list[str]) -> list[str]:
        out: list[str] = []
        for s in v:
            s = s.strip()
            if len(s) > 80:
                raise ValueError("a skill has at most 80 characters")
            if s and s not in out:
                out.append(s)
        return out


class OfferDraft(_DraftFields):
    """A whole offer as its author writes it (POST and PUT)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{
        "title": "Développeur Python (H/F)", "description": "Vous développez nos pipelines de données.",
        "company": "Acme Data", "city": "Lyon", "postal_code": "69003", "contract_type": "CDI",
        "skills": ["Python", "SQL"], "salary_min": 42000, "salary_max": 50000, "remote": "hybrid"}]})

    @model_validator(mode="after")
    def _consistent(self) -> OfferDraft:
        self.city, self.company = _strip(self.city), _strip(self.company)
        if not self.city and not self.postal_code:
            raise ValueError("give a city or a postal_code")
        if self.salary_min is not None and self.salary_max is not None and self.salary_min > self.salary_max:
            raise ValueError("salary_min must not exceed salary_max")
        return self


class OfferPatch(BaseModel):
    """Some fields of an offer (PATCH): the others keep their current value; ``null`` clears one."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    description: str | None = None
    company: str | None = None
    city: str | None = None
    postal_code: str | None = None
    contract_type: ContractType | None = None
    seniority: Seniority | None = None
    skills: list[str] | None = None
    salary_min: float | None = None
    salary_max: float | None = None
    remote: Remote | None = None
    rome_code: str | None = None
    url: HttpUrl | None = None

    def apply_to(self, draft: dict[str, Any]) -> OfferDraft:
        """The draft with this patch applied, validated as a whole (raises pydantic's ValidationError)."""
        changes = self.model_dump(mode="json", exclude_unset=True)
        if changes.get("skills", ...) is None:
            changes["skills"] = []
        return OfferDraft.model_validate({**draft, **changes})


def commune_for_postal(postal: str) -> str | None:
    """The INSEE code of the one commune (or municipal arrondissement) a postal code serves, if only one."""
    communes = [c for c in referential().by_postal.get(postal, []) if c.kind in "CA"]
    for kind in "AC":  # an arrondissement is the more precise place
        of_kind = [c for c in communes if c.kind == kind]
        if len(of_kind) == 1:
            return of_kind[0].insee
    return None


def _salary_label(lo: float | None, hi: float | None) -> str | None:
    if lo is None and hi is None:
        return None
    lo = lo if lo is not None else hi
    hi = hi if hi is not None else lo
    return f"Annuel de {lo:.1f} Euros à {hi:.1f} Euros sur 12.0 mois"


def to_payload(draft: OfferDraft, source_id: str, *, created_at: datetime, updated_at: datetime,
               fallback_url: str) -> dict[str, Any]:
    """The France-Travail-shaped payload of ``draft`` (the shape the enricher reads for source ``api``)."""
    description = draft.description
    if draft.remote:
        description = f"{description}\n\n{_REMOTE_SENTENCE[draft.remote]}".strip()
    lieu: dict[str, Any] = {"pays": "France"}
    if draft.city:
        lieu["libelle"] = f"{draft.postal_code[:2]} - {draft.city}" if draft.postal_code else draft.city
    if draft.postal_code:
        lieu["codePostal"] = draft.postal_code
        lieu.setdefault("libelle", draft.postal_code[:2])
        insee = None if draft.city else commune_for_postal(draft.postal_code)
        if insee:
            lieu["commune"] = insee
    payload: dict[str, Any] = {
        "id": source_id,
        "intitule": draft.title,
        "description": description,
        "dateCreation": created_at.isoformat(),
        "dateActualisation": updated_at.isoformat(),
        "lieuTravail": lieu,
        "entreprise": {"nom": draft.company} if draft.company else {},
        "competences": [{"libelle": s} for s in draft.skills],
        "origineOffre": {"origine": "api", "urlOrigine": str(draft.url) if draft.url else fallback_url},
    }
    if draft.contract_type is not None:
        code, nature = _FT_CONTRACT[draft.contract_type]
        if code:
            payload["typeContrat"], payload["natureContrat"] = code, nature
        payload["typeContratLibelle"] = draft.contract_type.value
    if draft.seniority is not None:
        payload["experienceExige"], payload["experienceLibelle"] = _FT_EXPERIENCE[draft.seniority]
    label = _salary_label(draft.salary_min, draft.salary_max)
    if label:
        payload["salaire"] = {"libelle": label, "devise": "EUR"}
    if draft.rome_code:
        payload["romeCode"] = draft.rome_code
    return payload


def envelope_for(draft: OfferDraft, source_id: str, *, created_at: datetime, fetched_at: datetime,
                 fallback_url: str) -> RawOfferEnvelope:
    return RawOfferEnvelope(source=Source.API, source_id=source_id, fetched_at=fetched_at,
                            payload=to_payload(draft, source_id, created_at=created_at, updated_at=fetched_at,
                                               fallback_url=fallback_url))


def local_offer(envelope: RawOfferEnvelope) -> Offer:
    """The offer the pipeline will build from ``envelope`` (same enricher), before it is indexed.

    Raises ``EnrichmentError`` when the worker would dead-letter it. Its version is the envelope's event
    time: the pipeline's version for it is at least that, so "indexed version >= this" means indexed.
    """
    offer = enrich(envelope)
    return offer.model_copy(update={"version": micros(envelope.fetched_at)})


def canonical_id(source_id: str) -> str:
    return canonical_offer_id(Source.API, source_id)
