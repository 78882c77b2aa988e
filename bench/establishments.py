"""A bureau's dossier with many establishments (one SIREN, many NIC), for the benchmarks.

``sandbox_world`` builds dossiers of one establishment; a dossier of a retail chain or a
franchise network declares for tens or hundreds of SIRET of one SIREN. Here the dossier, its
portfolio (every SIRET attached to it) and the bureau's platform account (authorised for every
SIRET) are built with the product's own functions, as ``coursier portfolio import`` and
``coursier credentials set`` would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import yaml
from stdnum import luhn

from coursier.deployments.sandbox_world import Declarant, WorldDossier, install_bureau
from coursier.models.dsn import samples
from coursier.models.portfolio import load_portfolio
from coursier.store import Store
from coursier.store.portfolio import import_portfolio


@dataclass(frozen=True)
class ChainDossier:
    """One dossier, one SIREN, ``count`` establishments (the first is the head office)."""

    code: str
    name: str
    head: samples.Employer
    count: int
    directory: str = "PAIE-IDF"
    platform: str = "net-entreprises"

    @property
    def establishments(self) -> list[samples.Employer]:
        siren = self.head.siren
        found = [self.head]
        body = 0
        while len(found) < self.count:
            body += 1
            nic = f"{body:04d}"
            nic += luhn.calc_check_digit(siren + nic)
            if nic != self.head.nic:
                found.append(samples.Employer(siren, nic, f"{self.head.name} {body:04d}"))
        return found

    @property
    def sirets(self) -> list[str]:
        return [e.siret for e in self.establishments]

    def world(self) -> WorldDossier:
        """The same dossier as ``sandbox_world`` sees it (its head office only)."""
        return WorldDossier(self.code, self.name, self.head, self.directory, self.platform)

    def portfolio_yaml(self) -> str:
        company = {
            "siren": self.head.siren,
            "name": self.head.name,
            "dossiers": [
                {
                    "code": self.code,
                    "name": self.name,
                    "sirets": self.sirets,
                    "platform": self.platform,
                }
            ],
        }
        directory = {"code": self.directory, "name": "Paie Île-de-France", "companies": [company]}
        return yaml.safe_dump({"directories": [directory]}, allow_unicode=True)


def months_back(first: date, count: int) -> list[date]:
    """``first`` and the ``count - 1`` months before it."""
    months = []
    year, month = first.year, first.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


def install(
    store: Store, base_url: str, dossier: ChainDossier, *, bureau: Declarant, operator: str
) -> None:
    """The bureau set up as a user would: its application credentials, M2M on, the dossier
    imported with every establishment."""
    install_bureau(
        store, {dossier.platform: base_url}, [dossier.world()], bureau=bureau, operator=operator
    )
    with store.begin() as session:
        import_portfolio(session, load_portfolio(dossier.portfolio_yaml(), "chaine.yaml", "yaml"))
