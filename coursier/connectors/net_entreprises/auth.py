"""The DSN API's session token: one login shared by every thread of a client, sent as
``Authorization: DSNLogin jeton=<token>`` (a concentrateur's as ``DSNLogin
concentrateur=<token>,declarant=<base64 of "SIRET;NOM;PRENOM">``), renewed after the client's
configured lifetime and, once per request, when the platform answers 401 about it.

The login answer's ``Expires`` (now + 2 minutes on every login) is not the token's lifetime: it
is a back-off, honoured by the client's throttle. The token itself says ``<ttl>7200</ttl>`` but
is opaque to us; the platform's 401 "Expiration du jeton" is what says it has expired.

The login itself is a plain request made by the client (with its retries); :class:`TokenAuth`
only asks :class:`TokenCache` for the current token, so that a login is never retried from inside
an auth flow and two threads never log in at the same time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from datetime import datetime, timedelta

import httpx
from lxml import etree
from pydantic import SecretStr

from coursier.connectors.net_entreprises.errors import InvalidRequest, asks_new_token

Login = Callable[[], str]


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
    """The current token and when it is due for renewal (``lifetime`` after its login);
    ``login`` is called under a lock, at most one at a time."""

    def __init__(self, login: Login, clock: Callable[[], datetime], lifetime: timedelta) -> None:
        if lifetime <= timedelta(0):
            raise ValueError(f"durée de vie du jeton invalide : {lifetime}")
        self._login = login
        self._clock = clock
        self._lifetime = lifetime
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
        token = self._login()
        self._expires = self._clock() + self._lifetime
        self._token = SecretStr(token)
        return token


def declarant_header(token: str) -> str:
    """The ``Authorization`` of a declarant account."""
    return f"DSNLogin jeton={token}"


def concentrateur_header(declarant: str | None) -> Callable[[str], str]:
    """The ``Authorization`` of a concentrateur account, naming ``declarant`` (the base64 of
    "SIRET;NOM;PRENOM") when it acts for one, the concentrateur part alone otherwise."""
    suffix = f",declarant={declarant}" if declarant else ""
    return lambda token: f"DSNLogin concentrateur={token}{suffix}"


class TokenAuth(httpx.Auth):
    """Adds the token to each request and replays it once with a new token on a token 401."""

    # Read the 401's body before logging in again: its connection goes back to the pool, so
    # that a login waited for by many threads never waits for a connection as well.
    requires_response_body = True

    def __init__(self, tokens: TokenCache, header: Callable[[str], str] = declarant_header) -> None:
        self._tokens = tokens
        self._header = header

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._tokens.get()
        request.headers["Authorization"] = self._header(token)
        response = yield request
        if asks_new_token(response):
            self._tokens.discard(token)
            request.headers["Authorization"] = self._header(self._tokens.get())
            yield request
