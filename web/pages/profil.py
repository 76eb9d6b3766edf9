"""Profil (/profil): create a candidate account, then describe the job wanted; API errors shown inline."""

from __future__ import annotations

from typing import Any

import dash
from dash import Dash, Input, Output, State, dcc, html

from web.api_client import ApiClient, ApiError
from web.components import field
from web.search_query import CONTRACTS, SENIORITIES

# Profile fields in the order of the form; each has an input "profile-<field>" and an error slot.
PROFILE_FIELDS = ["desired_title", "skills", "city", "radius_km", "contract_types", "seniority",
                  "salary_expectation", "free_text"]
ACCOUNT_FIELDS = ["email", "password", "full_name"]


def _input(fid: str, kind: Any = "text", **kw: Any) -> dcc.Input:
    return dcc.Input(id=fid, type=kind, className="form-control", debounce=False, **kw)


def layout() -> html.Div:
    account = html.Div([
        html.H2("Créer un compte candidat"),
        html.P(["Déjà inscrit(e) ? ", dcc.Link("Connectez-vous", href="/connexion"), "."], className="mb-2"),
        field("Adresse e-mail", _input("register-email", "email", autoComplete="email"), "register-email",
              "register-email-error"),
        field("Mot de passe (8 caractères au moins)", _input("register-password", "password",
                                                             autoComplete="new-password"),
              "register-password", "register-password-error"),
        field("Nom complet", _input("register-full_name", autoComplete="name"), "register-full_name",
              "register-full_name-error"),
        html.Div(id="register-error", className="field-error mb-2", role="alert"),
        html.Button("Créer mon compte", id="register-submit", className="btn btn-primary"),
    ], id="register-section", className="card card-body", style={"maxWidth": "32rem"})
    profile = html.Div([
        html.H2("Mon profil"),
        html.Div([
            html.Div(field("Poste recherché", _input("profile-desired_title", placeholder="ex. Développeur Python"),
                           "profile-desired_title", "profile-desired_title-error"), className="col-md-6"),
            html.Div(field("Compétences (séparées par des virgules)",
                           _input("profile-skills", placeholder="Python, SQL, Spark"),
                           "profile-skills", "profile-skills-error"), className="col-md-6"),
            html.Div(field("Ville", _input("profile-city", placeholder="ex. Lyon"), "profile-city",
                           "profile-city-error"), className="col-md-4"),
            html.Div(field("Rayon (km)", _input("profile-radius_km", "number"), "profile-radius_km",
                           "profile-radius_km-error"), className="col-md-2"),
            html.Div(field("Séniorité", dcc.Dropdown(id="profile-seniority", options=SENIORITIES,
                                                     placeholder="Indifférente"),
                           "profile-seniority", "profile-seniority-error"), className="col-md-3"),
            html.Div(field("Salaire annuel souhaité (€)", _input("profile-salary_expectation", "number", min=0),
                           "profile-salary_expectation", "profile-salary_expectation-error"), className="col-md-3"),
            html.Div(field("Types de contrat", dcc.Checklist(id="profile-contract_types", options=CONTRACTS,
                                                             inline=True, className="mt-2",
                                                             inputClassName="form-check-input",
                                                             labelClassName="form-check"),
                           "profile-contract_types", "profile-contract_types-error"), className="col-md-12"),
            html.Div(field("En quelques mots", dcc.Textarea(id="profile-free_text", className="form-control",
                                                           style={"minHeight": "6rem"}),
                           "profile-free_text", "profile-free_text-error"), className="col-md-12"),
        ], className="row"),
        html.Div(id="profile-status", role="status", className="mb-2"),
        html.Button("Enregistrer mon profil", id="profile-submit", className="btn btn-primary me-2"),
        dcc.Link("Voir mes recommandations", href="/recommandations"),
    ], id="profile-section", className="card card-body", style={"display": "none"})
    return html.Div([html.H1("Créer un profil candidat"), account, profile])


def profile_body(values: list[Any]) -> dict[str, Any]:
    """The PUT body from the form's values (in PROFILE_FIELDS order); empty inputs become null."""
    raw = dict(zip(PROFILE_FIELDS, values, strict=True))
    skills = [s.strip() for s in (raw["skills"] or "").split(",") if s.strip()]
    body: dict[str, Any] = {k: (v if v not in ("", None) else None) for k, v in raw.items()}
    body["skills"] = skills
    body["contract_types"] = list(raw["contract_types"] or [])
    return body


def register(app: Dash, client: ApiClient) -> None:
    @app.callback(Output("auth", "data", allow_duplicate=True), Output("register-error", "children"),
                  *[Output(f"register-{f}-error", "children") for f in ACCOUNT_FIELDS],
                  Input("register-submit", "n_clicks"),
                  *[State(f"register-{f}", "value") for f in ACCOUNT_FIELDS], prevent_initial_call=True)
    def create_account(_c: int | None, email: str | None, password: str | None, name: str | None) -> tuple[Any, ...]:
        try:
            client.register((email or "").strip(), password or "", (name or "").strip())
            token = client.login((email or "").strip(), password or "")
        except ApiError as exc:
            per_field = [exc.fields.get(f, "") for f in ACCOUNT_FIELDS]
            # Some checks (password length) come as one sentence: show it next to the field it names.
            if not any(per_field) and "password" in exc.message:
                per_field[1] = "Le mot de passe doit compter au moins 8 caractères."
                return dash.no_update, "", *per_field
            return dash.no_update, exc.message, *per_field
        return {"token": token, "email": (email or "").strip()}, "", "", "", ""

    @app.callback(Output("register-section", "style"), Output("profile-section", "style"),
                  *[Output(f"profile-{f}", "value") for f in PROFILE_FIELDS], Output("profile-status", "children"),
                  Input("auth", "data"))
    def load(auth: dict[str, Any] | None) -> tuple[Any, ...]:
        blank = [dash.no_update] * len(PROFILE_FIELDS)
        if not auth:
            return {"maxWidth": "32rem"}, {"display": "none"}, *blank, ""
        try:
            p = client.profile(auth["token"])
        except ApiError as exc:
            return {"display": "none"}, {}, *blank, html.Div(exc.message, className="alert alert-danger")
        values = [p.get(f) for f in PROFILE_FIELDS]
        values[1] = ", ".join(p.get("skills") or [])
        values[4] = p.get("contract_types") or []
        return {"display": "none"}, {}, *values, ""

    @app.callback(Output("profile-status", "children", allow_duplicate=True),
                  *[Output(f"profile-{f}-error", "children") for f in PROFILE_FIELDS],
                  Input("profile-submit", "n_clicks"), State("auth", "data"),
                  *[State(f"profile-{f}", "value") for f in PROFILE_FIELDS], prevent_initial_call=True)
    def save(_c: int | None, auth: dict[str, Any] | None, *values: Any) -> tuple[Any, ...]:
        none = [""] * len(PROFILE_FIELDS)
        if not auth:
            return html.Div("Connectez-vous d'abord.", className="alert alert-warning"), *none
        try:
            client.save_profile(auth["token"], profile_body(list(values)))
        except ApiError as exc:
            errors = [exc.fields.get(f, "") for f in PROFILE_FIELDS]
            return html.Div("Le profil n'a pas été enregistré : corrigez les champs signalés." if any(errors)
                            else exc.message, className="alert alert-danger"), *errors
        return html.Div("Profil enregistré.", className="alert alert-success"), *none
