"""A payroll bureau set up against the sandbox: portfolio, declarant accounts, credentials, M2M.

The demo, the flow tests and the deposit benchmark all need the same world; it is built here
with the product's own functions (portfolio import, credential blocks, M2M switches), so that
what they exercise is what a user sets up with the ``coursier`` commands.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

import yaml
from pydantic import SecretStr

from coursier.connectors.credentials import save
from coursier.connectors.net_entreprises.block import NAME_PREFIX, NetEntreprisesCredentials
from coursier.models.dsn.samples import Employer
from coursier.models.portfolio import M2M_MODULES, M2MModule, load_portfolio
from coursier.sandbox.accounts import Account
from coursier.sandbox.server import SandboxServer
from coursier.store import Store
from coursier.store.m2m import set_m2m
from coursier.store.portfolio import import_portfolio


@dataclass(frozen=True)
class WorldDossier:
    code: str
    name: str
    employer: Employer
    directory: str = "PAIE-IDF"
    platform: str = "net-entreprises"


@dataclass(frozen=True)
class Declarant:
    """A declarant account: the bureau's (application scope) or a client's (dossier scope)."""

    siret: str
    last_name: str
    first_name: str
    password: SecretStr = field(default_factory=lambda: SecretStr(secrets.token_urlsafe(18)))


def portfolio_yaml(dossiers: Iterable[WorldDossier]) -> str:
    """The portfolio file a bureau would write for these dossiers (YAML flavour)."""
    directories: dict[str, dict] = {}
    for dossier in dossiers:
        directory = directories.setdefault(
            dossier.directory,
            {"code": dossier.directory, "name": "Paie Île-de-France", "companies": []},
        )
        directory["companies"].append(
            {
                "siren": dossier.employer.siren,
                "name": dossier.employer.name,
                "dossiers": [
                    {
                        "code": dossier.code,
                        "name": dossier.name,
                        "sirets": [dossier.employer.siret],
                        "platform": dossier.platform,
                    }
                ],
            }
        )
    return yaml.safe_dump({"directories": list(directories.values())}, allow_unicode=True)


def credentials_for(
    declarant: Declarant, sandbox: SandboxServer, scope: str, key: str | None, platform: str
) -> NetEntreprisesCredentials:
    base = sandbox.url(platform)
    return NetEntreprisesCredentials(
        siret=declarant.siret,
        last_name=declarant.last_name,
        first_name=declarant.first_name,
        password=declarant.password,
        platform=platform,
        environment="test",
        auth_url=base,
        deposit_url=base,
        consultation_url=base,
        download_url=base,
        scope=scope,
        scope_key=key,
    )


def install_world(
    store: Store,
    sandbox: SandboxServer,
    dossiers: list[WorldDossier],
    *,
    bureau: Declarant,
    dossier_declarants: dict[str, Declarant] | None = None,
    operator: str,
    m2m_on: Iterable[M2MModule] = M2M_MODULES,
    actor: str = "installation",
) -> str:
    """Import the portfolio, open the accounts, save the credentials, set M2M; the YAML used.

    The bureau's credentials are saved for the whole application; a dossier listed in
    ``dossier_declarants`` gets its own, which win over the application's (narrowest scope).
    """
    dossier_declarants = dossier_declarants or {}
    text = portfolio_yaml(dossiers)
    with store.begin() as session:
        import_portfolio(session, load_portfolio(text, "portefeuille.yaml", "yaml"))
    sirets = frozenset(d.employer.siret for d in dossiers)
    platforms = {d.platform for d in dossiers}
    for platform in platforms:
        _open_account(sandbox, platform, bureau, sirets)
        save(credentials_for(bureau, sandbox, "application", None, platform), NAME_PREFIX)
    for dossier in dossiers:
        declarant = dossier_declarants.get(dossier.code)
        if declarant is not None:
            _open_account(sandbox, dossier.platform, declarant, frozenset({dossier.employer.siret}))
            block = credentials_for(declarant, sandbox, "dossier", dossier.code, dossier.platform)
            save(block, NAME_PREFIX)
    enabled = set(m2m_on)
    with store.begin() as session:
        for module in M2M_MODULES:
            set_m2m(session, operator, module, module in enabled, by=actor)
    return text


def _open_account(
    sandbox: SandboxServer, platform: str, declarant: Declarant, sirets: frozenset[str]
) -> None:
    sandbox.state(platform).add_account(
        Account(
            siret=declarant.siret,
            nom=declarant.last_name,
            prenom=declarant.first_name,
            motdepasse=declarant.password,
            sirets=sirets,
        )
    )
