"""Scale-out on loopback: a Prefect server on PostgreSQL, the store on PostgreSQL, ``coursier
init`` and ``coursier deploy --work-pool P`` run as an administrator would, two process workers
on the pool, the sandbox with a few faults; 40 runs of four procedures (HR sync, client-import
plan, PAS CRM, DSN deposit) created through the API. Every run ends, once, on one worker; both
workers took some; no employee created twice, no DSN file deposited twice; AdminPulse's budget,
shrunk to the sandbox's window, held by the two workers together."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType

from coursier.connectors import credentials
from coursier.connectors.accounton.block import AccountonCredentials
from coursier.connectors.adminpulse.block import AdminPulseCredentials
from coursier.connectors.payflip.block import PayflipCredentials
from coursier.connectors.rate_limits import BUDGETS, CallBudget, ensure_rate_limits
from coursier.connectors.securex.block import SecurexCredentials
from coursier.deployments.encryption_key import new_key
from coursier.deployments.local_prefect import local_prefect_server
from coursier.deployments.sandbox_world import install_world
from coursier.models.dsn import samples, writer
from coursier.models.portfolio import load_portfolio
from coursier.sandbox.faults import Fault, FaultKind
from coursier.sandbox.server import SandboxServer
from coursier.store import open_store
from coursier.store.portfolio import import_portfolio
from tests.deployments.belgian_numbers import enterprise_numbers
from tests.flows.world import BAKERY, BUREAU, GARAGE, OCTOBER, OPERATOR

pytestmark = [pytest.mark.long, pytest.mark.scale_out]

BIN = Path(sys.executable).parent
POOL = "coursier-machines"
WORKERS = ("machine-a", "machine-b")
RUNS_AT_ONCE = 4  # per worker: `prefect worker start --limit`
HR_COMPANIES, EMPLOYEES = 8, 30
PLANS, PAS_RUNS, FILES = 12, 8, 4
CLIENTS_DOSSIER = "CLI_IPP"
#: AdminPulse's window and the firm's budget, shrunk so that 12 plans fill it.
SMALL = CallBudget("adminpulse", calls=30, seconds=3)
#: 40 runs: each a process of its own (Prefect and coursier imported in ~4 s of CPU), on two
#: cores shared by other tests.
FINISH_SECONDS = 600


VATS = enterprise_numbers(HR_COMPANIES + 1)
HR_VATS, CLIENTS_VAT = VATS[:HR_COMPANIES], VATS[-1]


def belgian_portfolio() -> str:
    companies = "".join(
        f"""
      - country: BE
        number: "{vat}"
        name: Entreprise {vat}
        dossiers:
          - code: RH_{vat}
            name: RH {vat}
            platforms: {{hr-sync: payflip}}"""
        for vat in HR_VATS
    )
    companies += f"""
      - country: BE
        number: "{CLIENTS_VAT}"
        name: Fiduciaire {CLIENTS_VAT}
        dossiers:
          - code: {CLIENTS_DOSSIER}
            name: Clients IPP
            platforms: {{client-import: adminpulse}}"""
    return f"directories:\n  - code: BXL\n    name: Bruxelles\n    companies:{companies}\n"


@dataclass
class Cluster:
    api: str
    store_url: str
    sandbox: SandboxServer
    folder: Path

    def environment(self, name: str, **extra: str) -> dict[str, str]:
        """A machine's environment: the shared server and store, its own homes."""
        return {
            **os.environ,
            "PREFECT_API_URL": self.api,
            "PREFECT_HOME": str(self.folder / name / "prefect"),
            "COURSIER_HOME": str(self.folder / name / "coursier"),
            "COURSIER_DATABASE_URL": self.store_url,
            "PREFECT_LOGGING_LEVEL": "WARNING",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            **extra,
        }

    def coursier(self, *args: str) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(BIN / "coursier"), *args],
            env=self.environment("admin"),
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done


@pytest.fixture
def cluster(tmp_path: Path, postgres_url_factory) -> Iterator[Cluster]:
    """The server (its database and block key its own), the store, the sandbox, all stopped
    after the test."""
    server_database = postgres_url_factory().replace("postgresql://", "postgresql+asyncpg://", 1)
    server = {
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": server_database,
        "PREFECT_SERVER_ENCRYPTION_KEY": new_key(),
        "PREFECT_UI_ENABLED": "false",
    }
    with (
        SandboxServer(seed=5) as sandbox,
        local_prefect_server(tmp_path / "server", settings=server) as api,
    ):
        yield Cluster(api, postgres_url_factory(), sandbox, tmp_path)


