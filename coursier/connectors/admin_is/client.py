"""A client of Admin IS | Consult's API (PROTOCOLS.md §4: an API key, the firm's own base URL
and port). The resource paths are designed, as the sandbox serves them
(:mod:`coursier.sandbox.admin_is_platform`): ``X-Api-Key``, clients paged by ``offset`` /
``limit`` ≤ 500, taskflows and the clients each holds. Clients are given as the import's
neutral records; ``taal`` F/N/E/D is left to normalisation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from coursier.connectors.accounton.exchange import JsonApi, text
from coursier.connectors.admin_is.block import AdminIsCredentials
from coursier.connectors.errors import PayloadError

MAX_LIMIT = 500


class AdminIsClient(JsonApi):
    def __init__(self, base_url: str, *, api_key: str, **options: Any) -> None:
        super().__init__(
            "Admin IS | Consult",
            base_url,
            headers={"X-Api-Key": api_key},
            secrets=(api_key,),
            **options,
        )

    @classmethod
    def from_block(cls, block: AdminIsCredentials, **options: Any) -> AdminIsClient:
        return cls(block.url(), api_key=block.api_key.get_secret_value(), **options)

    def clients(self, limit: int = MAX_LIMIT) -> Iterator[dict[str, Any]]:
        offset, total = 0, None
        while total is None or offset < total:
            body = self.get("/clients", offset=offset, limit=min(limit, MAX_LIMIT))
            found, total = body.get("clients"), body.get("total")
            if not isinstance(found, list) or not isinstance(total, int):
                raise PayloadError.unreadable("page Admin IS sans « clients » ou « total »")
            if not found:
                return
            offset += len(found)
            yield from (_record(c) for c in found)

    def taskflows(self) -> list[dict[str, Any]]:
        return self.get("/taskflows").get("taskflows", [])

    def taskflow_client_codes(self, taskflow: str) -> set[str]:
        return {str(code) for code in self.get(f"/taskflows/{taskflow}/clients").get("codes", [])}


def _record(client: dict[str, Any]) -> dict[str, Any]:
    partner = client.get("partner") or {}
    return {
        "source_id": text(client.get("code")),
        "last_name": text(client.get("naam")),
        "first_name": text(client.get("voornaam")),
        "email": text(client.get("email")),
        "national_number": text(client.get("rijksregisternummer")),
        "language": text(client.get("taal")),
        "partner_national_number": text(partner.get("rijksregisternummer")),
    }
