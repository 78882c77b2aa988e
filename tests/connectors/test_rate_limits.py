"""The firm's call budgets held across processes by Prefect rate limits: each budget's bucket
fits under it; ``ensure_rate_limits`` creates and corrects the limits, idempotently; a call in a
flow run without its limit fails saying to run ``coursier init``; outside a run nothing asks the
server; and two processes pulling AdminPulse at once stay under the budget the sandbox enforces,
where the same two processes outside any flow run get 429s."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate

from coursier.connectors.rate_limits import (
    BUDGETS,
    SHARE,
    CallBudget,
    RateLimitMissing,
    ensure_rate_limits,
    shared_run,
    take_slot,
)
from coursier.sandbox.server import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
#: The sandbox's window and our budget, shrunk so that the test takes seconds, not minutes.
SMALL = CallBudget("adminpulse", calls=40, seconds=4)
CALLS_EACH = 30


def test_each_bucket_fits_under_its_budget_and_adminpulse_has_one() -> None:
    assert (BUDGETS["adminpulse"].calls, BUDGETS["adminpulse"].seconds) == (480, 60)
    for budget in (*BUDGETS.values(), SMALL):
        most_in_a_window = budget.burst + budget.seconds * budget.decay
        assert budget.decay > 0
        assert most_in_a_window <= budget.calls * SHARE


def test_outside_a_flow_run_no_slot_is_asked(monkeypatch) -> None:
    # No server at this address: asking it would fail.
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert not shared_run()
    take_slot(CallBudget("nowhere", calls=1))


def read_limit(name: str):
    with get_client(sync_client=True) as client:
        return client.read_global_concurrency_limit_by_name(name)


@pytest.mark.usefixtures("prefect_api")
def test_limits_are_created_once_and_corrected_when_changed() -> None:
    budget = CallBudget("essai-idempotent", calls=120, seconds=60)
    assert ensure_rate_limits((budget,)) == [budget.name]
    assert ensure_rate_limits((budget,)) == []
    found = read_limit(budget.name)
    assert (found.limit, found.active) == (2, True)
    assert found.slot_decay_per_second == pytest.approx((117 - 2) / 60)  # 98 % of 120, less 2
    with get_client(sync_client=True) as client:
        client.update_global_concurrency_limit(
            budget.name, GlobalConcurrencyLimitUpdate(active=False, limit=50)
        )
    assert ensure_rate_limits((budget,)) == [budget.name]
    found = read_limit(budget.name)
    assert (found.limit, found.active) == (2, True)


@pytest.mark.usefixtures("prefect_api")
def test_a_call_in_a_flow_run_without_its_limit_says_to_run_init() -> None:
    @flow
    def calling() -> None:
        assert shared_run()
        take_slot(CallBudget("sans-limite", calls=10))

    with pytest.raises(RateLimitMissing, match=r"coursier-sans-limite-calls n'existe pas.*init"):
        calling()


@pytest.fixture
def sandbox():
    with SandboxServer(seed=0) as running:
        httpx.post(
            running.url("adminpulse") + "/_sandbox/rate-limit",
            json={"limit": SMALL.calls, "window_s": SMALL.seconds},
        ).raise_for_status()
        yield running


@pytest.fixture
def small_budget(prefect_api):
    """AdminPulse's limit on the session's Prefect API shrunk to the sandbox's, then restored."""
    ensure_rate_limits((SMALL,))
    yield SMALL
    ensure_rate_limits()


def pull_together(sandbox, tmp_path: Path, api: str, *, in_flow: bool) -> dict[str, float]:
    """Two processes making ``CALLS_EACH`` calls each, started at once: what the sandbox saw,
    and the longest a process took for its calls."""
    url = sandbox.url("adminpulse")
    environment = {
        **os.environ,
        "PREFECT_API_URL": api,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "tests.connectors.adminpulse_puller", url]
    command += [sandbox.state("adminpulse").token, str(CALLS_EACH)]
    command += ["--in-flow"] if in_flow else []
    before = httpx.get(url + "/_sandbox/stats").json()
    pullers = [
        subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    took = []
    try:
        for puller in pullers:
            assert puller.stdout.readline().strip() == "ready", puller.stderr.read()
        for puller in pullers:
            puller.stdin.write("go\n")
            puller.stdin.flush()
        for puller in pullers:
            out, err = puller.communicate(timeout=120)
            assert puller.returncode == 0, err[-3000:]
            took.append(float(out.split()[-1]))
    finally:
        for puller in pullers:
            if puller.poll() is None:
                puller.kill()
                puller.wait()
    after = httpx.get(url + "/_sandbox/stats").json()
    seen = {key: after[key] - before[key] for key in ("calls", "rejected_429")}
    return {**seen, "took": max(took)}


@pytest.mark.long
def test_two_processes_pulling_at_once_share_the_firms_budget(
    sandbox, small_budget, prefect_api, tmp_path: Path
) -> None:
    shared = pull_together(sandbox, tmp_path, prefect_api, in_flow=True)
    assert (shared["calls"], shared["rejected_429"]) == (2 * CALLS_EACH, 0)
    # The bucket held them back: beyond its burst, slots come at the decay's pace at best.
    assert shared["took"] >= (2 * CALLS_EACH - small_budget.burst) / small_budget.decay
    time.sleep(SMALL.seconds)  # the sandbox's window empty again
    alone = pull_together(sandbox, tmp_path, prefect_api, in_flow=False)
    assert alone["calls"] == 2 * CALLS_EACH
    assert alone["rejected_429"] > 0  # each pacing itself only: together over the budget
