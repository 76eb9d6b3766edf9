"""The Dash app: a header, a router over ``dcc.Location``, one layout module per page. Data comes only from
the API (``web.api_client``); every stylesheet and script is served by the app itself (no CDN)."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, dcc, html

from web.api_client import ApiClient
from web.pages import accueil, connexion, offre, profil, recherche, recommandations, tableau_de_bord
from web.settings import Settings

NAV = [("/", "Accueil"), ("/recherche", "Rechercher"), ("/recommandations", "Recommandations"),
       ("/profil", "Profil"), ("/tableau-de-bord", "Tableau de bord")]  # /connexion: the link on the right
TITLES = {"/": "Accueil", "/recherche": "Rechercher une offre", "/recommandations": "Recommandations",
          "/profil": "Profil candidat", "/connexion": "Connexion", "/tableau-de-bord": "Tableau de bord"}


def header() -> html.Header:
    return html.Header(html.Div([
        dcc.Link("JobMarket", href="/", className="jm-brand"),
        html.Nav(html.Ul([html.Li(dcc.Link(label, href=href)) for href, label in NAV], className="jm-nav")),
        html.Span(id="nav-user", className="jm-user"),
    ], className="container"), className="jm-header")


def page_for(path: str | None, search: str | None, client: ApiClient, settings: Settings) -> Any:
    """The layout of ``path``; unknown paths get a French 404 page."""
    path = (path or "/").rstrip("/") or "/"
    if path == "/":
        return accueil.layout(client)
    if path == "/connexion":
        return connexion.layout()
    if path == "/profil":
        return profil.layout()
    if path == "/recommandations":
        return recommandations.layout(settings.refresh_s)
    if path == "/recherche":
        return recherche.layout(search)
    if path == "/tableau-de-bord":
        return tableau_de_bord.layout(client)
    if path.startswith("/offre/") and len(path) > len("/offre/"):
        return offre.layout(client, path.removeprefix("/offre/"))
    return html.Div([html.H1("Page introuvable"), html.P("Cette adresse ne correspond à aucune page."),
                     dcc.Link("Retour à l'accueil", href="/")])


def create_app(settings: Settings | None = None, client: ApiClient | None = None) -> Dash:
    s = settings or Settings()
    api = client or ApiClient(s)
    # serve_locally: Dash's and plotly's bundles come from this server; the CSS from web/assets.
    app = Dash(__name__, title="JobMarket", serve_locally=True, suppress_callback_exceptions=True,
               update_title="Chargement…", meta_tags=[{"name": "viewport",
                                                      "content": "width=device-width, initial-scale=1"}])
    app.index_string = app.index_string.replace("<html>", '<html lang="fr">')
    app.layout = html.Div([
        dcc.Location(id="url", refresh="callback-nav"),
        dcc.Store(id="auth", storage_type="session"),
        header(),
        html.Main(html.Div(id="page", className="container"), id="main"),
        html.Footer(html.Div("JobMarket — offres d'emploi en France, recommandations expliquées.",
                             className="container"), className="jm-footer"),
    ])

    @app.callback(Output("page", "children"), Input("url", "pathname"), State("url", "search"))
    def route(path: str | None, search: str | None) -> Any:
        return page_for(path, search, api, s)

    @app.callback(Output("nav-user", "children"), Input("auth", "data"))
    def user(auth: dict[str, Any] | None) -> Any:
        # One place to sign in and out: the right-hand link, to /connexion either way.
        label = f"{auth.get('email')} · se déconnecter" if auth else "Se connecter"
        return dcc.Link(label, href="/connexion", style={"color": "#fff"})

    for page in (connexion, profil, recommandations, recherche, tableau_de_bord):
        page.register(app, api)
    return app
