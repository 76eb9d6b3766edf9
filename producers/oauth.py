"""OAuth2 client-credentials token cache (France Travail): fetched once, refreshed before it expires.

A 401 from the API means the server dropped the token early: the caller invalidates it and retries once
(:meth:`ClientCredentialsToken.invalidate`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
import structlog
from pydantic import SecretStr

from producers.errors import AuthenticationError, MalformedPageError
from producers.http import HttpFetcher, Retryable, body_excerpt, retry_on_status

log = structlog.get_logger(__name__)


class ClientCredentialsToken:
    def __init__(
        self,
        fetcher: HttpFetcher,
        *,
        token_url: str,
        client_id: str,
        client_secret: SecretStr,
        scope: str,
        refresh_margin_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetcher = fetcher
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._scope = scope
        self._margin = refresh_margin_s
        self._clock = clock
        self._token: str | None = None
        self._refresh_at = 0.0
        self._lock = threading.Lock()
        self.fetches = 0

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def authorization(self) -> str:
        """The ``Authorization`` header value, with a token valid for a while yet."""
        with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                self._token, lifetime = self._fetch()
                # Refresh ahead of expiry: by the configured margin, but never later than half the lifetime.
                self._refresh_at = self._clock() + max(0.0, lifetime - min(self._margin, lifetime / 2))
            return f"Bearer {self._token}"

    def _fetch(self) -> tuple[str, float]:
        source = self._fetcher.source
        data = {"grant_type": "client_credentials", "client_id": self._client_id,
                "client_secret": self._client_secret.get_secret_value(), "scope": self._scope}

        def send(client: httpx.Client) -> httpx.Response:
            return client.post(self._token_url, data=data)

        def handle(resp: httpx.Response) -> tuple[str, float]:
            retry_on_status(resp)
            if resp.status_code in (400, 401, 403):
                raise AuthenticationError(source, f"the token endpoint refused the client credentials "
                                          f"(HTTP {resp.status_code}: {body_excerpt(resp)}); check "
                                          "FRANCE_TRAVAIL_CLIENT_ID / FRANCE_TRAVAIL_CLIENT_SECRET and the scope")
            if resp.status_code != 200:
                raise MalformedPageError(source, "access token", f"unexpected HTTP {resp.status_code}: "
                                         f"{body_excerpt(resp)}", status=resp.status_code)
            try:
                body = resp.json()
                token = body["access_token"]
                lifetime = float(body.get("expires_in", 1499))
            except (ValueError, KeyError, TypeError) as exc:
                raise Retryable(f"token response is not the documented JSON: {body_excerpt(resp)}",
                                status=resp.status_code, malformed=True) from exc
            if not isinstance(token, str) or not token:
                raise Retryable("token response has an empty access_token", malformed=True)
            return token, lifetime

        token, lifetime = self._fetcher.call("access token", send, handle)
        self.fetches += 1
        log.info("access token obtained", source=source, expires_in_s=lifetime)
        return token, lifetime
