"""Every audit row of a run names the dossier in play, and the returns control works one task
per declarant account: accounts side by side, each account's dossiers one after another."""

from __future__ import annotations

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from coursier.connectors.credentials import delete
from coursier.connectors.net_entreprises.block import NAME_PREFIX, NetEntreprisesCredentials
from coursier.flows.dsn_returns import dsn_returns
from coursier.models.dsn import samples
from coursier.store import open_store, query_audit
from tests.flows.test_dsn_deposit import deposit
from tests.flows.world import BAKERY, EVERY_RETURN_OUT_S, GARAGE, OCTOBER, OPERATOR, write

pytestmark = pytest.mark.usefixtures("clients_on_the_sandbox_clock")


def audit_of(world, state):
    run_id = str(state.state_details.flow_run_id)
    with open_store(world.effective_database_url()) as store, store.begin() as session:
        return [e for e in query_audit(session) if e.flow_run_id == run_id]


def task_names(state):
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
        )
    return sorted(r.name.rsplit("-", 1)[0] for r in runs)  # "<task name>-<suffix>"


def test_a_deposit_run_that_fails_as_a_whole_names_its_dossier(world, tmp_path, sandbox):
    delete(NetEntreprisesCredentials, NAME_PREFIX, "application", None)  # the bakery's
    good = write(tmp_path, "dsn.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 1))
    state = deposit(BAKERY.code, [good])
    assert state.is_failed()
    [failed] = audit_of(world, state)
    assert (failed.action, failed.dossier, failed.flow) == (
        "run.failed",
        BAKERY.code,
        "dsn-deposit",
    )


def test_the_returns_control_names_each_dossier_and_takes_each_account_once(
    world, tmp_path, sandbox
):
    for dossier, name in ((BAKERY, "b.dsn"), (GARAGE, "g.dsn")):
        path = write(tmp_path, name, samples.monthly_dsn(dossier.employer, OCTOBER, 1))
        assert deposit(dossier.code, [path]).is_completed()
    sandbox.clock.advance(EVERY_RETURN_OUT_S)
    state = dsn_returns(operator=OPERATOR, return_state=True)
    assert state.is_completed()
    assert state.name != "Partial"
    report = state.result()
    assert [item.key for item in report.items] == sorted([BAKERY.code, GARAGE.code])
    rows = audit_of(world, state)
    assert rows
    assert all(row.dossier in (BAKERY.code, GARAGE.code) for row in rows), [
        (r.action, r.dossier) for r in rows
    ]
    # The bakery uses the bureau's account, the garage its own: two accounts, one task each.
    names = task_names(state)
    assert names.count("control-account-returns") == 2
    assert names.count("reconcile-deposits") == 2
    assert names.count("open-accounts") == 1
