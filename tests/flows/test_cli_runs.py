"""The commands around the runs: the control table, the audit trail, re-running the failures."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
    FlowFilter,
    FlowFilterName,
)
from prefect.client.schemas.sorting import ArtifactSort
from typer.testing import CliRunner

from coursier.connectors.credentials import delete, save
from coursier.connectors.net_entreprises.block import NAME_PREFIX, NetEntreprisesCredentials
from coursier.deployments.cli import app
from coursier.deployments.sandbox_world import credentials_for
from coursier.flows.dsn_returns import dsn_returns
from coursier.models.dsn import samples
from tests.flows.test_dsn_deposit import deposit, without_contract_number
from tests.flows.world import BAKERY, BUREAU, GARAGE_OWN, OCTOBER, OPERATOR, write

runner = CliRunner()
#: The blocked file's month: another declaration than the good file's (one row each).
SEPTEMBER = date(2026, 9, 1)


def month_with_a_blocked_file(tmp_path):
    good = write(tmp_path, "dsn.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 2, seed=4))
    bad = write(
        tmp_path,
        "bloque.dsn",
        without_contract_number(samples.monthly_dsn(BAKERY.employer, SEPTEMBER, 1)),
    )
    return good, bad, deposit(BAKERY.code, [good, bad])


def test_control_table_filters(world, tmp_path, sandbox):
    month_with_a_blocked_file(tmp_path)
    every = json.loads(runner.invoke(app, ["dsn", "control", "--json"]).stdout)
    assert sorted(row["file"] for row in every) == ["bloque.dsn", "dsn.dsn"]
    blocking = json.loads(
        runner.invoke(app, ["dsn", "control", "--json", "--only-blocking"]).stdout
    )
    assert [row["file"] for row in blocking] == ["bloque.dsn"]
    assert (
        json.loads(runner.invoke(app, ["dsn", "control", "--json", "--nature", "07"]).stdout) == []
    )
    later = runner.invoke(app, ["dsn", "control", "--json", "--from", "2026-11"])
    assert json.loads(later.stdout) == []
    wrong = runner.invoke(app, ["dsn", "control", "--from", "10/2026"])
    assert wrong.exit_code == 2
    assert "AAAA-MM" in wrong.output
    readable = runner.invoke(app, ["dsn", "control"], terminal_width=200)
    assert "DSN acceptée" in readable.output
    assert "Refusée / erreur bloquante" in readable.output


def test_audit_as_json_and_csv(world, tmp_path, sandbox):
    month_with_a_blocked_file(tmp_path)
    events = json.loads(runner.invoke(app, ["audit", "--dossier", BAKERY.code, "--json"]).stdout)
    assert [e["action"] for e in events].count("dsn.deposit") == 2
    assert all(e["dossier"] == BAKERY.code for e in events)
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, ["audit", "--csv"]).stdout)))
    assert {"at", "actor", "action", "subject", "outcome", "details"} <= set(rows[0])
    assert BUREAU.password.get_secret_value() not in runner.invoke(app, ["audit", "--csv"]).stdout


def test_rerun_command_redoes_the_failed_files(world, tmp_path, sandbox):
    _good, _bad, first = month_with_a_blocked_file(tmp_path)
    write(tmp_path, "bloque.dsn", samples.monthly_dsn(BAKERY.employer, SEPTEMBER, 1, seed=8))
    result = runner.invoke(app, ["rerun", str(first.state_details.flow_run_id)])
    assert result.exit_code == 0, result.output
    assert "dsn-deposit : Completed" in result.output
    assert len(sandbox.state("net-entreprises").deposits(BUREAU.siret)) == 2
    unknown = runner.invoke(app, ["rerun", "00000000-0000-0000-0000-000000000000"])
    assert unknown.exit_code == 2
    assert "inconnue" in unknown.output


def artifacts_of(state, key):
    """The artifacts ``key`` of the run that ended in ``state``, newest first: other tests of
    the session leave artifacts under the same key."""
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        return client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[key]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]),
            ),
            sort=ArtifactSort.CREATED_DESC,
        )


def test_control_artifact_has_the_table_and_no_secret(world, tmp_path, sandbox):
    *_, state = month_with_a_blocked_file(tmp_path)
    [artifact] = artifacts_of(state, "dsn-control-boul-01")
    table = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
    assert sorted(row["Etat"] for row in table) == ["DSN acceptée", "Refusée / erreur bloquante"]
    dumped = json.dumps(artifact.model_dump(mode="json"))
    for secret in (BUREAU.password.get_secret_value(), GARAGE_OWN.password.get_secret_value()):
        assert secret not in dumped


def deposit_runs():
    with get_client(sync_client=True) as client:
        return client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["dsn-deposit"]))
        )


def test_rerun_of_a_run_that_failed_as_a_whole_runs_it_again_with_its_parameters(
    world, tmp_path, sandbox
):
    good = write(tmp_path, "dsn.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 2, seed=4))
    delete(NetEntreprisesCredentials, NAME_PREFIX, "application", None)  # the bakery's
    first = deposit(BAKERY.code, [good])
    assert first.is_failed()
    assert "coursier credentials set" in first.message
    assert sandbox.state("net-entreprises").deposits(BUREAU.siret) == []
    url = sandbox.url("net-entreprises")
    save(credentials_for(BUREAU, url, "application", None, "net-entreprises"), NAME_PREFIX)
    result = runner.invoke(app, ["rerun", str(first.state_details.flow_run_id)])
    assert result.exit_code == 0, result.output
    assert "dsn-deposit : Completed" in result.output
    [received] = sandbox.state("net-entreprises").deposits(BUREAU.siret)
    assert received  # the file of the first run, which it never got to send
    again = max(deposit_runs(), key=lambda r: r.created)
    assert again.parameters["files"] == [str(good)]
    assert again.parameters["dossier"] == BAKERY.code
    assert again.parameters.get("retry_failed_of") is None  # the whole run, not its failures


def test_rerun_of_a_run_with_nothing_failed_says_so_and_starts_nothing(world, tmp_path, sandbox):
    good = write(tmp_path, "dsn.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 2, seed=4))
    done = deposit(BAKERY.code, [good])
    assert done.is_completed()
    assert done.name != "Partial"
    before = len(deposit_runs())
    result = runner.invoke(app, ["rerun", str(done.state_details.flow_run_id).upper()])
    assert result.exit_code == 0, result.output
    assert "Rien à relancer : aucun fichier en échec" in result.output
    assert len(deposit_runs()) == before
    assert len(sandbox.state("net-entreprises").deposits(BUREAU.siret)) == 1


def test_retry_failed_of_last_redoes_the_last_runs_failures_then_has_nothing_to_do(
    world, tmp_path, sandbox
):
    month_with_a_blocked_file(tmp_path)
    write(tmp_path, "bloque.dsn", samples.monthly_dsn(BAKERY.employer, SEPTEMBER, 1, seed=8))
    retried = deposit(BAKERY.code, [], retry_failed_of="last")
    assert retried.is_completed(), retried.message
    assert [item.key for item in retried.result().items] == [str(tmp_path / "bloque.dsn")]
    assert len(sandbox.state("net-entreprises").deposits(BUREAU.siret)) == 2
    nothing = deposit(BAKERY.code, [], retry_failed_of="last")
    assert nothing.is_completed()  # not Failed: no alert for a retry with nothing to retry
    assert nothing.message.startswith("Rien à relancer")
    assert len(sandbox.state("net-entreprises").deposits(BUREAU.siret)) == 2


def test_retry_failed_of_a_run_of_another_flow_is_refused(world, tmp_path, sandbox):
    month_with_a_blocked_file(tmp_path)
    returns = dsn_returns(dossiers=[BAKERY.code], operator=OPERATOR, return_state=True)
    wrong = deposit(BAKERY.code, [], retry_failed_of=str(returns.state_details.flow_run_id))
    assert wrong.is_failed()
    assert "dsn-returns, pas de dsn-deposit" in wrong.message
