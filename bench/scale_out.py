"""Scale-out: 200 HR-sync runs of 1,000 employees each, through one process worker, then two.

The world: ``--runs`` Belgian companies of ``--employees`` each in Securex and, as last night's
sync left them, in Payflip (1 % raised since); the sandbox in a child process answering every
call ``--latency-ms`` late; a Prefect server on PostgreSQL (the distribution's, started as the
tests start it), the store on another database of it; every deployment on a process work pool
(``coursier deploy``'s own function). Each phase creates one ``hr-sync-now`` run per company
through the API and starts its workers (``prefect worker start --limit L``: the same per-worker
concurrency in both phases), each in a process group of its own, with its own homes, as
machines would; Payflip is put back to last night's state between phases. Each worker (and the
runs it starts) is a machine of its own (:mod:`machines`): a CPU cgroup allowed
``--cpus-per-worker`` cores (0.5 by default), the server, PostgreSQL and the sandbox outside it,
as on machines of their own; on a two-core box the workers would otherwise take the server's
core in one phase and not in the other. Where cgroups cannot be written, each worker is pinned
to cores of its own instead (``taskset``, ``--cores-per-worker``, 1 by default;
``--cores-per-worker 0`` leaves them unpinned). The runs are mostly CPU (each a process
importing Prefect and coursier, ~4 s), so sharing cores measures the box, not the scale-out.

Printed per phase: the runs' states, runs/minute from the first run created to the last one
final, and the peak calls a minute the sandbox saw on each platform (against its published
budget when it has one: HR sync calls none of the rate-limited platforms); then ``speedup: S``,
two workers' runs/minute over one's (target S ≥ 1.6).

    .venv/bin/python bench/scale_out.py [--runs 200] [--employees 1000] [--limit 4]
                                        [--cpus-per-worker 0.5] [--two-first]
"""

from __future__ import annotations

import os

# Prefect's INFO lines would drown the figures; set before Prefect is first imported.
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")

import argparse
import contextlib
import io
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx

from machines import NoCgroups, cpu_quota
from sandbox_process import SandboxProcess, SandboxStats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the tests' PostgreSQL server and Belgian numbers

from tests.conftest import PostgresServer, _server_user, postgres_bin  # noqa: E402
from tests.deployments.belgian_numbers import enterprise_numbers  # noqa: E402

BIN = Path(sys.executable).parent
POOL = "bench-machines"
CHANGED_EVERY = 100
FINISH_SECONDS = 3600


@contextlib.contextmanager
def postgres(folder: Path) -> Iterator[PostgresServer]:
    binaries = postgres_bin()
    if binaries is None:
        raise SystemExit("PostgreSQL introuvable : apt-get install -y postgresql")
    server = PostgresServer(bin=binaries, folder=folder, as_user=_server_user())
    server._give(folder)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def fill_securex(sandbox: SandboxProcess, vats: list[str], employees: int) -> None:
    with httpx.Client(timeout=300) as http:
        for vat in vats:
            company = {"vat": vat, "name": f"Banc {vat}", "count": employees}
            company["changed_every"] = CHANGED_EVERY
            http.post(sandbox.url("securex") + "/_sandbox/companies", json=company)


def last_night_in_payflip(sandbox: SandboxProcess, vats: list[str], employees: int, latency: int):
    """Payflip back to last night's sync of every company (a reset, its latency again); its
    new API key."""
    url = sandbox.url("payflip")
    with httpx.Client(timeout=300) as http:
        http.post(url + "/_sandbox/reset").raise_for_status()
        if latency:
            http.post(url + "/_sandbox/faults", json={"route": "*", "latency_ms": latency})
        for vat in vats:
            company = {"vat": f"BE{vat}", "name": f"Banc {vat}", "synced": employees}
            http.post(url + "/_sandbox/companies", json=company).raise_for_status()
        return http.get(url + "/_sandbox/key").json()["api_key"]


