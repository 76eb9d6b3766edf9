"""Offre (/offre/<id>): the whole offer, its enrichment, its sources with links, similar offers."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from web.api_client import ApiClient, ApiError
from web.components import GRAPH_CONFIG, error_alert
from web.formatting import offer_facts, salary_label
from web.maps import france_map, position

SOURCE_NAMES = {"france_travail": "France Travail", "adzuna": "Adzuna", "sample": "Échantillon"}


def _row(label: str, value: Any) -> html.Tr | None:
    return html.Tr([html.Th(label, scope="row"), html.Td(value)]) if value not in (None, "", []) else None


def _similar(client: ApiClient, offer: dict[str, Any]) -> Any:
    try:
        data = client.recommend_text(f"{offer['title']}. {offer.get('description', '')[:500]}", size=6)
    except ApiError:
        return html.P("Offres similaires indisponibles pour le moment.", className="text-muted")
    others = [r["offer"] for r in data["results"] if r["offer"]["id"] != offer["id"]][:5]
    if not others:
        return html.P("Aucune offre similaire.", className="text-muted")
    return html.Ul([html.Li([dcc.Link(o["title"], href=f"/offre/{o['id']}"),
                             html.Span(" — " + " · ".join(offer_facts(o)), className="text-muted")]) for o in others])


def _map(offer: dict[str, Any]) -> Any:
    where = position([offer])
    if not where:
        return html.P("Position non communiquée (ou hors de la France métropolitaine).", className="text-muted")
    point = {"label": offer.get("city") or "", "lat": where[0], "lon": where[1], "count": 1}
    return dcc.Graph(id="offer-map", figure=france_map([point], "", height=300, largest=14),
                     config={**GRAPH_CONFIG, "displayModeBar": False})


def layout(client: ApiClient, offer_id: str) -> html.Div:
    try:
        offer = client.offer(offer_id)
    except ApiError as exc:
        message = "Cette offre n'existe pas ou a été retirée." if exc.status == 404 else exc.message
        return html.Div([html.H1("Offre"), error_alert(message), dcc.Link("Retour à la recherche", href="/recherche")])
    place = ", ".join(str(p) for p in (offer.get("city"), offer.get("postal_code"), offer.get("departement_name"),
                                       offer.get("region")) if p)
    coords = (f"{offer['latitude']:.4f}, {offer['longitude']:.4f}"
              if offer.get("latitude") is not None and offer.get("longitude") is not None else None)
    rome = f"{offer['rome_code']} — {offer.get('rome_label') or ''}" if offer.get("rome_code") else None
    rows = [_row("Entreprise", offer.get("company")), _row("Lieu", place), _row("Coordonnées", coords),
            _row("Contrat", offer.get("contract_label") or offer.get("contract_type")),
            _row("Temps de travail", offer.get("working_time")), _row("Salaire", salary_label(offer)),
            _row("Expérience", offer.get("experience_label") or offer.get("seniority")),
            _row("Métier (ROME)", rome), _row("Domaine", offer.get("domain")),
            _row("Publiée le", (offer.get("published_at") or "")[:10]),
            _row("Mise à jour", (offer.get("updated_at") or "")[:10])]
    sources: list[Any] = [html.Li(SOURCE_NAMES.get(ref.split(":", 1)[0], ref.split(":", 1)[0]) + " — " +
                                  ref.split(":", 1)[-1]) for ref in offer.get("source_refs") or []]
    if offer.get("url"):
        sources.append(html.Li(html.A("Voir l'offre d'origine", href=offer["url"], target="_blank",
                                      rel="noopener noreferrer")))
    return html.Div([
        dcc.Link("← Retour à la recherche", href="/recherche"),
        html.H1(offer["title"], className="mt-2"),
        html.P(" · ".join(offer_facts(offer)), className="lead text-muted"),
        html.Div([
            html.Div([html.Div([html.H2("Description"), html.P(offer.get("description"), className="jm-description")],
                               className="card card-body"),
                      html.Div([html.H2("Offres similaires"), _similar(client, offer)], className="card card-body")],
                     className="col-md-8"),
            html.Div([
                html.Div([html.H2("En bref"),
                          html.Div(html.Table(html.Tbody([r for r in rows if r]), className="table"),
                                   className="jm-scroll-x")],
                         className="card card-body"),
                html.Div([html.H2("Sur la carte"), _map(offer)], className="card card-body"),
                html.Div([html.H2("Compétences"),
                          html.Div([html.Span(s, className="badge") for s in offer.get("skills") or []]
                                   or html.P("Non précisées.", className="text-muted")),
                          html.H3("Savoir-être", className="mt-2") if offer.get("soft_skills") else None,
                          html.Div([html.Span(s, className="badge") for s in offer.get("soft_skills") or []])],
                         className="card card-body"),
                html.Div([html.H2("Sources"), html.Ul(sources, id="offer-sources")], className="card card-body"),
            ], className="col-md-4"),
        ], className="row"),
    ])
