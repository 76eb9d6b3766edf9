"""Tableau de bord (/tableau-de-bord): health of each service, soft skills per ROME code, top cities."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, dcc, html
from dash.dash_table.DataTable import DataTable

from web.api_client import ApiClient, ApiError
from web.components import FONT, bar_chart, empty_state, error_alert, graph, info_alert

SERVICE_NAMES = {"index": "Index vectoriel (Qdrant)", "kafka": "Bus d'événements (Kafka)",
                 "broker": "Bus d'événements (Kafka)", "model": "Modèle de recommandation",
                 "database": "Base des comptes", "warehouse": "Entrepôt (DuckDB/Snowflake)",
                 "registry": "Registre de modèles (MLflow)", "mlflow": "Registre de modèles (MLflow)"}


def health(client: ApiClient) -> Any:
    try:
        ready = client.ready()
    except ApiError as exc:
        return error_alert(exc.message)
    rows = []
    for name, check in sorted((ready.get("checks") or {}).items()):
        ok = check.get("ok")
        state = "opérationnel" if ok else ("inconnu" if ok is None else "en panne")
        detail = check.get("detail")
        rows.append(html.Tr([html.Td(SERVICE_NAMES.get(name, name)),
                             html.Td(state, className="text-success" if ok else "text-danger"),
                             html.Td("requis" if check.get("required") else "optionnel"),
                             html.Td(str(detail.get("error") or detail.get("reason") or "")[:120]
                                     if isinstance(detail, dict) else str(detail or "")[:120], className="small")]))
    overall = "Tous les services requis répondent." if ready.get("status") == "ready" else \
        "Un service requis ne répond pas : le site fonctionne en mode dégradé."
    return html.Div([html.P(overall), html.Table([
        html.Thead(html.Tr([html.Th("Service"), html.Th("État"), html.Th("Rôle"), html.Th("Détail")])),
        html.Tbody(rows, id="health-rows")], className="table")])


def layout(client: ApiClient) -> html.Div:
    try:
        rome = client.rome()
        options = [{"label": f"{c['code']} — {c.get('label') or ''}", "value": c["code"]} for c in rome["codes"]]
        rome_error = None
    except ApiError as exc:
        options, rome_error = [], error_alert(exc.message)
    try:
        cities = client.search({"page": 1, "size": 1}).get("facets", {}).get("cities", [])
        cities_fig: Any = graph("dash-top-cities", bar_chart("Top 10 villes (toutes les offres)", cities, 10))
    except ApiError as exc:
        cities_fig = error_alert(exc.message)
    return html.Div([
        html.H1("Tableau de bord"),
        html.Div([html.H2("Santé des services"), health(client)], className="card card-body"),
        html.Div([
            html.H2("Savoir-être par code ROME"),
            rome_error,
            html.Label("Code ROME (tapez un code ou un métier)", htmlFor="rome-code", className="form-label"),
            dcc.Dropdown(id="rome-code", options=options, searchable=True, placeholder="ex. M1805 — Études et "
                         "développement informatique"),
            dcc.Loading(html.Div(id="rome-soft-skills", className="mt-2"), type="dot"),
        ], className="card card-body"),
        html.Div([html.H2("Villes"), cities_fig], className="card card-body"),
    ])


def register(app: Dash, client: ApiClient) -> None:
    @app.callback(Output("rome-soft-skills", "children"), Input("rome-code", "value"))
    def soft_skills(code: str | None) -> Any:
        if not code:
            return info_alert("Choisissez un code ROME pour voir les savoir-être que ses offres demandent.")
        try:
            data = client.soft_skills(code)
        except ApiError as exc:
            if exc.status == 503:
                return empty_state("Statistiques pas encore calculées (l'entrepôt se remplit au fil des offres).")
            return error_alert(exc.message)
        rows: Any = [{"code": data["rome_code"], "soft_skill": s["soft_skill"], "offres": s["offer_count"],
                 "part": f"{(s.get('share_of_rome_offers') or 0) * 100:.0f} %"} for s in data["soft_skills"]]
        if not rows:
            return empty_state(f"Aucun savoir-être relevé pour {code} pour l'instant.")
        return DataTable(
            id="rome-table", data=rows, page_size=15, sort_action="native",
            columns=[{"id": "code", "name": "Code"}, {"id": "soft_skill", "name": "Savoir-être"},
                     {"id": "offres", "name": "Offres"}, {"id": "part", "name": "Part des offres du code"}],
            style_cell={"fontFamily": FONT, "textAlign": "left"},
            style_header={"backgroundColor": "#eef2f7", "fontWeight": "600"})
