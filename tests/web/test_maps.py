from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest

from web.maps import CORSICA, MAINLAND, france_map, marker_sizes, position


def inside(lon: float, lat: float, polygon: list[tuple[float, float]]) -> bool:
    """Ray casting: is the point inside the polygon?"""
    hit = False
    for (x1, y1), (x2, y2) in pairwise(polygon):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


@pytest.mark.parametrize("city,lon,lat", [
    ("Paris", 2.35, 48.86), ("Lyon", 4.84, 45.76), ("Marseille", 5.37, 43.30), ("Brest", -4.49, 48.39),
    ("Strasbourg", 7.75, 48.58), ("Lille", 3.06, 50.63), ("Bordeaux", -0.58, 44.84), ("Nice", 7.26, 43.71),
    ("Perpignan", 2.90, 42.70), ("Cherbourg", -1.62, 49.64), ("Clermont-Ferrand", 3.08, 45.78)])
def test_the_outline_holds_french_cities(city: str, lon: float, lat: float) -> None:
    assert inside(lon, lat, MAINLAND), city


@pytest.mark.parametrize("city,lon,lat", [
    ("Bruxelles", 4.35, 50.85), ("Londres", -0.13, 51.51), ("Madrid", -3.70, 40.42), ("Turin", 7.68, 45.07),
    ("Bâle", 7.65, 47.60), ("Luxembourg", 6.13, 49.61), ("Barcelone", 2.17, 41.39)])
def test_the_outline_leaves_out_neighbours(city: str, lon: float, lat: float) -> None:
    assert not inside(lon, lat, MAINLAND), city


def test_corsica_is_its_own_closed_shape() -> None:
    assert CORSICA[0] == CORSICA[-1] and MAINLAND[0] == MAINLAND[-1]
    assert inside(8.74, 41.93, CORSICA)  # Ajaccio... just inland
    assert not inside(8.74, 41.93, MAINLAND)


def test_position_is_the_median_of_located_offers_in_france() -> None:
    offers: list[dict[str, Any]] = [{"latitude": 45.7, "longitude": 4.8}, {"latitude": 45.8, "longitude": 4.9},
              {"latitude": 45.9, "longitude": 5.0}, {"latitude": None, "longitude": 4.0},
              {"latitude": -21.1, "longitude": 55.5}]  # La Réunion: not on this map
    assert position(offers) == (45.8, 4.9)
    assert position([{"city": "Lyon"}]) is None


def test_marker_area_grows_with_the_count() -> None:
    sizes = marker_sizes([100, 25, 1, 0], smallest=4, largest=40)
    assert sizes[0] == 40 and sizes[1] == pytest.approx(20) and sizes[2] == pytest.approx(4) and sizes[3] == 4
    assert marker_sizes([]) == []


def test_france_map_draws_the_outline_and_one_marker_per_point() -> None:
    fig = france_map([{"label": "Lyon", "lat": 45.76, "lon": 4.84, "count": 3},
                      {"label": "Paris", "lat": 48.86, "lon": 2.35, "count": 9}], "Villes")
    outline, dots = fig.data
    assert len(outline.x) == len(MAINLAND) + len(CORSICA) + 2  # a gap (None) closes each shape
    assert list(dots.text) == ["Lyon", "Paris"] and list(dots.customdata) == [3, 9]
    assert dots.marker.size[1] > dots.marker.size[0]
    assert not fig.layout.annotations
    assert france_map([], "Villes").layout.annotations[0].text == "Aucune ville localisée"
