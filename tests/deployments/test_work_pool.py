"""``coursier deploy --work-pool P``: every registered deployment on a process pool, found by
module path, beating at coursier's rhythm; idempotent; another kind of pool refused by name;
and a real process worker, started as a machine would start it, runs a deployment's flow with
that machine's store."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.filters import DeploymentFilter, WorkPoolFilter, WorkPoolFilterName

from coursier.deployments import serving
from coursier.deployments.registry import registered
from coursier.tasks.prefect_guards import HEARTBEAT_SECONDS

pytestmark = pytest.mark.usefixtures("prefect_api")
POOL = "coursier-essai"


def on_pool(name: str):
    with get_client(sync_client=True) as client:
        return client.read_deployments(
            work_pool_filter=WorkPoolFilter(name=WorkPoolFilterName(any_=[name])),
            deployment_filter=DeploymentFilter(),
        )


def test_every_deployment_lands_on_the_pool_by_module_path_and_again_changes_nothing():
    first = serving.deploy_all(POOL)
    again = serving.deploy_all(POOL)
    declared = {
        (flow.name, spec.name)
        for procedure in registered()
        for flow in procedure.flows
        for spec in flow.deployments
    }
    assert sorted(first) == sorted(again)
    found = on_pool(POOL)
    assert len(found) == len(declared) == len(first)
    by_name = {d.name: d for d in found}
    deposit = by_name["dsn-deposit"]
    assert deposit.entrypoint == "coursier.flows.dsn_deposit.dsn_deposit"
    assert deposit.job_variables == {
        "env": {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(HEARTBEAT_SECONDS)}
    }
    with get_client(sync_client=True) as client:
        assert client.read_work_pool(POOL).type == "process"


def test_a_pool_of_another_kind_is_refused_by_name():
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="coursier-docker", type="docker"))
    with pytest.raises(SystemExit, match="le pool 'coursier-docker' est de type 'docker'"):
        serving.deploy_all("coursier-docker")
    assert on_pool("coursier-docker") == []


@pytest.mark.long
def test_a_process_worker_runs_a_deployed_flow_with_its_machines_store(tmp_path: Path, prefect_api):
    serving.deploy_all(POOL)
    [pas] = [d for d in on_pool(POOL) if d.name == "pas-crm"]
    with get_client(sync_client=True) as client:
        flow_run = client.create_flow_run_from_deployment(pas.id, parameters={"month": "2026-10"})
    machine_store = tmp_path / "machine.db"
    store_url = f"sqlite:///{machine_store}"
    environment = {
        **os.environ,
        "PREFECT_API_URL": prefect_api,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "COURSIER_HOME": str(tmp_path / "home"),
        "COURSIER_DATABASE_URL": store_url,
    }
    prefect = str(Path(sys.executable).with_name("prefect"))
    worker = subprocess.run(
        [prefect, "worker", "start", "--pool", POOL, "--run-once", "--type", "process"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    deadline = time.monotonic() + 60
    with get_client(sync_client=True) as client:
        while not (state := client.read_flow_run(flow_run.id).state).is_final():
            assert time.monotonic() < deadline, worker.stdout + worker.stderr
            time.sleep(0.5)
    assert state.is_completed(), (state.message, worker.stdout[-2000:], worker.stderr[-2000:])
    assert "rien à intégrer" in state.message
    # The run opened the worker machine's store (created then): not the test process's.
    assert machine_store.exists()
    assert worker.returncode == 0, worker.stderr[-2000:]
