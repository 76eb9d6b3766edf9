"""The dashboard's sections against a fake API (httpx mock transport): data, not built yet, and errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from dash import dcc

from web.api_client import ApiClient
from web.pages import tableau_de_bord as dash_page
from web.settings import Settings
from web.stats_views import SOURCES

Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler) -> ApiClient:
    return ApiClient(Settings(api_url="http://api.test"), transport=httpx.MockTransport(handler))


def find(component: Any, kind: type) -> list[Any]:
    """Every component of ``kind`` in a Dash tree."""
    found = [component] if isinstance(component, kind) else []
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str):
            found += find(child, kind)
    return found


def text(component: Any) -> str:
    if isinstance(component, str):
        return component
    children = getattr(component, "children", None)
    return " ".join(text(c) for c in (children if isinstance(children, list | tuple) else [children]) if c is not None)


def not_built(_: httpx.Request) -> httpx.Response:
    return httpx.Response(503, json={"title": "Service Unavailable", "detail": "not built"})


def test_gold_sections_say_when_the_warehouse_is_not_built_yet() -> None:
    client = client_for(not_built)
    assert dash_page.NOT_BUILT in text(dash_page.daily_section(client))
    assert dash_page.NOT_BUILT in text(dash_page.salaries_section(client))


def test_daily_section_charts_the_gold_rows() -> None:
    rows = [{"published_date": "2026-11-01", "offer_count": 3, "france_travail_count": 1, "adzuna_count": 2,
             "offers_7d_avg": 0.4}]
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json={"name": "daily_offers", "rows": rows, "refreshed_at": "2026-11-01T00:00:00Z"})

    graph: Any = dash_page.daily_section(client_for(handler))
    assert seen == ["/api/stats/daily_offers"]
    assert isinstance(graph, dcc.Graph)
    figure = graph.to_plotly_json()["props"]["figure"]
    assert [t.name for t in figure.data][:2] == [SOURCES["france_travail_count"], SOURCES["adzuna_count"]]


def test_cities_section_places_each_city_where_its_offers_are() -> None:
    located = {"Lyon": [(45.7, 4.8), (45.8, 4.9), (45.9, 5.0)], "Paris": [(48.86, 2.35)], "Nulle-Part": []}
    facets = [{"value": c, "count": n} for c, n in (("Lyon", 9), ("Paris", 4), ("Nulle-Part", 1))]

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        city = body.get("city")
        items = [{"offer": {"latitude": lat, "longitude": lon}} for lat, lon in located.get(city or "", [])]
        return httpx.Response(200, json={"items": items, "total": len(items), "facets": {"cities": facets}})

    section = dash_page.cities_section(client_for(handler))
    bars, france = find(section, dcc.Graph)
    assert list(bars.figure.data[0].y) == ["Nulle-Part", "Paris", "Lyon"]  # largest on top
    dots = france.figure.data[1]
    assert list(dots.text) == ["Lyon", "Paris"]  # a city without a located offer is only in the chart
    assert (dots.y[0], dots.x[0]) == (45.8, 4.9) and list(dots.customdata) == [9, 4]


def test_cities_section_empty_and_down() -> None:
    empty = client_for(lambda _: httpx.Response(200, json={"items": [], "total": 0, "facets": {"cities": []}}))
    assert "Aucune offre indexée" in text(dash_page.cities_section(empty))
    down = client_for(lambda _: httpx.Response(500, json={}))
    assert "indisponible" in text(dash_page.cities_section(down))
