"""A client of AdminPulse's API (PROTOCOLS.md §4): relations paged with ``page`` /
``pageSize`` ≤ 400 (``results`` + ``pageCount``), look-up by ``vatNumber``, tasks of a
taskflow; every call paced under the 480 a minute (:mod:`.limiter`) and, in a flow run, given
a slot of the firm's budget on the Prefect server (:mod:`coursier.connectors.rate_limits`), so
that all the workers together stay under it; a 429 waited out.

The resource paths are designed, as the sandbox serves them
(:mod:`coursier.sandbox.adminpulse_platform`): AdminPulse documents them to partners only.
Relations are given as the import's neutral records (``coursier.models.clients_normalise``'s
raw columns).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from coursier.connectors.accounton.exchange import JsonApi, text
from coursier.connectors.adminpulse.block import AdminPulseCredentials
from coursier.connectors.adminpulse.limiter import BUDGET, Pacer
from coursier.connectors.errors import PayloadError
from coursier.connectors.rate_limits import take_slot

MAX_PAGE_SIZE = 400


class AdminPulseClient(JsonApi):
    def __init__(self, base_url: str, *, token: str, pacer: Pacer | None = None, **options: Any):
        pacer = pacer or Pacer()

        def before_call() -> None:
            pacer.wait()
            take_slot(BUDGET)

        super().__init__(
            "AdminPulse",
            base_url,
            headers={"Authorization": f"Bearer {token}"},
            secrets=(token,),
            before_call=before_call,
            **options,
        )

    @classmethod
    def from_block(cls, block: AdminPulseCredentials, **options: Any) -> AdminPulseClient:
        return cls(block.base_url, token=block.token.get_secret_value(), **options)

    def pages(self, path: str, page_size: int = MAX_PAGE_SIZE, **params: Any) -> Iterator[list]:
        """Every page of a paged resource (``results``, ``pageCount``)."""
        page, count = 1, 1
        while page <= count:
            body = self.get(path, page=page, pageSize=min(page_size, MAX_PAGE_SIZE), **params)
            results, count = body.get("results"), body.get("pageCount")
            if not isinstance(results, list) or not isinstance(count, int):
                raise PayloadError.unreadable("page AdminPulse sans « results » ou « pageCount »")
            yield results
            page += 1

    def relations(self, page_size: int = MAX_PAGE_SIZE) -> Iterator[dict[str, Any]]:
        """Every relation that is a person, as a neutral record."""
        for results in self.pages("/relations", page_size):
            yield from (_record(r) for r in results if r.get("type", "Person") == "Person")

    def relation_by_vat(self, vat_number: str) -> list[dict[str, Any]]:
        return next(self.pages("/relations", vatNumber=vat_number))

    def taskflows(self) -> list[dict[str, Any]]:
        return self.get("/taskflows").get("results", [])

    def taskflow_relation_ids(self, taskflow: str) -> set[str]:
        """The relations the taskflow's tasks are for."""
        ids: set[str] = set()
        for results in self.pages(f"/taskflows/{taskflow}/tasks"):
            ids.update(str(task["relationId"]) for task in results if task.get("relationId"))
        return ids


def _record(relation: dict[str, Any]) -> dict[str, Any]:
    partner = relation.get("partner") or {}
    return {
        "source_id": text(relation.get("id")),
        "last_name": text(relation.get("lastName")),
        "first_name": text(relation.get("firstName")),
        "email": text(relation.get("email")),
        "national_number": text(relation.get("nationalNumber")),
        "language": text(relation.get("language")),
        "partner_national_number": text(partner.get("nationalNumber")),
    }
