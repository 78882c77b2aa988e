"""The JSON-over-HTTPS exchange the client-import connectors share (AdminPulse, Admin IS |
Consult, Accounton): one place translating httpx's errors and the platform's statuses.

::

    ConnectorError
    ├── TransportError        cut, timeout, 5xx — a read is tried again; after a create the
    │   └── RateLimited       outcome is unknown: look the customer up before re-sending
    ├── ResponseError         4xx: ``status`` and a body excerpt, secrets masked
    │   ├── AccessRefused     401 / 403: the credentials or their scopes
    │   └── NotFound          404
    └── PayloadError          a 2xx whose JSON cannot be read
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from coursier.connectors.errors import PayloadError, RateLimited, ResponseError
from coursier.connectors.http import (
    HttpConnector,
    RetryPolicy,
    busy_error,
    excerpt,
    transport_error,
    utcnow,
)


class AccessRefused(ResponseError):
    advice = (
        "la plateforme refuse les identifiants : vérifiez-les avec "
        "`coursier clients credentials test`"
    )


class NotFound(ResponseError):
    advice = "la plateforme ne connaît pas cet élément"


class JsonApi(HttpConnector):
    """Calls of one account of one platform (``label`` names it in messages); no I/O before
    the first call. ``before_call`` runs before every request (AdminPulse's limiter)."""

    def __init__(
        self,
        label: str,
        base_url: str,
        *,
        headers: Mapping[str, str],
        secrets: tuple[str, ...],
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen
        sleep: Callable[[float], None] = time.sleep,
        before_call: Callable[[], None] | None = None,
    ) -> None:
        self.label = label
        self._secrets = secrets
        self._before_call = before_call
        super().__init__(
            timeout=timeout,
            transport=transport,
            retry=retry,
            sleep=sleep,
            base_url=base_url.rstrip("/"),
            headers={**headers, "Accept": "application/json"},
        )

    def _exchange(self, method: str, path: str, **kwargs: Any) -> Any:
        """One request, its JSON; errors translated here and only here."""
        if self._before_call is not None:
            self._before_call()
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.RequestError as exc:
            raise transport_error(exc) from exc
        busy = busy_error(response, self.label, utcnow())
        if busy is not None:
            raise busy
        status = response.status_code
        if status >= 400:
            error = {401: AccessRefused, 403: AccessRefused, 404: NotFound}.get(
                status, ResponseError
            )
            refused = f"{self.label} refuse la demande {method} {path}"
            if error is AccessRefused:
                refused = f"{self.label} : {AccessRefused.advice}"
            raise error(refused, status=status, excerpt=excerpt(response.content, self._secrets))
        try:
            return response.json()
        except ValueError as exc:
            raise PayloadError.unreadable(f"JSON illisible de {self.label}") from exc

    def get(self, path: str, **params: Any) -> Any:
        """An idempotent read, retried on transport errors (429 waits what it asks)."""
        return self._retrying(lambda: self._exchange("GET", path, params=params))

    def put(self, method: str, path: str, body: dict[str, Any]) -> Any:
        """A PATCH setting values: idempotent, retried like a read."""
        return self._retrying(lambda: self._exchange(method, path, json=body))

    def send(self, path: str, body: dict[str, Any]) -> Any:
        """A POST, sent once: a :class:`TransportError` means "outcome unknown" — but a 429,
        refused before anything was done, is sent again after the wait it asks."""
        for attempt in range(1, self._retry.attempts + 1):
            try:
                return self._exchange("POST", path, json=body)
            except RateLimited as limited:
                if attempt == self._retry.attempts:
                    raise
                self._sleep(self._retry.pause(limited.retry_after, attempt))
        raise AssertionError("unreachable")  # pragma: no cover


def text(value: object) -> str | None:
    """A JSON value as the records' text: None for null or empty."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None
