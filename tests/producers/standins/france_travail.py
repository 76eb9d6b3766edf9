"""A faithful local stand-in for France Travail's token endpoint and « Offres d'emploi v2 ».

What it reproduces: the OAuth2 client-credentials endpoint (``?realm=/partenaire``, form body, tokens that
expire, a call counter); ``GET /v2/offres/search`` with ``range=a-b`` (at most 150, first index <= 3000, last
<= 3149 — both configurable — else 400), ``minCreationDate``/``maxCreationDate`` (``yyyy-MM-dd'T'hh:mm:ss'Z'``,
both or neither, else 400), 206 for a partial page / 200 for the last / 204 for nothing, ``Content-Range:
offres a-b/total`` and ``Accept-Range: offres 150``; ``GET /v2/offres/{id}``; a referential. Offers are
sorted newest first, as with ``sort=1``.

``GET /v2/offres/{id}`` answers 200 with the offer, and for an id it does not (or no longer) serve
``gone_status``: 204 No Content by default, as the search does for "nothing", or 404 — public clients of
the API handle both and its documentation does not settle it, so the connector treats both as "gone" and
the tests exercise both.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.producers.standins.common import FaultPlan, RequestLog, SourceJSON

API_PREFIX = "/partenaire/offresdemploi"
TOKEN_PATH = "/connexion/oauth2/access_token"
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
RANGE_RE = re.compile(r"^(\d+)-(\d+)$")


def _created(offer: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(offer["dateCreation"]).replace("Z", "+00:00"))


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"codeHttp": status, "message": message}, status_code=status)


class FranceTravailStandIn:
    def __init__(
        self,
        offers: list[dict[str, Any]],
        *,
        client_id: str = "ft-client",
        client_secret: str = "ft-secret",
        token_ttl_s: float = 1499.0,
        max_first: int = 3000,
        max_last: int = 3149,
        max_page: int = 150,
        gone_status: int = 204,
    ) -> None:
        assert gone_status in (204, 404)
        self.gone_status = gone_status
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_ttl_s = token_ttl_s
        self.max_first = max_first
        self.max_last = max_last
        self.max_page = max_page
        self.faults = FaultPlan()
        self.log = RequestLog()
        self.token_calls = 0
        self.unauthorized = 0
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()
        self._offers: dict[str, dict[str, Any]] = {}
        self.served_ids: Counter[str] = Counter()
        self.add(offers)
        self.app = Starlette(routes=[
            Route(TOKEN_PATH, self.token, methods=["POST"]),
            Route(f"{API_PREFIX}/v2/offres/search", self.search, methods=["GET"]),
            Route(f"{API_PREFIX}/v2/offres/{{offer_id}}", self.offer, methods=["GET"]),
            Route(f"{API_PREFIX}/v2/referentiel/{{name}}", self.referential, methods=["GET"]),
        ])

    # --- control from the tests -------------------------------------------------------------------
    def add(self, offers: list[dict[str, Any]]) -> None:
        with self._lock:
            for o in offers:
                self._offers[str(o["id"])] = o
            self._sorted = sorted(self._offers.values(), key=lambda o: (_created(o), str(o["id"])), reverse=True)

    def remove(self, ids: list[str]) -> None:
        with self._lock:
            for i in ids:
                self._offers.pop(i, None)
            self._sorted = sorted(self._offers.values(), key=lambda o: (_created(o), str(o["id"])), reverse=True)

    @property
    def ids(self) -> set[str]:
        with self._lock:
            return set(self._offers)

    def revoke_tokens(self) -> None:
        """Invalidate every token server-side (the client only learns it from a 401)."""
        with self._lock:
            self._tokens.clear()

    @property
    def search_calls(self) -> int:
        return self.log.count("/v2/offres/search")

    def offer_calls(self, status: int | None = None) -> int:
        """``GET /v2/offres/{id}`` requests served (with ``status``)."""
        prefix = f"{API_PREFIX}/v2/offres/"
        with self.log._lock:
            return sum(1 for e in self.log.entries if e.path.startswith(prefix) and e.path != f"{prefix}search"
                       and (status is None or e.status == status))

    # --- endpoints ---------------------------------------------------------------------------------
    async def token(self, request: Request) -> Response:
        # A form body (application/x-www-form-urlencoded), parsed by hand: no python-multipart needed.
        form = dict(parse_qsl((await request.body()).decode()))
        response: Response
        if request.query_params.get("realm") != "/partenaire":
            response = JSONResponse({"error": "invalid_request", "error_description": "realm"}, status_code=400)
        elif form.get("grant_type") != "client_credentials":
            response = JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        elif form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            response = JSONResponse({"error": "invalid_client", "error_description": "Client authentication failed"},
                                    status_code=401)
        elif "api_offresdemploiv2" not in str(form.get("scope", "")).split():
            response = JSONResponse({"error": "invalid_scope"}, status_code=400)
        else:
            fault = self.faults.take(request)
            if fault is not None:
                self.log.add(request, fault.status_code)
                return fault
            token = secrets.token_urlsafe(16)
            with self._lock:
                self.token_calls += 1
                self._tokens[token] = time.monotonic() + self.token_ttl_s
            response = JSONResponse({"access_token": token, "scope": form.get("scope"), "token_type": "Bearer",
                                     "expires_in": self.token_ttl_s})
        self.log.add(request, response.status_code)
        return response

    def _authorized(self, request: Request) -> bool:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return False
        with self._lock:
            expiry = self._tokens.get(auth.removeprefix("Bearer "))
        return expiry is not None and time.monotonic() < expiry

    def _guard(self, request: Request) -> Response | None:
        if not self._authorized(request):
            self.unauthorized += 1
            return JSONResponse({"message": "Unauthorized"}, status_code=401)
        return self.faults.take(request)

    async def search(self, request: Request) -> Response:
        response = self._guard(request) or self._search(request)
        self.log.add(request, response.status_code)
        return response

    def _search(self, request: Request) -> Response:
        q = request.query_params
        m = RANGE_RE.match(q.get("range", "0-149"))
        if not m:
            return _error(400, "Le paramètre range est mal formé.")
        first, last = int(m.group(1)), int(m.group(2))
        if last < first or last - first + 1 > self.max_page:
            return _error(400, f"La plage de résultats demandée est trop importante (max {self.max_page}).")
        if first > self.max_first or last > self.max_last:
            return _error(400, f"La position de début doit être inférieure ou égale à {self.max_first} et "
                               f"la position de fin inférieure ou égale à {self.max_last}.")
        lo, hi = q.get("minCreationDate"), q.get("maxCreationDate")
        if (lo is None) != (hi is None):
            return _error(400, "Les paramètres minCreationDate et maxCreationDate doivent être renseignés ensemble.")
        with self._lock:
            offers = list(self._sorted)
        if lo is not None and hi is not None:
            if not DATE_RE.match(lo) or not DATE_RE.match(hi):
                return _error(400, "Format de date invalide, attendu yyyy-MM-dd'T'hh:mm:ss'Z'.")
            start = datetime.strptime(lo, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            end = datetime.strptime(hi, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            offers = [o for o in offers if start <= _created(o) <= end]
        for param, getter in (("codeROME", lambda o: o.get("romeCode")),
                              ("typeContrat", lambda o: o.get("typeContrat")),
                              ("commune", lambda o: (o.get("lieuTravail") or {}).get("commune")),
                              ("departement", lambda o: str((o.get("lieuTravail") or {}).get("codePostal", ""))[:2])):
            if q.get(param):
                wanted = set(q[param].split(","))
                offers = [o for o in offers if getter(o) in wanted]
        total = len(offers)
        if total == 0 or first >= total:
            return Response(status_code=204)
        page = offers[first:last + 1]
        for o in page:
            self.served_ids[str(o["id"])] += 1
        end_index = first + len(page) - 1
        status = 206 if end_index < total - 1 else 200
        contracts = Counter(str(o.get("typeContrat")) for o in offers)
        body = {"resultats": page, "filtresPossibles": [
            {"filtre": "typeContrat",
             "agregation": [{"valeurPossible": k, "nbResultats": v} for k, v in sorted(contracts.items())]}]}
        return SourceJSON(body, status_code=status,
                          headers={"Content-Range": f"offres {first}-{end_index}/{total}",
                                   "Accept-Range": f"offres {self.max_page}"})

    async def offer(self, request: Request) -> Response:
        response = self._guard(request)
        if response is None:
            with self._lock:
                found = self._offers.get(request.path_params["offer_id"])
            if found:
                response = SourceJSON(found)
            elif self.gone_status == 404:
                response = _error(404, "Aucune offre ne correspond à cet identifiant.")
            else:
                response = Response(status_code=204)
        self.log.add(request, response.status_code)
        return response

    async def referential(self, request: Request) -> Response:
        response = self._guard(request)
        if response is None:
            if request.path_params["name"] == "typesContrats":
                response = JSONResponse([{"code": "CDI", "libelle": "Contrat à durée indéterminée"},
                                         {"code": "CDD", "libelle": "Contrat à durée déterminée"},
                                         {"code": "MIS", "libelle": "Mission intérimaire"}])
            else:
                response = _error(404, "Référentiel inconnu")
        self.log.add(request, response.status_code)
        return response
