"""A client of the Cegid Loop API, and of what Cegid Flow shows of a dossier (PROTOCOLS.md §5).

Every call sends ``Ocp-Apim-Subscription-Key`` and ``x-apikey: key:secret``. Resources are
read per ``codeDossier`` and paged with ``skip``/``take`` (:class:`Paging`); reads are retried
on transport errors (:class:`~coursier.connectors.http.RetryPolicy`). A POST is sent once:
after a cut, a timeout or a 5xx its outcome is unknown (:class:`TransportError`), and the
caller reads Loop (the applications, the contact, the services proposed) before any re-send.

Shapes assumed where Loop's are not public, as the sandbox serves them
(:mod:`coursier.sandbox.cegid_loop_platform`): lists ``{"items", "total", "skip", "take"}``;
errors ``{"statusCode", "message"}``; the daily report's lines ``{entity, id, timestamp,
operation}``; Flow's side (it has no public API) under ``/flow/dossiers/{code}/…``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain
from typing import Any

import httpx
import orjson

from coursier.connectors.cegid_loop.block import CegidLoopCredentials
from coursier.connectors.cegid_loop.errors import BY_STATUS
from coursier.connectors.cegid_loop.feed import lines_of, messages_of
from coursier.connectors.errors import PayloadError, ResponseError
from coursier.connectors.http import (
    HttpConnector,
    RetryPolicy,
    busy_error,
    excerpt,
    transport_error,
    utcnow,
)
from coursier.models.cegid_changes import Line, Message

FLOW_APPLICATION = "Cegid Flow"
FLOW_SERVICE = "cegid-flow"
PAGE = 500
#: The change feed and Flow's messages come by the thousand.
FEED_PAGE = 10_000


@dataclass
class Paging:
    """Where a paged read stands: the next ``skip``, and the ``total`` the last page gave."""

    take: int = PAGE
    skip: int = 0
    total: int | None = None

    def advance(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """The items of a page's body; moves to the next page."""
        items, total = body.get("items"), body.get("total")
        if not isinstance(items, list) or not isinstance(total, int):
            raise PayloadError.unreadable("page sans « items » ou « total »")
        self.total = total
        self.skip += len(items)
        return items

    @property
    def done(self) -> bool:
        return self.total is not None and self.skip >= self.total


