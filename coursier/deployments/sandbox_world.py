"""A payroll bureau set up against the sandbox: portfolio, declarant accounts, credentials, M2M.

The demo, the flow tests and the deposit benchmark all need the same world; it is built here
with the product's own functions (portfolio import, credential blocks, M2M switches), so that
what they exercise is what a user sets up with the ``coursier`` commands.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import yaml
from pydantic import SecretStr

from coursier.connectors.credentials import save
from coursier.connectors.net_entreprises.block import NetEntreprisesCredentials
from coursier.connectors.net_entreprises.scopes import credentials_prefix
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
    sirets: tuple[str, ...] = ()  # its establishments (PAS associations); none: the employer's

    @property
    def establishments(self) -> tuple[str, ...]:
        return self.sirets or (self.employer.siret,)


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
                        "sirets": list(dossier.establishments),
                        "platform": dossier.platform,
                    }
                ],
            }
        )
    return yaml.safe_dump({"directories": list(directories.values())}, allow_unicode=True)


def credentials_for(
    declarant: Declarant, base_url: str, scope: str, key: str | None, platform: str
) -> NetEntreprisesCredentials:
    """Test-environment credentials whose four base URLs are the sandbox platform's."""
    return NetEntreprisesCredentials(
        siret=declarant.siret,
        last_name=declarant.last_name,
        first_name=declarant.first_name,
        password=declarant.password,
        platform=platform,
        environment="test",
        auth_url=base_url,
        deposit_url=base_url,
        consultation_url=base_url,
        download_url=base_url,
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
) -> str:
    """Open the accounts on an in-process sandbox, then set the bureau up against it."""
    open_accounts(sandbox, dossiers, bureau=bureau, dossier_declarants=dossier_declarants)
    urls = {platform: sandbox.url(platform) for platform in sandbox.states}
    return install_bureau(
        store,
        urls,
        dossiers,
        bureau=bureau,
        dossier_declarants=dossier_declarants,
        operator=operator,
        m2m_on=m2m_on,
    )


def open_accounts(
    sandbox: SandboxServer,
    dossiers: list[WorldDossier],
    *,
    bureau: Declarant,
    dossier_declarants: dict[str, Declarant] | None = None,
) -> None:
    """The declarant accounts on the platforms: the bureau's may declare for every dossier."""
    sirets = frozenset(siret for d in dossiers for siret in d.establishments)
    for platform in {d.platform for d in dossiers}:
        open_account(sandbox, platform, bureau, sirets)
    for dossier in dossiers:
        declarant = (dossier_declarants or {}).get(dossier.code)
        if declarant is not None:
            open_account(sandbox, dossier.platform, declarant, frozenset(dossier.establishments))


def install_bureau(
    store: Store,
    urls: Mapping[str, str],
    dossiers: list[WorldDossier],
    *,
    bureau: Declarant,
    dossier_declarants: dict[str, Declarant] | None = None,
    operator: str,
    m2m_on: Iterable[M2MModule] = M2M_MODULES,
    bureau_platform: str = "net-entreprises",
    actor: str = "installation",
) -> str:
    """Import the portfolio, save the credentials, set M2M; the portfolio YAML used.

    The bureau's credentials are saved for the whole application on ``bureau_platform`` and on
    every other platform a dossier deposits on, side by side (``net-entreprises--application``,
    ``izilio--application``); a dossier listed in ``dossier_declarants`` gets its own, which
    win over the application's (narrowest scope). ``urls`` gives each platform's base URL.
    """
    text = portfolio_yaml(dossiers)
    with store.begin() as session:
        import_portfolio(session, load_portfolio(text, "portefeuille.yaml", "yaml"))
    for platform in dict.fromkeys([bureau_platform, *(d.platform for d in dossiers)]):
        application = credentials_for(bureau, urls[platform], "application", None, platform)
        save(application, credentials_prefix(platform))
    for dossier in dossiers:
        declarant = (dossier_declarants or {}).get(dossier.code)
        if declarant is not None:
            base = urls[dossier.platform]
            block = credentials_for(declarant, base, "dossier", dossier.code, dossier.platform)
            save(block, credentials_prefix(dossier.platform))
    enabled = set(m2m_on)
    with store.begin() as session:
        for module in M2M_MODULES:
            set_m2m(session, operator, module, module in enabled, by=actor)
    return text


def open_account(
    sandbox: SandboxServer, platform: str, declarant: Declarant, sirets: frozenset[str]
) -> None:
    """The declarant's account on one sandbox platform, authorised for ``sirets``."""
    sandbox.state(platform).add_account(
        Account(
            siret=declarant.siret,
            nom=declarant.last_name,
            prenom=declarant.first_name,
            motdepasse=declarant.password,
            sirets=sirets,
        )
    )
