"""OAuth2 client credentials for the Securex API: one token shared by the client's threads,
fetched when there is none, renewed ``MARGIN`` before its ``expires_in`` and, once per
request, when the API answers 401 ``invalid_token`` (a token may die sooner than announced).

The token request itself is the client's (with its retries): :class:`BearerAuth` only asks
:class:`Tokens` for the current one, so two threads never fetch at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from datetime import datetime, timedelta

import httpx
from pydantic import SecretStr

#: A token is renewed this long before the end its ``expires_in`` announced.
MARGIN = timedelta(seconds=30)
Fetch = Callable[[], tuple[str, float]]


class Tokens:
    """The current token; ``fetch`` returns (token, lifetime in seconds)."""

    def __init__(self, fetch: Fetch, clock: Callable[[], datetime]) -> None:
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._token: SecretStr | None = None
        self._renew_at: datetime | None = None

    def __repr__(self) -> str:
        return f"Tokens(token={'***' if self._token else None}, renew_at={self._renew_at})"

    def get(self) -> str:
        with self._lock:
            if self._token is None or (self._renew_at and self._clock() >= self._renew_at):
                token, lifetime = self._fetch()
                self._token = SecretStr(token)
                self._renew_at = self._clock() + max(timedelta(seconds=lifetime) - MARGIN, MARGIN)
            return self._token.get_secret_value()

    def discard(self, token: str) -> None:
        """Forget ``token`` if it is still the current one (another thread may have renewed)."""
        with self._lock:
            if self._token is not None and self._token.get_secret_value() == token:
                self._token = None

    def secret(self) -> str | None:
        return self._token.get_secret_value() if self._token else None


def invalid_token(response: httpx.Response) -> bool:
    return response.status_code == 401 and "invalid_token" in response.headers.get(
        "www-authenticate", ""
    )


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer`` and the subscription key on each request; replayed once with
    a new token when the API says the token is invalid or expired."""

    requires_response_body = True

    def __init__(self, tokens: Tokens, subscription_key: SecretStr) -> None:
        self._tokens = tokens
        self._key = subscription_key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Ocp-Apim-Subscription-Key"] = self._key.get_secret_value()
        token = self._tokens.get()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if invalid_token(response):
            self._tokens.discard(token)
            request.headers["Authorization"] = f"Bearer {self._tokens.get()}"
            yield request
