"""Deposit speed: 500 DSN files deposited and followed to their final state, 50 ms per request.

Baseline: one file after the other with the client (self-check, deposit, list the returns until
the bilan, download them), as a script without the flow would. Then the deposit flow on the same
kind of files, with its bounded concurrency. The sandbox runs in a child process (the platform's
own work must not share our interpreter's lock), with 50 ms of latency on every request.
Target (issue #3): speedup ≥ 8, and no file deposited twice.

    .venv/bin/python bench/dsn_deposit.py [--files 500] [--employees 50]
"""

from __future__ import annotations

import os

# Prefect's INFO lines would drown the figures; set before Prefect is first imported.
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")

import argparse
import getpass
import multiprocessing
import tempfile
import time
from collections import Counter
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path

import httpx

from coursier.deployments.sandbox_world import Declarant, WorldDossier, credentials_for
from coursier.models.dsn import samples, writer

PLATFORM = "net-entreprises"
OCTOBER = date(2026, 10, 1)
DOSSIER = WorldDossier("BENCH-01", "Banc d'essai", samples.Employer.from_seed(31415926, "BANC"))
#: Its password is drawn in this process and handed to the sandbox's process.
BUREAU = Declarant(samples.Employer.from_seed(27182818).siret, "BANC", "Essai")


def serve_sandbox(pipe: Connection, latency_ms: int, bureau: Declarant) -> None:
    """Child process: the sandbox with the bench's account, until the parent says stop."""
    from coursier.deployments.sandbox_world import open_accounts
    from coursier.sandbox.documents import ReturnDelays
    from coursier.sandbox.server import SandboxServer

    # The bilan at once; CRM and AER much later, so that "final" means the same in both runs.
    delays = ReturnDelays(aee=0, bilan=0, crm_nominatif=3600, crm_financier=3600, aer=3600)
    with SandboxServer(seed=7, return_delays=delays, latency_ms=latency_ms) as sandbox:
        open_accounts(sandbox, [DOSSIER], bureau=bureau)
        pipe.send(sandbox.url(PLATFORM))
        pipe.recv()


def write_files(folder: Path, count: int, employees: int, first_seed: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        records = samples.monthly_dsn(DOSSIER.employer, OCTOBER, employees, seed=first_seed + index)
        path = folder / f"dsn-{index:04d}.dsn"
        path.write_bytes(writer.write_bytes(records, newline="\r\n"))
        paths.append(path)
    return paths


def sequential(base_url: str, paths: list[Path]) -> None:
    """The baseline: every step of every file, one after the other."""
    from coursier.connectors.net_entreprises.client import NetEntreprisesClient
    from coursier.models.dsn.checks import check_stream

    block = credentials_for(BUREAU, base_url, "application", None, PLATFORM)
    with NetEntreprisesClient(block) as client:
        for path in paths:
            with path.open("rb") as stream:
                assert check_stream(stream).can_be_deposited
            idflux = client.deposit(path.read_bytes()).idflux
            while True:
                entries = client.list_flux_returns(idflux)
                if any(entry.nature == "11" for entry in entries):
                    break
            for entry in entries:
                client.download(entry)


def with_the_flow(base_url: str, inbox: Path, home: Path) -> str:
    from coursier.deployments.sandbox_world import install_bureau
    from coursier.flows.dsn_deposit import dsn_deposit
    from coursier.settings import CoursierSettings
    from coursier.store import open_store

    os.environ["COURSIER_HOME"] = str(home)
    operator = getpass.getuser()
    with open_store(CoursierSettings().effective_database_url()) as store:
        install_bureau(store, {PLATFORM: base_url}, [DOSSIER], bureau=BUREAU, operator=operator)
    started = time.perf_counter()
    state = dsn_deposit(
        dossier=DOSSIER.code,
        inbox=str(inbox),
        operator=operator,
        follow_returns_minutes=5,
        return_state=True,
    )
    elapsed = time.perf_counter() - started
    if not state.is_completed() or state.name == "Partial":
        raise SystemExit(f"the flow did not complete: {state.name} {state.message}")
    return f"{elapsed:.6f}"


def received(base_url: str) -> Counter[str]:
    """sha256 → how many times the sandbox received that file."""
    deposits = httpx.get(f"{base_url}/_sandbox/deposits", timeout=30).json()
    items = deposits["deposits"] if isinstance(deposits, dict) else deposits
    return Counter(item["sha256"] for item in items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--employees", type=int, default=50)
    parser.add_argument("--latency-ms", type=int, default=50)
    args = parser.parse_args()
    from coursier.deployments.local_prefect import local_prefect_server

    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(
        target=serve_sandbox, args=(child, args.latency_ms, BUREAU), daemon=True
    )
    process.start()
    base_url = parent.recv()
    try:
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            baseline_files = write_files(work / "baseline", args.files, args.employees, 0)
            write_files(work / "flow", args.files, args.employees, 10**6)
            print(f"{args.files} files of {args.employees} employees, {args.latency_ms} ms latency")
            started = time.perf_counter()
            sequential(base_url, baseline_files)
            baseline = time.perf_counter() - started
            with local_prefect_server(work / "prefect"):
                flow = float(with_the_flow(base_url, work / "flow", work / "var"))
            counts = received(base_url)
    finally:
        parent.send("stop")
        process.join(30)
    duplicates = sum(1 for n in counts.values() if n > 1)
    print(f"sequential: {args.files / baseline:.2f} files/s ({baseline:.1f} s)")
    print(f"flow:       {args.files / flow:.2f} files/s ({flow:.1f} s)")
    print(
        f"deposits received: {sum(counts.values())} for {2 * args.files} files, "
        f"{duplicates} duplicate(s)"
    )
    print(f"speedup: {baseline / flow:.2f}")


if __name__ == "__main__":
    main()
