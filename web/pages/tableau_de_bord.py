"""Tableau de bord (/tableau-de-bord): health of each service, soft skills per ROME code, top cities (chart
and map), offers per day and source, salaries per ROME code and région.

The health table comes with the page; the figures load right after it (one callback each, so a slow one
does not hold the others), from the live index (cities) and the warehouse's gold tables (the rest)."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, dcc, html
from dash.dash_table.DataTable import DataTable
from dash.dash_table.Format import Format, Group, Scheme, Symbol

from web.api_client import ApiClient, ApiError
from web.components import FONT, GRAPH_CONFIG, bar_chart, empty_state, error_alert, graph, info_alert
from web.maps import france_map, position
from web.stats_views import daily_figure, salary_rows, soft_skill_rows

SERVICE_NAMES = {"index": "Index vectoriel (Qdrant)", "kafka": "Bus d'événements (Kafka)",
                 "broker": "Bus d'événements (Kafka)", "model": "Modèle de recommandation",
                 "database": "Base des comptes", "warehouse": "Entrepôt (DuckDB/Snowflake)",
                 "registry": "Registre de modèles (MLflow)", "mlflow": "Registre de modèles (MLflow)"}
NOT_BUILT = "Statistiques pas encore calculées (l'entrepôt se remplit au fil des offres)."
TOP_CITIES = 10
TABLE_STYLE: dict[str, Any] = {
    "style_table": {"overflowX": "auto"},
    "style_cell": {"fontFamily": FONT, "fontSize": "0.9rem", "textAlign": "left", "whiteSpace": "normal",
                   "height": "auto", "padding": "6px"},
    "style_header": {"backgroundColor": "#eef2f7", "fontWeight": "600"}}
EUROS = Format(group=Group.yes, precision=0, scheme=Scheme.fixed, symbol=Symbol.yes, symbol_suffix=" €")
MAP_CONFIG: Any = {**GRAPH_CONFIG, "displayModeBar": False}


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
    return html.Div([html.P(overall), html.Div(html.Table([
        html.Thead(html.Tr([html.Th("Service"), html.Th("État"), html.Th("Rôle"), html.Th("Détail")])),
        html.Tbody(rows, id="health-rows")], className="table"), className="jm-scroll-x")])


def layout(client: ApiClient) -> html.Div:
    try:
        rome = client.rome()
        options = [{"label": f"{c['code']} — {c.get('label') or ''}", "value": c["code"]} for c in rome["codes"]]
        rome_error = None
    except ApiError as exc:
        options, rome_error = [], error_alert(exc.message)

    def section(title: str, body_id: str) -> html.Div:
        return html.Div([html.H2(title), dcc.Loading(html.Div(id=body_id), type="dot")], className="card card-body")

    return html.Div([
        html.H1("Tableau de bord"),
        dcc.Store(id="dash-load", data=0),  # its first render triggers the figures' callbacks
        html.Div([html.H2("Santé des services"), health(client)], className="card card-body"),
        html.Div([
            html.H2("Savoir-être par code ROME"),
            rome_error,
            html.Label("Code ROME (tapez un code ou un métier)", htmlFor="rome-code", className="form-label"),
            dcc.Dropdown(id="rome-code", options=options, searchable=True, placeholder="ex. M1805 — Études et "
                         "développement informatique"),
            dcc.Loading(html.Div(id="rome-soft-skills", className="mt-2"), type="dot"),
        ], className="card card-body"),
        section("Villes qui recrutent le plus", "dash-cities"),
        section("Offres par jour et par source", "dash-daily"),
        section("Salaires par métier (ROME) et région", "dash-salaries"),
    ])


def city_points(client: ApiClient, cities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The top cities placed on the map: each one's position is where its own offers are located."""
    points = []
    for city in cities:
        try:
            items = client.search({"city": city["value"], "page": 1, "size": 5})["items"]
        except ApiError:
            continue  # e.g. a name the API cannot resolve: that city is only in the chart
        where = position(item["offer"] for item in items)
        if where:
            points.append({"label": city["value"], "lat": where[0], "lon": where[1], "count": int(city["count"])})
    return points


