"""Recommandations (/recommandations): offers ranked for the signed-in candidate, with their explanation;
refreshed periodically, new offers flagged with a badge."""

from __future__ import annotations

from typing import Any

import dash
from dash import Dash, Input, Output, State, dcc, html

from web.api_client import ApiClient, ApiError
from web.components import empty_state, error_alert, info_alert
from web.formatting import explanation_parts, offer_facts, salary_label, score_label
from web.search_query import CONTRACTS


def layout(refresh_s: float) -> html.Div:
    return html.Div([
        html.H1("Recommandations personnalisées"),
        html.Div([
            html.Div([html.Label("Filtrer par contrat", htmlFor="rec-contract", className="form-label"),
                      dcc.Dropdown(id="rec-contract", options=CONTRACTS, multi=True, placeholder="Tous les contrats")],
                     style={"minWidth": "16rem"}),
            html.Button("Actualiser", id="rec-refresh", className="btn btn-secondary"),
            html.Span(id="rec-new-badge"),
        ], className="d-flex flex-wrap gap-2 align-items-end mb-3"),
        dcc.Interval(id="rec-interval", interval=int(refresh_s * 1000)),
        dcc.Store(id="rec-seen", data=[]),
        dcc.Loading(html.Div(id="rec-results"), type="dot"),
    ])


def card(result: dict[str, Any], new: bool) -> html.Div:
    offer = result["offer"]
    parts = explanation_parts(result.get("explanation"))
    why: list[Any] = []
    if parts["matched"]:
        why.append(html.Div(["Compétences en commun : ", *[html.Span(s, className="badge badge-match")
                                                          for s in parts["matched"]]]))
    if parts["missing"]:
        why.append(html.Div(["Compétences à acquérir : ", *[html.Span(s, className="badge badge-missing")
                                                           for s in parts["missing"]]]))
    notes = [n for n in (parts["distance"], parts["freshness"], salary_label(offer)) if n]
    if notes:
        why.append(html.Div(" · ".join(notes), className="text-muted small"))
    return html.Div(html.Div([
        html.Span(score_label(result["score"]), className="score", title="adéquation à votre profil"),
        html.H3([dcc.Link(offer["title"], href=f"/offre/{offer['id']}"),
                 html.Span("nouvelle", className="badge badge-new", style={"marginLeft": ".5rem"}) if new else None],
                className="card-title"),
        html.P(" · ".join(offer_facts(offer)), className="text-muted mb-1"),
        html.Div(why, className="rec-explanation"),
        html.Ul([html.Li(r) for r in result.get("reasons", [])], className="small mb-0 mt-2"),
    ], className="card-body"), className="card rec-card")


def register(app: Dash, client: ApiClient) -> None:
    @app.callback(Output("rec-results", "children"), Output("rec-seen", "data"), Output("rec-new-badge", "children"),
                  Input("auth", "data"), Input("rec-interval", "n_intervals"), Input("rec-refresh", "n_clicks"),
                  Input("rec-contract", "value"), State("rec-seen", "data"))
    def show(auth: dict[str, Any] | None, _n: int | None, _c: int | None, contracts: list[str] | None,
             seen: list[str] | None) -> tuple[Any, Any, Any]:
        if not auth:
            return info_alert(["Connectez-vous pour voir les offres choisies pour vous : ",
                               dcc.Link("connexion", href="/connexion"), " ou ",
                               dcc.Link("création de profil", href="/profil"), "."]), dash.no_update, None
        try:
            data = client.recommendations(auth["token"], size=20)
        except ApiError as exc:
            return error_alert(exc.message), dash.no_update, None
        results = [r for r in data["results"] if not contracts or r["offer"].get("contract_type") in contracts]
        if not results:
            return empty_state("Aucune offre ne correspond encore à votre profil. Complétez-le (poste, "
                               "compétences, ville) ou élargissez les filtres."), [], None
        ids = [r["offer"]["id"] for r in results]
        # The first load marks nothing as new; later refreshes flag what was not shown before.
        known = set(seen or []) if seen else set(ids)
        fresh = [i for i in ids if i not in known]
        badge = html.Span(f"{len(fresh)} nouvelle(s) offre(s)", className="badge badge-new") if fresh else None
        header = html.P(f"{len(results)} offre(s) recommandée(s) — modèle {data.get('model', '?')}",
                        className="text-muted")
        return [header, *[card(r, r["offer"]["id"] in fresh) for r in results]], sorted(known | set(ids)), badge
