"""Rechercher une offre (/recherche): filters, a server-paged table, six facet charts; the query in the URL."""

from __future__ import annotations

from typing import Any, cast

import dash
from dash import Dash, Input, Output, State, ctx, dcc, html
from dash.dash_table.DataTable import DataTable

from web.api_client import ApiClient, ApiError
from web.components import FONT, bar_chart, error_alert, field, graph
from web.formatting import count_label, table_row
from web.search_query import (
    CONTRACTS,
    REMOTE,
    SENIORITIES,
    SORTS,
    from_url,
    sort_from_table,
    table_sort,
    to_api,
    to_url,
)

PAGE_SIZE = 10
# facet key -> (chart title, how many bars)
CHARTS = {"contract_types": ("Types de contrat", 10), "companies": ("Top 5 entreprises", 5),
          "domains": ("Top 10 domaines", 10), "seniority": ("Séniorité", 10), "cities": ("Top 10 villes", 10),
          "skills": ("Top 20 compétences", 20)}
COLUMNS = [("titre", "Titre"), ("entreprise", "Entreprise"), ("ville", "Ville"), ("contrat", "Contrat"),
           ("domaine", "Domaine"), ("seniorite", "Séniorité"), ("publiee", "Publiée le"), ("salaire", "Salaire"),
           ("competences", "Compétences")]


def layout(search: str | None) -> html.Div:
    form = from_url(search)

    def text(fid: str, label: str, key: str, kind: Any = "text", **kw: Any) -> Any:
        return field(label, dcc.Input(id=fid, type=kind, value=form.get(key), className="form-control", **kw), fid)

    return html.Div([
        html.H1("Rechercher une offre"),
        html.Div([
            html.Div([
                html.Div(text("q-keywords", "Mots-clés", "keywords", placeholder="ex. data engineer"),
                         className="col-md-6"),
                html.Div(text("q-city", "Ville", "city", placeholder="ex. Lyon"), className="col-md-4"),
                html.Div(text("q-radius", "Rayon (km)", "radius_km", "number", min=0), className="col-md-2"),
                html.Div(field("Type de contrat", dcc.Dropdown(id="q-contract", options=CONTRACTS, multi=True,
                                                               value=form.get("contract_types"),
                                                               placeholder="Tous"), "q-contract"),
                         className="col-md-4"),
                html.Div(field("Séniorité", dcc.Dropdown(id="q-seniority", options=SENIORITIES, multi=True,
                                                         value=form.get("seniority"), placeholder="Toutes"),
                               "q-seniority"), className="col-md-3"),
                html.Div(text("q-domain", "Domaine", "domain", placeholder="ex. Informatique"), className="col-md-3"),
                html.Div(field("Télétravail", dcc.Dropdown(
                    id="q-remote", value=form.get("remote"), placeholder="Indifférent",
                    options=[{"label": v, "value": k} for k, v in REMOTE.items()]), "q-remote"),
                         className="col-md-2"),
                html.Div(field("Trier par", dcc.Dropdown(id="q-sort", value=form.get("sort") or "relevance",
                                                         clearable=False,
                                                         options=[{"label": v, "value": k} for k, v in SORTS.items()]),
                               "q-sort"), className="col-md-3"),
            ], className="row"),
            html.Button("Rechercher", id="q-submit", className="btn btn-primary"),
        ], className="card card-body"),
        dcc.Store(id="q-form", data=form),
        html.H2(id="q-count", role="status", className="mt-3"),
        html.Div(id="q-error"),
        dcc.Loading(DataTable(
            id="q-table", columns=[{"id": c, "name": n, "presentation": "markdown"} if c == "titre"
                                   else {"id": c, "name": n} for c, n in COLUMNS],
            data=[], page_action="custom", page_current=0, page_size=PAGE_SIZE, page_count=1,
            # Sorted by the API over the whole result set (date, salary), like the "Trier par" field.
            sort_action="custom", sort_mode="single", sort_by=cast(Any, table_sort(form.get("sort"))),
            style_table={"overflowX": "auto"}, markdown_options={"link_target": "_self"},
            style_cell={"fontFamily": FONT, "fontSize": "0.9rem", "textAlign": "left", "whiteSpace": "normal",
                        "height": "auto", "padding": "6px", "maxWidth": "18rem"},
            style_header={"backgroundColor": "#eef2f7", "fontWeight": "600"}), type="dot"),
        html.H2("Répartition des résultats", className="mt-3"),
        html.Div([html.Div(graph(f"q-chart-{key}"), className="col-md-6 card") for key in CHARTS], className="row",
                 id="q-charts"),
    ])


def register(app: Dash, client: ApiClient) -> None:
    @app.callback(Output("q-form", "data"), Output("url", "search"), Output("q-table", "page_current"),
                  Output("q-table", "sort_by"), Output("q-sort", "value"),
                  Input("q-submit", "n_clicks"), Input("q-keywords", "n_submit"), Input("q-city", "n_submit"),
                  Input("q-table", "sort_by"),
                  State("q-keywords", "value"), State("q-city", "value"), State("q-radius", "value"),
                  State("q-contract", "value"), State("q-seniority", "value"), State("q-domain", "value"),
                  State("q-remote", "value"), State("q-sort", "value"), State("q-form", "data"),
                  prevent_initial_call=True)
    def submit(_c: Any, _s1: Any, _s2: Any, sort_by: list[dict[str, Any]] | None, keywords: str | None,
               city: str | None, radius: Any, contracts: list[str] | None, seniority: list[str] | None,
               domain: str | None, remote: str | None, sort: str | None,
               current: dict[str, Any] | None) -> tuple[Any, ...]:
        if ctx.triggered_id == "q-table":
            # A header click re-sorts the search already shown (not the form's unsent edits).
            form = dict(current or {})
            new_sort = sort_from_table(sort_by)
            if new_sort == (form.get("sort") or "relevance") and sort_by == table_sort(new_sort):
                return (dash.no_update,) * 5
            form["sort"] = new_sort
        else:
            form = {"keywords": (keywords or "").strip(), "city": (city or "").strip(),
                    "radius_km": float(radius) if radius not in (None, "") else None,
                    "contract_types": contracts or [], "seniority": seniority or [], "domain": (domain or "").strip(),
                    "remote": remote, "sort": sort or "relevance"}
        query = to_url(form)
        return from_url(query), query, 0, table_sort(form["sort"]), form["sort"]

    @app.callback(Output("q-table", "data"), Output("q-table", "page_count"), Output("q-count", "children"),
                  Output("q-error", "children"), *[Output(f"q-chart-{key}", "figure") for key in CHARTS],
                  Input("q-form", "data"), Input("q-table", "page_current"))
    def results(form: dict[str, Any] | None, page: int | None) -> tuple[Any, ...]:
        try:
            data = client.search(to_api(form or {}, (page or 0) + 1, PAGE_SIZE))
        except ApiError as exc:
            return [], 1, "", error_alert(exc.message), *[dash.no_update] * len(CHARTS)
        total = int(data["total"])
        facets = data.get("facets") or {}
        charts = [bar_chart(title, facets.get(key) or [], limit) for key, (title, limit) in CHARTS.items()]
        note = None if total else html.Div("Aucune offre ne correspond : retirez un filtre ou élargissez le rayon.",
                                           className="alert alert-warning")
        return ([table_row(i) for i in data["items"]], max(1, -(-total // PAGE_SIZE)), count_label(total), note,
                *charts)
