"""Small UI pieces shared by the pages: alerts, empty states, labelled fields, bar charts."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import dcc, html

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
GRAPH_CONFIG: Any = {"displaylogo": False, "responsive": True, "locale": "fr"}


def error_alert(message: str) -> html.Div:
    return html.Div(message, className="alert alert-danger", role="alert")


def info_alert(message: Any) -> html.Div:
    return html.Div(message, className="alert alert-info", role="status")


def empty_state(message: str) -> html.Div:
    return html.Div(message, className="alert alert-warning", role="status")


def field(label: str, control: Any, control_id: str, error_id: str | None = None) -> html.Div:
    """A label tied to its control (for screen readers) and an inline error slot under it."""
    children: list[Any] = [html.Label(label, htmlFor=control_id, className="form-label"), control]
    if error_id:
        children.append(html.Div(id=error_id, className="field-error", role="alert"))
    return html.Div(children, className="jm-field")


def bar_chart(title: str, counts: list[dict[str, Any]], limit: int, horizontal: bool = True) -> go.Figure:
    """A facet as a bar chart (largest first); an empty facet shows a French "no data" note."""
    rows = sorted(counts, key=lambda c: -int(c["count"]))[:limit]
    labels = [str(r["value"]) for r in rows]
    values = [int(r["count"]) for r in rows]
    if horizontal:
        bar = go.Bar(x=values[::-1], y=labels[::-1], orientation="h", marker_color="#1f4e8c")
    else:
        bar = go.Bar(x=labels, y=values, marker_color="#1f4e8c")
    fig = go.Figure(bar)
    fig.update_layout(title={"text": title, "font": {"size": 15}}, height=300,
                      margin={"l": 10, "r": 10, "t": 40, "b": 30}, paper_bgcolor="#ffffff",
                      plot_bgcolor="#ffffff", font={"family": FONT})
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(automargin=True)
    # Counts are whole numbers: no "0.5 offre" ticks.
    step = max(1, -(-max(values or [1]) // 5))
    (fig.update_xaxes if horizontal else fig.update_yaxes)(tickformat=",d", tick0=0, dtick=step, rangemode="tozero")
    if not rows:
        fig.add_annotation(text="Aucune donnée", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    return fig


def graph(graph_id: str, figure: go.Figure | None = None) -> dcc.Graph:
    return dcc.Graph(id=graph_id, figure=figure or go.Figure(), config=GRAPH_CONFIG)
