"""Opening a dossier's declarant account: its scoped credentials, then a client on them.

The account's identity (platform, environment, deposit host, declarant SIRET, concentrateur or
not) is what ledger rows belong to: see :mod:`coursier.models.accounts`.
"""

from __future__ import annotations

from dataclasses import dataclass

from coursier.connectors.credentials import CredentialsNotFound, ScopeChain
from coursier.connectors.net_entreprises.client import NetEntreprisesClient
from coursier.connectors.net_entreprises.scopes import resolve_account_credentials
from coursier.models.accounts import AccountIdentity
from coursier.store.portfolio import DossierView


@dataclass
class Account:
    """A dossier's declarant account, ready to use: the client and who it logs in as."""

    client: NetEntreprisesClient
    identity: AccountIdentity
    credential_name: str  # the block's name: says which scope was used, never a secret

    @property
    def platform(self) -> str:
        return self.identity.platform

    @property
    def declarant_siret(self) -> str:
        return self.identity.declarant_siret

    @property
    def key(self) -> str:
        return self.identity.key

    def ledger_fields(self) -> dict[str, object]:
        """The columns of a ledger row that name this account."""
        return {
            "platform": self.identity.platform,
            "environment": self.identity.environment,
            "deposit_host": self.identity.deposit_host,
            "declarant_siret": self.identity.declarant_siret,
            "concentrateur": self.identity.concentrateur,
            "credential_name": self.credential_name,
        }


class AccountUnavailable(Exception):
    """The dossier has no usable credentials: the message says which command to run."""


def open_account(dossier: DossierView, platform: str | None = None) -> Account:
    """Resolve the narrowest saved credentials of the dossier's platform, open a client."""
    wanted = platform or dossier.platform
    chain = ScopeChain.of(dossier)
    try:
        resolved = resolve_account_credentials(chain, wanted)
    except CredentialsNotFound as missing:
        raise AccountUnavailable(str(missing)) from None
    credentials = resolved.block
    concentrateur = credentials.service_code() == "98"
    declarant = dossier.declarant if concentrateur else None
    if concentrateur and declarant is None:
        raise AccountUnavailable(
            f"Les identifiants {resolved.name} sont ceux d'un concentrateur : renseignez dans le "
            f"portefeuille le déclarant pour qui il dépose (SIRET, nom, prénom) pour la société "
            f"ou le dossier {dossier.code} (coursier portfolio import)."
        )
    client = NetEntreprisesClient(credentials, declarant=declarant)
    identity = AccountIdentity(
        platform=credentials.platform,
        environment=credentials.environment,
        deposit_host=credentials.effective_urls().deposit.rstrip("/"),
        declarant_siret=declarant.siret if declarant else credentials.siret,
        concentrateur=concentrateur,
    )
    return Account(client=client, identity=identity, credential_name=resolved.name)
