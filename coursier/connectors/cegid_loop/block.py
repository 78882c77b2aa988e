"""The Cegid Loop credentials as a Prefect Block (PROTOCOLS.md §5), and their CredentialKind.

Loop's API sits behind Azure API Management: every call carries the firm's subscription key
(``Ocp-Apim-Subscription-Key``) and its API key as ``x-apikey: key:secret``. The key part names
the firm's API account (plain: it is the account's identity in the store's claims); the
subscription key and the secret are secrets. Usually saved once for the application (the firm);
a dossier whose data sit behind another account gets a block of its own.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from coursier.connectors.credential_kinds import CredentialKind
from coursier.connectors.credentials import ScopedCredentials

NAME_PREFIX = "cegid-loop"
#: Assumed: Loop's public host is not documented; every deployment gives its own.
DEFAULT_BASE_URL = "https://api.loop.cegid.com"


class CegidLoopCredentials(ScopedCredentials):
    """The firm's Loop API account, for one scope."""

    _block_type_name = "Cegid Loop"
    _block_type_slug = "cegid-loop-credentials"
    _description = (
        "Clé d'abonnement et clé d'API (clé:secret) du cabinet pour l'API Cegid Loop, pour "
        "toute l'application, un répertoire de données, une société ou un dossier."
    )

    base_url: str = Field(default=DEFAULT_BASE_URL, description="Adresse de l'API Loop.")
    api_key: str = Field(min_length=1, description="Clé d'API (la partie avant « : »).")
    subscription_key: SecretStr = Field(
        min_length=1, description="Clé d'abonnement (Ocp-Apim-Subscription-Key)."
    )
    api_secret: SecretStr = Field(min_length=1, description="Secret de la clé d'API.")

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError(f"adresse {value!r} : elle commence par https://")
        return value.rstrip("/")

    @field_validator("api_key")
    @classmethod
    def _no_colon(cls, value: str) -> str:
        if ":" in value:
            raise ValueError("la clé d'API ne contient pas « : » : donnez le secret à part")
        return value

    @property
    def account_key(self) -> str:
        """The account's identity (host and API key, never a secret): claims belong to it."""
        return f"{NAME_PREFIX}|{self.base_url}|{self.api_key}"


def check_credentials(block: CegidLoopCredentials) -> str:
    """One harmless authenticated call: the firm's applications."""
    from coursier.connectors.cegid_loop.client import CegidLoopClient

    with CegidLoopClient.from_block(block) as client:
        active = client.firm_applications()
    listed = ", ".join(sorted(active)) or "aucune"
    return f"Connexion à Cegid Loop réussie (applications actives du cabinet : {listed})."


CEGID_LOOP = CredentialKind(
    platform=NAME_PREFIX,
    label="Cegid Loop",
    block_cls=CegidLoopCredentials,
    check=check_credentials,
)
