"""``SecurexClient``: the company and the paged employee export of the Securex API.

    with SecurexClient(credentials) as client:
        client.company("0403170701")                  # CompanyNotFound when absent
        for page in client.employees("0403170701"):   # every page, in order
            ...

Every request is a read: each is retried on transport errors (cuts, timeouts, 5xx, 429 with
its ``Retry-After``) by ``RetryPolicy``, the token request included. Tokens: :mod:`.auth`.
Synchronous and thread-safe. The secret and the keys never reach an error message.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import httpx

from coursier.connectors.errors import PayloadError, ResponseError
from coursier.connectors.http import (
    HttpConnector,
    busy_error,
    excerpt,
    json_object,
    numbered_pages,
    transport_error,
    utcnow,
)
from coursier.connectors.securex.auth import BearerAuth, Tokens, invalid_token
from coursier.connectors.securex.block import SecurexCredentials
from coursier.connectors.securex.errors import (
    AuthenticationRefused,
    CompanyNotFound,
    SubscriptionRefused,
)

PAGE_SIZE = 1000


class SecurexClient(HttpConnector):
    def __init__(
        self,
        credentials: SecurexCredentials,
        *,
        clock: Callable[[], datetime] = utcnow,
        page_size: int = PAGE_SIZE,
        **options: Any,
    ) -> None:
        """``options``: :class:`HttpConnector`'s (timeout, transport, retry, sleep)."""
        super().__init__(**options)
        self._credentials = credentials
        self._url = credentials.effective_url()
        self._clock = clock
        self._page_size = page_size
        self._tokens = Tokens(self._fetch_token, clock)
        self._auth = BearerAuth(self._tokens, credentials.subscription_key)
        self.token_requests = 0

    def __repr__(self) -> str:
        c = self._credentials
        return f"SecurexClient(client_id={c.client_id!r}, environment={c.environment!r})"

    # Calls ---------------------------------------------------------------------------------

    def company(self, vat: str) -> dict[str, Any]:
        """The company of VAT number ``vat`` (10 digits); :class:`CompanyNotFound` if none."""
        return self._get(f"v1/companies/{vat}")

    def employees(self, vat: str) -> Iterator[list[dict[str, Any]]]:
        """Every page of the company's employee export, in order."""
        path = f"v1/companies/{vat}/employees"
        return numbered_pages(
            lambda page: self._get(path, params={"page": page, "pageSize": self._page_size})
        )

    def test_connection(self) -> str:
        """A token, then one call through API Management (a company that cannot exist)."""
        with contextlib.suppress(CompanyNotFound):
            self.company("0000000000")
        return "Connexion à Securex réussie : client OAuth2 et clé d'abonnement acceptés."

    # Plumbing ------------------------------------------------------------------------------

    def _fetch_token(self) -> tuple[str, float]:
        c = self._credentials
        form = {
            "grant_type": "client_credentials",
            "client_id": c.client_id,
            "client_secret": c.client_secret.get_secret_value(),
        }

        def once() -> httpx.Response:
            self.token_requests += 1
            return self._send("POST", "oauth2/token", data=form, authenticated=False)

        body = json_object(self._retrying(once))
        token, lifetime = body.get("access_token"), body.get("expires_in", 3600)
        if not isinstance(token, str) or not token or not isinstance(lifetime, int | float):
            raise PayloadError.unreadable("réponse de jeton sans access_token")
        return token, float(lifetime)

    def _get(self, path: str, **kwargs: Any) -> dict[str, Any]:
        return json_object(self._retrying(lambda: self._send("GET", path, **kwargs)))

    def _send(
        self, method: str, path: str, *, authenticated: bool = True, **kwargs: Any
    ) -> httpx.Response:
        auth = self._auth if authenticated else httpx.USE_CLIENT_DEFAULT
        try:
            response = self._http.request(method, f"{self._url}/{path}", auth=auth, **kwargs)
        except httpx.RequestError as exc:
            raise transport_error(exc) from exc
        return self._checked(response, path)

    def _checked(self, response: httpx.Response, path: str) -> httpx.Response:
        status = response.status_code
        if status < 300:
            return response
        busy = busy_error(response, "Securex", self._clock())
        if busy is not None:
            raise busy
        cut = excerpt(response.content, self._secrets())
        if path == "oauth2/token" or invalid_token(response):  # refused even a fresh token
            raise AuthenticationRefused(status=status, excerpt=cut)
        if status == 401:
            raise SubscriptionRefused(status=status, excerpt=cut)
        if status == 404:
            raise CompanyNotFound(status=status, excerpt=cut)
        raise ResponseError("Securex refuse la demande", status=status, excerpt=cut)

    def _secrets(self) -> list[str]:
        c = self._credentials
        token = self._tokens.secret()
        return [
            c.client_secret.get_secret_value(),
            c.subscription_key.get_secret_value(),
            *([token] if token else []),
        ]
