"""A candidate's city, resolved like an offer's (the enrichment referential), and where it lies.

The referential has no coordinates (offers carry their source's), so a city's position is learnt from
the index: the median of the coordinates of indexed offers placed in that commune. Cached per city;
a city with no located offer has no position, and distances to it are then unknown (not invented).
"""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from schemas.events import Offer
from stream_processors.enrichment.locations import find_commune
from stream_processors.enrichment.referential import referential

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Place:
    city: str
    insee_code: str
    departement_code: str
    latitude: float | None = None
    longitude: float | None = None

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def resolve_city(name: str) -> Place | None:
    """"lyon", "Lyon 3e", "Saint-Etienne" → the current commune (most populous homonym), or None."""
    commune = find_commune(name)
    if commune is None:
        return None
    ref = referential()
    current = ref.commune_of(commune)
    return Place(city=current.name, insee_code=current.insee, departement_code=current.dep)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def centre_of(offers: Sequence[Offer]) -> tuple[float, float] | None:
    """Median coordinates of the located offers (robust to one mis-placed offer)."""
    points = [(o.latitude, o.longitude) for o in offers if o.latitude is not None and o.longitude is not None]
    if not points:
        return None
    return statistics.median(p[0] for p in points), statistics.median(p[1] for p in points)


class PlaceLocator:
    """Resolves a city and finds its position with ``offers_in(city)`` (a filtered index read), cached."""

    def __init__(self, offers_in: Callable[[str], Sequence[Offer]], size: int = 1024,
                 ttl_s: float = 3600.0) -> None:
        self._offers_in = offers_in
        self._size = size
        self._ttl_s = ttl_s
        self._cache: OrderedDict[str, tuple[float, Place | None]] = OrderedDict()
        self._lock = threading.Lock()

    def locate(self, name: str) -> Place | None:
        """Blocking (an index read on a miss): call it from a worker thread."""
        key = name.strip().lower()
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and now - hit[0] < self._ttl_s:
                self._cache.move_to_end(key)
                return hit[1]
        place = resolve_city(name)
        if place is not None:
            centre = centre_of(self._offers_in(place.city))
            if centre is not None:
                place = Place(place.city, place.insee_code, place.departement_code, *centre)
        with self._lock:
            self._cache[key] = (now, place)
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return place
