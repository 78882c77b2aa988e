"""Payflip's API key as a Prefect Block. Payflip's integration API is not public: the default
address is a placeholder to be confirmed with Payflip; ``base_url`` overrides it."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator

from coursier.connectors.credentials import ScopedCredentials

NAME_PREFIX = "payflip"
DEFAULT_URL = "https://api.payflip.be/integrations/v1"


class PayflipCredentials(ScopedCredentials):
    """An API key of Payflip's integrations API, for one scope."""

    _block_type_name = "Payflip"
    _block_type_slug = "payflip-credentials"
    _description = (
        "Clé d'API Payflip (intégrations RH), pour toute l'application, un répertoire, une "
        "société ou un dossier."
    )

    api_key: SecretStr = Field(min_length=1, description="Clé d'API Payflip.")
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
        return self.base_url or DEFAULT_URL
