"""Connexion (/connexion): sign in and out; the token lives in the browser's session storage."""

from __future__ import annotations

from typing import Any

import dash
from dash import Dash, Input, Output, State, dcc, html

from web.api_client import ApiClient, ApiError
from web.components import field


def layout() -> html.Div:
    return html.Div([
        html.H1("Connexion"),
        html.Div(id="login-signed-in"),
        html.Div([
            field("Adresse e-mail", dcc.Input(id="login-email", type="email", className="form-control",
                                              autoComplete="username"), "login-email", "login-email-error"),
            field("Mot de passe", dcc.Input(id="login-password", type="password", className="form-control",
                                            autoComplete="current-password"), "login-password"),
            html.Div(id="login-error", className="field-error mb-2", role="alert"),
            html.Button("Se connecter", id="login-submit", className="btn btn-primary me-2"),
            dcc.Link("Pas encore de compte ? Créer un profil", href="/profil"),
        ], id="login-form", className="card card-body", style={"maxWidth": "28rem"}),
    ])


def register(app: Dash, client: ApiClient) -> None:
    @app.callback(Output("auth", "data", allow_duplicate=True), Output("login-error", "children"),
                  Output("url", "pathname", allow_duplicate=True),
                  Input("login-submit", "n_clicks"), Input("login-password", "n_submit"),
                  State("login-email", "value"), State("login-password", "value"), prevent_initial_call=True)
    def sign_in(_c: int | None, _s: int | None, email: str | None, password: str | None) -> tuple[Any, str, Any]:
        if not email or not password:
            return dash.no_update, "Saisissez votre adresse e-mail et votre mot de passe.", dash.no_update
        try:
            token = client.login(email.strip(), password)
        except ApiError as exc:
            return dash.no_update, exc.message, dash.no_update
        return {"token": token, "email": email.strip()}, "", "/recommandations"

    @app.callback(Output("login-signed-in", "children"), Output("login-form", "style"), Input("auth", "data"))
    def signed_in(auth: dict[str, Any] | None) -> tuple[Any, dict[str, str]]:
        if not auth:
            return None, {"maxWidth": "28rem"}
        return html.Div([html.P(f"Vous êtes connecté(e) en tant que {auth.get('email')}."),
                         html.Button("Se déconnecter", id="logout", className="btn btn-secondary")],
                        className="alert alert-success"), {"display": "none"}

    @app.callback(Output("auth", "data", allow_duplicate=True), Input("logout", "n_clicks"),
                  prevent_initial_call=True)
    def sign_out(clicks: int | None) -> Any:
        return None if clicks else dash.no_update
