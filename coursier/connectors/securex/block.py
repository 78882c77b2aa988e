"""The Securex API's identifiers as a Prefect Block: an OAuth2 client (client credentials) and
the API Management subscription key, for the acceptance or the production host.

Securex's paths are partner-gated: the default hosts below are placeholders to be confirmed
with Securex; ``base_url`` overrides them (the sandbox, an acceptance host of your own).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from coursier.connectors.credentials import ScopedCredentials

NAME_PREFIX = "securex"
DEFAULT_URLS = {
    "acceptance": "https://api-acc.securex.be/hr",
    "production": "https://api.securex.be/hr",
}


class SecurexCredentials(ScopedCredentials):
    """An application's access to the Securex API, for one scope."""

    _block_type_name = "Securex"
    _block_type_slug = "securex-credentials"
    _description = (
        "Accès à l'API Securex HR & Payroll (client OAuth2 et clé d'abonnement), pour toute "
        "l'application, un répertoire, une société ou un dossier."
    )

    client_id: str = Field(min_length=1, description="Identifiant du client OAuth2.")
    client_secret: SecretStr = Field(min_length=1, description="Secret du client OAuth2.")
    subscription_key: SecretStr = Field(
        min_length=1, description="Clé d'abonnement (en-tête Ocp-Apim-Subscription-Key)."
    )
    environment: Literal["acceptance", "production"] = "acceptance"
    base_url: str | None = Field(default=None, description="Adresse de l'API (vide : défaut).")

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.match(r"https?://[^/\s]+", value):
            raise ValueError(f"adresse {value!r} invalide : elle commence par https://")
        return value.rstrip("/")

    def effective_url(self) -> str:
        """The base URL to call: the one given, else Securex's for the environment."""
        return self.base_url or DEFAULT_URLS[self.environment]
