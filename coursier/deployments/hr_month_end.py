"""The HR sync part of the month-end cycle: Securex → Payflip for two Belgian companies.

Application-wide credentials for both platforms, the portfolio's two companies synced to
Payflip, and the faults a night meets: Payflip answers three 429 in a row on its imports
(waited out: nobody is created twice), and one employee of the garage has no e-mail in
Securex — he fails alone, named with what to fix, and the run is partial.
"""

from __future__ import annotations

from typing import Any

from coursier.connectors.credentials import save
from coursier.connectors.payflip.block import PayflipCredentials
from coursier.connectors.securex.block import SecurexCredentials
from coursier.deployments.month_end import Cycle, StepResult, result_of_runs
from coursier.flows.hr_sync import hr_sync
from coursier.models.portfolio import load_portfolio
from coursier.sandbox.faults import Fault, FaultKind
from coursier.sandbox.server import SandboxServer
from coursier.store import open_store
from coursier.store.portfolio import import_portfolio

BAKERY, GARAGE = "0403170701", "0202239951"  # seeded in the Securex and Payflip sandboxes
WITHOUT_EMAIL = "000003"  # a garage employee
PORTFOLIO = f"""
directories:
  - code: RH-BXL
    name: Secrétariat social Bruxelles
    companies:
      - country: BE
        number: "BE{BAKERY}"
        name: Boulangerie Peeters
        dossiers:
          - code: PEE-RH
            name: Peeters RH
            platforms: {{hr-sync: payflip}}
      - country: BE
        number: "BE{GARAGE}"
        name: Garage Maes
        dossiers:
          - code: MAE-RH
            name: Maes RH
            platforms: {{hr-sync: payflip}}
"""


def save_credentials(sandbox: SandboxServer) -> tuple[Any, Any]:
    """Securex's and Payflip's credentials for the whole application; their sandboxes' states."""
    securex, payflip = (sandbox.state(name) for name in ("securex", "payflip"))
    save(
        SecurexCredentials(
            client_id=securex.client.client_id,
            client_secret=securex.client.client_secret,
            subscription_key=securex.client.subscription_key,
            base_url=sandbox.url("securex"),
        ),
        "securex",
    )
    save(PayflipCredentials(api_key=payflip.api_key, base_url=sandbox.url("payflip")), "payflip")
    return securex, payflip


def run(cycle: Cycle) -> list[StepResult]:
    with open_store(cycle.settings.effective_database_url()) as store, store.begin() as session:
        import_portfolio(session, load_portfolio(PORTFOLIO, "portefeuille-rh.yaml", "yaml"))
    securex, payflip = save_credentials(cycle.sandbox)
    cycle.say("Entreprises : Boulangerie Peeters et Garage Maes, synchronisées vers Payflip")
    securex.employee(GARAGE, WITHOUT_EMAIL)["email"] = None
    payflip.faults.set(
        Fault(route="employee-imports", kind=FaultKind.STATUS, status=429, retry_after=0, count=3)
    )
    cycle.say(
        f"Pannes simulées : trois 429 de Payflip ; l'employé {WITHOUT_EMAIL} du garage n'a pas "
        "d'e-mail dans Securex"
    )
    night = cycle.said("Synchronisation de nuit", hr_sync(trigger="nightly", return_state=True))
    payflip.faults.clear()
    to_do = ["corriger leur fiche dans Securex (détail : coursier hr failures)"]
    return [result_of_runs("Synchronisation RH", [night], to_do if night.name == "Partial" else [])]
