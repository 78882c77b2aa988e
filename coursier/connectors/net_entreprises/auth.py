"""The DSN API's session token: one login shared by every thread of a client, sent as
``Authorization: DSNLogin jeton=<token>``, renewed when its ``Expires`` passes and, once per
request, when the platform answers 401 about it.

The login itself is a plain request made by the client (with its retries); :class:`TokenAuth`
only asks :class:`TokenCache` for the current token, so that a login is never retried from inside
an auth flow and two threads never log in at the same time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from datetime import datetime

import httpx
from lxml import etree
from pydantic import SecretStr

from coursier.connectors.net_entreprises.errors import InvalidRequest, asks_new_token

Login = Callable[[], tuple[str, datetime | None]]


def identifiants(siret: str, last_name: str, first_name: str, password: str, service: str) -> bytes:
    """The body of ``POST /authentifier/1.0/``, values XML-escaped, UTF-8 without declaration."""
    root = etree.Element("identifiants")
    for name, value in (
        ("siret", siret),
        ("nom", last_name),
        ("prenom", first_name),
        ("motdepasse", password),
        ("service", service),
    ):
        try:
            etree.SubElement(root, name).text = value
        except ValueError as exc:  # lxml refuses control characters; its message quotes nothing
            raise InvalidRequest(
                f"identifiants illisibles ({name} contient un caractère de contrôle) : "
                "corrigez-les avec `coursier credentials set` ; rien n'a été envoyé"
            ) from exc
    return etree.tostring(root, encoding="UTF-8")


class TokenCache:
    """The current token and its expiry; ``login`` is called under a lock, at most one at a time."""

    def __init__(self, login: Login, clock: Callable[[], datetime]) -> None:
        self._login = login
        self._clock = clock
        self._lock = threading.Lock()
        self._token: SecretStr | None = None
        self._expires: datetime | None = None

    def __repr__(self) -> str:
        return f"TokenCache(token={'***' if self._token else None}, expires={self._expires})"

    def get(self) -> str:
        """The current token, after a login if there is none or it has expired."""
        with self._lock:
            if self._token is None or (self._expires and self._clock() >= self._expires):
                return self._renew()
            return self._token.get_secret_value()

    def renew(self) -> None:
        """Log in now, whatever the current token (the credentials' "test de connexion")."""
        with self._lock:
            self._renew()

    def discard(self, token: str) -> None:
        """Forget ``token`` if it is still the current one (another thread may have renewed it)."""
        with self._lock:
            if self._token is not None and self._token.get_secret_value() == token:
                self._token = None

    def secret(self) -> str | None:
        """The current token, to mask it in error messages."""
        return self._token.get_secret_value() if self._token else None

    def _renew(self) -> str:
        self._token = None
        token, self._expires = self._login()
        self._token = SecretStr(token)
        return token


class TokenAuth(httpx.Auth):
    """Adds the token to each request and replays it once with a new token on a token 401."""

    # Read the 401's body before logging in again: its connection goes back to the pool, so
    # that a login waited for by many threads never waits for a connection as well.
    requires_response_body = True

    def __init__(self, tokens: TokenCache) -> None:
        self._tokens = tokens

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._tokens.get()
        request.headers["Authorization"] = f"DSNLogin jeton={token}"
        response = yield request
        if asks_new_token(response):
            self._tokens.discard(token)
            request.headers["Authorization"] = f"DSNLogin jeton={self._tokens.get()}"
            yield request
