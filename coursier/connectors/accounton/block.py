"""The Accounton credentials as a Prefect Block (PROTOCOLS.md §4), and their CredentialKind.

Accounton's API takes ``X-CLIENT-ID`` / ``X-CLIENT-SECRET``; the client id names the firm's API
client (plain: it is the account's identity in the store's claims), the secret is the secret.
Its scopes (``customers.read``, ``customers.write``) are granted in Accounton.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from coursier.connectors.adminpulse.block import http_url
from coursier.connectors.credential_kinds import CredentialKind
from coursier.connectors.credentials import ScopedCredentials

NAME_PREFIX = "accounton"
#: Assumed: Accounton's API host is not public.
DEFAULT_BASE_URL = "https://api.accounton.be"


class AccountonCredentials(ScopedCredentials):
    """The firm's Accounton API client, for one scope."""

    _block_type_name = "Accounton"
    _block_type_slug = "accounton-credentials"
    _description = (
        "Client d'API Accounton du cabinet (X-CLIENT-ID / X-CLIENT-SECRET), pour toute "
        "l'application, un répertoire de données, une société ou un dossier."
    )

    base_url: str = Field(default=DEFAULT_BASE_URL, description="Adresse de l'API Accounton.")
    client_id: str = Field(min_length=1, description="Identifiant du client d'API (X-CLIENT-ID).")
    client_secret: SecretStr = Field(min_length=1, description="Secret (X-CLIENT-SECRET).")

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return http_url(value)

    @property
    def account_key(self) -> str:
        """The account's identity (host and client id, never the secret): claims belong to it."""
        return f"{NAME_PREFIX}|{self.base_url}|{self.client_id}"


def check_credentials(block: AccountonCredentials) -> str:
    """One harmless authenticated call: the questionnaires."""
    from coursier.connectors.accounton.client import AccountonClient

    with AccountonClient.from_block(block) as client:
        found = client.questionnaires()
    return f"Connexion à Accounton réussie ({len(found)} questionnaire(s))."


ACCOUNTON = CredentialKind(
    platform=NAME_PREFIX,
    label="Accounton",
    block_cls=AccountonCredentials,
    check=check_credentials,
)
