"""Deposit speed: a dossier's DSN deposited and followed to their final state, against its floor.

The files: 500 monthly DSN of one dossier whose company (one SIREN) has 125 establishments
(SIRET = SIREN + NIC), four months each, every establishment in the dossier and authorised for
the bureau's account. Why many establishments: exactly-once lets at most one deposit of a group
(same account, SIRET, nature, type) be in flight or of unknown fate, because the platform's
listing could not tell two of them apart; 500 files of one establishment would be sent one
after the other by design, whereas a bureau's real volume is many establishments and natures.

Baseline: one file after the other with the client (self-check, deposit, list the returns until
the bilan, download them), as a script without the flow would. Then the deposit flow on files of
the same kind, with its bounded concurrency; then the flow again under faults: 10 % of the
deposit answers cut, 5 % 503 on every route. The sandbox runs in a child process (the platform's
work must not share our interpreter's lock), with 50 ms of latency on every request, and reports
its CPU time and the requests it received.

The floor the flow cannot beat, measured in the same run: the CPU of self-checking the files
divided by the cores (the flow checks them in worker processes), the sandbox's CPU during the
flow, and the latency floor (requests received × latency ÷ the configured concurrency).
Targets (issue #3, part 3): speedup ≥ 12, flow/floor ≤ 1.5, and under
faults no file lost (never received, or not final) and none received twice.

    .venv/bin/python bench/dsn_deposit.py [--files 500] [--establishments 125] [--employees 50]
        [--latency-ms 50] [--baseline-files N] [--no-faults] [--arrival-grace 5]
        [--trace] [--profile DIR]

About 3 minutes on 2 cores, two thirds of it the baseline; ``--baseline-files 20`` times it on
20 files and scales it, for quick runs while working on the flow.

``--arrival-grace``: how long reconciliation waits before a deposit the listing does not show
counts as never arrived (then sent again). The sandbox lists a deposit at once, so 5 s is its
margin; the product's default, 120 s, is kept for the real platform. Under faults, each deposit
of unknown fate (a cut, a 503) holds its establishment's next file for that long.
``--profile DIR``: during the clean flow run, py-spy samples the threads holding the GIL in the
flow process and the sandbox (``flow.txt``, ``sandbox.txt``: raw stacks) and cProfile times every
thread of the flow process on its own CPU clock (``flow-cpu.pstats``); the run is slower so.
``--trace``: each flow run's store transactions (by opener and thread, with the time waiting for
SQLite's write lock), Prefect API calls, reconciliations and coursier's sleeps (``tracing.py``).
"""

from __future__ import annotations

import os

# Prefect's INFO lines would drown the figures; set before Prefect is first imported.
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")

import argparse
import getpass
import logging
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import httpx

from coursier.deployments.sandbox_world import Declarant, credentials_for
from coursier.models.dsn import samples, writer
from establishments import ChainDossier, install, months_back
from sandbox_process import SandboxProcess, SandboxStats
from tracing import CpuProfile, Trace

PLATFORM = "net-entreprises"
LAST_MONTH = date(2026, 10, 1)
HEAD_OFFICE = samples.Employer.from_seed(31415926, "SAS BANC D'ESSAI")
#: Their passwords are drawn in this process and handed to the sandbox's process. The fault run
#: has an account of its own, so that its listings hold only its own deposits.
BUREAU = Declarant(samples.Employer.from_seed(27182818).siret, "BANC", "Essai")
FAULT_BUREAU = Declarant(samples.Employer.from_seed(16180339).siret, "PANNE", "Essai")
FINAL = frozenset({"accepted", "anomalies", "rejected"})
#: Their warnings (one per retry, one per deposit of unknown fate) are counted, not printed.
QUIET_LOGGERS = ("coursier.connectors.http", "coursier.tasks.reconciling", "coursier.tasks.returns")