class CegidLoopClient(HttpConnector):
    """Calls of one Loop API account; no I/O before the first call."""

    def __init__(
        self,
        base_url: str,
        *,
        subscription_key: str,
        api_key: str,
        api_secret: str,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._secrets = (subscription_key, api_secret)
        super().__init__(
            timeout=timeout,
            transport=transport,
            retry=retry,
            sleep=sleep,
            base_url=base_url.rstrip("/"),
            headers={
                "Ocp-Apim-Subscription-Key": subscription_key,
                "x-apikey": f"{api_key}:{api_secret}",
                "Accept": "application/json",
            },
        )

    @classmethod
    def from_block(cls, block: CegidLoopCredentials, **options: Any) -> CegidLoopClient:
        return cls(
            block.base_url,
            subscription_key=block.subscription_key.get_secret_value(),
            api_key=block.api_key,
            api_secret=block.api_secret.get_secret_value(),
            **options,
        )

    # Exchanges ------------------------------------------------------------------------------

    def _exchange(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request; errors translated here and only here."""
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.RequestError as exc:
            raise transport_error(exc) from exc
        busy = busy_error(response, "Cegid Loop", utcnow())
        if busy is not None:
            raise busy
        status = response.status_code
        if status >= 400:
            error = BY_STATUS.get(status, ResponseError)
            said = self._message(response)
            message = f"Cegid Loop : « {said} » — {error.advice}" if said else None
            raise error(message, status=status, excerpt=self._excerpt(response))
        return response

    def _message(self, response: httpx.Response) -> str | None:
        try:
            message = response.json().get("message")
        except (ValueError, AttributeError):
            return None
        return excerpt(str(message).encode(), self._secrets) if message else None

    def _excerpt(self, response: httpx.Response) -> str:
        return excerpt(response.content, self._secrets)

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        """The body decoded (orjson: a page of the change feed is thousands of objects)."""
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise PayloadError.unreadable("JSON illisible") from exc

    def get(self, path: str, **params: Any) -> Any:
        """An idempotent read, retried on transport errors."""
        return self._json(self._retrying(lambda: self._exchange("GET", path, params=params)))

    def send(self, method: str, path: str, body: dict[str, Any]) -> Any:
        """A POST or PUT, sent once: a :class:`TransportError` means "outcome unknown"."""
        return self._json(self._exchange(method, path, json=body))

    def pages(self, path: str, page: int = PAGE, **params: Any) -> Iterator[list[dict[str, Any]]]:
        """The items of a paged resource, page after page."""
        paging = Paging(take=page)
        while not paging.done:
            items = paging.advance(self.get(path, skip=paging.skip, take=paging.take, **params))
            if not items:
                return
            yield items

    def items(self, path: str, page: int = PAGE, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a paged resource."""
        return chain.from_iterable(self.pages(path, page, **params))

    def total(self, path: str, **params: Any) -> int:
        """How many items a paged resource holds (one page of one item read)."""
        paging = Paging(take=1)
        paging.advance(self.get(path, skip=0, take=1, **params))
        return paging.total or 0

    # Resources ------------------------------------------------------------------------------

    def dossier(self, code: str) -> dict[str, Any]:
        return self.get(f"/dossiers/{code}")

    def resource(self, code: str, name: str) -> list[dict[str, Any]]:
        """A dossier's ``exercices``, ``comptes``, ``journaux`` or ``comptes-bancaires``."""
        return list(self.items(f"/dossiers/{code}/{name}"))

    def count(self, code: str, name: str, **params: Any) -> int:
        return self.total(f"/dossiers/{code}/{name}", **params)

    def entries(self, code: str, fiscal_year: str) -> Iterator[dict[str, Any]]:
        return self.items(f"/dossiers/{code}/ecritures", exercice=fiscal_year)

    # Applications, contacts, services -------------------------------------------------------

    def firm_applications(self) -> set[str]:
        return {a["application"] for a in self.get("/cabinet/applications")}

    def activate_for_firm(self) -> dict[str, Any]:
        return self.send(
            "POST", "/cabinet/applications", {"type": "Cegid", "application": FLOW_APPLICATION}
        )

    def dossier_applications(self, code: str) -> set[str]:
        return {a["application"] for a in self.get(f"/dossiers/{code}/applications")}

    def activate_for_dossier(self, code: str) -> dict[str, Any]:
        return self.send(
            "POST",
            f"/dossiers/{code}/applications",
            {"type": "Cegid", "application": FLOW_APPLICATION},
        )

    def contacts(self, **filters: str) -> list[dict[str, Any]]:
        """Contacts (interlocuteurs) filtered by ``dossier`` and/or ``email``."""
        return list(self.items("/interlocuteurs", **filters))

    def create_contact(self, contact: dict[str, Any]) -> dict[str, Any]:
        return self.send("POST", "/interlocuteurs", contact)

    def update_contact(self, contact_id: str, contact: dict[str, Any]) -> dict[str, Any]:
        """A PUT of the whole contact: idempotent, so retried."""
        return self._idempotent("PUT", f"/interlocuteurs/{contact_id}", contact)

    def services(self, contact_id: str) -> list[dict[str, Any]]:
        return self.get(f"/interlocuteurs/{contact_id}/services")

    def propose_service(self, contact_id: str, code: str) -> dict[str, Any]:
        return self.send(
            "POST",
            f"/interlocuteurs/{contact_id}/services",
            {"dossier": code, "service": FLOW_SERVICE},
        )

    # The change feed, and Flow's side -------------------------------------------------------

    def daily_report(self, code: str, day: date) -> list[Line]:
        return lines_of(
            self.items(f"/dossiers/{code}/sink/rapport-quotidien/{day}", page=FEED_PAGE)
        )

    def partial_init(self, code: str, entity: str, start: datetime, end: datetime) -> int:
        """Replay ``entity``'s changes between ``start`` and ``end`` (at most 20 days).
        Replaying twice sends the same changes again: idempotent on Flow's side."""
        body = {"entity": entity, "from": start.isoformat(), "to": end.isoformat()}
        answer = self._idempotent("POST", f"/dossiers/{code}/sink/partialInit", body)
        return int(answer.get("replayed", 0))

    def _idempotent(self, method: str, path: str, body: dict[str, Any]) -> Any:
        return self._retrying(lambda: self.send(method, path, body))

    def initial_load(self, code: str) -> dict[str, Any]:
        """What Flow received of the dossier's initial load (assumed route)."""
        return self.get(f"/flow/dossiers/{code}/initialisation")

    def flow_statements(self, code: str, day: date) -> list[dict[str, Any]]:
        """The bank statements Flow shows for the dossier that day (assumed route)."""
        return self.get(f"/flow/dossiers/{code}/releves/{day}")

    def flow_messages(self, code: str, day: date, entities: Iterable[str] = ()) -> list[Message]:
        """The messages Flow received for a day of the dossier's changes, of ``entities`` only
        when given (assumed route)."""
        only = {"entites": ",".join(sorted(entities))} if entities else {}
        path = f"/flow/dossiers/{code}/messages/{day}"
        return messages_of(self.items(path, page=FEED_PAGE, **only))
