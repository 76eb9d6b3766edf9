"""Plain French wording of offers and explanations (no Dash here: unit-tested functions)."""

from __future__ import annotations

from typing import Any

REMOTE_LABELS = {"none": "sur site", "hybrid": "hybride", "full": "télétravail complet"}


def count_label(total: int) -> str:
    return f"{total} offre(s) trouvée(s)"


def salary_label(offer: dict[str, Any]) -> str | None:
    """« 42 000 – 50 000 € » from the bounds, else the source's own label."""
    low, high = offer.get("salary_min"), offer.get("salary_max")

    def euros(v: float) -> str:
        return f"{v:,.0f}".replace(",", "\u202f") + " €"

    if low and high and low != high:
        return f"{euros(low)} – {euros(high)}"
    if low or high:
        return euros(float(low or high or 0))
    label = offer.get("salary_label")
    return str(label) if label else None


def freshness_label(days: int | None) -> str | None:
    if days is None:
        return None
    if days <= 0:
        return "publiée aujourd'hui"
    return "publiée hier" if days == 1 else f"publiée il y a {days} jours"


def distance_label(location: dict[str, Any] | None) -> str | None:
    """Distance from the candidate's city, or whether the offer is in it."""
    if not location:
        return None
    km = location.get("distance_km")
    if km is not None:
        return f"à {km:.0f} km de {location.get('query_city') or 'votre ville'}"
    if location.get("same_city"):
        return f"à {location.get('offer_city') or 'votre ville'}, votre ville"
    if location.get("same_departement"):
        return "dans votre département"
    return None


def explanation_parts(explanation: dict[str, Any] | None) -> dict[str, Any]:
    """What a recommendation card shows: matched and missing skills, distance, freshness."""
    exp = explanation or {}
    skills = exp.get("skills") or {}
    return {"matched": list(skills.get("matched") or []), "missing": list(skills.get("missing") or []),
            "distance": distance_label(exp.get("location")),
            "freshness": freshness_label((exp.get("freshness") or {}).get("days"))}


def score_label(score: float) -> str:
    """Scores are in [0, 1]: shown as a percentage of fit."""
    return f"{round(max(0.0, min(1.0, score)) * 100)} %"


def offer_facts(offer: dict[str, Any]) -> list[str]:
    remote = REMOTE_LABELS.get(offer.get("remote") or "")
    place = offer.get("city")
    if place and offer.get("departement_code"):
        place = f"{place} ({offer['departement_code']})"
    return [str(f) for f in (offer.get("company"), place, offer.get("contract_type"), offer.get("seniority"),
                             remote) if f]


def table_row(item: dict[str, Any]) -> dict[str, Any]:
    """A search hit as a row of the results table (the title links to the offer page)."""
    offer = item["offer"]
    return {"id": offer["id"], "titre": f"[{offer['title']}](/offre/{offer['id']})",
            "entreprise": offer.get("company") or "—", "ville": offer.get("city") or "—",
            "contrat": offer.get("contract_type") or "—", "domaine": offer.get("domain") or "—",
            "seniorite": offer.get("seniority") or "—", "competences": ", ".join(offer.get("skills") or [])[:120],
            "publiee": date_label(offer.get("published_at")), "salaire": salary_label(offer) or "—"}


def date_label(iso: str | None) -> str:
    """« 30/11/2026 » from an ISO date or date-time."""
    if not iso or len(iso) < 10:
        return "—"
    year, month, day = iso[:10].split("-")
    return f"{day}/{month}/{year}"
