"""PAS CRM integration speed: 1,000 associations of 50 employees, 10 % of downloads cut once.

The world: one dossier whose company has ``--associations`` establishments, each with a monthly
DSN of ``--employees`` employees deposited for October (through the platform client, its ledger
row written as the deposit flow writes it: the deposit flow has its own benchmark), the bureau's
account authorised for all of them. The sandbox runs in a child process with ``--latency-ms`` on
every request; its clock is moved past the CRM's publication.

Baseline: a script without retry logic, one association after the other: list the flux's
returns, download its CRM, parse and integrate them into a store of its own; an association
whose transfer is cut is missed (counted). Then the pas-crm flow, the same cuts set again: its
connector retries, its bounded concurrency, its second pass. Printed: both times, what the
baseline missed, the share the flow integrated in one run (target 100 %), and ``speedup: S``
last (target S ≥ 5).

    .venv/bin/python bench/pas_crm.py [--associations 1000] [--employees 50] [--latency-ms 50]
        [--cut-share 0.1]
"""

from __future__ import annotations

import os

# Prefect's INFO lines would drown the figures; set before Prefect is first imported.
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")

import argparse
import getpass
import hashlib
import logging
import random
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import httpx

from coursier.connectors.http import RetryPolicy
from coursier.deployments.sandbox_world import Declarant, credentials_for
from coursier.models.dsn import samples, writer
from establishments import ChainDossier, install
from sandbox_process import SandboxProcess

PLATFORM = "net-entreprises"
OCTOBER = date(2026, 10, 1)
HEAD_OFFICE = samples.Employer.from_seed(57721566, "ASSOCIATIONS DU BANC")
BUREAU = Declarant(samples.Employer.from_seed(14142135).siret, "BANC", "Pas")
PAST_THE_CRM_S = 3700  # the bench sandbox publishes its CRM an hour after the deposit
QUIET_LOGGERS = ("coursier.connectors.http", "coursier.connectors.net_entreprises")


def deposit_all(base_url: str, dossier: ChainDossier, employees: int, store) -> dict[str, str]:
    """Deposit each establishment's October DSN; its ledger row, as the deposit flow leaves it
    once the bilan came; SIRET → idflux."""
    from coursier.connectors.net_entreprises.client import NetEntreprisesClient
    from coursier.store.ledger import add_deposit
    from coursier.store.portfolio import get_dossier
    from coursier.tasks.accounts import open_account

    with store.read() as session:
        account = open_account(get_dossier(session, dossier.code))
    block = credentials_for(BUREAU, base_url, "application", None, PLATFORM)
    sites = dossier.establishments

    def send(index: int) -> tuple[str, str, bytes]:
        data = writer.write_bytes(samples.monthly_dsn(sites[index], OCTOBER, employees, seed=index))
        with NetEntreprisesClient(block) as client:
            return sites[index].siret, client.deposit(data).idflux, data

    with ThreadPoolExecutor(max_workers=8) as pool:
        sent = list(pool.map(send, range(len(sites))))
    with store.begin() as session:
        for siret, idflux, data in sent:
            add_deposit(
                session,
                dossier=dossier.code,
                module="dsn",
                file_name=f"dsn-{siret}.dsn",
                file_path=f"/bench/dsn-{siret}.dsn",
                file_sha256=hashlib.sha256(data).hexdigest(),
                file_size=len(data),
                nature="01",
                declaration_type="01",
                siret=siret,
                month=OCTOBER,
                employees=employees,
                state="accepted",
                idflux=idflux,
                account_key=account.key,
                **account.ledger_fields(),
            )
    account.client.close()
    return {siret: idflux for siret, idflux, _ in sent}


def cut_once(base_url: str, sirets: list[str]) -> None:
    for siret in sirets:
        answer = httpx.post(f"{base_url}/_sandbox/crm-cuts", json={"siret": siret, "times": 1})
        answer.raise_for_status()


