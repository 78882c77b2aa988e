"""``PayflipClient``: a company by VAT number, its employees read, created and updated in bulk.

    with PayflipClient(credentials) as client:
        company = client.company_by_vat("BE0403170701")        # None when Payflip has none
        for page in client.employees(company["id"]):
            ...
        results = client.create(company["id"], rows)            # one result per row
        found = client.find(company["id"], numbers=["000123"])  # reconciling after a cut

Reads and updates (which set fields to values: sending one twice changes nothing more) are
retried on transport errors. A create never is, but on a 429 (nothing was received): after a
cut, a timeout, a 5xx or an unreadable answer it raises :class:`WriteOutcomeUnknown` and the
caller looks the
employees up (:meth:`find`) before sending anything again. The key never reaches a message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from coursier.connectors.errors import PayloadError, RateLimited, ResponseError, TransportError
from coursier.connectors.http import (
    HttpConnector,
    busy_error,
    excerpt,
    json_object,
    numbered_pages,
    transport_error,
    utcnow,
)
from coursier.connectors.payflip.block import PayflipCredentials
from coursier.connectors.payflip.errors import KeyRefused, WriteOutcomeUnknown

PAGE_SIZE = 1000
#: Employee numbers looked up per request when reconciling.
FIND_BATCH = 100


class PayflipClient(HttpConnector):
    def __init__(
        self,
        credentials: PayflipCredentials,
        *,
        clock: Callable[[], datetime] = utcnow,
        page_size: int = PAGE_SIZE,
        **options: Any,
    ) -> None:
        """``options``: :class:`HttpConnector`'s (timeout, transport, retry, sleep)."""
        key = credentials.api_key.get_secret_value()
        super().__init__(headers={"Authorization": f"Bearer {key}"}, **options)
        self._credentials = credentials
        self._url = credentials.effective_url()
        self._clock = clock
        self._page_size = page_size

    def __repr__(self) -> str:
        return f"PayflipClient(url={self._url!r})"

    # Reads ---------------------------------------------------------------------------------

    def company_by_vat(self, vat: str) -> dict[str, Any] | None:
        """The company whose VAT number is ``vat``, None when Payflip has none."""
        items = self._read("companies", {"vat": vat}).get("items")
        if not isinstance(items, list):
            raise PayloadError.unreadable("liste d'entreprises sans items")
        return items[0] if items else None

    def employees(self, company: str, **filters: list[str]) -> Iterator[list[dict[str, Any]]]:
        """Every page of the company's employees (only those ``filters`` name, if any)."""
        return numbered_pages(
            lambda page: self._read(
                "employees",
                {"company": company, "page": page, "pageSize": self._page_size, **filters},
            )
        )

    def find(
        self, company: str, numbers: Iterable[str], emails: Iterable[str] = ()
    ) -> list[dict[str, Any]]:
        """The employees of the company having one of these employee numbers or e-mails."""
        wanted = [("employeeNumber", n) for n in numbers] + [("email", e) for e in emails]
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), FIND_BATCH):
            chunk = wanted[start : start + FIND_BATCH]
            filters = {
                name: [value for key, value in chunk if key == name]
                for name in ("employeeNumber", "email")
            }
            for page in self.employees(company, **{k: v for k, v in filters.items() if v}):
                found.update((str(r.get("id")), r) for r in page)
        return list(found.values())

    def test_connection(self) -> str:
        self.company_by_vat("BE0000000097")
        return "Connexion à Payflip réussie : clé d'API acceptée."

    # Writes --------------------------------------------------------------------------------

    def create(self, company: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Create employees; one result per row. Retried on 429 only: any other transport
        error is :class:`WriteOutcomeUnknown`."""
        retrying = Retrying(
            stop=stop_after_attempt(self._retry.attempts),
            wait=self._retry.wait,
            retry=retry_if_exception_type(RateLimited),
            sleep=self._sleep,
            reraise=True,
        )
        body = {"company": company, "employees": rows}
        try:
            for attempt in retrying:
                with attempt:
                    response = self._send("POST", "employee-imports", json=body)
        except RateLimited:
            raise
        except TransportError as error:
            raise WriteOutcomeUnknown(retry_after=error.retry_after) from error
        try:
            return self._results(response, len(rows))
        except PayloadError as error:  # Payflip answered 200: it processed the batch
            raise WriteOutcomeUnknown() from error

    def update(self, company: str, updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Set fields of employees (``{"id", "fields"}`` each); one result per row."""
        body = {"company": company, "updates": updates}
        response = self._retrying(lambda: self._send("POST", "employee-updates", json=body))
        return self._results(response, len(updates))

    # Plumbing ------------------------------------------------------------------------------

    def _read(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        return json_object(self._retrying(lambda: self._send("GET", path, params=params)))

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, f"{self._url}/{path}", **kwargs)
        except httpx.RequestError as exc:
            raise transport_error(exc) from exc
        status = response.status_code
        if status < 300:
            return response
        busy = busy_error(response, "Payflip", self._clock())
        if busy is not None:
            raise busy
        cut = excerpt(response.content, [self._credentials.api_key.get_secret_value()])
        if status == 401:
            raise KeyRefused(status=status, excerpt=cut)
        raise ResponseError("Payflip refuse la demande", status=status, excerpt=cut)

    def _results(self, response: httpx.Response, expected: int) -> list[dict[str, Any]]:
        results = json_object(response).get("results")
        if not isinstance(results, list) or len(results) != expected:
            raise PayloadError.unreadable(f"{expected} résultats attendus")
        return results
