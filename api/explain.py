"""Plain-language reasons for a recommendation, so a candidate sees why an offer was proposed."""

from __future__ import annotations

import re
import unicodedata

from schemas.events import Offer


def _fold(text: str) -> str:
    no_accents = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return no_accents.lower()


def _mentions(query: str, term: str) -> bool:
    return re.search(rf"(?<![\w+#]){re.escape(_fold(term))}(?![\w+#])", query) is not None


def reasons(query: str, offer: Offer, score: float) -> list[str]:
    q = _fold(query)
    out: list[str] = []
    skills = [s for s in offer.skills if _mentions(q, s)]
    if skills:
        out.append("compétences demandées : " + ", ".join(skills))
    if offer.city and _mentions(q, offer.city):
        out.append(f"lieu : {offer.city}")
    if offer.contract_type and _mentions(q, offer.contract_type.value):
        out.append(f"contrat : {offer.contract_type.value}")
    if offer.seniority and _mentions(q, offer.seniority.value):
        out.append(f"niveau : {offer.seniority.value}")
    if offer.rome_label and any(_mentions(q, w) for w in offer.rome_label.split() if len(w) > 4):
        out.append(f"métier : {offer.rome_label}")
    out.append(f"proximité sémantique avec votre recherche : {score:.2f}")
    return out
