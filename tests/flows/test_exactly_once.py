"""Nothing lost, nothing twice, attacked as the issue's table did: two runs of the same inbox at
once, cuts with a look-alike account on another endpoint, cuts then 5xx on every route, and a
``kill -9`` in the middle of a run. Each ends with one arrival per file at the platform and a
final state for each file in the ledger.

The files share their SIRET, nature and month (a bureau's signals, a month's corrections): the
hardest case for reconciling, since only one of them may be of unknown fate at a time. Each
scenario runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL
from sqlalchemy import select

from coursier.deployments.sandbox_world import WorldDossier, install_world
from coursier.flows.dsn_deposit import dsn_deposit
from coursier.flows.dsn_returns import dsn_returns
from coursier.models.dsn import samples, writer
from coursier.sandbox.faults import Fault, FaultKind
from coursier.store import Deposit, open_store
from coursier.store.m2m import set_m2m
from tests.flows.world import BAKERY, BUREAU, OCTOBER, OPERATOR

FILES = 50


@pytest.fixture
def database_url(store_url: str) -> str:
    """Every scenario on SQLite and on PostgreSQL."""
    return store_url


FINAL = {"accepted", "anomalies", "rejected"}


def month_of_files(folder: Path, count: int = FILES, employer=BAKERY.employer) -> dict[str, Path]:
    """``count`` monthly DSN of one employer and month, by sha256."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for index in range(count):
        path = folder / f"dsn-{index:03d}.dsn"
        path.write_bytes(writer.write_bytes(samples.monthly_dsn(employer, OCTOBER, 1, seed=index)))
        files[hashlib.sha256(path.read_bytes()).hexdigest()] = path
    return files


def arrivals(sandbox, platform: str = "net-entreprises") -> Counter[str]:
    """How many times each file (by sha256) reached the platform."""
    return Counter(d.sha256 for d in sandbox.state(platform).deposits())


def ledger(world) -> dict[str, Deposit]:
    with open_store(world.effective_database_url()) as store, store.begin() as session:
        return {row.file_sha256: row for row in session.scalars(select(Deposit))}


def deposit(inbox: Path, **options):
    return dsn_deposit(
        dossier=BAKERY.code,
        inbox=str(inbox),
        operator=OPERATOR,
        follow_returns_minutes=0.1,
        return_state=True,
        **options,
    )


