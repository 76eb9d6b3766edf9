"""Reading the enriched topic the way its consumers see it."""

from __future__ import annotations

from schemas.events import VERSION_HEADER, Offer
from schemas.topics import ENRICHED_OFFERS
from tests.support.services import consume_all


def live_offers(bootstrap: str) -> dict[str, Offer]:
    """The enriched topic folded like a compacted topic: last value per key, tombstones delete."""
    state: dict[str, Offer | None] = {}
    for msg in consume_all(bootstrap, ENRICHED_OFFERS.name):
        value = msg.value()
        state[msg.key().decode()] = Offer.model_validate_json(value) if value is not None else None
    return {k: v for k, v in state.items() if v is not None}


def refs_of(offers: dict[str, Offer]) -> list[str]:
    return [ref for o in offers.values() for ref in o.source_refs]


def versions(bootstrap: str) -> dict[str, list[tuple[int, Offer | None]]]:
    """Per canonical id, in topic order: each record's ``version`` header and its offer (None: tombstone)."""
    out: dict[str, list[tuple[int, Offer | None]]] = {}
    for msg in consume_all(bootstrap, ENRICHED_OFFERS.name):
        header = dict(msg.headers() or []).get(VERSION_HEADER)
        value = msg.value()
        offer = Offer.model_validate_json(value) if value is not None else None
        out.setdefault(msg.key().decode(), []).append((int(header) if header is not None else -1, offer))
    return out
