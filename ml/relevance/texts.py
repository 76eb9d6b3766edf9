"""Which text of an offer is embedded: named templates (fields, order, length)."""

from __future__ import annotations

import re
from collections.abc import Callable

from schemas.events import Offer


def _join(*parts: str | None) -> str:
    return "\n".join(p for p in parts if p)


def search_text(o: Offer) -> str:
    """Today's production text (``Offer.search_text``): title, ROME label, skills, city, whole description."""
    return o.search_text()


def title_skills_desc300(o: Offer) -> str:
    """The title twice (it says what the job is), skills, then only the start of the description."""
    return _join(o.title, o.title, o.rome_label, ", ".join(o.skills), o.description[:300])


def title_desc600(o: Offer) -> str:
    return _join(o.title, ", ".join(o.skills), o.description[:600])


def title_only(o: Offer) -> str:
    return _join(o.title, o.rome_label)


TEMPLATES: dict[str, Callable[[Offer], str]] = {
    "search_text": search_text,
    "title_skills_desc300": title_skills_desc300,
    "title_desc600": title_desc600,
    "title_only": title_only,
}


def passage_text(offer: Offer, template: str = "search_text") -> str:
    return TEMPLATES[template](offer)


def lexical_text(o: Offer) -> str:
    """What BM25 indexes: everything a candidate's words could match."""
    return _join(o.title, o.rome_label, " ".join(o.skills), o.city, o.description)


def without_city(text: str, city: str | None) -> str:
    """The query text without its city (and a preposition just before it): the profile carries it."""
    if not city:
        return text
    pattern = r"\b(?:(?:à|a|au|en|près de|pres de|in|near)\s+)?" + re.escape(city) + r"\b"
    out = re.sub(pattern, " ", text, flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", out).strip(" ,") or text
