"""The client-import part of the month-end cycle: the firm's clients, AdminPulse → Accounton.

The firm's dossier imports its clients from AdminPulse (the sandbox's seeded firm, where every
class occurs); AdminPulse answers a 429 and Accounton a 503 on a customers page (both waited
out and read again). The run stops at the plan — new clients, clients only in Accounton,
duplicates with their field diff, invalid records, possible duplicates — written as a file to
review: applying it is a person's decision (``coursier clients apply``, or the review form of
the client-import deployment in the Prefect UI).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from coursier.connectors import credentials
from coursier.connectors.accounton.block import AccountonCredentials
from coursier.connectors.admin_is.block import AdminIsCredentials
from coursier.connectors.adminpulse.block import AdminPulseCredentials
from coursier.deployments.month_end import Cycle, StepResult, result_of_runs
from coursier.flows.client_import import client_import
from coursier.models.clients_plan_file import read_plan
from coursier.models.portfolio import load_portfolio
from coursier.sandbox.faults import Fault, FaultKind
from coursier.sandbox.server import SandboxServer
from coursier.store import open_store
from coursier.store.portfolio import import_portfolio

DOSSIER = "FID-CLI"
PORTFOLIO = f"""
directories:
  - code: FID-BXL
    name: Fiduciaire Bruxelles
    companies:
      - country: BE
        number: "BE0403.170.701"
        name: Fiduciaire Solvay
        dossiers:
          - code: {DOSSIER}
            name: Clients IPP
            platforms: {{client-import: adminpulse}}
"""


def run(cycle: Cycle) -> list[StepResult]:
    with open_store(cycle.settings.effective_database_url()) as store, store.begin() as session:
        import_portfolio(session, load_portfolio(PORTFOLIO, "portefeuille-clients.yaml", "yaml"))
    pulse, accounton = save_credentials(cycle.sandbox)
    pulse.faults.set(
        Fault(route="relations", kind=FaultKind.STATUS, status=429, retry_after=0, count=1)
    )
    accounton.faults.set(Fault(route="customers", kind=FaultKind.STATUS, status=503, count=1))
    cycle.say("Pannes simulées : un 429 d'AdminPulse, un 503 d'Accounton")
    path = cycle.folder("clients") / f"plan-{DOSSIER}.xlsx"
    state = cycle.said(
        f"Plan d'import du dossier {DOSSIER}",
        client_import(
            dossier=DOSSIER, mode="plan", out=str(path), operator=cycle.operator, return_state=True
        ),
    )
    for platform in (pulse, accounton):
        platform.faults.clear()
    if not state.is_completed():
        return [result_of_runs("Import des clients (plan)", [state])]
    return [_plan_result(path, state)]


def save_credentials(sandbox: SandboxServer) -> tuple[Any, Any]:
    """The firm's credentials of the three platforms, for the whole application; the
    AdminPulse and Accounton sandboxes' states."""
    pulse, admin_is, accounton = (sandbox.state(p) for p in ("adminpulse", "admin-is", "accounton"))
    credentials.save(
        AdminPulseCredentials(base_url=sandbox.url("adminpulse"), token=pulse.token), "adminpulse"
    )
    credentials.save(
        AdminIsCredentials(base_url=sandbox.url("admin-is"), api_key=admin_is.api_key), "admin-is"
    )
    credentials.save(
        AccountonCredentials(
            base_url=sandbox.url("accounton"),
            client_id=accounton.client_id,
            client_secret=accounton.client_secret,
        ),
        "accounton",
    )
    return pulse, accounton


def _plan_result(path: Path, state) -> StepResult:
    counts = read_plan(path).counts()
    result = result_of_runs(
        "Import des clients (plan)",
        [state],
        [
            f"revoir le plan {path.name} ({counts['duplicates_differing']} doublon(s) différents, "
            f"{counts['possible']} doublon(s) possible(s), {counts['invalid']} invalide(s)), "
            f"puis : coursier clients apply {path}"
        ],
    )
    shown = (
        f"{counts['new']} nouveau(x), {counts['only_in_accounton']} uniquement dans Accounton, "
        f"{counts['duplicates']} en double, {counts['invalid']} invalide(s)"
    )
    return StepResult(result.procedure, result.verdict, shown, result.to_do)
