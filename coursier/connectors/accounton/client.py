"""A client of Accounton's API (PROTOCOLS.md §4: ``X-CLIENT-ID`` / ``X-CLIENT-SECRET``).

The endpoint shapes are not public: these are designed, as the sandbox serves them
(:mod:`coursier.sandbox.accounton_platform`): customers paged (``items``, ``pageCount``) and
looked up by ``nationalNumber`` or ``email``, created (linked to a questionnaire, not sent)
and updated field by field; questionnaires; invitations. A create or an invitation is sent
once: after a cut, a timeout or a 5xx its outcome is unknown, and the caller looks the
customer up before any re-send. Customers are given as the import's neutral records, with
``questionnaire_id`` and ``questionnaire_status``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from coursier.connectors.accounton.block import AccountonCredentials
from coursier.connectors.accounton.exchange import JsonApi, text
from coursier.connectors.errors import PayloadError

MAX_PAGE_SIZE = 500
#: The records' fields and Accounton's names for them.
FIELDS = {
    "last_name": "lastName",
    "first_name": "firstName",
    "email": "email",
    "national_number": "nationalNumber",
    "partner_national_number": "partnerNationalNumber",
    "language": "language",
}


class AccountonClient(JsonApi):
    def __init__(self, base_url: str, *, client_id: str, client_secret: str, **options: Any):
        super().__init__(
            "Accounton",
            base_url,
            headers={"X-CLIENT-ID": client_id, "X-CLIENT-SECRET": client_secret},
            secrets=(client_secret,),
            **options,
        )

    @classmethod
    def from_block(cls, block: AccountonCredentials, **options: Any) -> AccountonClient:
        return cls(
            block.base_url,
            client_id=block.client_id,
            client_secret=block.client_secret.get_secret_value(),
            **options,
        )

    def _customers(self, **filters: str) -> Iterator[dict[str, Any]]:
        page, count = 1, 1
        while page <= count:
            body = self.get("/customers", page=page, pageSize=MAX_PAGE_SIZE, **filters)
            items, count = body.get("items"), body.get("pageCount")
            if not isinstance(items, list) or not isinstance(count, int):
                raise PayloadError.unreadable("page Accounton sans « items » ou « pageCount »")
            yield from (customer_record(c) for c in items)
            page += 1

    def customers(self) -> Iterator[dict[str, Any]]:
        return self._customers()

    def find_customers(
        self, *, national_number: str | None = None, email: str | None = None
    ) -> list[dict[str, Any]]:
        """The customers with that national number, or else that e-mail (any case)."""
        if national_number:
            return list(self._customers(nationalNumber=national_number))
        if email:
            return list(self._customers(email=email))
        return []

    def create_customer(self, record: Mapping[str, Any], questionnaire_id: str) -> dict[str, Any]:
        body = {api: record.get(field) for field, api in FIELDS.items()}
        return customer_record(
            self.send("/customers", {**body, "questionnaireId": questionnaire_id})
        )

    def update_customer(self, customer_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        body = {FIELDS[field]: value for field, value in changes.items()}
        return customer_record(self.put("PATCH", f"/customers/{customer_id}", body))

    def questionnaires(self) -> list[dict[str, Any]]:
        return self.get("/questionnaires").get("items", [])

    def invite(self, customer_id: str, questionnaire_id: str) -> dict[str, Any]:
        return self.send(
            "/invitations", {"customerId": customer_id, "questionnaireId": questionnaire_id}
        )


def customer_record(customer: dict[str, Any]) -> dict[str, Any]:
    questionnaire = customer.get("questionnaire") or {}
    return {
        "source_id": text(customer.get("id")),
        **{field: text(customer.get(api)) for field, api in FIELDS.items()},
        "questionnaire_id": text(questionnaire.get("id")),
        "questionnaire_status": text(questionnaire.get("status")),
    }