def cli_deposit(world, inbox: Path, **env: str) -> subprocess.Popen:
    """``coursier dsn deposit BAKERY --inbox DIR`` in a process of its own, on the test's
    store and Prefect API, as the OS user (whose M2M switch is turned on)."""
    with open_store(world.effective_database_url()) as store, store.begin() as session:
        set_m2m(session, getpass.getuser(), "dsn", True, by="test")
    command = [str(Path(sys.executable).parent / "coursier"), "dsn", "deposit", BAKERY.code]
    environment = {
        **os.environ,
        "PREFECT_API_URL": PREFECT_API_URL.value(),
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "COLUMNS": "200",
        **env,
    }
    return subprocess.Popen(
        [*command, "--inbox", str(inbox), "--follow-minutes", "0"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_two_runs_of_the_same_inbox_at_once_send_each_file_once(world, tmp_path, sandbox):
    files = month_of_files(tmp_path / "inbox")
    runs = [cli_deposit(world, tmp_path / "inbox", COURSIER_QUEUE_PER_DOSSIER="0") for _ in "ab"]
    outputs = [run.communicate(timeout=240)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert "Traceback" not in "".join(outputs)
    assert arrivals(sandbox) == Counter(dict.fromkeys(files, 1))
    rows = ledger(world)
    assert {rows[sha].state for sha in files} <= {"deposited", *FINAL}
    assert len({rows[sha].idflux for sha in files}) == FILES


def test_cut_answers_and_a_look_alike_account_elsewhere(world, tmp_path, sandbox):
    """30 % of the deposit answers cut; a dossier whose own credentials are the bureau's SIRET
    on another endpoint deposits and is controlled meanwhile: it never touches these rows."""
    elsewhere = WorldDossier(
        "SPECT-04", "Théâtre", samples.Employer.from_seed(91827364, "THÉÂTRE"), platform="izilio"
    )
    with open_store(world.effective_database_url()) as store:
        install_world(store, sandbox, [elsewhere], bureau=BUREAU, operator=OPERATOR)
    files = month_of_files(tmp_path / "inbox")
    other = month_of_files(tmp_path / "other", 5, employer=elsewhere.employer)
    sandbox.state("net-entreprises").faults.set(
        Fault(route="deposer-dsn", kind=FaultKind.CUT_RESPONSE, rate=0.3)
    )
    sandbox.state("izilio").faults.set(
        Fault(route="deposer-dsn", kind=FaultKind.CUT_RESPONSE, rate=0.3)
    )
    first = deposit(tmp_path / "inbox")
    dsn_deposit(
        dossier=elsewhere.code,
        inbox=str(tmp_path / "other"),
        operator=OPERATOR,
        follow_returns_minutes=0.1,
        return_state=True,
    )
    assert dsn_returns(operator=OPERATOR, return_state=True).is_completed()
    assert first.is_completed(), first.message
    assert arrivals(sandbox) == Counter(dict.fromkeys(files, 1))
    assert arrivals(sandbox, "izilio") == Counter(dict.fromkeys(other, 1))
    rows = ledger(world)
    assert {rows[sha].state for sha in files} <= FINAL | {"deposited"}
    assert {rows[sha].account_key for sha in files} != {rows[sha].account_key for sha in other}


def test_cuts_then_5xx_on_every_route_then_reruns(world, tmp_path, sandbox):
    files = month_of_files(tmp_path / "inbox")
    platform = sandbox.state("net-entreprises")
    platform.faults.set(Fault(route="deposer-dsn", kind=FaultKind.CUT_RESPONSE, count=8))
    platform.faults.set(
        Fault(route="*", kind=FaultKind.STATUS, status=503, rate=0.25, retry_after=0)
    )
    states = [deposit(tmp_path / "inbox")]
    platform.faults.clear()
    while not states[-1].is_completed() or states[-1].name == "Partial":
        assert len(states) <= 4, [s.message for s in states]
        states.append(deposit(tmp_path / "inbox"))  # the inbox's next run, as scheduled
    assert dsn_returns(operator=OPERATOR, return_state=True).is_completed()
    assert arrivals(sandbox) == Counter(dict.fromkeys(files, 1))
    rows = ledger(world)
    assert {rows[sha].state for sha in files} <= FINAL
    assert not [r for r in rows.values() if r.state in ("sending", "unknown", "not_sent")]


@pytest.mark.parametrize("lease", ["2"])
def test_kill_9_in_the_middle_then_reruns(world, tmp_path, sandbox, monkeypatch, lease):
    files = month_of_files(tmp_path / "inbox")
    platform = sandbox.state("net-entreprises")
    platform.faults.set(Fault(route="deposer-dsn", latency_ms=60))
    victim = cli_deposit(world, tmp_path / "inbox", COURSIER_CLAIM_LEASE_SECONDS=lease)
    deadline = time.monotonic() + 120
    while len(platform.deposits()) < 20:
        assert victim.poll() is None, victim.communicate()[0]
        assert time.monotonic() < deadline
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    platform.faults.clear()
    monkeypatch.setenv("COURSIER_CLAIM_LEASE_SECONDS", lease)
    time.sleep(float(lease) + 0.5)  # the dead run's lease runs out
    first = deposit(tmp_path / "inbox")
    second = deposit(tmp_path / "inbox")
    assert first.is_completed(), first.message
    assert second.is_completed(), second.message
    assert arrivals(sandbox) == Counter(dict.fromkeys(files, 1))
    rows = ledger(world)
    assert not [r for r in rows.values() if r.state in ("sending", "unknown", "not_sent")]
