"""Maps of France drawn offline: a coarse outline of our own and points on plain lon/lat axes.

plotly's geo traces fetch their base map (topojson) from a CDN and no installed package ships one, and
map tiles would be fetched too: a ``scatter`` over a hand-made outline needs nothing from the network.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from typing import Any

import plotly.graph_objects as go

from web.components import FONT

# Metropolitan France and Corsica, clockwise from Dunkerque, about 20 km precision (lon, lat).
MAINLAND: list[tuple[float, float]] = [
    (2.37, 51.05), (2.55, 51.09), (2.9, 50.7), (3.15, 50.78), (3.3, 50.52), (3.7, 50.32), (4.15, 50.2),
    (4.15, 49.98), (4.85, 50.15), (4.8, 49.8), (5.4, 49.6), (5.8, 49.55), (6.36, 49.47), (6.7, 49.2),
    (7.1, 49.15), (7.6, 49.05), (8.2, 48.97), (7.8, 48.6), (7.55, 48.0), (7.6, 47.58), (7.0, 47.45),
    (6.95, 47.25), (6.45, 46.95), (6.1, 46.6), (6.1, 46.25), (6.8, 46.4), (6.86, 45.83), (7.0, 45.6),
    (7.15, 45.25), (6.63, 45.1), (6.95, 44.65), (7.6, 44.1), (7.5, 43.78), (7.27, 43.7), (6.9, 43.43),
    (6.6, 43.15), (5.93, 43.1), (5.37, 43.3), (4.85, 43.35), (4.43, 43.45), (3.9, 43.53), (3.5, 43.28),
    (3.08, 43.0), (3.05, 42.55), (3.17, 42.43), (2.7, 42.4), (1.9, 42.45), (1.45, 42.6), (0.7, 42.85),
    (0.0, 42.7), (-0.7, 42.9), (-1.4, 43.05), (-1.78, 43.37), (-1.5, 43.5), (-1.3, 44.0), (-1.25, 44.65),
    (-1.1, 45.6), (-1.2, 45.95), (-1.15, 46.15), (-1.8, 46.5), (-2.15, 46.9), (-2.2, 47.27), (-2.5, 47.3),
    (-3.1, 47.48), (-3.37, 47.75), (-4.0, 47.85), (-4.37, 47.8), (-4.73, 48.04), (-4.4, 48.25),
    (-4.77, 48.33), (-4.75, 48.55), (-4.2, 48.7), (-3.5, 48.83), (-3.0, 48.82), (-2.32, 48.68),
    (-2.0, 48.65), (-1.51, 48.64), (-1.6, 49.2), (-1.94, 49.72), (-1.26, 49.67), (-1.1, 49.4),
    (-0.2, 49.3), (0.1, 49.45), (0.2, 49.7), (1.1, 49.93), (1.6, 50.2), (1.6, 50.72), (1.85, 50.95),
    (2.37, 51.05),
]
CORSICA: list[tuple[float, float]] = [
    (9.35, 43.0), (9.45, 42.7), (9.55, 42.1), (9.25, 41.4), (8.8, 41.6), (8.6, 41.9), (8.6, 42.3),
    (8.75, 42.6), (9.3, 42.7), (9.35, 43.0),
]
LON_RANGE = (-5.4, 10.0)
LAT_RANGE = (41.2, 51.6)  # room above Lille for its label
# One degree of longitude is cos(latitude) degrees of latitude long: at France's middle, axes drawn at
# this ratio keep the country's shape.
ASPECT = 1 / math.cos(math.radians(46.5))


def in_france(lat: float, lon: float) -> bool:
    """Inside the map's frame (overseas and wrong coordinates are left off the map, not drawn off it)."""
    return LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]


def position(offers: Iterable[dict[str, Any]]) -> tuple[float, float] | None:
    """Where a place lies: the median (lat, lon) of its located offers in mainland France or Corsica."""
    pts = [(float(o["latitude"]), float(o["longitude"])) for o in offers
           if o.get("latitude") is not None and o.get("longitude") is not None]
    pts = [p for p in pts if in_france(*p)]
    if not pts:
        return None
    return statistics.median(p[0] for p in pts), statistics.median(p[1] for p in pts)


def marker_sizes(counts: list[int], smallest: float = 8.0, largest: float = 36.0) -> list[float]:
    """Marker diameters whose area grows with the count (sqrt), the largest count getting ``largest``."""
    top = max(counts, default=0)
    if top <= 0:
        return [smallest for _ in counts]
    return [max(smallest, largest * math.sqrt(max(c, 0) / top)) for c in counts]


def france_map(points: list[dict[str, Any]], title: str, height: int = 420, largest: float = 36.0) -> go.Figure:
    """``points``: {label, lat, lon, count}; each is a circle sized by its count over France's outline."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for shape in (MAINLAND, CORSICA):
        xs += [p[0] for p in shape] + [None]
        ys += [p[1] for p in shape] + [None]
    outline = go.Scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor="#eef2f7", hoverinfo="skip",
                         line={"color": "#8a94a3", "width": 1}, showlegend=False, name="France")
    counts = [int(p["count"]) for p in points]
    dots = go.Scatter(
        x=[p["lon"] for p in points], y=[p["lat"] for p in points], mode="markers+text",
        text=[str(p["label"]) for p in points], textposition="top center", customdata=counts,
        textfont={"size": 11, "color": "#1d2430"}, showlegend=False, name="offres",
        marker={"size": marker_sizes(counts, largest=largest), "color": "rgba(31,78,140,.65)",
                "line": {"color": "#fff", "width": 1}},
        hovertemplate="%{text} : %{customdata} offre(s)<extra></extra>")
    fig = go.Figure([outline, dots])
    fig.update_layout(title={"text": title, "font": {"size": 15}}, height=height, dragmode=False,
                      margin={"l": 5, "r": 5, "t": 40 if title else 5, "b": 5}, paper_bgcolor="#ffffff",
                      plot_bgcolor="#ffffff", font={"family": FONT})
    fig.update_xaxes(range=list(LON_RANGE), visible=False, fixedrange=True)
    fig.update_yaxes(range=list(LAT_RANGE), visible=False, fixedrange=True, scaleanchor="x", scaleratio=ASPECT)
    if not points:
        fig.add_annotation(text="Aucune ville localisée", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    return fig
