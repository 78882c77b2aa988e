"""The AdminPulse credentials as a Prefect Block (PROTOCOLS.md §4), and their CredentialKind.

AdminPulse's API takes ``Authorization: Bearer <token>`` (an API key or an OAuth token): the
token is the secret. Usually saved once for the firm (application scope).
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from coursier.connectors.credential_kinds import CredentialKind
from coursier.connectors.credentials import ScopedCredentials

NAME_PREFIX = "adminpulse"
#: Assumed: AdminPulse documents its API host to partners only.
DEFAULT_BASE_URL = "https://api.adminpulse.be"


def http_url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValueError(f"adresse {value!r} : elle commence par https://")
    return value.rstrip("/")


class AdminPulseCredentials(ScopedCredentials):
    """The firm's AdminPulse API token, for one scope."""

    _block_type_name = "AdminPulse"
    _block_type_slug = "adminpulse-credentials"
    _description = (
        "Jeton d'API AdminPulse du cabinet (Bearer), pour toute l'application, un répertoire "
        "de données, une société ou un dossier."
    )

    base_url: str = Field(default=DEFAULT_BASE_URL, description="Adresse de l'API AdminPulse.")
    token: SecretStr = Field(min_length=1, description="Jeton d'API (Bearer).")

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return http_url(value)


def check_credentials(block: AdminPulseCredentials) -> str:
    """One harmless authenticated call: the firm's taskflows."""
    from coursier.connectors.adminpulse.client import AdminPulseClient

    with AdminPulseClient.from_block(block) as client:
        flows = client.taskflows()
    return f"Connexion à AdminPulse réussie ({len(flows)} taskflow(s))."


ADMINPULSE = CredentialKind(
    platform=NAME_PREFIX,
    label="AdminPulse",
    block_cls=AdminPulseCredentials,
    check=check_credentials,
)
