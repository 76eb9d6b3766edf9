"""The search form ⇄ the URL's query string ⇄ the API's ``OfferSearch`` body, so a search can be shared."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode

CONTRACTS = ["CDI", "CDD", "Intérim", "Saisonnier", "Libéral/Freelance", "Alternance", "Stage", "Autre"]
SENIORITIES = ["Débutant", "Junior", "Confirmé", "Senior"]
REMOTE = {"none": "Sur site", "hybrid": "Hybride", "full": "Télétravail complet"}
SORTS = {"relevance": "Pertinence", "date": "Date de publication", "salary": "Salaire"}

# Results-table column -> the API sort it stands for; the API sorts newest and best-paid first only.
SORT_COLUMNS = {"publiee": "date", "salaire": "salary"}

# URL parameter (French, readable when shared) -> form field
_SCALARS = {"q": "keywords", "ville": "city", "rayon": "radius_km", "domaine": "domain",
            "teletravail": "remote", "tri": "sort"}
_LISTS = {"contrat": "contract_types", "seniorite": "seniority"}


def from_url(search: str | None) -> dict[str, Any]:
    """The form's values from ``?q=...&contrat=CDI&contrat=CDD``; unknown or invalid values are dropped."""
    raw = parse_qs((search or "").lstrip("?"))
    form: dict[str, Any] = {field: raw[key][0].strip() for key, field in _SCALARS.items() if raw.get(key)}
    for key, field in _LISTS.items():
        allowed = CONTRACTS if field == "contract_types" else SENIORITIES
        form[field] = [v for v in raw.get(key, []) if v in allowed]
    if "radius_km" in form:
        try:
            form["radius_km"] = max(0.0, float(form["radius_km"]))
        except ValueError:
            del form["radius_km"]
    if form.get("remote") not in REMOTE:
        form.pop("remote", None)
    if form.get("sort") not in SORTS:
        form.pop("sort", None)
    return form


def to_url(form: dict[str, Any]) -> str:
    """The query string for the form's non-empty values (``""`` when the form is empty)."""
    pairs: list[tuple[str, Any]] = []
    for key, field in _SCALARS.items():
        value = form.get(field)
        if value not in (None, ""):
            pairs.append((key, f"{value:g}" if isinstance(value, float) else value))
    for key, field in _LISTS.items():
        pairs.extend((key, v) for v in form.get(field) or [])
    return f"?{urlencode(pairs)}" if pairs else ""


def to_api(form: dict[str, Any], page: int, size: int) -> dict[str, Any]:
    """The ``POST /api/offres/search`` body; a radius without a city means nothing and is left out."""
    body: dict[str, Any] = {"page": page, "size": size, "sort": form.get("sort") or "relevance",
                            "contract_types": list(form.get("contract_types") or []),
                            "seniority": list(form.get("seniority") or [])}
    for field in ("keywords", "city", "domain", "remote"):
        if form.get(field):
            body[field] = form[field]
    if form.get("city") and form.get("radius_km") is not None:
        body["radius_km"] = form["radius_km"]
    return body


def sort_from_table(sort_by: list[dict[str, Any]] | None) -> str:
    """The API sort for the table's clicked header; a column the API cannot sort by means relevance."""
    column = (sort_by or [{}])[0].get("column_id")
    return SORT_COLUMNS.get(str(column), "relevance")


def table_sort(sort: str | None) -> list[dict[str, str]]:
    """The header arrow that shows ``sort`` (none for relevance): always descending, as the API sorts."""
    column = next((c for c, s in SORT_COLUMNS.items() if s == sort), None)
    return [{"column_id": column, "direction": "desc"}] if column else []
