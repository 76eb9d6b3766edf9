"""Raw envelope → canonical ``Offer``: the enrichment stage's single entry point."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from schemas.events import ContractType, Offer, RawOfferEnvelope, Source, canonical_offer_id, source_ref
from stream_processors.enrichment import contracts, locations, remote, rome, salary, seniority, skills
from stream_processors.enrichment.errors import EnrichmentError
from stream_processors.enrichment.locations import Location
from stream_processors.enrichment.text import MAX_TITLE, as_dict, as_str, clean_text
from stream_processors.enrichment.titles import split_gender_mark


def _datetime(value: Any) -> datetime | None:
    text = as_str(value)
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _common(envelope: RawOfferEnvelope, payload: dict[str, Any], raw_title: Any) -> dict[str, Any]:
    title_text = as_str(raw_title)
    if title_text is None:
        raise EnrichmentError(f"{envelope.key}: offer has no title")
    title, mark = split_gender_mark(title_text[:MAX_TITLE])
    return {
        "id": canonical_offer_id(envelope.source, envelope.source_id),
        "source": envelope.source,
        "source_id": envelope.source_id,
        "source_refs": [source_ref(envelope.source, envelope.source_id)],
        "title": title,
        "gender_mark": mark,
        "fetched_at": envelope.fetched_at,
    }


def title_text_of(payload: dict[str, Any]) -> str:
    return (as_str(payload.get("title")) or "")[:MAX_TITLE]


def _location_fields(loc: Location) -> dict[str, Any]:
    return {
        "city": loc.city, "insee_code": loc.insee_code, "postal_code": loc.postal_code,
        "departement_code": loc.departement_code, "departement_name": loc.departement_name,
        "region": loc.region, "latitude": loc.latitude, "longitude": loc.longitude,
    }


def _france_travail(envelope: RawOfferEnvelope, payload: dict[str, Any]) -> dict[str, Any]:
    fields = _common(envelope, payload, payload.get("intitule"))
    title = fields["title"]
    description = clean_text(payload.get("description"))  # capped to MAX_DESCRIPTION
    contract, contract_label, working_time = contracts.from_france_travail(payload, title)
    level, experience_label = seniority.from_france_travail(payload, title, description, contract)
    salary_min, salary_max, salary_label = salary.from_france_travail(payload, description)
    rome_code, rome_label, rome_confidence = rome.from_france_travail(payload, title, description)
    origine = as_dict(payload.get("origineOffre"))
    fields.update(
        description=description,
        company=as_str(as_dict(payload.get("entreprise")).get("nom")),
        contract_type=contract, contract_label=contract_label, working_time=working_time,
        seniority=level, experience_label=experience_label,
        salary_min=salary_min, salary_max=salary_max, salary_label=salary_label,
        rome_code=rome_code, rome_label=rome_label, rome_confidence=rome_confidence,
        domain=rome.domain_of(rome_code),
        skills=skills.hard_skills(title, description, payload.get("competences")),
        soft_skills=skills.soft_skills(payload.get("qualitesProfessionnelles")),
        remote=remote.detect(title, description),
        url=as_str(origine.get("urlOrigine"))
        or f"https://candidat.francetravail.fr/offres/recherche/detail/{envelope.source_id}",
        published_at=_datetime(payload.get("dateCreation")),
        updated_at=_datetime(payload.get("dateActualisation")),
        **_location_fields(locations.from_france_travail(payload)),
    )
    return fields


def _adzuna(envelope: RawOfferEnvelope, payload: dict[str, Any]) -> dict[str, Any]:
    fields = _common(envelope, payload, payload.get("title"))
    title = fields["title"]
    description = clean_text(payload.get("description"))  # capped to MAX_DESCRIPTION
    company = as_str(as_dict(payload.get("company")).get("display_name"))
    contract, contract_label, working_time = contracts.from_adzuna(payload, title, description, company)
    level = seniority.infer(title, description, contract=contract)
    salary_min, salary_max, salary_label = salary.from_adzuna(
        payload, freelance=contract is ContractType.FREELANCE,
        stipend=contract in (ContractType.STAGE, ContractType.ALTERNANCE), description=description)
    rome_code, rome_label, rome_confidence = rome.infer(title, description)
    fields.update(
        description=description,
        company=company,
        contract_type=contract, contract_label=contract_label, working_time=working_time,
        seniority=level,
        salary_min=salary_min, salary_max=salary_max, salary_label=salary_label,
        rome_code=rome_code, rome_label=rome_label, rome_confidence=rome_confidence,
        domain=rome.domain_of(rome_code),
        skills=skills.hard_skills(title, description),
        remote=remote.detect(title, description),
        url=as_str(payload.get("redirect_url")),
        published_at=_datetime(payload.get("created")),
        **_location_fields(locations.from_adzuna(payload, title_text_of(payload), description)),
    )
    return fields


def enrich(envelope: RawOfferEnvelope) -> Offer:
    """The canonical offer for a raw envelope.

    Raises ``EnrichmentError`` (and nothing else) when the record cannot become an offer: a payload
    that is not a JSON object, or one without a title. A field that cannot be parsed stays ``None``.
    """
    try:
        payload = envelope.payload
        if not isinstance(payload, dict):
            raise EnrichmentError(f"{envelope.key}: payload is not a JSON object")
        # The sample feed uses France Travail's shape.
        extract = _adzuna if envelope.source is Source.ADZUNA else _france_travail
        fields = extract(envelope, payload)
        return Offer(**fields)
    except EnrichmentError:
        raise
    except ValidationError as exc:
        raise EnrichmentError(f"{getattr(envelope, 'key', '?')}: invalid offer: {exc.errors()[:3]}") from exc
    except Exception as exc:  # a bug must dead-letter one record, never stop the worker
        raise EnrichmentError(f"{getattr(envelope, 'key', '?')}: {type(exc).__name__}: {exc}") from exc
