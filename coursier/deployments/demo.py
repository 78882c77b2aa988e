"""``make demo``: the self-check run on a payroll bureau's month of files, as a user sees it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from rich.console import Console

from coursier.deployments.dsn_cli import check_file
from coursier.deployments.dsn_report import print_check_report
from coursier.models.dsn import samples, writer
from coursier.models.dsn.records import Contract, Employee, Envoi, Record

OCTOBER = date(2026, 10, 1)
BOULANGERIE = samples.Employer.from_seed(41287553, "BOULANGERIE DU MARCHÉ")
GARAGE = samples.Employer.from_seed(63318272, "GARAGE DES ÉTANGS")
CABINET = samples.Employer.from_seed(82290941, "CABINET D'ARCHITECTES")


def demo_files() -> dict[str, Iterable[Record]]:
    """The files of the demo: one of each nature, one blocking error, one notice."""
    return {
        "boulangerie-dsn-2026-10.dsn": samples.monthly_dsn(BOULANGERIE, OCTOBER, 12, seed=1),
        "boulangerie-arret-2026-10-14.dsn": samples.sick_leave_signal(
            BOULANGERIE, date(2026, 10, 14), seed=2
        ),
        "garage-fctu-2026-10-31.dsn": samples.end_of_contract_signal(
            GARAGE, date(2026, 10, 31), seed=3
        ),
        "garage-dsn-2026-10.dsn": _with_blocking_errors(
            samples.monthly_dsn(GARAGE, OCTOBER, 6, seed=4)
        ),
        "cabinet-dsn-2026-10.dsn": _as_test_file(samples.monthly_dsn(CABINET, OCTOBER, 4, seed=5)),
    }


def write_demo_files(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, records in demo_files().items():
        path = folder / name
        path.write_bytes(writer.write_bytes(records, newline="\r\n"))
        paths.append(path)
    return paths


def run_demo(home: Path, console: Console) -> int:
    """Write the demo files under ``home`` and self-check them; the number of blocked files."""
    folder = home / "demo" / "depot"
    console.print(f"[bold]Autocontrôle DSN[/] des fichiers du mois, dans {folder}")
    blocked = 0
    for path in write_demo_files(folder):
        item = check_file(path)
        assert item.report is not None  # written just now
        print_check_report(console, path.name, item.report)
        blocked += not item.report.can_be_deposited
    console.print(
        f"\n{blocked} fichier(s) à corriger avant dépôt ; les autres peuvent être déposés."
        "\nRelancez le contrôle sur vos propres fichiers : coursier dsn check FICHIER... [--json]"
    )
    return blocked


def _with_blocking_errors(records: Iterable[Record]) -> Iterator[Record]:
    """A contract without its number and an employee whose NIR has a month 13."""
    for record in records:
        if isinstance(record, Contract) and record.number == "C000002":
            record = dataclasses.replace(record, number=None)
        elif isinstance(record, Employee) and record.payroll_number == "M000004":
            record = dataclasses.replace(record, nir=record.nir[:3] + "13" + record.nir[5:])
        yield record


def _as_test_file(records: Iterable[Record]) -> Iterator[Record]:
    for record in records:
        if isinstance(record, Envoi):
            record = dataclasses.replace(record, test_or_real="01")
        yield record