def write_files(
    folder: Path, dossier: ChainDossier, count: int, employees: int, first_seed: int
) -> list[Path]:
    """``count`` monthly DSN spread over the establishments, the latest months first, named as a
    payroll package names them (SIRET, month): files of one establishment sit side by side."""
    folder.mkdir(parents=True, exist_ok=True)
    places = dossier.establishments
    months = months_back(LAST_MONTH, -(-count // len(places)))
    paths = []
    for index in range(count):
        employer, month = places[index % len(places)], months[index // len(places)]
        records = samples.monthly_dsn(employer, month, employees, seed=first_seed + index)
        path = folder / f"dsn-{employer.siret}-{month:%Y%m}.dsn"
        path.write_bytes(writer.write_bytes(records, newline="\r\n"))
        paths.append(path)
    return paths


def check_cpu(paths: list[Path]) -> float:
    """CPU seconds of reading and self-checking the files, as the flow's first task does."""
    from coursier.tasks.dsn_reading import read_and_check

    started = time.process_time()
    for path in paths:
        assert all(c.blocking == 0 for c in read_and_check(path)), path
    return time.process_time() - started


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
                entries = client.list_flux_returns(idflux).entries
                if any(entry.nature == "11" for entry in entries):
                    break
            for entry in entries:
                client.download(entry)


@dataclass
class FlowRun:
    elapsed: float
    sandbox: SandboxStats
    own_cpu: tuple[float, float]  # this process (user, system): the flow, its threads, Prefect
    prefect_cpu: float  # the local Prefect server's processes
    concurrency: int
    state: str
    phases: list[tuple[str, float]] = field(default_factory=list)
    ledger: Counter[str] = field(default_factory=Counter)  # state → files
    ledger_by_sha: dict[str, str] = field(default_factory=dict)
    warnings: Counter[str] = field(default_factory=Counter)  # logger → warnings kept quiet


class Quiet(logging.Filter):
    """Counts, instead of printing, the connector's warnings (a retry after each 503)."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[str] = Counter()

    def filter(self, record: logging.LogRecord) -> bool:
        self.counts[record.name] += 1
        return False


def with_the_flow(
    sandbox: SandboxProcess,
    dossier: ChainDossier,
    bureau: Declarant,
    inbox: Path,
    home: Path,
    profile: Path | None = None,
    trace: Trace | None = None,
) -> FlowRun:
    from coursier.flows.dsn_deposit import dsn_deposit
    from coursier.settings import CoursierSettings
    from coursier.store import open_store

    os.environ["COURSIER_HOME"] = str(home)
    settings = CoursierSettings()
    operator = getpass.getuser()
    with open_store(settings.effective_database_url()) as store:
        install(store, sandbox.url(PLATFORM), dossier, bureau=bureau, operator=operator)
    if profile:
        profile.mkdir(parents=True, exist_ok=True)
    spies = _spy(profile, [os.getpid(), sandbox.pid]) if profile else []
    cpu_profile = CpuProfile() if profile else None
    others = {sandbox.pid, *(spy.pid for spy in spies)}
    before, prefect_before = sandbox.stats(), _tree_cpu(os.getpid(), skip=others)
    if trace:
        trace.clear()
        trace.on = True
    if cpu_profile:
        cpu_profile.start()
    quiet = Quiet()
    for name in QUIET_LOGGERS:
        logging.getLogger(name).addFilter(quiet)
    own_before, started = os.times(), time.perf_counter()
    state = dsn_deposit(
        dossier=dossier.code,
        inbox=str(inbox),
        operator=operator,
        follow_returns_minutes=5,
        return_state=True,
    )
    elapsed = time.perf_counter() - started
    own_after = os.times()
    own = (own_after.user - own_before.user, own_after.system - own_before.system)
    if trace:
        trace.on = False
    for name in QUIET_LOGGERS:
        logging.getLogger(name).removeFilter(quiet)
    if cpu_profile and profile:
        cpu_profile.stop(str(profile / "flow-cpu.pstats"))
    used = sandbox.stats() - before
    prefect = _tree_cpu(os.getpid(), skip=others) - prefect_before
    for spy in spies:
        spy.send_signal(2)
        spy.wait(60)
    run = FlowRun(
        elapsed,
        used,
        own,
        prefect,
        settings.deposit_concurrency,
        _state_name(state),
        _phases(state),
    )
    with open_store(settings.effective_database_url()) as store:
        run.ledger_by_sha = _ledger(store, dossier.code)
    run.ledger = Counter(run.ledger_by_sha.values())
    run.warnings = quiet.counts
    return run


def _state_name(state) -> str:
    name = state.name if state.is_completed() else f"{state.type.value} {state.name}"
    return f"{name}: {state.message}" if state.message and name != "Completed" else name


def _ledger(store, dossier: str) -> dict[str, str]:
    from sqlalchemy import select

    from coursier.store.ledger_tables import Deposit

    with store.begin() as session:
        rows = session.execute(
            select(Deposit.file_sha256, Deposit.state).where(Deposit.dossier == dossier)
        )
        return {sha: state for sha, state in rows}


def _phases(state) -> list[tuple[str, float]]:
    """The flow's task runs and how long each took, in order (from the Prefect API)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    try:
        with get_client(sync_client=True) as client:
            runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(
                    id=FlowRunFilterId(any_=[state.state_details.flow_run_id])
                )
            )
    except Exception as error:  # the figures stand without the breakdown
        return [(f"(task runs unreadable: {type(error).__name__})", 0.0)]
    runs = sorted((r for r in runs if r.start_time), key=lambda r: r.start_time)
    return [
        (r.name.rsplit("-", 1)[0], (r.end_time - r.start_time).total_seconds())
        for r in runs
        if r.end_time
    ]


def _tree_cpu(pid: int, skip: set[int | None]) -> float:
    """CPU seconds (user + system) of ``pid``'s descendants, ``skip`` and theirs left out."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for child in _children(pid):
        if child in skip:
            continue
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
        total += _tree_cpu(child, skip)
    return total


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _spy(folder: Path, pids: list[int | None]) -> list[subprocess.Popen]:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        print("(--profile: py-spy not found; pip install py-spy into the venv)")
        return []
    folder.mkdir(parents=True, exist_ok=True)
    names = ["flow", "sandbox"]
    spies = []
    for name, pid in zip(names, pids, strict=True):
        command = [spy, "record", "--pid", str(pid), "--rate", "100", "--gil", "--threads"]
        command += ["--format", "raw", "--output", str(folder / f"{name}.txt"), "--nonblocking"]
        spies.append(subprocess.Popen(command, stdout=subprocess.DEVNULL))
    time.sleep(1.0)  # let them attach
    return spies


def received(base_url: str) -> Counter[str]:
    """sha256 → how many times the sandbox received that file."""
    deposits = httpx.get(f"{base_url}/_sandbox/deposits", timeout=30).json()
    items = deposits["deposits"] if isinstance(deposits, dict) else deposits
    return Counter(item["sha256"] for item in items)


def timeline(base_url: str, account_siret: str) -> str:
    """Deposits the sandbox received from one account, per second of the run."""
    deposits = httpx.get(f"{base_url}/_sandbox/deposits", timeout=30).json()
    moments = sorted(
        datetime.fromisoformat(d["received_at"])
        for d in deposits
        if d["account_siret"] == account_siret
    )
    if not moments:
        return "deposits per second: none"
    seconds = Counter(int((m - moments[0]).total_seconds()) for m in moments)
    last = max(seconds)
    return "deposits per second: " + " ".join(str(seconds.get(s, 0)) for s in range(last + 1))


def set_faults(base_url: str, latency_ms: int) -> None:
    from coursier.sandbox.faults import Fault, FaultKind

    rules = [
        Fault(route="deposer-dsn", kind=FaultKind.CUT_RESPONSE, rate=0.1),
        # "*" also carries the sandbox's latency: this rule replaces the one it had.
        Fault(
            route="*",
            kind=FaultKind.STATUS,
            status=503,
            rate=0.05,
            retry_after=0,
            latency_ms=latency_ms,
        ),
    ]
    for rule in rules:
        httpx.post(f"{base_url}/_sandbox/faults", json=rule.model_dump(mode="json"), timeout=30)


def clear_faults(base_url: str, latency_ms: int) -> None:
    from coursier.sandbox.faults import Fault

    httpx.delete(f"{base_url}/_sandbox/faults", timeout=30)
    latency = Fault(route="*", latency_ms=latency_ms).model_dump(mode="json")
    httpx.post(f"{base_url}/_sandbox/faults", json=latency, timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--establishments", type=int, default=125, help="0: one file each")
    parser.add_argument("--employees", type=int, default=50)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument(
        "--baseline-files", type=int, help="time the baseline on fewer files, scaled (quick runs)"
    )
    parser.add_argument("--no-faults", action="store_true", help="skip the run under faults")
    parser.add_argument(
        "--trace", action="store_true", help="store transactions, Prefect calls, sleeps"
    )
    parser.add_argument("--profile", type=Path, help="py-spy and cProfile of the clean flow run")
    parser.add_argument(
        "--arrival-grace",
        type=float,
        default=5.0,
        help="seconds the platform's listing may take to show a deposit (COURSIER_ARRIVAL_GRACE_"
        "SECONDS; the product's default, 120, is for the real platform: the sandbox lists at once)",
    )
    args = parser.parse_args()
    # The flow reads its settings at its edge, as a deployment's run would: this process's.
    os.environ["COURSIER_ARRIVAL_GRACE_SECONDS"] = str(args.arrival_grace)
    from coursier.deployments.local_prefect import local_prefect_server

    dossier = ChainDossier(
        "BENCH-01", "Banc d'essai", HEAD_OFFICE, args.establishments or args.files
    )
    sirets = frozenset(dossier.sirets)
    accounts = [(BUREAU, sirets), (FAULT_BUREAU, sirets)]
    sandbox = SandboxProcess(
        latency_ms=args.latency_ms,
        accounts=accounts,
    )
    trace = Trace() if args.trace else None
    if trace:
        trace.install()
    with (
        sandbox,
        tempfile.TemporaryDirectory() as folder,
        ThreadPoolExecutor(1, thread_name_prefix="write") as writer_pool,
    ):
        work = Path(folder)
        sampled = min(args.baseline_files or args.files, args.files)
        sets = {"baseline": (sampled, 0), "flow": (args.files, 10**6)}
        if not args.no_faults:
            sets["faults"] = (args.files, 2 * 10**6)
        # The files are written while Prefect's server starts (~10 s); nothing is timed then.
        writing = {
            name: writer_pool.submit(write_files, work / name, dossier, n, args.employees, seed)
            for name, (n, seed) in sets.items()
        }
        with local_prefect_server(work / "prefect"):
            files = {name: future.result() for name, future in writing.items()}
            print(
                f"{args.files} files of {args.employees} employees over {len(sirets)} "
                f"establishments of one SIREN, {args.latency_ms} ms latency, arrival grace "
                f"{args.arrival_grace:g} s"
            )
            checking = check_cpu(files["flow"])
            before, started = sandbox.stats(), time.perf_counter()
            sequential(sandbox.url(PLATFORM), files["baseline"])
            baseline = (time.perf_counter() - started) * args.files / sampled
            used = sandbox.stats() - before
            scaled = f", timed on {sampled} files and scaled" if sampled < args.files else ""
            print(
                f"sequential: {args.files / baseline:.2f} files/s ({baseline:.1f} s{scaled}), "
                f"{used.total_requests / sampled:.2f} requests per file, "
                f"sandbox CPU {used.cpu * args.files / sampled:.1f} s"
            )
            clean = with_the_flow(
                sandbox, dossier, BUREAU, work / "flow", work / "var", args.profile, trace
            )
            report("flow", clean, files["flow"], received(sandbox.url(PLATFORM)), args)
            if trace:
                print("\n".join(trace.lines()))
            faulty = None
            if not args.no_faults:
                set_faults(sandbox.url(PLATFORM), args.latency_ms)
                try:
                    faulty = with_the_flow(
                        sandbox,
                        dossier,
                        FAULT_BUREAU,
                        work / "faults",
                        work / "var-faults",
                        trace=trace,
                    )
                finally:
                    clear_faults(sandbox.url(PLATFORM), args.latency_ms)
                lost, duplicated = report(
                    "faults", faulty, files["faults"], received(sandbox.url(PLATFORM)), args
                )
                if trace:
                    print("\n".join(trace.lines()))
                    print("  " + timeline(sandbox.url(PLATFORM), FAULT_BUREAU.siret))
    cores = len(os.sched_getaffinity(0))
    floors = {
        f"self-check CPU ÷ {cores} cores": checking / cores,
        "sandbox CPU": clean.sandbox.cpu,
        "latency": clean.sandbox.total_requests * args.latency_ms / 1000 / clean.concurrency,
    }
    bound = max(floors, key=floors.__getitem__)
    floor = floors[bound]
    print(
        f"floor: {floor:.1f} s, the {bound} ("
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in floors.items())
        + ")"
    )
    everything = sum(clean.own_cpu) + checking + clean.sandbox.cpu + clean.prefect_cpu
    print(
        f"not a floor, the product's own cost: the flow process's CPU {sum(clean.own_cpu):.1f} s "
        f"(one interpreter lock); all processes' CPU ÷ {cores} cores {everything / cores:.1f} s"
    )
    print(f"speedup: {baseline / clean.elapsed:.2f}  (target ≥ 12)")
    print(f"flow/floor: {clean.elapsed / floor:.2f}  (target ≤ 1.5)")
    if faulty is not None:
        print(f"speedup under faults: {baseline / faulty.elapsed:.2f}")
        print(f"files lost: {lost}, duplicated: {duplicated}  (target 0 and 0)")


def report(
    name: str, run: FlowRun, files: list[Path], counts: Counter[str], args: argparse.Namespace
) -> tuple[int, int]:
    """Print one flow run's figures; (files lost, files received more than once)."""
    import hashlib

    shas = [hashlib.sha256(p.read_bytes()).hexdigest() for p in files]
    lost = sum(1 for s in shas if not counts[s] or run.ledger_by_sha.get(s) not in FINAL)
    duplicated = sum(1 for s in shas if counts[s] > 1)
    requests = run.sandbox.total_requests
    print(
        f"{name + ':':<11} {args.files / run.elapsed:.2f} files/s ({run.elapsed:.1f} s), "
        f"{run.state}; {sum(counts[s] for s in shas)} deposits received for {len(shas)} files, "
        f"{lost} lost, {duplicated} duplicated"
    )
    print(
        f"  requests: {requests} ({requests / len(shas):.2f} per file): "
        + ", ".join(f"{route.split('/', 1)[1]} {n}" for route, n in run.sandbox.requests.items())
    )
    print(
        f"  CPU: flow process {sum(run.own_cpu):.1f} s (user {run.own_cpu[0]:.1f}, system "
        f"{run.own_cpu[1]:.1f}; the self-check's worker processes aside), "
        f"sandbox {run.sandbox.cpu:.1f} s, "
        f"Prefect server {run.prefect_cpu:.1f} s; concurrency {run.concurrency}"
    )
    print("  tasks: " + ", ".join(f"{task} {seconds:.1f} s" for task, seconds in run.phases))
    print("  ledger: " + ", ".join(f"{state} {n}" for state, n in sorted(run.ledger.items())))
    if run.warnings:
        print("  warnings: " + ", ".join(f"{n} from {name}" for name, n in run.warnings.items()))
    return lost, duplicated


if __name__ == "__main__":
    main()
