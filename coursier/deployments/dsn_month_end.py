"""The DSN part of the month-end cycle: a payroll bureau's month deposited machine-to-machine.

Three dossiers (credentials at two scopes: the bureau's for the application, the garage's own
for its dossier; M2M on for DSN and FCTU, off for signals), the month's files (one of each
nature, one with a blocking error, a test file with a notice), the deposit flow for each
dossier, the returns control, then the control table and the AER filed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from rich.console import Console

from coursier.deployments.control_cli import load_rows, print_rows
from coursier.deployments.dsn_report import print_check_report
from coursier.deployments.month_end import Cycle, StepResult, result_of_runs
from coursier.deployments.sandbox_world import Declarant, WorldDossier, install_world
from coursier.flows.dsn_deposit import dsn_deposit
from coursier.flows.dsn_returns import dsn_returns
from coursier.models.control_advice import next_step
from coursier.models.dsn import samples, writer
from coursier.models.dsn.checks import check_stream
from coursier.models.dsn.records import Contract, Employee, Envoi, Record
from coursier.store import open_store

OCTOBER = date(2026, 10, 1)
BAKERY = WorldDossier(
    "BOUL-01",
    "Boulangerie du marché",
    samples.Employer.from_seed(41287553, "BOULANGERIE DU MARCHÉ"),
)
GARAGE = WorldDossier(
    "GAR-02", "Garage des étangs", samples.Employer.from_seed(63318272, "GARAGE DES ÉTANGS")
)
ARCHITECTS = WorldDossier(
    "ARCH-03",
    "Cabinet d'architectes",
    samples.Employer.from_seed(82290941, "CABINET D'ARCHITECTES"),
)
BUREAU = Declarant(samples.Employer.from_seed(55203188).siret, "DURAND", "Claire")
GARAGE_OWN = Declarant(GARAGE.employer.siret, "MARTIN", "Paul")


def demo_files() -> dict[WorldDossier, dict[str, Iterable[Record]]]:
    """Each dossier's files of the month."""
    return {
        BAKERY: {
            "dsn-2026-10.dsn": samples.monthly_dsn(BAKERY.employer, OCTOBER, 12, seed=1),
            "arret-2026-10-14.dsn": samples.sick_leave_signal(
                BAKERY.employer, date(2026, 10, 14), seed=2
            ),
        },
        GARAGE: {
            "fctu-2026-10-31.dsn": samples.end_of_contract_signal(
                GARAGE.employer, date(2026, 10, 31), seed=3
            ),
            "dsn-2026-10.dsn": with_blocking_errors(
                samples.monthly_dsn(GARAGE.employer, OCTOBER, 6, seed=4)
            ),
        },
        ARCHITECTS: {
            "dsn-2026-10-essai.dsn": as_test_file(
                samples.monthly_dsn(ARCHITECTS.employer, OCTOBER, 4, seed=5)
            ),
        },
    }


def write_demo_files(folder: Path) -> dict[str, Path]:
    """Write each dossier's files under ``folder/<dossier>/``; the inbox of each dossier."""
    inboxes = {}
    for dossier, files in demo_files().items():
        inbox = folder / dossier.code
        inbox.mkdir(parents=True, exist_ok=True)
        for name, records in files.items():
            (inbox / name).write_bytes(writer.write_bytes(records, newline="\r\n"))
        inboxes[dossier.code] = inbox
    return inboxes


def run(cycle: Cycle) -> list[StepResult]:
    """Deposit each dossier's month, control the returns, show the control table."""
    settings = cycle.settings
    cycle.say(
        f"Plateformes simulées : {cycle.sandbox.url('net-entreprises')}, "
        f"{cycle.sandbox.url('izilio')}"
    )
    with open_store(settings.effective_database_url()) as store:
        text = install_world(
            store,
            cycle.sandbox,
            [BAKERY, GARAGE, ARCHITECTS],
            bureau=BUREAU,
            dossier_declarants={GARAGE.code: GARAGE_OWN},
            operator=cycle.operator,
            m2m_on=["dsn", "fctu"],
        )
    portfolio = settings.home / "portefeuille.yaml"
    portfolio.write_text(text, "utf-8")
    cycle.say(f"Portefeuille : 3 dossiers importés depuis {portfolio}")
    cycle.say(
        f"Identifiants : ceux du cabinet pour toute l'application ; le dossier {GARAGE.code} a "
        "les siens, prioritaires"
    )
    cycle.say(f"Dépôt M2M de {cycle.operator} : DSN et FCTU activés, signalements désactivés")
    deposits = []
    for code, inbox in write_demo_files(cycle.folder("depot")).items():
        _show_blocked(cycle.console, inbox)
        state = dsn_deposit(
            dossier=code,
            inbox=str(inbox),
            operator=cycle.operator,
            follow_returns_minutes=0.5,
            return_state=True,
        )
        deposits.append(cycle.said(f"Dépôt du dossier {code}", state))
    returns = cycle.said(
        "Contrôle des retours", dsn_returns(operator=cycle.operator, return_state=True)
    )
    rows = load_rows(settings=settings)
    print_rows(cycle.console, rows)
    for pdf in sorted(settings.aer_folder.rglob("*.pdf")):
        cycle.say(f"AER : {pdf}")
    to_do = [f"{r.dossier} {r.file} : {r.state_label}" for r in rows if next_step(r) is not None]
    to_do += ["détail : coursier dsn control --detail"] if to_do else []
    return [
        result_of_runs("Dépôt DSN", deposits, to_do, failed_items=False),
        result_of_runs("Retours DSN", [returns]),
    ]


def with_blocking_errors(records: Iterable[Record]) -> Iterator[Record]:
    """A contract without its number and an employee whose NIR has a month 13."""
    for record in records:
        if isinstance(record, Contract) and record.number == "C000002":
            record = dataclasses.replace(record, number=None)
        elif isinstance(record, Employee) and record.payroll_number == "M000004":
            record = dataclasses.replace(record, nir=record.nir[:3] + "13" + record.nir[5:])
        yield record


def as_test_file(records: Iterable[Record]) -> Iterator[Record]:
    for record in records:
        if isinstance(record, Envoi):
            record = dataclasses.replace(record, test_or_real="01")
        yield record


def _show_blocked(console: Console, inbox: Path) -> None:
    """The self-check's report of the files that will not leave, so that they can be fixed."""
    for path in sorted(inbox.glob("*.dsn")):
        with path.open("rb") as stream:
            report = check_stream(stream)
        if not report.can_be_deposited:
            print_check_report(console, f"{inbox.name}/{path.name}", report)
