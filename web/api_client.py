"""The site's only way to data: a thin httpx client of the JobMarket API, with errors a page can show."""

from __future__ import annotations

import re
from typing import Any

import httpx

from web.settings import Settings

UNAVAILABLE = "Le service JobMarket est momentanément indisponible. Réessayez dans quelques instants."


class ApiError(Exception):
    """A failed call: ``message`` is French and shown as is; ``fields`` maps a form field to its error."""

    def __init__(self, status: int, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or {}


# Pydantic's error types in French; the others keep the API's (English) message.
_FRENCH = {
    "greater_than_equal": "doit être supérieur ou égal à {ge}", "greater_than": "doit être supérieur à {gt}",
    "less_than_equal": "doit être inférieur ou égal à {le}", "less_than": "doit être inférieur à {lt}",
    "float_parsing": "doit être un nombre", "int_parsing": "doit être un nombre entier",
    "string_too_short": "trop court ({min_length} caractères au moins)",
    "string_too_long": "trop long ({max_length} caractères au plus)",
    "too_long": "trop d'éléments ({max_length} au plus)", "missing": "champ obligatoire",
    "value_error": "valeur invalide", "enum": "valeur non reconnue", "literal_error": "valeur non reconnue",
}


def field_errors(problem: dict[str, Any]) -> dict[str, str]:
    """The API's 422 problem document as {field: French message}; the first ``loc`` after body names the field."""
    out: dict[str, str] = {}
    for err in problem.get("errors") or []:
        loc = [str(part) for part in err.get("loc", []) if part not in ("body", "query")]
        if not loc:
            continue
        template = _FRENCH.get(str(err.get("type")))
        msg = str(err.get("msg", ""))
        # The API sends no ``ctx``: the bound is the number in pydantic's message.
        bound = next(iter(re.findall(r"-?\d+(?:\.\d+)?", msg)), "?")
        ctx = err.get("ctx") or dict.fromkeys(("ge", "gt", "le", "lt", "min_length", "max_length"), bound)
        try:
            message = template.format(**ctx) if template else msg
        except (KeyError, IndexError):
            message = str(err.get("msg", "valeur invalide"))
        out.setdefault(loc[0], message[:1].upper() + message[1:])
    return out


def error_message(status: int, problem: dict[str, Any]) -> str:
    """A French sentence for a failed call (the API's detail is kept: it names the field or the limit)."""
    detail = problem.get("detail")
    if status == 401:
        return "Session expirée ou identifiants incorrects : reconnectez-vous."
    if status == 403:
        return "Cette action n'est pas permise pour ce compte."
    if status == 404:
        return "Introuvable."
    if status == 409:
        return "Un compte existe déjà avec cette adresse e-mail."
    if status == 429:
        return "Trop de tentatives : patientez une minute."
    if status >= 500:
        return UNAVAILABLE
    return f"Requête refusée : {detail}" if detail else f"Requête refusée (erreur {status})."


class ApiClient:
    """Synchronous calls to the API (Dash callbacks run in the WSGI server's threads)."""

    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        self._http = httpx.Client(base_url=settings.api_url, timeout=settings.api_timeout_s, transport=transport)

    def _call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            resp = self._http.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise ApiError(0, UNAVAILABLE) from exc
        if resp.status_code >= 400:
            try:
                problem = resp.json()
            except ValueError:
                problem = {}
            if not isinstance(problem, dict):
                problem = {}
            raise ApiError(resp.status_code, error_message(resp.status_code, problem), field_errors(problem))
        return resp.json() if resp.content else None

    # Accounts
    def register(self, email: str, password: str, full_name: str) -> dict[str, Any]:
        body = {"email": email, "password": password, "full_name": full_name, "role": "candidate"}
        result: dict[str, Any] = self._call("POST", "/api/auth/register", json=body)
        return result

    def login(self, email: str, password: str) -> str:
        pair = self._call("POST", "/api/auth/login", data={"username": email, "password": password})
        return str(pair["access_token"])

    def me(self, token: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/api/auth/me", token)
        return result

    def profile(self, token: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/api/candidates/me", token)
        return result

    def save_profile(self, token: str, profile: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._call("PUT", "/api/candidates/me", token, json=profile)
        return result

    # Offers
    def recommendations(self, token: str, size: int = 20) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/api/recommendations", token, params={"size": size})
        return result

    def recommend_text(self, text: str, size: int = 5) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/api/recommendations", json={"text": text, "size": size})
        return result

    def search(self, query: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/api/offres/search", json=query)
        return result

    def offer(self, offer_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/api/offres/{offer_id}")["offer"]
        return result

    # Figures and reference data
    def summary(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/api/stats/summary")
        return result

    def ready(self) -> dict[str, Any]:
        """The readiness document, also when the API answers 503 (some required service is down)."""
        try:
            resp = self._http.get("/ready")
        except httpx.HTTPError as exc:
            raise ApiError(0, UNAVAILABLE) from exc
        result: dict[str, Any] = resp.json()
        return result

    def stats(self, name: str) -> dict[str, Any]:
        """A gold table of the warehouse (``rows``); 503 while it is not built yet."""
        result: dict[str, Any] = self._call("GET", f"/api/stats/{name}")
        return result

    def rome(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/api/rome")
        return result

    def soft_skills(self, code: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/api/rome/{code}/soft-skills")
        return result