def install(store_url: str, sandbox: SandboxProcess, vats: list[str]) -> None:
    """One dossier per company, synced to Payflip; Securex's credentials for the application."""
    from coursier.connectors.credentials import save
    from coursier.connectors.securex.block import SecurexCredentials
    from coursier.models.portfolio import load_portfolio
    from coursier.store import open_store
    from coursier.store.portfolio import import_portfolio

    companies = "".join(
        f"""
      - country: BE
        number: "{vat}"
        name: Banc {vat}
        dossiers:
          - code: BANC_{vat}
            name: Banc {vat}
            platforms: {{hr-sync: payflip}}"""
        for vat in vats
    )
    text = f"directories:\n  - code: BANC\n    name: Banc\n    companies:{companies}\n"
    with open_store(store_url) as store, store.begin() as session:
        import_portfolio(session, load_portfolio(text, "banc.yaml", "yaml"))
    client = httpx.get(sandbox.url("securex") + "/_sandbox/client").json()
    save(SecurexCredentials(**client, base_url=sandbox.url("securex")), "securex")


def save_payflip(sandbox: SandboxProcess, api_key: str) -> None:
    from coursier.connectors.credentials import save
    from coursier.connectors.payflip.block import PayflipCredentials

    save(PayflipCredentials(api_key=api_key, base_url=sandbox.url("payflip")), "payflip")


def machine_prefixes(
    stack: contextlib.ExitStack, count: int, cpus: float, cores: int
) -> tuple[list[list[str]], str]:
    """The command prefix of each worker's machine, and how the machines are made."""
    try:
        prefixes = [
            stack.enter_context(cpu_quota(f"coursier-bench-{count}-{index}", cpus))
            for index in range(count)
        ]
        return prefixes, f"{cpus:g} core(s) of CPU time each (cgroup)"
    except NoCgroups as missing:
        if not cores:
            return [[] for _ in range(count)], f"shared cores ({missing})"
        pinned = [range(index * cores, (index + 1) * cores) for index in range(count)]
        return [
            ["taskset", "-c", ",".join(str(c % os.cpu_count()) for c in own)] for own in pinned
        ], f"{cores} core(s) each (taskset: {missing})"