def cities_section(client: ApiClient) -> Any:
    try:
        cities = client.search({"page": 1, "size": 1})["facets"]["cities"][:TOP_CITIES]
    except ApiError as exc:
        return error_alert(exc.message)
    if not cities:
        return empty_state("Aucune offre indexée pour l'instant.")
    return html.Div([
        html.Div(graph("dash-top-cities", bar_chart(f"Top {TOP_CITIES} villes (toutes les offres)", cities,
                                                   TOP_CITIES)), className="col-md-6"),
        html.Div(dcc.Graph(id="dash-cities-map", config=MAP_CONFIG,
                           figure=france_map(city_points(client, cities), "Sur la carte de France")),
                 className="col-md-6"),
    ], className="row")


def gold(client: ApiClient, name: str) -> list[dict[str, Any]] | html.Div:
    """A gold table's rows, or the state to show instead (not built yet, or the API's error)."""
    try:
        rows: list[dict[str, Any]] = client.stats(name)["rows"]
    except ApiError as exc:
        return empty_state(NOT_BUILT) if exc.status == 503 else error_alert(exc.message)
    return rows


def daily_section(client: ApiClient) -> Any:
    rows = gold(client, "daily_offers")
    if isinstance(rows, html.Div):
        return rows
    if not rows:
        return empty_state("Aucune offre datée dans l'entrepôt pour l'instant.")
    return graph("dash-daily-chart", daily_figure(rows))


def salaries_section(client: ApiClient) -> Any:
    rows = gold(client, "salary_by_rome_region")
    if isinstance(rows, html.Div):
        return rows
    if not rows:
        return empty_state("Aucune offre avec un salaire publié pour l'instant.")
    money: Any = {"type": "numeric", "format": EUROS}
    data: Any = salary_rows(rows)
    return html.Div([
        html.P("Salaires annuels bruts publiés. Filtrez en tapant dans la ligne sous les titres (ex. M1805 ou "
               "Bretagne) ; cliquez sur un titre pour trier.", className="text-muted small"),
        DataTable(id="dash-salary-table", data=data, page_size=10, sort_action="native",
                  filter_action="native", filter_options={"case": "insensitive", "placeholder_text": "Filtrer…"},
                  locale_format={"group": "\u202f", "decimal": ","},
                  columns=[{"id": "code", "name": "Code ROME"}, {"id": "metier", "name": "Métier"},
                           {"id": "region", "name": "Région"},
                           {"id": "offres", "name": "Offres avec salaire", "type": "numeric"},
                           {"id": "median", "name": "Salaire médian", **money},
                           {"id": "min_moyen", "name": "Minimum moyen", **money},
                           {"id": "max_moyen", "name": "Maximum moyen", **money}], **TABLE_STYLE),
    ])


def register(app: Dash, client: ApiClient) -> None:
    @app.callback(Output("dash-cities", "children"), Input("dash-load", "data"))
    def cities(_: Any) -> Any:
        return cities_section(client)

    @app.callback(Output("dash-daily", "children"), Input("dash-load", "data"))
    def daily(_: Any) -> Any:
        return daily_section(client)

    @app.callback(Output("dash-salaries", "children"), Input("dash-load", "data"))
    def salaries(_: Any) -> Any:
        return salaries_section(client)

    @app.callback(Output("rome-soft-skills", "children"), Input("rome-code", "value"))
    def soft_skills(code: str | None) -> Any:
        if not code:
            return info_alert("Choisissez un code ROME pour voir les savoir-être que ses offres demandent.")
        try:
            data = client.soft_skills(code)
        except ApiError as exc:
            return empty_state(NOT_BUILT) if exc.status == 503 else error_alert(exc.message)
        rows: Any = soft_skill_rows(data)
        if not rows:
            return empty_state(f"Aucun savoir-être relevé pour {code} pour l'instant.")
        return DataTable(
            id="rome-table", data=rows, page_size=15, sort_action="native",
            columns=[{"id": "code", "name": "Code"}, {"id": "soft_skill", "name": "Savoir-être"},
                     {"id": "description", "name": "Description"}, {"id": "offres", "name": "Offres"},
                     {"id": "part", "name": "Part des offres du code"}], **TABLE_STYLE)
