"""``make demo``: a payroll bureau's month, deposited machine-to-machine to the sandbox.

The demo lives in a world of its own, ``<home>/demo`` (emptied at each run): its own store,
Prefect home and encryption key. :func:`run_demo` runs it in a child process whose environment
holds none of the user's ``COURSIER_*`` or ``PREFECT_*`` variables, so that neither the user's
store nor their Prefect server, blocks or key can be reached from it, and relays what it prints;
it then gives the commands that show the results again.

The child (``python -m coursier.deployments.demo``) starts the sandbox and a local Prefect
server, sets up three dossiers (credentials at two scopes, M2M on for DSN and FCTU, off for
signals), writes the month's files (one of each nature, one with a blocking error, one test file
with a notice), runs the deposit flow for each dossier and the returns control, then prints the
control table.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.text import Text

from coursier.deployments.control_cli import load_rows, print_rows
from coursier.deployments.dsn_report import print_check_report
from coursier.deployments.home import world_variables
from coursier.deployments.local_prefect import local_prefect_server
from coursier.deployments.sandbox_world import Declarant, WorldDossier, install_world
from coursier.flows.dsn_deposit import dsn_deposit
from coursier.flows.dsn_returns import dsn_returns
from coursier.models.dsn import samples, writer
from coursier.models.dsn.checks import check_stream
from coursier.models.dsn.records import Contract, Employee, Envoi, Record
from coursier.sandbox.documents import ReturnDelays
from coursier.sandbox.server import SandboxServer
from coursier.settings import CoursierSettings
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
DEMO_DELAYS = ReturnDelays(aee=0, bilan=1, crm_nominatif=2, crm_financier=3, aer=2)
#: The user's variables the demo's world never inherits: their store, Prefect API, key….
FOREIGN_PREFIXES = ("COURSIER_", "PREFECT_", "ORION_")
UI_DEMO_PORT = 4201  # the Makefile's ui-demo


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


def run_demo(home: Path, console: Console) -> int:
    """Run the demo in its world, ``home/demo``; 0 when every run completed."""
    world = home.resolve() / "demo"
    shutil.rmtree(world, ignore_errors=True)
    world.mkdir(parents=True)
    command = [sys.executable, "-m", "coursier.deployments.demo"]
    command += ["--width", str(console.width), *(["--color"] if console.is_terminal else [])]
    with subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command,
        env=world_environment(world),
        cwd=world,  # no .env nor prefect.toml of the user's current folder
        stdout=subprocess.PIPE,
        encoding="utf-8",
        errors="replace",
    ) as child:
        assert child.stdout is not None
        for line in child.stdout:
            console.print(Text.from_ansi(line.rstrip("\n")), soft_wrap=True)
    console.print("\nPour revoir la démo :", markup=False)
    for line in next_steps(home.resolve(), world, Path.cwd(), os.environ):
        console.print(f"  {line}", markup=False, highlight=False)
    return child.returncode


def world_environment(world: Path) -> dict[str, str]:
    """The demo's process environment: the user's, less every variable naming their state,
    plus the world's own (``COURSIER_HOME``, Prefect's home, a key of its own)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN_PREFIXES)}
    return {
        **inherited,
        **world_variables(world, inherited),
        # The demo speaks to a payroll manager: Prefect's INFO lines stay in the UI's logs.
        "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING",
        "PYTHONIOENCODING": "utf-8",
    }


def next_steps(home: Path, world: Path, cwd: Path, environ: Mapping[str, str]) -> list[str]:
    """The commands that show the demo's results, as typed from ``cwd`` in ``environ``: a
    ``COURSIER_DATABASE_URL`` there would point them at the user's store, so it is emptied."""
    shown = shlex.quote(str(world.relative_to(cwd) if world.is_relative_to(cwd) else world))
    coursier = f"coursier --home {shown}"
    if environ.get("COURSIER_DATABASE_URL"):
        coursier = f"COURSIER_DATABASE_URL= {coursier}"
    make = "make ui-demo"  # the Makefile's COURSIER_HOME is the checkout's var/
    if home != cwd / "var":
        make += f" COURSIER_HOME={shlex.quote(str(home))}"
    return [
        f"{coursier} dsn control    # le tableau de contrôle des dépôts",
        f"{coursier} audit          # la piste d'audit",
        f"{make}    # Prefect : exécutions, journaux, artefacts (http://127.0.0.1:{UI_DEMO_PORT})",
    ]


def main() -> None:
    """The demo inside its world (``run_demo`` starts it): the exit code is the number of
    dossiers whose run did not complete."""
    parser = argparse.ArgumentParser(prog="coursier demo")
    parser.add_argument("--width", type=int, default=None)
    parser.add_argument("--color", action="store_true")
    options = parser.parse_args()
    console = Console(width=options.width, force_terminal=options.color, no_color=not options.color)
    raise SystemExit(_run(CoursierSettings(), console))


def _run(settings: CoursierSettings, console: Console) -> int:
    work = settings.home
    operator = getpass.getuser()
    console.print("[bold]coursier — dépôt DSN machine à machine[/] (bac à sable : rien de réel)")
    with (
        SandboxServer(seed=1, return_delays=DEMO_DELAYS) as sandbox,
        local_prefect_server(settings.prefect_home) as api,
    ):
        console.print(
            f"· Plateformes simulées : {sandbox.url('net-entreprises')}, {sandbox.url('izilio')}"
        )
        with open_store(settings.effective_database_url()) as store:
            text = install_world(
                store,
                sandbox,
                [BAKERY, GARAGE, ARCHITECTS],
                bureau=BUREAU,
                dossier_declarants={GARAGE.code: GARAGE_OWN},
                operator=operator,
                m2m_on=["dsn", "fctu"],
            )
        (work / "portefeuille.yaml").write_text(text, "utf-8")
        console.print(f"· Portefeuille : 3 dossiers importés depuis {work / 'portefeuille.yaml'}")
        console.print(
            f"· Identifiants : ceux du cabinet pour toute l'application ; le dossier {GARAGE.code}"
            " a les siens, prioritaires"
        )
        console.print(f"· Dépôt M2M de {operator} : DSN et FCTU activés, signalements désactivés")
        inboxes = write_demo_files(work / "depot")
        failures = 0
        for code, inbox in inboxes.items():
            _show_blocked(console, inbox)
            state = dsn_deposit(
                dossier=code,
                inbox=str(inbox),
                operator=operator,
                follow_returns_minutes=0.5,
                return_state=True,
            )
            console.print(f"· Dépôt du dossier {code} : {state.name} — {state.message}")
            failures += not state.is_completed()
        state = dsn_returns(operator=operator, return_state=True)
        console.print(f"· Contrôle des retours : {state.name} — {state.message}")
        print_rows(console, load_rows(settings=settings))
        for pdf in sorted(settings.aer_folder.rglob("*.pdf")):
            console.print(f"  AER : {pdf}")
        console.print(
            f"\nLes exécutions, leurs journaux et les tableaux de contrôle (artefacts "
            f"dsn-control-<dossier>) sont dans Prefect ({api.removesuffix('/api')} pendant la "
            "démo)."
        )
    return failures


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


if __name__ == "__main__":
    main()
