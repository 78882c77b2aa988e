"""The Admin IS | Consult credentials as a Prefect Block (PROTOCOLS.md §4), and their
CredentialKind.

Admin IS | Consult runs at each firm (its own server): the base URL and the port are the
firm's, the API key its secret. No default address exists.
"""

from __future__ import annotations

import httpx
from pydantic import Field, SecretStr, field_validator

from coursier.connectors.adminpulse.block import http_url
from coursier.connectors.credential_kinds import CredentialKind
from coursier.connectors.credentials import ScopedCredentials

NAME_PREFIX = "admin-is"


class AdminIsCredentials(ScopedCredentials):
    """The firm's Admin IS | Consult server and API key, for one scope."""

    _block_type_name = "Admin IS | Consult"
    _block_type_slug = "admin-is-credentials"
    _description = (
        "Adresse, port et clé d'API du serveur Admin IS | Consult du cabinet, pour toute "
        "l'application, un répertoire de données, une société ou un dossier."
    )

    base_url: str = Field(description="Adresse du serveur Admin IS du cabinet (https://…).")
    port: int | None = Field(
        default=None, ge=1, le=65535, description="Port du serveur (vide : celui de l'adresse)."
    )
    api_key: SecretStr = Field(min_length=1, description="Clé d'API Admin IS.")

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return http_url(value)

    def url(self) -> str:
        """The base URL with the port given, if any."""
        if self.port is None:
            return self.base_url
        return str(httpx.URL(self.base_url).copy_with(port=self.port)).rstrip("/")


def check_credentials(block: AdminIsCredentials) -> str:
    """One harmless authenticated call: the firm's taskflows."""
    from coursier.connectors.admin_is.client import AdminIsClient

    with AdminIsClient.from_block(block) as client:
        flows = client.taskflows()
    return f"Connexion à Admin IS | Consult réussie ({len(flows)} taskflow(s))."


ADMIN_IS = CredentialKind(
    platform=NAME_PREFIX,
    label="Admin IS | Consult",
    block_cls=AdminIsCredentials,
    check=check_credentials,
)
