"""Accueil (/): what JobMarket is, live figures from the API, links to the other pages."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from web.api_client import ApiClient, ApiError
from web.components import error_alert


def _figure(value: Any, label: str) -> html.Div:
    return html.Div(html.Div([html.Div(str(value), className="figure"), html.Div(label, className="text-muted")],
                             className="card-body"), className="card")


def figures(client: ApiClient) -> Any:
    try:
        s = client.summary()
    except ApiError as exc:
        return error_alert(exc.message)
    latest = (s.get("latest_published_at") or "")[:10] or "—"
    per_source = ", ".join(f"{k} : {v}" for k, v in sorted(s.get("per_source", {}).items())) or "aucune"
    return html.Div([
        html.Div([html.Div(_figure(s["offers_indexed"], "offres indexées"), className="col-md-3"),
                  html.Div(_figure(s["new_today"], "nouvelles aujourd'hui"), className="col-md-3"),
                  html.Div(_figure(latest, "dernière publication"), className="col-md-3"),
                  html.Div(_figure(len(s.get("per_source", {})), "sources"), className="col-md-3")],
                 className="row", id="home-figures"),
        html.P(f"Offres par source : {per_source}.", className="text-muted"),
    ])


def layout(client: ApiClient) -> html.Div:
    links = [("/recherche", "Rechercher une offre", "Mots-clés, ville et rayon, contrat, séniorité, télétravail."),
             ("/profil", "Créer mon profil", "Décrivez le poste voulu : nous classons les offres pour vous."),
             ("/recommandations", "Mes recommandations", "Les offres les plus proches de votre profil, expliquées."),
             ("/tableau-de-bord", "Tableau de bord", "Santé des services, compétences comportementales par métier.")]
    return html.Div([
        html.H1("JobMarket"),
        html.P("JobMarket rassemble les offres d'emploi publiées en France, les enrichit (métier ROME, lieu, "
               "compétences, salaire) et vous recommande celles qui correspondent à votre profil, "
               "en expliquant pourquoi.", className="lead"),
        html.H2("En direct"),
        figures(client),
        html.H2("Commencer", className="mt-3"),
        html.Div([html.Div(html.Div(html.Div([html.H3(dcc.Link(title, href=href)), html.P(text, className="mb-0")],
                                             className="card-body"), className="card"), className="col-md-6")
                  for href, title, text in links], className="row"),
    ])
