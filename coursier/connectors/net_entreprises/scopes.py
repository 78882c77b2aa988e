"""Which saved credentials a dossier's account uses, on Net-Entreprises and on IZILIO.

Both platforms' credentials are one Block type, :class:`NetEntreprisesCredentials`, whose
``platform`` field says which; the name of a saved block starts with its platform, so the two
can be saved at one scope side by side::

    net-entreprises--application        izilio--application
    net-entreprises--dossier--cch-001   izilio--dossier--cch-001

Resolution is :func:`coursier.connectors.credentials.resolve`'s, per platform, along the
dossier's scope chain (``ScopeChain.of``): the narrowest scope saved for the platform wins
(dossier > company > directory > application). A dossier without DSN platform (a Belgian
company's) resolves nothing: the error says so.

Legacy names: before the prefix followed the platform, every block of this type was saved as
``net-entreprises--…``, IZILIO's too. A block under a ``net-entreprises--`` name whose platform
is IZILIO is still found for IZILIO, right after the ``izilio--`` name of the same scope, so
nobody has to save their credentials again; it is never used for Net-Entreprises. A block whose
platform disagrees with its prefix the other way (``izilio--…`` holding Net-Entreprises
credentials, edited by hand) is never used for either: resolving IZILIO there is an error that
says to save it again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, NamedTuple

from coursier.connectors.credentials import (
    Resolved,
    Scope,
    ScopeChain,
    block_name,
    list_saved,
    resolve,
)
from coursier.connectors.errors import ConnectorError
from coursier.connectors.net_entreprises.block import NetEntreprisesCredentials
from coursier.models.portfolio import PLATFORMS, Platform

#: The prefix every block of this type had before the prefix followed the platform.
LEGACY_PREFIX = "net-entreprises"


def credentials_prefix(platform: str) -> str:
    """The block-name prefix of ``platform``'s credentials: ``net-entreprises`` or ``izilio``."""
    if platform not in PLATFORMS:
        raise ValueError(f"plateforme {platform!r} inconnue : {' ou '.join(PLATFORMS)}")
    return platform


class Candidate(NamedTuple):
    """A name that may hold a platform's credentials for one scope of a dossier."""

    scope: Scope
    key: str | None
    name: str
    legacy: bool  # a net-entreprises-- name looked at for IZILIO


def candidates(chain: ScopeChain, platform: str) -> list[Candidate]:
    """The names to try for ``platform``, narrowest scope first; for IZILIO each scope's
    ``izilio--`` name, then its legacy ``net-entreprises--`` one."""
    prefix = credentials_prefix(platform)
    found = []
    for scope, key in chain.scopes():
        found.append(Candidate(scope, key, block_name(prefix, scope, key), legacy=False))
        if prefix != LEGACY_PREFIX:
            found.append(Candidate(scope, key, block_name(LEGACY_PREFIX, scope, key), True))
    return found


def platform_served(name: str, block_platform: str) -> str | None:
    """The platform a block saved as ``name`` is used for, None when it is used for none."""
    if name.startswith(f"{credentials_prefix(block_platform)}--"):
        return block_platform
    if name.startswith(f"{LEGACY_PREFIX}--"):
        return block_platform  # a legacy name: the block's platform decides
    return None


Decision = Literal["use", "skip", "refuse"]


def decide(candidate: Candidate, block_platform: str, platform: str) -> Decision:
    """What resolving ``platform`` does with the block found under ``candidate``: use it, skip
    it (another platform's, under a legacy name: Net-Entreprises' own seen for IZILIO, or
    IZILIO's legacy one seen for Net-Entreprises) or refuse it (it holds another platform's
    credentials than its name says)."""
    served = platform_served(candidate.name, block_platform)
    if served == platform:
        return "use"
    return "refuse" if served is None else "skip"


def resolve_account_credentials(
    chain: ScopeChain, platform: str | None
) -> Resolved[NetEntreprisesCredentials]:
    """The narrowest credentials saved for ``chain`` on ``platform``.

    A legacy ``net-entreprises--…`` block whose ``platform`` is izilio is still found for
    izilio (after the ``izilio--`` name of the same scope), and never for net-entreprises.
    ``CredentialsNotFound`` (with every name tried) when there are none; ``ConnectorError``
    when the block found declares another scope, or another platform than its name says, and
    when there is no platform (the dossier deposits no DSN).
    """
    if platform is None:
        raise ConnectorError(
            f"le dossier {chain.dossier} ne dépose pas de DSN : le portefeuille ne lui donne "
            "aucune plateforme dsn (net-entreprises ou izilio) ; ajoutez-la à ses platforms, ou "
            "choisissez un dossier d'une société française"
        )

    def accept(candidate: Candidate, block: NetEntreprisesCredentials) -> bool:
        decision = decide(candidate, block.platform, platform)
        if decision == "refuse":
            raise ConnectorError(refusal(candidate.name, block.platform, platform))
        return decision == "use"

    return resolve(
        NetEntreprisesCredentials,
        chain,
        credentials_prefix(platform),
        tried=candidates(chain, platform),
        accept=accept,
        advice=set_advice(platform),
    )


def refusal(name: str, block_platform: str, platform: str) -> str:
    return (
        f"le bloc {name} contient des identifiants {block_platform}, pas {platform} : "
        f"enregistrez-le de nouveau avec `coursier credentials set --platform {platform} "
        "--scope …`"
    )


def set_advice(platform: str) -> str:
    return (
        f"enregistrez-en avec `coursier credentials set --platform {platform} --scope … [--key …]`"
    )


@dataclass(frozen=True)
class SavedCredentials:
    """Credentials saved under a name of either platform, as listed (secrets masked)."""

    name: str
    scope: Scope
    key: str | None
    block: NetEntreprisesCredentials
    platform: str | None  # the platform it is used for; None: neither (see the module)
    legacy: bool  # a net-entreprises-- name holding IZILIO credentials


def list_account_credentials(
    platforms: Iterable[Platform] = PLATFORMS,
) -> list[SavedCredentials]:
    """Every credentials saved under the names of ``platforms``, by name; passwords masked."""
    found = []
    for platform in platforms:
        for name, scope, key, block in list_saved(
            NetEntreprisesCredentials, credentials_prefix(platform)
        ):
            served = platform_served(name, block.platform)
            legacy = platform == LEGACY_PREFIX and block.platform != LEGACY_PREFIX
            found.append(SavedCredentials(name, scope, key, block, served, legacy))
    return sorted(found, key=lambda saved: saved.name)
