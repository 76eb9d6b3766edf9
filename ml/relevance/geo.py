"""Where a query's city is, and how far an offer is from it.

The enrichment referential has communes but no coordinates, so the big cities a candidate names carry
their centre here (public coordinates, rounded); other names fall back to the coordinates of the
corpus offers located in that commune (see ``CityLocator``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

from ml.lexical import fold
from schemas.events import Offer

CITY_CENTRES: dict[str, tuple[float, float]] = {
    "paris": (48.8566, 2.3522), "lyon": (45.7640, 4.8357), "marseille": (43.2965, 5.3698),
    "toulouse": (43.6047, 1.4442), "nantes": (47.2184, -1.5536), "bordeaux": (44.8378, -0.5792),
    "lille": (50.6292, 3.0573), "grenoble": (45.1885, 5.7245), "strasbourg": (48.5734, 7.7521),
    "montpellier": (43.6108, 3.8767), "rennes": (48.1173, -1.6778), "nice": (43.7102, 7.2620),
    "reims": (49.2583, 4.0317), "metz": (49.1193, 6.1757), "aix-en-provence": (43.5297, 5.4474),
    "saint-malo": (48.6493, -2.0257), "laval": (48.0707, -0.7734), "angers": (47.4784, -0.5632),
    "caen": (49.1829, -0.3707), "toulon": (43.1242, 5.9280), "dijon": (47.3220, 5.0415),
    "tours": (47.3941, 0.6848), "clermont-ferrand": (45.7772, 3.0870), "rouen": (49.4432, 1.0999),
    "le havre": (49.4944, 0.1079), "orleans": (47.9030, 1.9093), "brest": (48.3904, -4.4861),
    "courbevoie": (48.8973, 2.2522), "compiegne": (49.4179, 2.8261),
}
NEAR_KM = 50.0


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h)))


def offer_point(offer: Offer) -> tuple[float, float] | None:
    if offer.latitude is None or offer.longitude is None:
        return None
    return (offer.latitude, offer.longitude)


class CityLocator:
    """City name → (lat, lon): the table above, else the mean position of corpus offers in that city."""

    def __init__(self, offers: Iterable[Offer] = ()) -> None:
        points: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for o in offers:
            p = offer_point(o)
            if o.city and p:
                points[fold(o.city)].append(p)
        self._learned = {k: (sum(p[0] for p in v) / len(v), sum(p[1] for p in v) / len(v))
                         for k, v in points.items()}

    def locate(self, city: str | None) -> tuple[float, float] | None:
        if not city:
            return None
        key = fold(city).strip()
        return CITY_CENTRES.get(key) or self._learned.get(key)


def distance_km(offer: Offer, centre: tuple[float, float] | None) -> float | None:
    p = offer_point(offer)
    return haversine_km(p, centre) if p and centre else None