def start_workers(
    prefixes: list[list[str]], limit: int, api: str, store_url: str, work: Path
) -> list:
    workers = []
    for index, prefix in enumerate(prefixes):
        home = work / f"machine-{len(prefixes)}-{index}"
        home.mkdir(parents=True)
        environment = {
            **os.environ,
            "PREFECT_API_URL": api,
            "PREFECT_HOME": str(home / "prefect"),
            "COURSIER_HOME": str(home / "coursier"),
            "COURSIER_DATABASE_URL": store_url,
            "PREFECT_LOGGING_LEVEL": "WARNING",
            "PREFECT_WORKER_QUERY_SECONDS": "1",
        }
        command = [str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--type", "process"]
        command += ["--name", home.name, "--limit", str(limit)]
        with (home / "worker.log").open("wb") as log:
            workers.append(
                subprocess.Popen(  # our venv's prefect, fixed arguments
                    [*prefix, *command],
                    env=environment,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    return workers


def stop(workers: list) -> None:
    for worker in workers:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def run_phase(vats: list[str], workers: list) -> tuple[float, Counter]:
    """Create one run per company; seconds until every one is final, and their states."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        [deployment] = [d for d in client.read_deployments() if d.name == "hr-sync-now"]
        started = time.perf_counter()
        ids = [
            client.create_flow_run_from_deployment(deployment.id, parameters={"company": v}).id
            for v in vats
        ]
        ours = FlowRunFilter(id=FlowRunFilterId(any_=ids))
        while True:
            runs = client.read_flow_runs(flow_run_filter=ours, limit=len(ids))
            if len(runs) == len(ids) and all(r.state.is_final() for r in runs):
                return time.perf_counter() - started, Counter(r.state.name for r in runs)
            if time.perf_counter() - started > FINISH_SECONDS or any(
                w.poll() is not None for w in workers
            ):
                raise SystemExit(
                    f"les exécutions ne finissent pas : {Counter(r.state.name for r in runs)}"
                )
            time.sleep(1)


def peaks(used: SandboxStats) -> str:
    from coursier.connectors.rate_limits import BUDGETS

    platforms = sorted({platform for platform, _ in used.per_second} | set(BUDGETS))
    shown = []
    for platform in platforms:
        budget = BUDGETS.get(platform)
        limit = f" (budget {budget.calls}/min)" if budget else ""
        shown.append(f"{platform} {used.peak_per_minute(platform)}{limit}")
    return ", ".join(shown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--employees", type=int, default=1000)
    parser.add_argument("--limit", type=int, default=4, help="runs at once per worker")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument(
        "--two-first",
        action="store_true",
        help="run the two-worker phase first (the first phase also warms the server)",
    )
    parser.add_argument(
        "--cpus-per-worker", type=float, default=0.5, help="CPU time of each worker's machine"
    )
    parser.add_argument(
        "--cores-per-worker",
        type=int,
        default=1,
        help="without cgroups: cores of each worker's own; 0: shared",
    )
    args = parser.parse_args()

    from coursier.deployments.encryption_key import new_key
    from coursier.deployments.local_prefect import local_prefect_server
    from coursier.deployments.serving import deploy_all

    vats = enterprise_numbers(args.runs)
    with (
        tempfile.TemporaryDirectory(prefix="scale-bench-") as folder,
        tempfile.TemporaryDirectory(prefix="scale-bench-pg-") as pg_folder,
        postgres(Path(pg_folder)) as database,
        SandboxProcess(latency_ms=args.latency_ms, accounts=[]) as sandbox,
    ):
        work = Path(folder)
        server_db = database.url(database.create_database())
        store_url = database.url(database.create_database())
        os.environ["COURSIER_HOME"] = str(work / "admin")
        server = {
            "PREFECT_SERVER_DATABASE_CONNECTION_URL": server_db.replace(
                "postgresql://", "postgresql+asyncpg://", 1
            ),
            "PREFECT_SERVER_ENCRYPTION_KEY": new_key(),
            "PREFECT_UI_ENABLED": "false",
        }
        with local_prefect_server(work / "server", settings=server) as api:
            started = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):  # Prefect's table of deployments
                deploy_all(POOL)
            fill_securex(sandbox, vats, args.employees)
            install(store_url, sandbox, vats)
            print(
                f"{args.runs} companies of {args.employees} employees ({100 // CHANGED_EVERY} % "
                f"changed), sandbox latency {args.latency_ms} ms, {args.limit} runs at once per "
                f"worker; set up in {time.perf_counter() - started:.0f} s; load average "
                f"{os.getloadavg()[0]:.1f}"
            )
            rates = {}
            for count in (2, 1) if args.two_first else (1, 2):
                save_payflip(
                    sandbox, last_night_in_payflip(sandbox, vats, args.employees, args.latency_ms)
                )
                before = sandbox.stats()
                with contextlib.ExitStack() as machines:
                    prefixes, made = machine_prefixes(
                        machines, count, args.cpus_per_worker, args.cores_per_worker
                    )
                    workers = start_workers(prefixes, args.limit, api, store_url, work)
                    try:
                        elapsed, states = run_phase(vats, workers)
                    finally:
                        stop(workers)
                used = sandbox.stats() - before
                rates[count] = args.runs / elapsed * 60
                print(
                    f"{count} worker(s), {made}: {args.runs} runs in {elapsed:.0f} s, "
                    f"{rates[count]:.1f} runs/min ({dict(states)}); peak calls/min: "
                    f"{peaks(used)}; load average {os.getloadavg()[0]:.1f}"
                )
            print(f"speedup: {rates[2] / rates[1]:.2f}")


if __name__ == "__main__":
    main()
