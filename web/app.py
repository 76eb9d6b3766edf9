"""Dash app: a search box, ranked offers with their reasons. All data comes from the API."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import httpx
from dash import Dash, Input, Output, State, html

from web.settings import Settings


def offer_card(result: dict[str, Any]) -> dbc.Card:
    offer = result["offer"]
    facts = [f for f in (offer.get("company"), offer.get("city"), offer.get("contract_type"),
                         offer.get("seniority")) if f]
    return dbc.Card(dbc.CardBody([
        html.H5(offer["title"], className="card-title"),
        html.P(" · ".join(facts), className="text-muted mb-1"),
        html.Ul([html.Li(r) for r in result.get("reasons", [])], className="small mb-1"),
        html.Small(f"score {result['score']:.2f}", className="text-secondary"),
    ]), className="mb-2 offer-card")


def create_app(settings: Settings | None = None) -> Dash:
    s = settings or Settings()
    app = Dash(__name__, external_stylesheets=[dbc.themes.BOOTSTRAP], title="JobMarket",
               serve_locally=True)  # no CDN: the site works offline
    app.layout = dbc.Container([
        html.H1("JobMarket", className="mt-3"),
        html.P("Décrivez le poste que vous cherchez : nous vous proposons les offres les plus proches."),
        dbc.InputGroup([
            dbc.Input(id="query", placeholder="ex. développeur python data à Lyon", type="text"),
            dbc.Button("Rechercher", id="search", color="primary"),
        ], className="mb-3"),
        html.Div(id="status", className="mb-2 text-muted"),
        html.Div(id="results"),
    ], fluid="md")

    @app.callback(Output("results", "children"), Output("status", "children"),
                  Input("search", "n_clicks"), Input("query", "n_submit"), State("query", "value"),
                  prevent_initial_call=True)
    def search(_clicks: int | None, _submit: int | None, query: str | None) -> tuple[list[Any], str]:
        if not query or len(query.strip()) < 2:
            return [], "Saisissez au moins deux caractères."
        try:
            resp = httpx.post(f"{s.api_url}/api/recommendations", json={"text": query, "limit": 10},
                              timeout=s.api_timeout_s)
        except httpx.HTTPError as exc:
            return [], f"Le service de recommandation est injoignable ({exc.__class__.__name__})."
        if resp.status_code != 200:
            return [], f"Erreur {resp.status_code} : {resp.json().get('detail', resp.text)}"
        data = resp.json()
        return [offer_card(r) for r in data["results"]], f"{data['count']} offres"

    return app
