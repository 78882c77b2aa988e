"""``make demo``: a firm's month end, every procedure against the sandbox, a few faults on.

The demo lives in a world of its own, ``<home>/demo`` (emptied at each run): its own store,
Prefect home and encryption key. :func:`run_demo` runs it in a child process whose environment
holds none of the user's ``COURSIER_*`` or ``PREFECT_*`` variables, so that neither the user's
store nor their Prefect server, blocks or key can be reached from it, and relays what it prints;
it then gives the commands that show the results again.

The child (``python -m coursier.deployments.demo``) starts the sandbox and a local Prefect
server, runs the month-end cycle (:mod:`coursier.deployments.month_end`: each procedure's step,
DSN deposit and returns, PAS CRM, HR sync, client import plan, Cegid Flow onboarding and watch)
and ends with its summary; its exit code is the number of steps that ended in error.
"""

from __future__ import annotations

import argparse
import getpass
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from rich.console import Console
from rich.text import Text

from coursier.deployments.home import world_variables
from coursier.deployments.local_prefect import local_prefect_server
from coursier.deployments.month_end import Cycle, Verdict, print_summary, run_cycle
from coursier.sandbox.documents import ReturnDelays
from coursier.sandbox.server import SandboxServer
from coursier.settings import CoursierSettings

#: The bilan and the AER in a second or two, as a deposit's follow-up sees them; the CRM, as on
#: the real platform, well after any follow-up has ended: the PAS step moves the sandbox's clock
#: past them, so what its cut association fails on never depends on how fast the machine is.
DEMO_DELAYS = ReturnDelays(aee=0, bilan=1, crm_nominatif=600, crm_financier=600, aer=2)
#: The user's variables the demo's world never inherits: their store, Prefect API, key….
FOREIGN_PREFIXES = ("COURSIER_", "PREFECT_", "ORION_")
UI_DEMO_PORT = 4201  # the Makefile's ui-demo
#: A demo's month end in minutes, not hours: the sandbox's cuts and loads pass in seconds.
DEMO_PACING = {
    "COURSIER_PAS_RETRY_PAUSE_SECONDS": "1",
    "COURSIER_CEGID_LOAD_POLL_SECONDS": "1",
    "COURSIER_CEGID_LOAD_TIMEOUT_SECONDS": "5",
}


def run_demo(home: Path, console: Console) -> int:
    """Run the demo in its world, ``home/demo``; 0 when no procedure ended in error."""
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
        **DEMO_PACING,
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
    procedures that ended in error."""
    parser = argparse.ArgumentParser(prog="coursier demo")
    parser.add_argument("--width", type=int, default=None)
    parser.add_argument("--color", action="store_true")
    options = parser.parse_args()
    console = Console(width=options.width, force_terminal=options.color, no_color=not options.color)
    raise SystemExit(_run(CoursierSettings(), console))


def _run(settings: CoursierSettings, console: Console) -> int:
    console.print(
        "[bold]coursier — la fin de mois d'un cabinet[/] (bac à sable, quelques pannes "
        "simulées : rien de réel)"
    )
    with (
        SandboxServer(seed=1, return_delays=DEMO_DELAYS) as sandbox,
        local_prefect_server(settings.prefect_home) as api,
    ):
        cycle = Cycle(sandbox, settings, console, getpass.getuser())
        results = run_cycle(cycle)
        print_summary(
            console,
            results,
            f"{api.removesuffix('/api')} pendant la démo, puis http://127.0.0.1:{UI_DEMO_PORT} "
            "avec make ui-demo",
        )
    return sum(result.verdict is Verdict.ERROR for result in results)


if __name__ == "__main__":
    main()
