"""Opening a dossier's declarant account: its scoped credentials, then a client on them."""

from __future__ import annotations

from dataclasses import dataclass, replace

from coursier.connectors.credentials import CredentialsNotFound, ScopeChain, resolve
from coursier.connectors.net_entreprises.block import NetEntreprisesCredentials
from coursier.connectors.net_entreprises.client import NetEntreprisesClient
from coursier.store.portfolio import DossierView
from coursier.tasks.deposits import DepositTarget

CREDENTIALS_PREFIX = "net-entreprises"


@dataclass
class Account:
    """A dossier's declarant account, ready to use: the client and who it logs in as."""

    client: NetEntreprisesClient
    platform: str
    declarant_siret: str
    credential_name: str  # the block's name: says which scope was used, never a secret

    def target_for(self, target: DepositTarget) -> DepositTarget:
        """The deposit target as this account deposits it."""
        return replace(
            target,
            platform=self.platform,
            declarant_siret=self.declarant_siret,
            credential_name=self.credential_name,
        )


class AccountUnavailable(Exception):
    """The dossier has no usable credentials: the message says which command to run."""


def open_account(dossier: DossierView, platform: str | None = None) -> Account:
    """Resolve the narrowest saved credentials of the dossier and open a client on them."""
    chain = ScopeChain(dossier.code, dossier.siren, dossier.directory_code)
    try:
        resolved = resolve(NetEntreprisesCredentials, chain, CREDENTIALS_PREFIX)
    except CredentialsNotFound as missing:
        raise AccountUnavailable(str(missing)) from None
    credentials = resolved.block
    wanted = platform or dossier.platform
    if credentials.platform != wanted:
        raise AccountUnavailable(
            f"Les identifiants {resolved.name} sont pour {credentials.platform}, le dossier "
            f"{dossier.code} dépose sur {wanted} : enregistrez les bons identifiants "
            f"(coursier credentials set --scope dossier --key {dossier.code} --platform {wanted})."
        )
    return Account(
        client=NetEntreprisesClient(credentials),
        platform=credentials.platform,
        declarant_siret=credentials.siret,
        credential_name=resolved.name,
    )