@pytest.fixture
def workers(cluster: Cluster) -> Iterator[list[subprocess.Popen]]:
    """Two process workers on the pool, each a machine of its own; their process groups
    killed at the end."""
    started = []
    for name in WORKERS:
        (cluster.folder / name).mkdir()
        log = (cluster.folder / f"{name}.log").open("wb")
        command = [str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--type", "process"]
        command += ["--name", name, "--limit", str(RUNS_AT_ONCE)]
        started.append(
            subprocess.Popen(  # our venv's prefect, fixed arguments
                command,
                env=cluster.environment(name, PREFECT_WORKER_QUERY_SECONDS="1"),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        log.close()
    try:
        yield started
    finally:
        for worker in started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGTERM)
        for worker in started:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()


def install(cluster: Cluster) -> dict[str, Path]:
    """Portfolio, credentials and data on both sides; the DSN inboxes, by dossier."""
    sandbox = cluster.sandbox
    with open_store(cluster.store_url) as store:
        install_world(store, sandbox, [BAKERY, GARAGE], bureau=BUREAU, operator=OPERATOR)
        with store.begin() as session:
            import_portfolio(session, load_portfolio(belgian_portfolio(), "be.yaml", "yaml"))
    securex, payflip = sandbox.state("securex"), sandbox.state("payflip")
    pulse, accounton = sandbox.state("adminpulse"), sandbox.state("accounton")
    for block, platform in (
        (
            SecurexCredentials(
                client_id=securex.client.client_id,
                client_secret=securex.client.client_secret,
                subscription_key=securex.client.subscription_key,
                base_url=sandbox.url("securex"),
            ),
            "securex",
        ),
        (PayflipCredentials(api_key=payflip.api_key, base_url=sandbox.url("payflip")), "payflip"),
        (
            AdminPulseCredentials(base_url=sandbox.url("adminpulse"), token=pulse.token),
            "adminpulse",
        ),
        (
            AccountonCredentials(
                base_url=sandbox.url("accounton"),
                client_id=accounton.client_id,
                client_secret=accounton.client_secret,
            ),
            "accounton",
        ),
    ):
        credentials.save(block, platform)
    with httpx.Client(timeout=60) as http:
        for vat in HR_VATS:
            company = {"vat": vat, "name": f"Entreprise {vat}", "count": EMPLOYEES}
            http.post(f"{sandbox.url('securex')}/_sandbox/companies", json=company)
            http.post(
                f"{sandbox.url('payflip')}/_sandbox/companies",
                json={"vat": f"BE{vat}", "name": f"Entreprise {vat}"},
            ).raise_for_status()
        shape = {"imported": 1200, "accounton": 40, "common": 20, "tricky": False}
        http.post(f"{sandbox.url('adminpulse')}/_sandbox/dataset", json=shape).raise_for_status()
        window = {"limit": SMALL.calls, "window_s": SMALL.seconds}
        http.post(f"{sandbox.url('adminpulse')}/_sandbox/rate-limit", json=window)
    (cluster.folder / "plans").mkdir()
    inboxes = {}
    for dossier in (BAKERY, GARAGE):
        inbox = cluster.folder / "depot" / dossier.code
        inbox.mkdir(parents=True)
        for index in range(FILES):
            records = samples.monthly_dsn(dossier.employer, OCTOBER, 2, seed=100 + index)
            (inbox / f"dsn-{index}.dsn").write_bytes(writer.write_bytes(records))
        inboxes[dossier.code] = inbox
    return inboxes


def a_few_faults(sandbox: SandboxServer) -> None:
    sandbox.state("payflip").faults.set(
        Fault(route="employee-imports", kind=FaultKind.CUT_RESPONSE, count=2)
    )
    sandbox.state("securex").faults.set(Fault(route="v1", kind=FaultKind.STATUS, count=2))
    sandbox.state("adminpulse").faults.set(Fault(route="relations", kind=FaultKind.STATUS, count=2))


def the_runs(cluster: Cluster, inboxes: dict[str, Path]) -> list[tuple[str, dict]]:
    """40 runs, the procedures interleaved; each HR company and each inbox twice."""
    hr = [("hr-sync-now", {"company": vat}) for vat in HR_VATS * 2]
    plans = [
        (
            "client-import",
            {"mode": "plan", "out": str(cluster.folder / "plans" / f"plan-{index}.csv")},
        )
        for index in range(PLANS)
    ]
    pas = [("pas-crm", {"month": "2026-10"})] * PAS_RUNS
    deposits = [
        (
            "dsn-deposit",
            {
                "dossier": code,
                "inbox": str(inbox),
                "operator": OPERATOR,
                "follow_returns_minutes": 0,
            },
        )
        for code, inbox in inboxes.items()
    ] * 2
    groups = [hr, plans, pas, deposits]
    mixed = []
    while any(groups):
        for group in groups:
            if group:
                mixed.append(group.pop())
    return mixed


def wait_until_final(ids: list, deadline: float) -> dict:
    """The runs ``ids``, once every one is final."""
    ours = FlowRunFilter(id=FlowRunFilterId(any_=ids))
    with get_client(sync_client=True) as client:
        while True:
            runs = {run.id: run for run in client.read_flow_runs(flow_run_filter=ours, limit=200)}
            if all(run.state.is_final() for run in runs.values()):
                return runs
            assert time.monotonic() < deadline, Counter(r.state.name for r in runs.values())
            time.sleep(2)


def not_scheduled(ids: list) -> list[str]:
    """The flow runs that left Scheduled and are neither ``ids`` nor made by a schedule."""
    moved = FlowRunFilter(
        state=FlowRunFilterState(type=FlowRunFilterStateType(not_any_=[StateType.SCHEDULED]))
    )
    with get_client(sync_client=True) as client:
        every = client.read_flow_runs(flow_run_filter=moved, limit=200)
    return [run.name for run in every if run.id not in set(ids) and not run.auto_scheduled]


def test_forty_runs_over_two_workers_once_each_nothing_twice(cluster: Cluster, workers) -> None:
    with get_client(sync_client=True) as client, contextlib.suppress(Exception):
        client.delete_global_concurrency_limit_by_name(BUDGETS["adminpulse"].name)
    initialised = cluster.coursier("init")
    assert f"Limite de débit {BUDGETS['adminpulse'].name}" in initialised.stdout
    assert "créée ou corrigée" in initialised.stdout
    cluster.coursier("deploy", "--work-pool", POOL)
    ensure_rate_limits((SMALL,))  # the sandbox's shrunk window, for the whole firm
    inboxes = install(cluster)
    files = {
        hashlib.sha256(path.read_bytes()).hexdigest()
        for inbox in inboxes.values()
        for path in inbox.glob("*.dsn")
    }
    a_few_faults(cluster.sandbox)
    planned = the_runs(cluster, inboxes)
    assert len(planned) == 40
    with get_client(sync_client=True) as client:
        deployments = {d.name: d.id for d in client.read_deployments()}
        ids = [
            client.create_flow_run_from_deployment(deployments[name], parameters=parameters).id
            for name, parameters in planned
        ]
    runs = wait_until_final(ids, time.monotonic() + FINISH_SECONDS)

    with get_client(sync_client=True) as client:
        histories = {i: client.read_flow_run_states(i) for i in ids}
    assert len(runs) == len(ids)
    assert not_scheduled(ids) == []  # beside the schedules' runs, no run but those created
    for run_id in ids:
        run = runs[run_id]
        # Submitting is the worker's claim on the run (the server refuses a second one), Pending
        # the engine's, then Running once.
        names = Counter(state.name for state in histories[run_id])
        kinds = Counter(state.type for state in histories[run_id])
        assert run.state.is_completed(), (run.name, run.state.message)
        assert (names["Submitting"], kinds[StateType.RUNNING], run.run_count) == (1, 1, 1), names
        assert run.labels.get("prefect.worker.name") in WORKERS
    took = Counter(runs[i].labels["prefect.worker.name"] for i in ids)
    assert set(took) == set(WORKERS), took

    sandbox = cluster.sandbox
    received = sandbox.state("payflip").received()
    assert received["created_twice"] == []
    assert received["creates"] == HR_COMPANIES * EMPLOYEES
    arrivals = Counter(d.sha256 for d in sandbox.state("net-entreprises").deposits())
    assert arrivals == Counter(dict.fromkeys(files, 1))
    pulled = httpx.get(sandbox.url("adminpulse") + "/_sandbox/stats").json()
    assert pulled["calls"] >= PLANS * 3  # 1,200 relations: three pages of 400 a plan
    assert pulled["rejected_429"] == 0