def sequential(base_url: str, dossier_code: str, fluxes: dict[str, str], home: Path) -> int:
    """The baseline: one association after the other, no retry; how many it missed."""
    from coursier.connectors.errors import ConnectorError
    from coursier.connectors.net_entreprises.client import NetEntreprisesClient
    from coursier.models.pas import Association, integrate
    from coursier.models.returns.crm import parse_crm_financier, parse_crm_nominatif
    from coursier.store import open_store
    from coursier.store.pas import integrate_in

    block = credentials_for(BUREAU, base_url, "application", None, PLATFORM)
    missed = 0
    with (
        NetEntreprisesClient(block, retry=RetryPolicy(attempts=1)) as client,
        open_store(f"sqlite:///{home / 'baseline.db'}") as store,
    ):
        for siret, idflux in fluxes.items():
            try:
                entries = {e.nature: e for e in client.list_flux_returns(idflux).entries}
                nominatif = parse_crm_nominatif(client.download(entries["94"]))
                financier = parse_crm_financier(client.download(entries["93"]))
            except (ConnectorError, KeyError):
                missed += 1
                continue
            with store.begin() as session:
                integrate_in(
                    session,
                    Association(dossier_code, siret, OCTOBER),
                    integrate(nominatif, date.today(), financier),
                    idflux=idflux,
                    deposited_here=True,
                    flow_run_id="baseline",
                )
    return missed


def with_the_flow(dossier_code: str) -> tuple[float, dict[str, int], str]:
    from coursier.flows.pas_crm import pas_crm
    from coursier.settings import CoursierSettings
    from coursier.store import open_store, run_summary

    started = time.perf_counter()
    state = pas_crm(dossier=dossier_code, month="2026-10", return_state=True)
    elapsed = time.perf_counter() - started
    with open_store(CoursierSettings().effective_database_url()) as store, store.read() as s:
        counts = run_summary(s, str(state.state_details.flow_run_id))
    return elapsed, counts, state.name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--associations", type=int, default=1000)
    parser.add_argument("--employees", type=int, default=50)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--cut-share", type=float, default=0.1)
    args = parser.parse_args()
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)

    from coursier.deployments.local_prefect import local_prefect_server
    from coursier.settings import CoursierSettings
    from coursier.store import open_store

    dossier = ChainDossier("PAS-BENCH", "Banc PAS", HEAD_OFFICE, args.associations)
    sirets = dossier.sirets
    cut = random.Random(9).sample(sirets, round(len(sirets) * args.cut_share))
    with tempfile.TemporaryDirectory(prefix="pas-bench-") as folder:
        work = Path(folder)
        os.environ["COURSIER_HOME"] = str(work / "home")
        os.environ["COURSIER_PAS_RETRY_PAUSE_SECONDS"] = "2"
        sandbox = SandboxProcess(latency_ms=args.latency_ms, accounts=[(BUREAU, frozenset(sirets))])
        with sandbox, local_prefect_server(work / "prefect"):
            base_url = sandbox.url(PLATFORM)
            with open_store(CoursierSettings().effective_database_url()) as store:
                install(store, base_url, dossier, bureau=BUREAU, operator=getpass.getuser())
                started = time.perf_counter()
                fluxes = deposit_all(base_url, dossier, args.employees, store)
            print(
                f"{len(fluxes)} associations of {args.employees} employees deposited in "
                f"{time.perf_counter() - started:.1f} s; {len(cut)} downloads cut once; "
                f"latency {args.latency_ms} ms a request"
            )
            moved = httpx.post(f"{base_url}/_sandbox/clock", json={"seconds": PAST_THE_CRM_S})
            moved.raise_for_status()

            cut_once(base_url, cut)
            started = time.perf_counter()
            missed = sequential(base_url, dossier.code, fluxes, work)
            baseline = time.perf_counter() - started
            print(
                f"baseline (sequential, no retry): {baseline:.1f} s, missed {missed} of "
                f"{len(fluxes)} associations"
            )

            cut_once(base_url, cut)
            elapsed, counts, state = with_the_flow(dossier.code)
            share = counts["ok"] / len(fluxes)
            print(
                f"flow pas-crm: {elapsed:.1f} s, {state}: {counts['ok']} ok, "
                f"{counts['failed']} failed, {counts['skipped']} not available yet"
            )
            print(f"integrated in one run: {share:.1%} (target 100 %)")
            print(f"speedup: {baseline / elapsed:.1f}")


if __name__ == "__main__":
    main()
